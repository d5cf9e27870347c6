"""The sacrebleu release whose API, numbers and signatures this layer reproduces."""

__version__ = "2.6.0"
