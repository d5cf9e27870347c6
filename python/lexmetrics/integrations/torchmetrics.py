"""torchmetrics text metrics on lexmetrics: exact integer states, float64 results.

Migrating is an import change::

    from lexmetrics.integrations.torchmetrics import ROUGEScore, BLEUScore, SacreBLEUScore, CHRFScore

Each class is a ``torchmetrics.Metric`` with torchmetrics' constructor arguments, ``update`` /
``compute`` / ``forward`` / ``reset`` behaviour and output keys, so it works with Lightning's
``self.log``. The states are integers (n-gram counts and lengths; exact float-sum bins for ROUGE),
summed across processes, so a DDP ``compute()`` is bit for bit the single-process value.

What ``compute()`` equals (torchmetrics computes every one of these in float32):

- ``BLEUScore``: torchmetrics' own BLEU (whitespace tokens, ``weights``, ``smooth`` = add-one on
  orders >= 2, 0 when an order has no match, closest reference length with ties going to the first
  reference) evaluated in float64 on the same counts; torchmetrics' states are equal, its float32
  result within float32 rounding.
- ``SacreBLEUScore``: ``sacrebleu.corpus_bleu(..., smooth_method="none")`` (``"add-k"``, k=1, when
  ``smooth=True``) ``.score / 100``, sacrebleu 2.6's tokenizers; with non-uniform ``weights`` (which
  sacrebleu lacks) torchmetrics' formula in float64 on sacrebleu's counts.
- ``CHRFScore``: ``sacrebleu.corpus_chrf(...).score / 100`` (and sentence scores ``/ 100``).
- ``TranslationEditRate``: ``sacrebleu``'s corpus TER ``/ 100`` (edits over the exact sum of the
  average reference lengths: sacrebleu's left-to-right float sum can differ in the last bit only
  when a pair's average reference length is not a binary fraction, e.g. 3 references).
- ``ROUGEScore``: the correctly rounded mean of rouge-score 0.1.2's per-pair float64 scores
  (``accumulate="best"``: rouge-score's ``score_multi``; ``"avg"``: the mean over the references).

Where torchmetrics' definition departs from the reference package (chrF's effective order and
best-reference choice, sacreBLEU's tie rule, rouge tokenization corner cases), the number is the
reference package's; see docs/migrating-nltk-evaluate-torchmetrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _exactsum, _native
from .._bleu import bleu_from_stats
from .._chrf import chrf_from_stats, chrf_stats, sentence_chrf
from .._dependencies import require
from .._errors import InputValueError
from .._rouge import rouge
from .._ter import sentence_ter, ter_stats

torch = require("torch", "lexmetrics.integrations.torchmetrics")
_tm = require("torchmetrics", "lexmetrics.integrations.torchmetrics")
Metric: Any = _tm.Metric

__all__ = ["BLEUScore", "SacreBLEUScore", "CHRFScore", "ROUGEScore", "TranslationEditRate"]

_F64 = torch.float64


def _as_lists(preds: Any, target: Any) -> tuple[list[str], list[list[str]]]:
    """torchmetrics' input forms: one str or a list of str; per prediction a str or list of str."""
    preds_ = [preds] if isinstance(preds, str) else list(preds)
    target_ = [[t] if isinstance(t, str) else list(t) for t in target]
    if len(preds_) != len(target_):
        raise InputValueError(f"Corpus has different size {len(preds_)} != {len(target_)}")
    return preds_, target_


# ---------------------------------------------------------------------------------------------
# BLEU
# ---------------------------------------------------------------------------------------------


class BLEUScore(Metric):
    """torchmetrics' ``BLEUScore`` (whitespace tokens) with exact int64 states and a float64 result."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    _tokenize = "none"  # torchmetrics: str.split, which is sacrebleu's "none" tokenizer
    _lowercase = False

    def __init__(
        self,
        n_gram: int = 4,
        smooth: bool = False,
        weights: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(n_gram, int) or isinstance(n_gram, bool) or n_gram < 1:
            raise InputValueError(f"n_gram must be an int >= 1, got {n_gram!r}")
        if weights is not None and len(weights) != n_gram:
            raise InputValueError(
                f"List of weights has different weights than `n_gram`: {len(weights)} != {n_gram}"
            )
        self.n_gram = n_gram
        self.smooth = smooth
        self.weights = list(weights) if weights is not None else [1.0 / n_gram] * n_gram
        self.add_state("preds_len", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("target_len", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("numerator", torch.zeros(n_gram, dtype=torch.int64), dist_reduce_fx="sum")
        self.add_state("denominator", torch.zeros(n_gram, dtype=torch.int64), dist_reduce_fx="sum")

    def _stats(self, preds: list[str], target: list[list[str]]) -> np.ndarray:
        stats, _ = _native.bleu_stats(
            preds, target, self._tokenize, self._lowercase, self.n_gram, None
        )
        stats = np.asarray(stats, dtype=np.int64)
        _first_closest_ref_len(stats, preds, target, self._tokenize, self._lowercase)
        return stats

    def update(self, preds: str | Sequence[str], target: Sequence[Any]) -> None:
        """Adds the n-gram counts and lengths of a batch (exact integers)."""
        preds_, target_ = _as_lists(preds, target)
        if not preds_:
            return
        summed = torch.from_numpy(self._stats(preds_, target_).sum(axis=0)).to(
            self.numerator.device
        )
        n = self.n_gram
        self.preds_len += summed[0]
        self.target_len += summed[1]
        self.numerator += summed[2 : 2 + n]
        self.denominator += summed[2 + n : 2 + 2 * n]

    def compute(self) -> Any:
        """torchmetrics' BLEU formula, step for step, in float64 on the exact counts."""
        device = self.numerator.device
        numerator, denominator = self.numerator.to(_F64), self.denominator.to(_F64)
        preds_len, target_len = self.preds_len.to(_F64), self.target_len.to(_F64)
        if min(numerator) == 0.0:
            return torch.tensor(0.0, dtype=_F64, device=device)
        if self.smooth:
            precision_scores = torch.div(numerator + 1, denominator + 1)
            precision_scores[0] = numerator[0] / denominator[0]
        else:
            precision_scores = numerator / denominator
        weights = torch.tensor(self.weights, dtype=_F64, device=device)
        geometric_mean = torch.exp(torch.sum(weights * torch.log(precision_scores)))
        if preds_len > target_len:
            brevity_penalty = torch.tensor(1.0, dtype=_F64, device=device)
        else:
            brevity_penalty = torch.exp(1 - (target_len / preds_len))
        return brevity_penalty * geometric_mean


def _first_closest_ref_len(
    stats: np.ndarray, preds: list[str], target: list[list[str]], tokenize: str, lowercase: bool
) -> None:
    """torchmetrics takes the first reference at the minimal length distance (sacrebleu: the shortest)."""
    multi = [i for i, refs in enumerate(target) if len(refs) > 1]
    if not multi:
        return
    flat = [r for i in multi for r in target[i]]
    # Each reference scored as a hypothesis gives its token count in column 0.
    lens, _ = _native.bleu_stats(flat, [[r] for r in flat], tokenize, lowercase, 1, None)
    lens = np.asarray(lens)[:, 0].tolist()
    k = 0
    for i in multi:
        cand = lens[k : k + len(target[i])]
        k += len(target[i])
        hyp_len = int(stats[i, 0])
        diffs = [abs(hyp_len - c) for c in cand]
        stats[i, 1] = cand[diffs.index(min(diffs))]


class SacreBLEUScore(BLEUScore):
    """torchmetrics' ``SacreBLEUScore``; ``compute()`` equals sacrebleu's corpus BLEU / 100."""

    _TOKENIZERS = ("none", "13a", "zh", "intl", "char")

    def __init__(
        self,
        n_gram: int = 4,
        smooth: bool = False,
        tokenize: str = "13a",
        lowercase: bool = False,
        weights: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(n_gram=n_gram, smooth=smooth, weights=weights, **kwargs)
        if tokenize not in self._TOKENIZERS:
            raise InputValueError(
                f"Argument `tokenize` expected to be one of {list(self._TOKENIZERS)} but got {tokenize}."
            )
        self.tokenize = tokenize
        self.lowercase = lowercase
        self._tokenize = tokenize
        self._lowercase = bool(lowercase)
        self._uniform = weights is None or all(w == 1.0 / n_gram for w in weights)

    def _stats(self, preds: list[str], target: list[list[str]]) -> np.ndarray:
        # sacrebleu's statistics, its closest-reference rule included.
        stats, _ = _native.bleu_stats(
            preds, target, self._tokenize, self._lowercase, self.n_gram, None
        )
        return np.asarray(stats, dtype=np.int64)

    def compute(self) -> Any:
        """sacrebleu's corpus BLEU / 100 (float64); torchmetrics' formula for non-uniform weights."""
        if not self._uniform:
            return super().compute()
        n = self.n_gram
        summed = [int(self.preds_len), int(self.target_len)]
        summed += [int(x) for x in self.numerator.tolist()] + [
            int(x) for x in self.denominator.tolist()
        ]
        if summed[0] == 0:
            return torch.tensor(0.0, dtype=_F64, device=self.numerator.device)
        method, value = ("add-k", 1) if self.smooth else ("none", None)
        score = bleu_from_stats(
            summed, smooth_method=method, smooth_value=value, max_ngram_order=n
        ).score
        return torch.tensor(score / 100, dtype=_F64, device=self.numerator.device)


# ---------------------------------------------------------------------------------------------
# chrF
# ---------------------------------------------------------------------------------------------


class CHRFScore(Metric):
    """torchmetrics' ``CHRFScore``; ``compute()`` equals sacrebleu's corpus chrF / 100 (float64)."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        n_char_order: int = 6,
        n_word_order: int = 2,
        beta: float = 2.0,
        lowercase: bool = False,
        whitespace: bool = False,
        return_sentence_level_score: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(n_char_order, int) or n_char_order < 1:
            raise InputValueError(
                "Expected argument `n_char_order` to be an integer greater than or equal to 1."
            )
        if not isinstance(n_word_order, int) or n_word_order < 0:
            raise InputValueError(
                "Expected argument `n_word_order` to be an integer greater than or equal to 0."
            )
        if beta < 0:
            raise InputValueError("Expected argument `beta` to be greater than 0.")
        self.n_char_order = n_char_order
        self.n_word_order = n_word_order
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
        self.return_sentence_level_score = return_sentence_level_score
        width = 3 * (n_char_order + n_word_order)
        self.add_state("stats", torch.zeros(width, dtype=torch.int64), dist_reduce_fx="sum")
        if return_sentence_level_score:
            self.add_state("sentence_chrf_score", [], dist_reduce_fx="cat")

    def _opts(self) -> dict[str, Any]:
        return {
            "char_order": self.n_char_order,
            "word_order": self.n_word_order,
            "beta": self.beta,
            "lowercase": bool(self.lowercase),
            "whitespace": bool(self.whitespace),
        }

    def update(self, preds: str | Sequence[str], target: Sequence[Any]) -> None:
        """Adds sacrebleu's chrF statistics of a batch (exact integers)."""
        preds_, target_ = _as_lists(preds, target)
        if not preds_:
            return
        stats = np.asarray(chrf_stats(preds_, target_, **self._opts()), dtype=np.int64).sum(axis=0)
        self.stats += torch.from_numpy(stats).to(self.stats.device)
        if self.return_sentence_level_score:
            sent = sentence_chrf(preds_, target_, **self._opts()) / 100
            self.sentence_chrf_score.append(torch.from_numpy(sent).to(self.stats.device))

    def compute(self) -> Any:
        """Corpus chrF / 100 (and the sentence scores / 100 if asked)."""
        o = self._opts()
        summed = [int(x) for x in self.stats.tolist()]
        score = chrf_from_stats(
            summed, char_order=o["char_order"], word_order=o["word_order"], beta=o["beta"]
        ).score
        corpus = torch.tensor(score / 100, dtype=_F64, device=self.stats.device)
        if self.return_sentence_level_score:
            sent = self.sentence_chrf_score
            if isinstance(sent, list):
                sent = torch.cat(sent) if sent else torch.zeros(0, dtype=_F64)
            return corpus, sent
        return corpus


# ---------------------------------------------------------------------------------------------
# ROUGE
# ---------------------------------------------------------------------------------------------

_ROUGE_KEYS = {f"rouge{i}": i for i in range(1, 10)} | {"rougeL": "L", "rougeLsum": "Lsum"}
_PRF = ("fmeasure", "precision", "recall")


class _TorchmetricsTokenizer:
    """torchmetrics' ``_normalize_and_tokenize_text`` as a rouge-score tokenizer object."""

    def __init__(self, normalizer: Callable[[str], str] | None, tokenizer: Any, use_stemmer: bool):
        self.normalizer, self.tokenizer, self.use_stemmer = normalizer, tokenizer, use_stemmer

    def tokenize(self, text: str) -> list[str]:
        import re

        text = (
            self.normalizer(text)
            if callable(self.normalizer)
            else re.sub(r"[^a-z0-9]+", " ", text.lower())
        )
        tokens = list(self.tokenizer(text) if callable(self.tokenizer) else re.split(r"\s+", text))
        if self.use_stemmer:
            # torchmetrics stems tokens longer than 3 characters (nltk Porter, NLTK_EXTENSIONS).
            long = [i for i, t in enumerate(tokens) if isinstance(t, str) and len(t) > 3]
            for i, s in zip(long, _native.porter_stem([tokens[i] for i in long])):
                tokens[i] = s
        return [t for t in tokens if isinstance(t, str) and len(t) > 0]


class ROUGEScore(Metric):
    """torchmetrics' ``ROUGEScore``; ``compute()`` is the exact mean of rouge-score's per-pair scores."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound = 0.0
    plot_upper_bound = 1.0

    def __init__(
        self,
        use_stemmer: bool = False,
        normalizer: Callable[[str], str] | None = None,
        tokenizer: Callable[[str], Sequence[str]] | None = None,
        accumulate: str = "best",
        rouge_keys: str | tuple[str, ...] = ("rouge1", "rouge2", "rougeL", "rougeLsum"),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(rouge_keys, tuple):
            rouge_keys = (rouge_keys,)
        for key in rouge_keys:
            if key not in _ROUGE_KEYS:
                raise InputValueError(
                    f"Got unknown rouge key {key}. Expected to be one of {list(_ROUGE_KEYS)}"
                )
        if accumulate not in ("avg", "best"):
            raise InputValueError(
                f"Got unknown accumulate value {accumulate}. Expected to be one of ['avg', 'best']"
            )
        self.rouge_keys = rouge_keys
        self.use_stemmer = use_stemmer
        self.normalizer = normalizer
        self.tokenizer = tokenizer
        self.accumulate = accumulate
        custom = normalizer is not None or tokenizer is not None
        self._tok = _TorchmetricsTokenizer(normalizer, tokenizer, use_stemmer) if custom else None
        self.add_state("count", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        for key in rouge_keys:
            for kind in _PRF:
                # Exact float-sum bins: integer addition across ranks, a correctly rounded mean.
                state = torch.zeros(_exactsum.STATE_SIZE, dtype=torch.int64)
                self.add_state(f"{key}_{kind}", state, dist_reduce_fx="sum")

    def _scores(
        self, preds: list[str], target: list[list[str]]
    ) -> dict[str, tuple[np.ndarray, ...]]:
        types = list(dict.fromkeys(self.rouge_keys))
        opts: dict[str, Any] = {
            "rouge_types": types,
            "use_stemmer": bool(self.use_stemmer),
            # torchmetrics splits rougeLsum sentences with nltk.sent_tokenize.
            "split_summaries": "rougeLsum" in types,
            "tokenizer": self._tok,
        }
        if self.accumulate == "best":
            res = rouge(preds, target, **opts)
            return {t: (res[t].fmeasure, res[t].precision, res[t].recall) for t in types}
        flat_p = [p for p, refs in zip(preds, target) for _ in refs]
        flat_r = [r for refs in target for r in refs]
        res = rouge(flat_p, flat_r, **opts)
        bounds = np.cumsum([0] + [len(refs) for refs in target])
        out = {}
        for t in types:
            arrs = (res[t].fmeasure, res[t].precision, res[t].recall)
            out[t] = tuple(
                np.array([math.fsum(a[s:e]) / (e - s) for s, e in zip(bounds[:-1], bounds[1:])])
                for a in arrs
            )
        return out

    def update(self, preds: str | Sequence[str], target: Any) -> None:
        """Adds the per-pair precision, recall and F of a batch to the exact sums."""
        if isinstance(target, list) and all(isinstance(t, str) for t in target):
            target = [target] if isinstance(preds, str) else [[t] for t in target]
        if isinstance(preds, str):
            preds = [preds]
        if isinstance(target, str):
            target = [[target]]
        preds_, target_ = _as_lists(preds, target)
        if any(len(refs) == 0 for refs in target_):
            raise InputValueError("every prediction needs at least one reference")
        if not preds_:
            return
        for key, arrs in self._scores(preds_, target_).items():
            for kind, values in zip(_PRF, arrs):
                state = getattr(self, f"{key}_{kind}")
                part = _exactsum.add_values(_exactsum.empty_state(), values)
                state += torch.from_numpy(part).to(state.device)
        self.count += len(preds_)

    def compute(self) -> dict[str, Any]:
        """``{"rouge1_fmeasure": ..., ...}``: correctly rounded float64 means."""
        n = int(self.count)
        out = {}
        for key in self.rouge_keys:
            for kind in _PRF:
                state = getattr(self, f"{key}_{kind}").cpu().numpy()
                mean = _exactsum.state_mean(state, n)
                out[f"{key}_{kind}"] = torch.tensor(mean, dtype=_F64, device=self.count.device)
        return out


# ---------------------------------------------------------------------------------------------
# TER
# ---------------------------------------------------------------------------------------------


class TranslationEditRate(Metric):
    """torchmetrics' ``TranslationEditRate``; ``compute()`` equals sacrebleu's corpus TER / 100."""

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    plot_lower_bound = 0.0

    def __init__(
        self,
        normalize: bool = False,
        no_punctuation: bool = False,
        lowercase: bool = True,
        asian_support: bool = False,
        return_sentence_level_score: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for name, value in (
            ("normalize", normalize),
            ("no_punctuation", no_punctuation),
            ("lowercase", lowercase),
            ("asian_support", asian_support),
        ):
            if not isinstance(value, bool):
                raise InputValueError(
                    f"Expected argument `{name}` to be of type boolean but got {value}."
                )
        self._opts = {
            "normalized": normalize,
            "no_punct": no_punctuation,
            "asian_support": asian_support,
            "case_sensitive": not lowercase,
        }
        self.return_sentence_level_score = return_sentence_level_score
        self.add_state("total_num_edits", torch.tensor(0, dtype=torch.int64), dist_reduce_fx="sum")
        # Average reference lengths are fractions: exact float-sum bins, summed as integers.
        state = torch.zeros(_exactsum.STATE_SIZE, dtype=torch.int64)
        self.add_state("total_tgt_len", state, dist_reduce_fx="sum")
        if return_sentence_level_score:
            self.add_state("sentence_ter", [], dist_reduce_fx="cat")

    def update(self, preds: str | Sequence[str], target: Sequence[Any]) -> None:
        """Adds the edits and average reference lengths of a batch."""
        preds_, target_ = _as_lists(preds, target)
        if not preds_:
            return
        stats = np.asarray(ter_stats(preds_, target_, **self._opts), dtype=np.float64)
        self.total_num_edits += int(stats[:, 0].sum())  # edit counts are integers
        part = _exactsum.add_values(_exactsum.empty_state(), stats[:, 1])
        self.total_tgt_len += torch.from_numpy(part).to(self.total_tgt_len.device)
        if self.return_sentence_level_score:
            sent = sentence_ter(preds_, target_, **self._opts) / 100
            self.sentence_ter.append(torch.from_numpy(np.asarray(sent, dtype=np.float64)))

    def compute(self) -> Any:
        """Corpus TER / 100 (and the sentence TERs / 100 if asked)."""
        edits = int(self.total_num_edits)
        ref_length = float(_exactsum.state_total(self.total_tgt_len.cpu().numpy()))
        # sacrebleu TER._compute_score_from_stats
        if ref_length > 0:
            score = edits / ref_length
        elif edits > 0:
            score = 1.0
        else:
            score = 0.0
        # sacrebleu's score is 100 * score; its value / 100, as for the other metrics here.
        corpus = torch.tensor(100 * score / 100, dtype=_F64, device=self.total_num_edits.device)
        if self.return_sentence_level_score:
            sent = self.sentence_ter
            if isinstance(sent, list):
                sent = torch.cat(sent) if sent else torch.zeros(0, dtype=_F64)
            return corpus, sent
        return corpus
