"""sacrebleu ``metrics.bleu``: ``BLEU``, ``BLEUScore``, ``BLEUSignature`` and ``BLEU.compute_bleu``.

Segment statistics come from lexmetrics' native BLEU; ``compute_bleu`` is sacrebleu's formula
step for step (it also runs on the numpy float32 sums the bootstrap passes it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import import_module

from .... import _native
from ...._bleu import SMOOTH_DEFAULTS, _check_bool, _check_int, _check_smooth
from ...._errors import InputValueError
from ..utils import my_log, sum_of_lists
from .base import Metric, Score, Signature, sacrelogger
from .helpers import extract_all_word_ngrams  # noqa: F401

#: The default for the maximum n-gram order when computing precisions.
MAX_NGRAM_ORDER = 4

_TOKENIZERS = {
    "none": "tokenizer_none.NoneTokenizer",
    "zh": "tokenizer_zh.TokenizerZh",
    "13a": "tokenizer_13a.Tokenizer13a",
    "intl": "tokenizer_intl.TokenizerV14International",
    "char": "tokenizer_char.TokenizerChar",
    "ja-mecab": "tokenizer_ja_mecab.TokenizerJaMecab",
    "ko-mecab": "tokenizer_ko_mecab.TokenizerKoMecab",
    "spm": "tokenizer_spm.TokenizerSPM",
    "flores101": "tokenizer_spm.Flores101Tokenizer",
    "flores200": "tokenizer_spm.Flores200Tokenizer",
    "spBLEU-1K": "tokenizer_spm.spBLEU1KTokenizer",
}


def _get_tokenizer(name: str):
    """The tokenizer class for a name, imported on demand as sacrebleu does."""
    if not isinstance(name, str) or name not in _TOKENIZERS:
        raise InputValueError(
            f"tokenize: unknown tokenizer {name!r}; expected one of {sorted(_TOKENIZERS)}"
        )
    module_name, class_name = _TOKENIZERS[name].rsplit(".", 1)
    return getattr(import_module(f"..tokenizers.{module_name}", __package__), class_name)


class BLEUSignature(Signature):
    """The reproducibility signature for BLEU."""

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
        self.info.update(
            {
                "case": "lc" if args["lowercase"] else "mixed",
                "eff": "yes" if args["effective_order"] else "no",
                "tok": args["tokenizer_signature"],
                "smooth": smooth_str,
            }
        )


class BLEUScore(Score):
    """A BLEU score with its n-gram counts, precisions and brevity penalty."""

    def __init__(
        self,
        score: float,
        counts: list[int],
        totals: list[int],
        precisions: list[float],
        bp: float,
        sys_len: int,
        ref_len: int,
    ):
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


class BLEU(Metric):
    """sacrebleu ``BLEU`` with segment statistics from the Rust core."""

    SMOOTH_DEFAULTS = dict(SMOOTH_DEFAULTS)
    TOKENIZERS = _TOKENIZERS.keys()
    TOKENIZER_DEFAULT = "13a"
    _TOKENIZER_MAP = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}
    _SIGNATURE_TYPE = BLEUSignature

    def __init__(
        self,
        lowercase: bool = False,
        force: bool = False,
        tokenize: str | None = None,
        smooth_method: str = "exp",
        smooth_value: float | None = None,
        max_ngram_order: int = MAX_NGRAM_ORDER,
        effective_order: bool = False,
        trg_lang: str = "",
        references: Sequence[Sequence[str]] | None = None,
    ):
        super().__init__()
        self._force = force
        self.trg_lang = trg_lang
        self.lowercase = _check_bool(lowercase, "lowercase")
        self.smooth_method, _ = _check_smooth(smooth_method, smooth_value)
        self.smooth_value = smooth_value
        self.max_ngram_order = _check_int(max_ngram_order, "max_ngram_order", 1)
        self.effective_order = _check_bool(effective_order, "effective_order")
        if tokenize is None:
            best_tokenizer = self._TOKENIZER_MAP.get(self.trg_lang, self.TOKENIZER_DEFAULT)
        else:
            best_tokenizer = tokenize
            for lang, tok, hint in (
                ("zh", "zh", "zh"),
                ("ja", "ja-mecab", "ja-mecab"),
                ("ko", "ko-mecab", "ko-mecab"),
            ):
                if self.trg_lang == lang and best_tokenizer != tok:
                    name = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean"}[lang]
                    sacrelogger.warning(
                        f"Consider using the '{hint}' or 'spm' tokenizer for {name}."
                    )
        self.tokenizer = _get_tokenizer(best_tokenizer)()
        self._tokenize = best_tokenizer
        self.tokenizer_signature = self.tokenizer.signature()
        if references is not None:
            self._ref_cache = self._cache_references(references)

    @staticmethod
    def compute_bleu(
        correct: list[int],
        total: list[int],
        sys_len: int,
        ref_len: int,
        smooth_method: str = "none",
        smooth_value=None,
        effective_order: bool = False,
        max_ngram_order: int = MAX_NGRAM_ORDER,
    ) -> BLEUScore:
        """BLEU from its sufficient statistics with smoothing (sacrebleu's ``compute_bleu``)."""
        if smooth_method not in BLEU.SMOOTH_DEFAULTS:
            raise InputValueError(f"Unknown smooth_method {smooth_method!r}")
        if smooth_value is None:
            smooth_value = BLEU.SMOOTH_DEFAULTS[smooth_method]
        bp = 1.0
        if sys_len < ref_len:
            bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
        precisions = [0.0] * max_ngram_order
        # sacrebleu stops early when nothing matches (its issue #141)
        if not any(correct):
            return BLEUScore(0.0, correct, total, precisions, bp, sys_len, ref_len)
        smooth_mteval = 1.0
        eff_order = max_ngram_order
        for n in range(1, len(precisions) + 1):
            if smooth_method == "add-k" and n > 1:
                correct[n - 1] += smooth_value
                total[n - 1] += smooth_value
            if total[n - 1] == 0:
                break
            if effective_order:
                eff_order = n
            if correct[n - 1] == 0:
                if smooth_method == "exp":
                    smooth_mteval *= 2
                    precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
                elif smooth_method == "floor":
                    precisions[n - 1] = 100.0 * smooth_value / total[n - 1]
            else:
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
        score = bp * math.exp(sum([my_log(p) for p in precisions[:eff_order]]) / eff_order)
        return BLEUScore(score, correct, total, precisions, bp, sys_len, ref_len)

    def _preprocess_segment(self, sent: str) -> str:
        """Lowercases (optionally) and tokenizes a sentence, as BLEU does before counting."""
        if self.lowercase:
            sent = sent.lower()
        return self.tokenizer(sent.rstrip())

    def _native_stats(self, hypotheses, refs) -> tuple:
        return _native.bleu_stats(
            hypotheses, refs, self._tokenize, self.lowercase, self.max_ngram_order, None
        )

    def _compute_score_from_stats(self, stats: list[int]) -> BLEUScore:
        return self.compute_bleu(
            correct=stats[2 : 2 + self.max_ngram_order],
            total=stats[2 + self.max_ngram_order :],
            sys_len=int(stats[0]),
            ref_len=int(stats[1]),
            smooth_method=self.smooth_method,
            smooth_value=self.smooth_value,
            effective_order=self.effective_order,
            max_ngram_order=self.max_ngram_order,
        )

    def _aggregate_and_compute(self, stats: list[list[int]]) -> BLEUScore:
        return self._compute_score_from_stats(sum_of_lists(stats))

    def sentence_score(self, hypothesis: str, references: Sequence[str]) -> BLEUScore:
        if not self.effective_order:
            sacrelogger.warning(
                "It is recommended to enable `effective_order` for sentence-level BLEU."
            )
        return super().sentence_score(hypothesis, references)
