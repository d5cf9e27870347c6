"""Drop-in for sacrebleu 2.6's BLEU, chrF and TER API: ``from lexmetrics.compat import sacrebleu``.

Same names, signatures, reference-stream layout (``refs[k][i]``; ``None`` entries give a variable
number of references and ``nrefs:var``), result attributes and printed forms as sacrebleu; scores
are equal (``==``). Signatures end in ``version:2.6.0``, the sacrebleu release reproduced.

Deliberate differences: streams whose length differs from the hypotheses raise
``InputValueError`` (sacrebleu silently truncates); ``n_bootstrap > 1`` and the tokenizers that need
external models (``ja-mecab``, ``ko-mecab``, ``spm``, ``flores101``, ``flores200``, ``spBLEU-1K``)
raise ``InputValueError``; the "looks tokenized" warning (``force``) is not emitted.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from ... import _native
from ..._bleu import SMOOTH_DEFAULTS, _check_bool, _check_int, _check_smooth, _check_tokenize
from ..._errors import InputTypeError, InputValueError

__all__ = [
    "BLEU",
    "CHRF",
    "BLEUScore",
    "CHRFScore",
    "BLEUSignature",
    "CHRFSignature",
    "TER",
    "TERScore",
    "TERSignature",
    "corpus_bleu",
    "raw_corpus_bleu",
    "sentence_bleu",
    "corpus_chrf",
    "sentence_chrf",
    "corpus_ter",
    "sentence_ter",
]

#: The sacrebleu release whose numbers and signatures this layer reproduces.
SACREBLEU_VERSION = "2.6.0"


# ---------------------------------------------------------------------------------------------
# Score / Signature (sacrebleu metrics/base.py)
# ---------------------------------------------------------------------------------------------


class Score:
    """sacrebleu ``Score``: ``name``, ``score`` and ``format()``."""

    def __init__(self, name: str, score: float):
        self.name = name
        self.score = score
        self._mean = -1.0
        self._ci = -1.0
        self._verbose = ""

    def format(self, width: int = 2, score_only: bool = False, signature: str = "", is_json: bool = False) -> str:
        d: dict[str, Any] = {"name": self.name, "score": float(f"{self.score:.{width}f}"), "signature": signature}
        sc = f"{self.score:.{width}f}"
        full_score = f"{self.name}|{signature}" if signature else self.name
        full_score = f"{full_score} = {sc}"
        if self._verbose:
            full_score += f" {self._verbose}"
            d["verbose_score"] = self._verbose
        if score_only:
            return sc
        if is_json:
            for param in signature.split("|"):
                key, value = param.split(":")
                d[key] = value
            return json.dumps(d, indent=1, ensure_ascii=False)
        return full_score

    def __repr__(self) -> str:
        return self.format()


class BLEUScore(Score):
    """sacrebleu ``BLEUScore``."""

    def __init__(self, score: float, counts: list, totals: list, precisions: list, bp: float, sys_len: int, ref_len: int):
        super().__init__("BLEU", score)
        self.bp = bp
        self.counts = counts
        self.totals = totals
        self.sys_len = sys_len
        self.ref_len = ref_len
        self.precisions = precisions
        self.prec_str = "/".join([f"{p:.1f}" for p in self.precisions])
        self.ratio = self.sys_len / self.ref_len if self.ref_len else 0
        self._verbose = f"{self.prec_str} (BP = {self.bp:.3f} "
        self._verbose += f"ratio = {self.ratio:.3f} hyp_len = {self.sys_len:d} "
        self._verbose += f"ref_len = {self.ref_len:d})"


class CHRFScore(Score):
    """sacrebleu ``CHRFScore``."""

    def __init__(self, score: float, char_order: int, word_order: int, beta: int):
        self.beta = beta
        self.char_order = char_order
        self.word_order = word_order
        super().__init__(f"chrF{self.beta}" + "+" * self.word_order, score)


class Signature:
    """sacrebleu ``Signature``."""

    def __init__(self, args: dict):
        self._abbr = {
            "version": "v", "nrefs": "#", "test": "t", "lang": "l", "subset": "S", "origlang": "o",
            "bs": "bs", "ar": "ar", "seed": "rs",
        }
        if "num_refs" not in args:
            raise ValueError("Number of references unknown, please evaluate the metric first.")
        num_refs = args["num_refs"]
        if num_refs == -1:
            num_refs = "var"
        self.info: dict[str, Any] = {
            "version": SACREBLEU_VERSION, "nrefs": num_refs, "bs": None, "ar": None, "seed": None,
            "test": None, "lang": None, "origlang": None, "subset": None,
        }

    def format(self, short: bool = False) -> str:
        pairs = []
        keys = list(self.info.keys())
        keys.remove("version")
        for name in keys + ["version"]:
            value = self.info[name]
            if value is not None:
                if isinstance(value, bool):
                    value = "yes" if value else "no"
                pairs.append(f"{self._abbr[name] if short else name}:{value}")
        return "|".join(pairs)

    def update(self, key: str, value: Any) -> None:
        self.info[key] = value

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return self.format()


class BLEUSignature(Signature):
    """sacrebleu ``BLEUSignature``."""

    def __init__(self, args: dict):
        super().__init__(args)
        self._abbr.update({"case": "c", "eff": "e", "tok": "tok", "smooth": "s"})
        smooth_str = args["smooth_method"]
        smooth_def = BLEU.SMOOTH_DEFAULTS[smooth_str]
        if smooth_def is not None:
            smooth_val = args["smooth_value"]
            if smooth_val is None:
                smooth_val = smooth_def
            smooth_str += f"[{smooth_val:.2f}]"
        self.info.update({
            "case": "lc" if args["lowercase"] else "mixed",
            "eff": "yes" if args["effective_order"] else "no",
            "tok": args["tokenizer_signature"],
            "smooth": smooth_str,
        })


class CHRFSignature(Signature):
    """sacrebleu ``CHRFSignature``."""

    def __init__(self, args: dict):
        super().__init__(args)
        self._abbr.update({"case": "c", "eff": "e", "nc": "nc", "nw": "nw", "space": "s"})
        self.info.update({
            "case": "lc" if args["lowercase"] else "mixed",
            "eff": "yes" if not args["eps_smoothing"] else "no",
            "nc": args["char_order"],
            "nw": args["word_order"],
            "space": "yes" if args["whitespace"] else "no",
        })


# ---------------------------------------------------------------------------------------------
# reference streams -> per-prediction references
# ---------------------------------------------------------------------------------------------


def _streams_to_refs(n_hyps: int, streams: Sequence[Sequence[Optional[str]]]) -> Sequence:
    if isinstance(streams, str) or not isinstance(streams, Sequence):
        raise InputTypeError("references must be a sequence of reference streams (sequences of str)")
    if len(streams) == 0:
        raise InputValueError("references: no reference streams given")
    for k, s in enumerate(streams):
        if isinstance(s, str) or not isinstance(s, Sequence):
            raise InputTypeError(f"references[{k}] must be a sequence of str (one reference stream)")
        if len(s) != n_hyps:
            # sacrebleu truncates silently (zip); a length mismatch is almost always a bug.
            raise InputValueError(f"references[{k}] has {len(s)} lines but there are {n_hyps} hypotheses")
    has_none = any(None in s for s in streams)
    if len(streams) == 1 and not has_none:
        return streams[0]
    per = list(zip(*streams))
    if has_none:
        per = [[x for x in t if x is not None] for t in per]
        for i, t in enumerate(per):
            if not t:
                raise InputValueError(f"hypothesis {i} has no reference (every stream is None there)")
    return per


def _check_hyps(hypotheses: object) -> None:
    if isinstance(hypotheses, str) or not isinstance(hypotheses, Sequence):
        raise InputTypeError("hypotheses must be a sequence of str")


def _sentence_refs(hypothesis: object, references: object, prefix: str) -> list:
    if not isinstance(hypothesis, str):
        raise InputTypeError(f"{prefix}: The argument `hyp` should be a string.")
    if isinstance(references, str) or not isinstance(references, Sequence):
        raise InputTypeError(f"{prefix}: The argument `refs` should be a sequence of strings.")
    refs = [r for r in references if r is not None]
    if not refs:
        raise InputValueError(f"{prefix}: no references given")
    return refs


# ---------------------------------------------------------------------------------------------
# BLEU
# ---------------------------------------------------------------------------------------------


class BLEU:
    """sacrebleu ``BLEU`` (metrics/bleu.py) backed by the Rust core."""

    SMOOTH_DEFAULTS = dict(SMOOTH_DEFAULTS)
    TOKENIZER_DEFAULT = "13a"
    TOKENIZERS = ("none", "zh", "13a", "intl", "char", "ja-mecab", "ko-mecab", "spm", "flores101", "flores200", "spBLEU-1K")
    _TOKENIZER_MAP = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}

    def __init__(
        self,
        lowercase: bool = False,
        force: bool = False,
        tokenize: Optional[str] = None,
        smooth_method: str = "exp",
        smooth_value: Optional[float] = None,
        max_ngram_order: int = 4,
        effective_order: bool = False,
        trg_lang: str = "",
        references: Optional[Sequence[Sequence[str]]] = None,
    ):
        self._force = force
        self.trg_lang = trg_lang
        self.lowercase = _check_bool(lowercase, "lowercase")
        self.smooth_method, self.smooth_value = _check_smooth(smooth_method, smooth_value)
        self.max_ngram_order = _check_int(max_ngram_order, "max_ngram_order", 1)
        self.effective_order = _check_bool(effective_order, "effective_order")
        if tokenize is None:
            tokenize = self._TOKENIZER_MAP.get(trg_lang, self.TOKENIZER_DEFAULT)
        _native.sacre_tokenize([], _check_tokenize(tokenize))  # raises for unknown/unsupported names
        self.tokenizer_signature = tokenize
        self._ref_cache = None
        if references is not None:
            self._ref_cache = references

    def _stats(self, hypotheses, references):
        _check_hyps(hypotheses)
        if references is None:
            references = self._ref_cache
            if references is None:
                raise RuntimeError("No references provided and the cache is empty.")
        refs = _streams_to_refs(len(hypotheses), references)
        stats, nrefs = _native.bleu_stats(
            hypotheses, refs, self.tokenizer_signature, self.lowercase, self.max_ngram_order, None
        )
        self.num_refs = nrefs
        return stats

    def _compute_score_from_stats(self, stats) -> BLEUScore:
        stats = [int(x) for x in stats]
        score, counts, totals, precisions, bp = _native.bleu_from_stats(
            stats, self.smooth_method,
            None if self.smooth_value is None else float(self.smooth_value),
            self.effective_order, self.max_ngram_order,
        )
        k = self.SMOOTH_DEFAULTS[self.smooth_method] if self.smooth_value is None else self.smooth_value
        if not (self.smooth_method == "add-k" and isinstance(k, float)):
            counts = [int(c) for c in counts]
            totals = [int(t) for t in totals]
        return BLEUScore(score, counts, totals, precisions, bp, stats[0], stats[1])

    def _aggregate_and_compute(self, stats) -> BLEUScore:
        return self._compute_score_from_stats([sum(col) for col in zip(*stats)])

    def _extract_corpus_statistics(self, hypotheses, references) -> list:
        """Per-segment statistics as sacrebleu returns them (lists of int)."""
        return self._stats(hypotheses, references).tolist()

    def corpus_score(self, hypotheses: Sequence[str], references: Optional[Sequence[Sequence[str]]], n_bootstrap: int = 1) -> BLEUScore:
        if n_bootstrap > 1:
            raise InputValueError("n_bootstrap > 1 (bootstrap confidence intervals) is not supported by lexmetrics")
        stats = self._stats(hypotheses, references)
        return self._compute_score_from_stats(stats.sum(axis=0))

    def sentence_score(self, hypothesis: str, references: Sequence[str]) -> BLEUScore:
        refs = _sentence_refs(hypothesis, references, "BLEU")
        stats, _ = _native.bleu_stats(
            [hypothesis], [refs], self.tokenizer_signature, self.lowercase, self.max_ngram_order, 1
        )
        self.num_refs = len(refs)
        return self._compute_score_from_stats(stats[0])

    def get_signature(self) -> BLEUSignature:
        return BLEUSignature(self.__dict__)


# ---------------------------------------------------------------------------------------------
# chrF
# ---------------------------------------------------------------------------------------------


class CHRF:
    """sacrebleu ``CHRF`` (metrics/chrf.py) backed by the Rust core."""

    CHAR_ORDER = 6
    WORD_ORDER = 0
    BETA = 2

    def __init__(
        self,
        char_order: int = CHAR_ORDER,
        word_order: int = WORD_ORDER,
        beta: int = BETA,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        references: Optional[Sequence[Sequence[str]]] = None,
    ):
        self.char_order = _check_int(char_order, "char_order", 0)
        self.word_order = _check_int(word_order, "word_order", 0)
        if self.char_order + self.word_order == 0:
            raise InputValueError("char_order + word_order must be >= 1")
        self.beta = beta
        self.order = self.char_order + self.word_order
        self.lowercase = _check_bool(lowercase, "lowercase")
        self.whitespace = _check_bool(whitespace, "whitespace")
        self.eps_smoothing = _check_bool(eps_smoothing, "eps_smoothing")
        self._ref_cache = references

    def _args(self):
        return (self.char_order, self.word_order, float(self.beta), self.lowercase, self.whitespace, self.eps_smoothing)

    def _stats(self, hypotheses, references):
        _check_hyps(hypotheses)
        if references is None:
            references = self._ref_cache
            if references is None:
                raise RuntimeError("No references provided and the cache is empty.")
        refs = _streams_to_refs(len(hypotheses), references)
        stats, nrefs = _native.chrf_stats(hypotheses, refs, *self._args(), None)
        self.num_refs = nrefs
        return stats

    def _compute_score_from_stats(self, stats) -> CHRFScore:
        score = _native.chrf_from_stats(
            [int(x) for x in stats], self.char_order, self.word_order, float(self.beta), self.eps_smoothing
        )
        return CHRFScore(score, self.char_order, self.word_order, self.beta)

    def _aggregate_and_compute(self, stats) -> CHRFScore:
        return self._compute_score_from_stats([sum(col) for col in zip(*stats)])

    def _extract_corpus_statistics(self, hypotheses, references) -> list:
        return self._stats(hypotheses, references).tolist()

    def corpus_score(self, hypotheses: Sequence[str], references: Optional[Sequence[Sequence[str]]], n_bootstrap: int = 1) -> CHRFScore:
        if n_bootstrap > 1:
            raise InputValueError("n_bootstrap > 1 (bootstrap confidence intervals) is not supported by lexmetrics")
        return self._compute_score_from_stats(self._stats(hypotheses, references).sum(axis=0))

    def sentence_score(self, hypothesis: str, references: Sequence[str]) -> CHRFScore:
        refs = _sentence_refs(hypothesis, references, "CHRF")
        stats, _ = _native.chrf_stats([hypothesis], [refs], *self._args(), 1)
        self.num_refs = len(refs)
        return self._compute_score_from_stats(stats[0])

    def get_signature(self) -> CHRFSignature:
        return CHRFSignature(self.__dict__)


# ---------------------------------------------------------------------------------------------
# TER
# ---------------------------------------------------------------------------------------------


class TERScore(Score):
    """sacrebleu ``TERScore``."""

    def __init__(self, score: float, num_edits: float, ref_length: float):
        super().__init__("TER", score)
        self.num_edits = int(num_edits)
        self.ref_length = ref_length


class TERSignature(Signature):
    """sacrebleu ``TERSignature``."""

    def __init__(self, args: dict):
        super().__init__(args)
        self._abbr.update({"case": "c", "tok": "t", "norm": "nr", "punct": "pn", "asian": "as"})
        self.info.update({
            "case": "mixed" if args["case_sensitive"] else "lc",
            "tok": args["tokenizer_signature"],
            "norm": args["normalized"],
            "punct": not args["no_punct"],
            "asian": args["asian_support"],
        })


class TER:
    """sacrebleu ``TER`` (metrics/ter.py, a tercom port) backed by the Rust core."""

    def __init__(
        self,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
        references: Optional[Sequence[Sequence[str]]] = None,
    ):
        self.no_punct = _check_bool(no_punct, "no_punct")
        self.normalized = _check_bool(normalized, "normalized")
        self.asian_support = _check_bool(asian_support, "asian_support")
        self.case_sensitive = _check_bool(case_sensitive, "case_sensitive")
        self.tokenizer_signature = "tercom"
        self._ref_cache = references

    def _args(self):
        return (self.normalized, self.no_punct, self.asian_support, self.case_sensitive)

    def _stats(self, hypotheses, references):
        _check_hyps(hypotheses)
        if references is None:
            references = self._ref_cache
            if references is None:
                raise RuntimeError("No references provided and the cache is empty.")
        refs = _streams_to_refs(len(hypotheses), references)
        stats, nrefs = _native.ter_stats(hypotheses, refs, *self._args(), None)
        self.num_refs = nrefs
        return stats

    def _compute_score_from_stats(self, stats) -> TERScore:
        total_edits, sum_ref_lengths = stats[0], stats[1]
        if sum_ref_lengths > 0:
            score = total_edits / sum_ref_lengths
        elif total_edits > 0:
            score = 1.0  # empty reference(s) and non-empty hypothesis
        else:
            score = 0.0
        return TERScore(100 * score, total_edits, sum_ref_lengths)

    def _aggregate_and_compute(self, stats) -> TERScore:
        # sacrebleu sum_of_lists: left to right, one row is returned as it is
        if len(stats) == 1:
            return self._compute_score_from_stats(stats[0])
        total = [0, 0.0]
        for row in stats:
            total[0] += row[0]
            total[1] += row[1]
        return self._compute_score_from_stats(total)

    def _extract_corpus_statistics(self, hypotheses, references) -> list:
        """Per-segment ``[num_edits (int), avg_ref_len (float)]`` as sacrebleu returns them."""
        return [[int(e), float(r)] for e, r in self._stats(hypotheses, references).tolist()]

    def corpus_score(self, hypotheses: Sequence[str], references: Optional[Sequence[Sequence[str]]], n_bootstrap: int = 1) -> TERScore:
        if n_bootstrap > 1:
            raise InputValueError("n_bootstrap > 1 (bootstrap confidence intervals) is not supported by lexmetrics")
        return self._aggregate_and_compute(self._extract_corpus_statistics(hypotheses, references))

    def sentence_score(self, hypothesis: str, references: Sequence[str]) -> TERScore:
        refs = _sentence_refs(hypothesis, references, "TER")
        stats, _ = _native.ter_stats([hypothesis], [refs], *self._args(), 1)
        self.num_refs = len(refs)
        e, r = stats[0].tolist()
        return self._compute_score_from_stats([int(e), r])

    def get_signature(self) -> TERSignature:
        return TERSignature(self.__dict__)


# ---------------------------------------------------------------------------------------------
# sacrebleu.compat functions
# ---------------------------------------------------------------------------------------------


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]], smooth_method="exp",
                smooth_value=None, force=False, lowercase=False, tokenize=BLEU.TOKENIZER_DEFAULT,
                use_effective_order=False) -> BLEUScore:
    metric = BLEU(lowercase=lowercase, force=force, tokenize=tokenize, smooth_method=smooth_method,
                  smooth_value=smooth_value, effective_order=use_effective_order)
    return metric.corpus_score(hypotheses, references)


def raw_corpus_bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                    smooth_value: Optional[float] = BLEU.SMOOTH_DEFAULTS["floor"]) -> BLEUScore:
    return corpus_bleu(hypotheses, references, smooth_method="floor", smooth_value=smooth_value,
                       force=True, tokenize="none", use_effective_order=True)


def sentence_bleu(hypothesis: str, references: Sequence[str], smooth_method: str = "exp",
                  smooth_value: Optional[float] = None, lowercase: bool = False,
                  tokenize=BLEU.TOKENIZER_DEFAULT, use_effective_order: bool = True) -> BLEUScore:
    metric = BLEU(lowercase=lowercase, tokenize=tokenize, force=False, smooth_method=smooth_method,
                  smooth_value=smooth_value, effective_order=use_effective_order)
    return metric.sentence_score(hypothesis, references)


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[Sequence[str]], char_order: int = CHRF.CHAR_ORDER,
                word_order: int = CHRF.WORD_ORDER, beta: int = CHRF.BETA, remove_whitespace: bool = True,
                eps_smoothing: bool = False) -> CHRFScore:
    metric = CHRF(char_order=char_order, word_order=word_order, beta=beta,
                  whitespace=not remove_whitespace, eps_smoothing=eps_smoothing)
    return metric.corpus_score(hypotheses, references)


def sentence_chrf(hypothesis: str, references: Sequence[str], char_order: int = CHRF.CHAR_ORDER,
                  word_order: int = CHRF.WORD_ORDER, beta: int = CHRF.BETA, remove_whitespace: bool = True,
                  eps_smoothing: bool = False) -> CHRFScore:
    metric = CHRF(char_order=char_order, word_order=word_order, beta=beta,
                  whitespace=not remove_whitespace, eps_smoothing=eps_smoothing)
    return metric.sentence_score(hypothesis, references)


def corpus_ter(hypotheses: Sequence[str], references: Sequence[Sequence[str]], normalized: bool = False,
               no_punct: bool = False, asian_support: bool = False, case_sensitive: bool = False) -> TERScore:
    metric = TER(normalized=normalized, no_punct=no_punct, asian_support=asian_support,
                 case_sensitive=case_sensitive)
    return metric.corpus_score(hypotheses, references)


def sentence_ter(hypothesis: str, references: Sequence[str], normalized: bool = False, no_punct: bool = False,
                 asian_support: bool = False, case_sensitive: bool = False) -> TERScore:
    metric = TER(normalized=normalized, no_punct=no_punct, asian_support=asian_support,
                 case_sensitive=case_sensitive)
    return metric.sentence_score(hypothesis, references)
