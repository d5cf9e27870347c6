"""Drop-in for sacrebleu 2.6's public API: ``from lexmetrics.compat import sacrebleu``.

Laid out as sacrebleu is: ``metrics`` (``BLEU``, ``CHRF``, ``TER`` and ``metrics.bleu/chrf/ter/
base/helpers``), ``compat`` (``corpus_bleu`` ... ``sentence_ter``), ``tokenizers``,
``significance`` (``PairedTest``, ``Result``), ``utils`` and ``python -m
lexmetrics.compat.sacrebleu`` for the command line. Same names, signatures, reference-stream
layout (``refs[k][i]``; ``None`` entries give a variable number of references and ``nrefs:var``),
result attributes and printed forms as sacrebleu; scores are equal (``==``). Signatures end in
``version:2.6.0``, the sacrebleu release reproduced.

Deliberate differences: streams whose length differs from the hypotheses raise
``InputValueError`` (sacrebleu silently truncates); the tokenizers that need external models
(``ja-mecab``, ``ko-mecab``, ``spm``, ``flores101``, ``flores200``, ``spBLEU-1K``) and the test-set
functions (download, registry) raise ``InputValueError``; the "looks tokenized" warning
(``force``) is not emitted.
"""

from __future__ import annotations

__description__ = (
    "Hassle-free computation of shareable, comparable, and reproducible BLEU, chrF, and TER scores"
)

from . import compat, metrics, tokenizers, utils  # noqa: F401
from .compat import (
    corpus_bleu,
    corpus_chrf,
    corpus_ter,
    raw_corpus_bleu,
    sentence_bleu,
    sentence_chrf,
    sentence_ter,
)
from .dataset import DATASETS
from .metrics import BLEU, CHRF, TER
from .metrics.bleu import BLEUScore, BLEUSignature
from .metrics.chrf import CHRFScore, CHRFSignature
from .metrics.helpers import extract_char_ngrams, extract_word_ngrams
from .metrics.ter import TERScore, TERSignature
from .utils import (
    SACREBLEU_DIR,
    download_test_set,
    get_available_testsets,
    get_langpairs_for_testset,
    get_reference_files,
    get_source_file,
    smart_open,
)
from .version import __version__

#: The sacrebleu release whose numbers and signatures this layer reproduces (kept for old imports).
SACREBLEU_VERSION = __version__

__all__ = [
    "smart_open",
    "SACREBLEU_DIR",
    "download_test_set",
    "get_source_file",
    "get_reference_files",
    "get_available_testsets",
    "get_langpairs_for_testset",
    "extract_word_ngrams",
    "extract_char_ngrams",
    "DATASETS",
    "BLEU",
    "CHRF",
    "TER",
    "BLEUScore",
    "CHRFScore",
    "TERScore",
    "BLEUSignature",
    "CHRFSignature",
    "TERSignature",
    "corpus_bleu",
    "raw_corpus_bleu",
    "sentence_bleu",
    "corpus_chrf",
    "sentence_chrf",
    "corpus_ter",
    "sentence_ter",
    "__version__",
]
