"""The sacrebleu release whose API, numbers and signatures this layer reproduces."""

from __future__ import annotations

__all__ = [
    "__version__",
    "__version_tuple__",
    "version",
    "version_tuple",
    "__commit_id__",
    "commit_id",
]

__version__ = version = "2.6.0"
__version_tuple__ = version_tuple = (2, 6, 0)
# sacrebleu 2.6.0's own build id, kept so code that prints it sees the release reproduced.
__commit_id__ = commit_id = "g2277caccf"
