"""ROUGE (rouge-score 0.1.2 parity): ``rouge()`` and its result types.

Every precision, recall and F equals what ``rouge_score.rouge_scorer.RougeScorer(...).score`` (one
reference) or ``.score_multi`` (several references) returns for the same pair, float for float.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _native
from ._bleu import _check_workers
from ._columns import references_arg
from ._dependencies import require
from ._errors import InputTypeError, InputValueError, MissingDependencyError
from ._exactsum import exact_mean
from .exceptions import RougeTokenizerWarning

__all__ = [
    "rouge",
    "RougeResult",
    "RougeScores",
    "RougeMean",
    "MissingNltkDataError",
    "ROUGE_TOKENIZERS",
    "RougeTokenizerWarning",
]

#: The native tokenizer profiles (docs/rouge-tokenizers.md); ``default`` is rouge-score's.
ROUGE_TOKENIZERS = ("default", "unicode", "cjk", "whitespace")


_warned_drops = False


def check_profile(name: Any, option: str = "tokenizer") -> str:
    """A tokenizer profile name, validated (``option`` names the argument in the error)."""
    if not isinstance(name, str):
        raise InputTypeError(f"{option} must be a str profile name, got {type(name).__name__}")
    if name not in ROUGE_TOKENIZERS:
        raise InputValueError(
            f"unknown {option}={name!r}; expected one of {', '.join(map(repr, ROUGE_TOKENIZERS))}"
        )
    if name != "default":
        from . import _unicode

        _unicode.install(False)  # lowercasing as this interpreter's str.lower()
    return name


#: Pairs of a list input whose texts the drop check reads (the first half, then an even spread).
_DROP_CHECK_PAIRS = 2048


def _warn_default_drops(predictions: Any, references: Any) -> None:
    """Warns once per process when the default tokenizer drops most letters/digits of a text."""
    global _warned_drops
    if _warned_drops:
        return
    idx = None
    n = len(predictions) if isinstance(predictions, (list, tuple)) else 0
    if n > _DROP_CHECK_PAIRS and isinstance(references, (list, tuple)) and len(references) == n:
        # A bounded sample keeps the check at a fixed cost on big batches.
        half = _DROP_CHECK_PAIRS // 2
        idx = list(range(half)) + list(range(half, n, -(-(n - half) // half)))
        predictions = [predictions[i] for i in idx]
        references = [references[i] for i in idx]
    try:
        hit = _native.rouge_default_drops(predictions, references)
    except (TypeError, ValueError):  # inputs the scorer takes but this check cannot read
        return
    if hit is not None:
        _warned_drops = True
        which, i = hit
        i = i if idx is None else idx[i]
        warnings.warn(
            f"ROUGE: the default (rouge-score) tokenizer keeps ASCII letters and digits only and "
            f"dropped most of {which}[{i}]; for other scripts pass tokenizer='unicode' or 'cjk' "
            "(CLI: --rouge-tokenizer)",
            RougeTokenizerWarning,
            stacklevel=4,
        )


Reference = str | Sequence[str]


class MissingNltkDataError(MissingDependencyError, LookupError):
    """nltk is installed but its ``punkt_tab`` sentence model (needed by ``split_summaries``) is not.

    Also a ``LookupError``, the exception rouge-score itself lets through in that case.
    """


@dataclass(frozen=True)
class RougeMean:
    """Corpus means of one rouge type's per-pair scores.

    Each mean is the correctly rounded mean of the float64 values (exact summation), so it does not
    depend on order, batching or worker count, and merges bit for bit across processes and machines
    (the CLI, the accumulators and the Spark integration report the same number).
    """

    precision: float
    recall: float
    fmeasure: float


class RougeScores:
    """Per-pair scores of one rouge type: read-only float64 arrays of length N.

    ``precision[i]``, ``recall[i]``, ``fmeasure[i]`` are the scores of pair ``i``; ``mean()`` gives the
    corpus means as a :class:`RougeMean`.
    """

    __slots__ = ("_p", "_r", "_f", "_int_zero")

    def __init__(self, p: np.ndarray, r: np.ndarray, f: np.ndarray, int_zero: np.ndarray) -> None:
        for a in (p, r, f, int_zero):
            a.flags.writeable = False
        self._p, self._r, self._f, self._int_zero = p, r, f, int_zero

    @property
    def precision(self) -> np.ndarray:
        return self._p

    @property
    def recall(self) -> np.ndarray:
        return self._r

    @property
    def fmeasure(self) -> np.ndarray:
        return self._f

    @property
    def int_zero(self) -> np.ndarray:
        """Where rouge-score returns the ints ``Score(0, 0, 0)`` (rougeL/Lsum with an empty side)."""
        return self._int_zero

    def mean(self) -> RougeMean:
        """Corpus means (0.0 for an empty batch)."""
        if len(self._p) == 0:
            return RougeMean(0.0, 0.0, 0.0)
        return RougeMean(exact_mean(self._p), exact_mean(self._r), exact_mean(self._f))

    def __len__(self) -> int:
        return len(self._p)

    def to_dict(self) -> dict[str, Any]:
        m = self.mean()
        return {
            "precision": self._p.tolist(),
            "recall": self._r.tolist(),
            "fmeasure": self._f.tolist(),
            "mean": {"precision": m.precision, "recall": m.recall, "fmeasure": m.fmeasure},
        }

    def __repr__(self) -> str:
        m = self.mean()
        return (
            f"RougeScores(n={len(self)}, mean_precision={m.precision:.6g}, "
            f"mean_recall={m.recall:.6g}, mean_fmeasure={m.fmeasure:.6g})"
        )


class RougeResult(Mapping):
    """Read-only mapping rouge type -> :class:`RougeScores`, in the order the types were asked."""

    __slots__ = ("_scores", "_n", "options")

    def __init__(self, scores: dict[str, RougeScores], n: int, options: dict[str, Any]) -> None:
        self._scores = scores
        self._n = n
        #: The options that change the numbers (use_stemmer, split_summaries, tokenizer).
        self.options = options

    def __getitem__(self, key: str) -> RougeScores:
        return self._scores[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._scores)

    def __len__(self) -> int:
        return len(self._scores)

    @property
    def num_pairs(self) -> int:
        return self._n

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict: ``{type: {precision: [...], ..., mean: {...}}}``."""
        return {k: v.to_dict() for k, v in self._scores.items()}

    def columns(self) -> dict[str, np.ndarray]:
        """Per-pair columns ``{type}_precision``, ``{type}_recall``, ``{type}_fmeasure``."""
        out: dict[str, np.ndarray] = {}
        for k, v in self._scores.items():
            out[f"{k}_precision"], out[f"{k}_recall"], out[f"{k}_fmeasure"] = (
                v.precision,
                v.recall,
                v.fmeasure,
            )
        return out

    def to_arrow(self) -> Any:
        """Per-pair scores as a ``pyarrow.Table`` (needs pyarrow)."""
        pa = require("pyarrow", "to_arrow()")
        return pa.table(self.columns())

    def to_pandas(self) -> Any:
        """Per-pair scores as a ``pandas.DataFrame`` (needs pandas)."""
        pd = require("pandas", "to_pandas()")
        return pd.DataFrame(self.columns())

    def to_polars(self) -> Any:
        """Per-pair scores as a ``polars.DataFrame`` (needs polars)."""
        pl = require("polars", "to_polars()")
        return pl.DataFrame(self.columns())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}: F={v.mean().fmeasure:.6g}" for k, v in self._scores.items())
        return f"RougeResult(n={self._n}, {inner})"


def _check_types(rouge_types: Any) -> list[str]:
    if isinstance(rouge_types, str):
        rouge_types = [rouge_types]
    try:
        types = list(rouge_types)
    except TypeError:
        raise InputTypeError(
            f"rouge_types must be a sequence of str, got {type(rouge_types).__name__}"
        ) from None
    for i, t in enumerate(types):
        if not isinstance(t, str):
            raise InputTypeError(f"rouge_types[{i}] must be str, got {type(t).__name__}")
    if not types:
        raise InputValueError("rouge_types is empty")
    return list(dict.fromkeys(types))


def _sent_tokenize() -> Callable[[str], list[str]]:
    """``nltk.sent_tokenize`` (what rouge-score's ``split_summaries=True`` uses), checked."""
    nltk = require("nltk", "split_summaries=True")
    try:
        nltk.sent_tokenize("A. B.")
    except LookupError as exc:
        raise MissingNltkDataError(
            "split_summaries=True needs nltk's 'punkt_tab' sentence model, which is not installed: "
            "run python -c \"import nltk; nltk.download('punkt_tab')\" or point NLTK_DATA at a "
            "directory that holds tokenizers/punkt_tab"
        ) from exc
    return nltk.sent_tokenize


def _tokenize_fn(tokenizer: Any) -> Callable[[str], Any]:
    fn = getattr(tokenizer, "tokenize", None)
    if not callable(fn):
        raise InputTypeError(
            f"tokenizer must have a callable .tokenize(text) method, got {type(tokenizer).__name__}"
        )
    return fn


def _call_tokenizer(fn: Callable[[str], Any], text: str, where: str) -> list:
    toks = fn(text)
    if type(toks) is list:
        return toks
    if toks is None:
        raise InputTypeError(f"tokenizer.tokenize returned None for {where}")
    try:
        # rouge-score indexes and iterates whatever the tokenizer returns (a str acts as its chars).
        return list(toks)
    except TypeError:
        raise InputTypeError(
            f"tokenizer.tokenize must return a sequence of tokens for {where}, got "
            f"{type(toks).__name__}"
        ) from None


def _as_str(x: Any, where: str) -> str:
    if isinstance(x, str):
        return x
    if x is None:
        raise InputTypeError(f"{where} is None")
    raise InputTypeError(f"{where} must be str, got {type(x).__name__}")


def _column_rows(x: Any) -> Any:
    """An Arrow-exporting column (pyarrow, polars, pandas) as a list of Python values (nulls are
    None); the pre-split path iterates Python objects, and iterating pyarrow yields scalars."""
    if isinstance(x, (str, bytes, list, tuple)) or not (
        hasattr(x, "__arrow_c_stream__")
        or hasattr(x, "__arrow_c_array__")
        or hasattr(x, "to_pylist")
    ):
        return x
    if callable(getattr(x, "to_pylist", None)):  # pyarrow Array / ChunkedArray
        return x.to_pylist()
    module = type(x).__module__
    if module.startswith("polars") and callable(getattr(x, "to_list", None)):
        return x.to_list()
    if module.startswith("pandas") and callable(getattr(x, "tolist", None)):
        import pandas as pd

        # pd.NA / NaN for missing rows read as None, like Arrow nulls.
        return [
            v if isinstance(v, (str, list, tuple)) or not pd.isna(v) else None for v in x.tolist()
        ]
    try:
        import pyarrow as pa

        return pa.chunked_array(x).to_pylist()
    except Exception:  # not convertible: iterate it as a plain sequence
        return x


def _normalize(predictions: Any, references: Any) -> tuple[list[str], list[list[str]]]:
    """Validates the inputs of the pre-split path; references become lists of str."""
    predictions, references = _column_rows(predictions), _column_rows(references)
    if isinstance(predictions, str):
        raise InputTypeError("predictions must be a sequence of str, not a single str")
    if isinstance(references, str):
        raise InputTypeError("references must be a sequence, not a single str")
    try:
        predictions, references = list(predictions), list(references)
    except TypeError:
        raise InputTypeError("predictions and references must be sequences") from None
    preds = [_as_str(p, f"predictions[{i}]") for i, p in enumerate(predictions)]
    refs: list[list[str]] = []
    for i, r in enumerate(references):
        if isinstance(r, str):
            refs.append([r])
        elif r is None:
            raise InputTypeError(f"references[{i}] is None")
        else:
            try:
                items = list(r)
            except TypeError:
                raise InputTypeError(
                    f"references[{i}] must be str or a sequence of str, got {type(r).__name__}"
                ) from None
            if not items:
                raise InputValueError(f"references[{i}] has no references")
            refs.append([_as_str(x, f"references[{i}][{k}]") for k, x in enumerate(items)])
    if len(preds) != len(refs):
        raise InputValueError(
            f"predictions and references differ in length ({len(preds)} != {len(refs)})"
        )
    return preds, refs


def _remap_tokens(docs: list[tuple]) -> list[tuple]:
    """Non-str tokens (ints, ...) become private strings, equal exactly when Python's ``==`` says so."""
    ids: dict[Any, str] = {}

    def m(toks: list) -> list[str]:
        out = []
        for t in toks:
            s = ids.get(t)
            if s is None:
                s = ids[t] = f"\x00{len(ids)}"
            out.append(s)
        return out

    out = []
    for whole, sents in docs:
        whole = whole if whole is None or isinstance(whole, str) else m(whole)
        if sents is not None:
            sents = [s if isinstance(s, str) else m(s) for s in sents]
        out.append((whole, sents))
    return out


def _has_non_str(doc: tuple) -> bool:
    whole, sents = doc
    parts = [] if whole is None or isinstance(whole, str) else [whole]
    parts += [s for s in (sents or ()) if not isinstance(s, str)]
    return any(type(t) is not str for p in parts for t in p)


def _build_docs(
    preds: list[str],
    refs: list[list[str]],
    types: list[str],
    split_summaries: bool,
    tokenizer: Any,
    remap_all: bool = False,
) -> tuple[list[tuple], list[tuple], list[int]]:
    """``(whole, sentences)`` per document, made as rouge-score's ``score`` makes them.

    ``remap_all``: map every token to a private string (tokens holding lone surrogates cannot
    cross into Rust; tokens are only compared for equality, so any one-to-one map scores the same).
    """
    tok = None if tokenizer is None else _tokenize_fn(tokenizer)
    # rouge-score skips whole-text tokenization when rouge_types == ["rougeLsum"].
    want_whole = any(t != "rougeLsum" for t in types)
    want_sents = "rougeLsum" in types
    split = _sent_tokenize() if split_summaries and want_sents else None

    def doc(text: str, where: str) -> tuple:
        whole = None
        sents = None
        if want_whole:
            whole = text if tok is None else _call_tokenizer(tok, text, where)
        if want_sents:
            ss = split(text) if split is not None else text.split("\n")
            ss = [s for s in ss if len(s)]
            sents = ss if tok is None else [_call_tokenizer(tok, s, where) for s in ss]
        return (whole, sents)

    pdocs: list[tuple] = []
    rdocs: list[tuple] = []
    offsets = [0]
    for i, (p, rs) in enumerate(zip(preds, refs)):
        group = [doc(p, f"predictions[{i}]")]
        group += [doc(r, f"references[{i}][{k}]") for k, r in enumerate(rs)]
        if tok is not None and (remap_all or any(_has_non_str(d) for d in group)):
            try:
                group = _remap_tokens(group)
            except TypeError as exc:
                raise InputTypeError(f"unhashable token in pair {i}: {exc}") from None
        pdocs.append(group[0])
        rdocs.extend(group[1:])
        offsets.append(len(rdocs))
    return pdocs, rdocs, offsets


def _clean_surrogates(seq: Any) -> Any:
    """Lone surrogates cannot cross into Rust as UTF-8. For the default tokenizer (and nltk's
    sentence splitter) they are like a private-use character: neither a letter, digit, space nor
    punctuation, so that character stands in for them."""

    def fix(s: Any) -> Any:
        if isinstance(s, str):
            return "".join("\U000f0000" if "\ud800" <= c <= "\udfff" else c for c in s)
        if isinstance(s, (list, tuple)):
            return [fix(x) for x in s]
        return s

    return [fix(x) for x in seq]


def _score_arrays(
    predictions: Any,
    references: Any,
    types: list[str],
    use_stemmer: bool,
    split_summaries: bool,
    tokenizer: Any,
    workers: int | None,
    profile: str = "default",
) -> tuple[np.ndarray, np.ndarray, int]:
    references = references_arg(references)
    if tokenizer is None and not split_summaries:
        # Lone surrogates are scored natively (as private-use characters: separators here too).
        flat, iz = _native.rouge_texts(
            predictions, references, types, use_stemmer, workers, profile
        )
        n = len(iz) // len(types)
        if profile == "default" and not _warned_drops:
            _warn_default_drops(predictions, references)
    else:
        preds, refs = _normalize(predictions, references)
        pdocs, rdocs, offsets = _build_docs(preds, refs, types, split_summaries, tokenizer)
        try:
            flat, iz = _native.rouge_docs(
                pdocs, rdocs, offsets, types, use_stemmer, workers, profile
            )
        except InputTypeError as exc:
            if "lone surrogate" not in str(exc):
                raise
            if tokenizer is None:  # default tokenizer: a surrogate separates tokens like '?'
                preds = _clean_surrogates(preds)
                refs = [_clean_surrogates(r) for r in refs]
            pdocs, rdocs, offsets = _build_docs(
                preds, refs, types, split_summaries, tokenizer, remap_all=tokenizer is not None
            )
            flat, iz = _native.rouge_docs(
                pdocs, rdocs, offsets, types, use_stemmer, workers, profile
            )
        n = len(preds)
        if tokenizer is None and profile == "default" and not _warned_drops:
            _warn_default_drops(preds, refs)
    return flat.reshape(len(types), 3, n), iz.reshape(len(types), n), n


def rouge(
    predictions: Sequence[str],
    references: Sequence[Reference],
    *,
    rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL"),
    use_stemmer: bool = False,
    split_summaries: bool = False,
    tokenizer: Any = None,
    workers: int | None = None,
) -> RougeResult:
    """ROUGE of each prediction against its reference(s), exactly as rouge-score 0.1.2 scores it.

    Args:
        predictions: N candidate texts.
        references: N items, each a reference text or a non-empty list of reference texts. With
            several, each rouge type takes the reference with the highest F (the first on ties),
            like ``RougeScorer.score_multi``.
        rouge_types: any of ``rouge1``..``rouge9``, ``rougeL``, ``rougeLsum`` (duplicates are
            scored once).
        use_stemmer: Porter-stem (nltk, NLTK_EXTENSIONS) tokens longer than 3 characters.
        split_summaries: rougeLsum sentences from ``nltk.sent_tokenize`` (needs nltk and its
            ``punkt_tab`` data) instead of newlines.
        tokenizer: a native profile name, ``"default"`` (rouge-score's tokenizer: ASCII letters
            and digits only), ``"unicode"`` (UAX #29 words, lowercased), ``"cjk"`` (``unicode``
            with each Han/kana/hangul character a token) or ``"whitespace"``
            (``text.lower().split()``), see docs/rouge-tokenizers.md; or, as in rouge-score, an
            object with ``.tokenize(text) -> list of tokens`` whose tokens are used verbatim
            (``use_stemmer`` is then ignored). The default tokenizer warns once
            (:class:`RougeTokenizerWarning`) when it drops most letters/digits of a text.
        workers: threads (default: ``LEXMETRICS_NUM_THREADS`` or all cores). Results do not
            depend on it.

    Returns:
        A :class:`RougeResult`: ``result["rougeL"].fmeasure`` is a float64 array of length N,
        ``result["rougeL"].mean()`` the corpus means.
    """
    types = _check_types(rouge_types)
    workers = _check_workers(workers)
    profile = "default"
    if isinstance(tokenizer, str):
        profile, tokenizer = check_profile(tokenizer), None
    # rouge-score: a truthy tokenizer replaces the default one and the stemmer.
    tok = tokenizer if tokenizer else None
    stem = bool(use_stemmer) and tok is None
    arr, iz, n = _score_arrays(
        predictions, references, types, stem, bool(split_summaries), tok, workers, profile
    )
    scores = {t: RougeScores(arr[k, 0], arr[k, 1], arr[k, 2], iz[k]) for k, t in enumerate(types)}
    options = {
        "use_stemmer": stem,
        "split_summaries": bool(split_summaries),
        # None: the default profile (rouge-score's tokenizer), as before profiles existed.
        "tokenizer": (None if profile == "default" else profile)
        if tok is None
        else type(tok).__name__,
    }
    return RougeResult(scores, n, options)
