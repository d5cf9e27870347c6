# Typed stubs for the private native module. Public API: lexmetrics/__init__.py.

from collections.abc import Sequence

__all__ = [
    "__version__",
    "BUILD_PROFILE",
    "default_workers",
    "_panic_test_hook",
    "rouge_tokenize",
    "rouge_default_drops",
    "rouge_texts",
    "rouge_docs",
    "bleu_stats",
    "sentence_bleu",
    "bleu_from_stats",
    "chrf_stats",
    "sentence_chrf",
    "chrf_from_stats",
    "bleu_scores_from_stats",
    "chrf_scores_from_stats",
    "format_rows",
    "sacre_tokenize",
    "py_lower",
    "py_split",
    "ter_stats",
    "sentence_ter",
    "ter_tokenize",
    "porter_stem",
    "_texts_debug",
    "_texts_total_bytes",
    "_texts_source",
    "_use_bundled_python_tables",
    "_use_bundled_regex_classes",
    "_set_python_tables",
    "_set_regex_classes",
    "_unicode_info",
]

__version__: str
BUILD_PROFILE: str  # "release" or "debug"

def default_workers() -> int: ...
def _panic_test_hook(n: int, at: int | None = None, workers: int | None = None) -> int:
    """Test hook: panics at entry (at=None) or in item `at`; must raise InternalError."""

# ======================================================================
# ROUGE (rust/python/src/rouge.rs)
# ======================================================================

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

# A pre-split document: (whole, sentences). `whole` feeds rougeN/rougeL, `sentences` rougeLsum;
# a str is tokenized natively (default tokenizer, stemmed if asked), a list of str is used verbatim.
_Piece = str | Sequence[str]
_Doc = tuple[_Piece | None, Sequence[_Piece] | None]

def rouge_texts(
    predictions: Sequence[str],
    references: Sequence[str | Sequence[str]],
    rouge_types: Sequence[str],
    use_stemmer: bool = False,
    workers: int | None = None,
    tokenizer: str = "default",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Flat scores (types x {P,R,F} x n) and int_zero flags (types x n)."""

def rouge_docs(
    predictions: Sequence[_Doc],
    references: Sequence[_Doc],
    ref_offsets: Sequence[int],
    rouge_types: Sequence[str],
    use_stemmer: bool = False,
    workers: int | None = None,
    tokenizer: str = "default",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Like rouge_texts on pre-split documents; references[ref_offsets[i]:ref_offsets[i+1]] are pair i's."""

def rouge_tokenize(
    text: str, use_stemmer: bool = False, tokenizer: str = "default"
) -> list[str]: ...
def rouge_default_drops(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]]
) -> tuple[str, int] | None:
    """The first text whose letters/digits the default tokenizer mostly drops: (which, pair index)."""

# (end ROUGE)

# ======================================================================
# porter (rust/python/src/porter.rs)
# ======================================================================

def porter_stem(words: Sequence[str]) -> list[str]: ...

# (end porter)

# ======================================================================
# BLEU / chrF (rust/python/src/bleu.rs)
# ======================================================================

_Refs = Sequence[str | Sequence[str]]

def bleu_stats(
    hypotheses: Sequence[str],
    references: _Refs,
    tokenize: str = "13a",
    lowercase: bool = False,
    max_ngram_order: int = 4,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.int64], int]: ...  # (stats (N, 2+2n), nrefs or -1 when it varies)
def sentence_bleu(
    hypotheses: Sequence[str],
    references: _Refs,
    tokenize: str = "13a",
    lowercase: bool = False,
    max_ngram_order: int = 4,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    use_effective_order: bool = True,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...
def bleu_from_stats(
    stats: Sequence[int],
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    use_effective_order: bool = False,
    max_ngram_order: int = 4,
) -> tuple[
    float, list[float], list[float], list[float], float
]: ...  # score, counts, totals, precisions, bp
def chrf_stats(
    hypotheses: Sequence[str],
    references: _Refs,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.int64], int]: ...
def sentence_chrf(
    hypotheses: Sequence[str],
    references: _Refs,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...
def chrf_from_stats(
    stats: Sequence[int],
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    eps_smoothing: bool = False,
) -> float: ...
def sacre_tokenize(
    lines: Sequence[str], tokenize: str = "13a", lowercase: bool = False
) -> list[str]: ...
def py_lower(lines: Sequence[str]) -> list[str]: ...
def py_split(lines: Sequence[str]) -> list[list[str]]: ...

# (end BLEU / chrF)

# ======================================================================
# TER (rust/python/src/ter.rs)
# ======================================================================

def ter_stats(
    hypotheses: Sequence[str],
    references: _Refs,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.float64], int]: ...  # (stats (N, 2): num_edits, ref_length; nrefs or -1)
def sentence_ter(
    hypotheses: Sequence[str],
    references: _Refs,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...
def ter_tokenize(
    lines: Sequence[str],
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
) -> list[str]: ...

# (end TER)

# ======================================================================
# Text columns: test hooks (rust/python/src/texts.rs)
# ======================================================================

def _texts_debug(obj: object, *, nulls: str = "error", what: str = "texts") -> list[str]: ...
def _texts_total_bytes(obj: object, *, nulls: str = "error", what: str = "texts") -> int: ...
def _texts_source(obj: object, *, nulls: str = "error") -> str: ...

# (end text columns)

# ======================================================================
# Unicode tables (rust/python/src/unicode.rs; chosen by lexmetrics/_unicode.py)
# ======================================================================

def _use_bundled_python_tables(unidata_version: str) -> bool: ...
def _use_bundled_regex_classes(regex_version: str) -> bool: ...
def _set_python_tables(
    unidata_version: str,
    whitespace: Sequence[tuple[int, int]],
    lower: Sequence[tuple[int, int, int, int]],
    case_ignorable: Sequence[tuple[int, int]],
    cased: Sequence[tuple[int, int]],
) -> None: ...
def _set_regex_classes(
    regex_version: str,
    p: Sequence[tuple[int, int]],
    s: Sequence[tuple[int, int]],
    n: Sequence[tuple[int, int]],
) -> None: ...
def _unicode_info() -> dict[str, object]: ...

# ======================================================================
# Pairwise matrices (rust/python/src/pairwise.rs)
# ======================================================================

def pairwise_bleu(
    candidates: Sequence[str],
    references: Sequence[str] | None = None,
    tokenize: str = "13a",
    lowercase: bool = False,
    max_ngram_order: int = 4,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    use_effective_order: bool = True,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...  # (len(candidates), len(references or candidates))
def pairwise_chrf(
    candidates: Sequence[str],
    references: Sequence[str] | None = None,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2.0,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...
def pairwise_rouge(
    candidates: Sequence[str],
    references: Sequence[str] | None = None,
    rouge_type: str = "rougeL",
    use_stemmer: bool = False,
    measure: str = "fmeasure",
    workers: int | None = None,
    tokenizer: str = "default",
) -> npt.NDArray[np.float64]: ...
def pairwise_ter(
    candidates: Sequence[str],
    references: Sequence[str] | None = None,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...
def self_bleu(
    texts: Sequence[str],
    tokenize: str = "13a",
    lowercase: bool = False,
    max_ngram_order: int = 4,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    use_effective_order: bool = True,
    workers: int | None = None,
) -> npt.NDArray[np.float64]: ...  # per text, against all the others

__all__ += ["pairwise_bleu", "pairwise_chrf", "pairwise_rouge", "pairwise_ter", "self_bleu"]

# (end pairwise)

# ======================================================================
# Per-row scores from per-row statistics (rust/python/src/from_stats.rs)
# ======================================================================

def bleu_scores_from_stats(
    stats: npt.NDArray[np.int64],
    smooth_method: str,
    smooth_value: float | None,
    use_effective_order: bool,
    max_ngram_order: int,
) -> npt.NDArray[np.float64]: ...
def chrf_scores_from_stats(
    stats: npt.NDArray[np.int64],
    char_order: int,
    word_order: int,
    beta: float,
    eps_smoothing: bool,
) -> npt.NDArray[np.float64]: ...
def format_rows(
    columns: Sequence[npt.NDArray[np.float64] | Sequence[str]],
    pieces: Sequence[str],
    json: bool,
    workers: int | None = None,
) -> str: ...

# ======================================================================
# Bootstrap and approximate randomization sums (rust/python/src/resample.rs)
# ======================================================================

__all__ += ["ar_sums", "bootstrap_sums"]

def bootstrap_sums(
    ints: list[npt.NDArray[np.int64]],
    floats: list[npt.NDArray[np.float64]],
    state: tuple[int, int, bool, int],
    rows: int,
    bounds: npt.NDArray[np.int64] | None = None,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], tuple[int, int, bool, int]]: ...
def ar_sums(
    bl_ints: list[npt.NDArray[np.int64]],
    sys_ints: list[npt.NDArray[np.int64]],
    bl_floats: list[npt.NDArray[np.float64]],
    sys_floats: list[npt.NDArray[np.float64]],
    key: int,
    trial_start: int,
    trials: int,
    bounds: npt.NDArray[np.int64] | None = None,
    workers: int | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
