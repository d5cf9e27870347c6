"""The compute functions behind :func:`lexmetrics.compat.evaluate.load`, one per evaluate metric script."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import _native
from ..._errors import InputTypeError, InputValueError
from ..._rouge import rouge as _rouge
from .. import sacrebleu as _sacrebleu
from ..nltk.translate.bleu_score import _pair_texts

# ---------------------------------------------------------------------------------------------
# shared input handling
# ---------------------------------------------------------------------------------------------


def _per_prediction(references: Sequence[Any]) -> list[list[Any]]:
    # The scripts: "if only one reference is provided make sure we still use list of lists".
    if isinstance(references[0], str):
        return [[r] for r in references]
    return [list(r) for r in references]


def _reject(kwargs: dict[str, Any], metric: str) -> None:
    if kwargs:
        raise InputValueError(f"{metric}.compute got unexpected arguments {sorted(kwargs)}")


def _streams(references: list[list[str]], what: str) -> list[list[str]]:
    k = len(references[0])
    if any(len(refs) != k for refs in references):
        raise InputValueError(f"{what} requires the same number of references for each prediction")
    return [[refs[i] for refs in references] for i in range(k)]


# evaluate's Tokenizer13a: sacrebleu's 13a on the line as given (sacrebleu's BLEU rstrips it first).
_RE_13A = (
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
)


def _tokenize_13a_py(line: str) -> str:
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (
            line.replace("&quot;", '"')
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
        )
    line = f" {line} "
    for pattern, repl in _RE_13A:
        line = pattern.sub(repl, line)
    return " ".join(line.split())


def _tokenize_13a(lines: list[str]) -> list[str]:
    """evaluate's ``Tokenizer13a`` of each line, tokens joined by single spaces (native where exact)."""
    for i, line in enumerate(lines):
        if not isinstance(line, str):
            raise InputTypeError(f"texts[{i}] must be a str, got {type(line).__name__}")
    # Newline handling first, so the native tokenizer's rstrip cannot cut a "-\n" in two.
    pre = [ln.replace("<skipped>", "").replace("-\n", "").replace("\n", " ") for ln in lines]
    out = _native.sacre_tokenize(pre, "13a", False)
    for i, p in enumerate(pre):
        if (
            "<skipped>" in p
        ):  # formed by the "-\n" removal: evaluate keeps it, a second pass would not
            out[i] = _tokenize_13a_py(lines[i])
    return out


def _token_texts(
    predictions: list[Any], references: list[list[Any]], tokenizer: Callable[[str], Any] | None
) -> tuple[list[str], list[list[str]]]:
    """Space-joined token strings (native "none" tokenization gives back the same tokens)."""
    if tokenizer is None:
        flat = _tokenize_13a([r for refs in references for r in refs])
        hyps = _tokenize_13a(list(predictions))
        refs_out, k = [], 0
        for refs in references:
            refs_out.append(flat[k : k + len(refs)])
            k += len(refs)
        return hyps, refs_out
    hyps, refs_out = [], []
    for i, (p, refs) in enumerate(zip(predictions, references)):
        h, r = _pair_texts(i, tokenizer(p), [tokenizer(x) for x in refs])
        hyps.append(h)
        refs_out.append(r)
    return hyps, refs_out


def _n_tokens(text: str) -> int:
    return text.count(" ") + 1 if text else 0


def _stats(hyps: list[str], refs: list[list[str]], max_order: int) -> np.ndarray:
    stats, _ = _native.bleu_stats(hyps, refs, "none", False, max_order, None)
    return np.asarray(stats, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# rouge
# ---------------------------------------------------------------------------------------------


class _Tokenizer:
    """evaluate's wrapper: a ``tokenizer`` callable as rouge-score's ``.tokenize`` object."""

    def __init__(self, tokenizer_func: Callable[[str], Any]) -> None:
        self.tokenizer_func = tokenizer_func

    def tokenize(self, text: str) -> Any:
        return self.tokenizer_func(text)


def _bootstrap_mid_f(
    matrix: np.ndarray, rng: Any, n_samples: int = 1000, confidence: float = 0.95
) -> Any:
    """rouge-score's ``BootstrapAggregator`` mid F: same draws, same float operations."""
    sample_mean = np.zeros((n_samples, matrix.shape[1]))
    for i in range(n_samples):
        sample_idx = rng.choice(np.arange(matrix.shape[0]), size=matrix.shape[0])
        sample = matrix[sample_idx, :]
        sample_mean[i, :] = np.mean(sample, axis=0)
    delta = (1 - confidence) / 2
    q = 100 * np.array([delta, 0.5, 1 - delta])
    return np.percentile(sample_mean, q, axis=0)[1, 2]


def compute_rouge(
    predictions: list[Any],
    references: list[Any],
    rouge_types: Sequence[str] | None = None,
    use_aggregator: bool = True,
    use_stemmer: bool = False,
    tokenizer: Callable[[str], Any] | None = None,
    seed: int | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "rouge")
    if rouge_types is None:
        rouge_types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    types = list(dict.fromkeys(rouge_types))
    refs = references if isinstance(references[0], list) else [[r] for r in references]
    tok = _Tokenizer(tokenizer) if tokenizer is not None else None
    res = _rouge(predictions, refs, rouge_types=types, use_stemmer=bool(use_stemmer), tokenizer=tok)
    if not use_aggregator:
        # rouge-score's Score holds int 0 (not 0.0) where a side has no tokens.
        return {
            t: [0 if z else f for f, z in zip(res[t].fmeasure.tolist(), res[t].int_zero.tolist())]
            for t in types
        }
    # The script draws from numpy's global state; a seed gives a private, reproducible stream.
    rng = np.random if seed is None else np.random.RandomState(seed)
    out = {}
    for t in types:
        matrix = np.vstack((res[t].precision, res[t].recall, res[t].fmeasure)).T
        out[t] = _bootstrap_mid_f(matrix, rng)
    return out


# ---------------------------------------------------------------------------------------------
# bleu (TensorFlow NMT compute_bleu)
# ---------------------------------------------------------------------------------------------


def compute_bleu(
    predictions: list[Any],
    references: list[Any],
    tokenizer: Callable[[str], Any] | None = None,
    max_order: int = 4,
    smooth: bool = False,
    tokenizer_name: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "bleu")
    if tokenizer_name is not None:
        raise InputValueError(
            f"bleu: tokenizer_name={tokenizer_name!r} is not supported by lexmetrics"
        )
    if not isinstance(max_order, int) or max_order < 1:
        raise InputValueError(f"bleu: max_order must be an int >= 1, got {max_order!r}")
    refs = _per_prediction(references)
    if any(not r for r in refs):
        raise InputValueError("bleu: every prediction needs at least one reference")
    hyps, ref_texts = _token_texts(predictions, refs, tokenizer)
    stats = _stats(hyps, ref_texts, max_order)
    translation_length = int(stats[:, 0].sum())
    # compute_bleu adds the shortest reference length (not the closest).
    reference_length = sum(min(_n_tokens(r) for r in rs) for rs in ref_texts)
    matches = [int(x) for x in stats[:, 2 : 2 + max_order].sum(axis=0)]
    possible = [int(x) for x in stats[:, 2 + max_order :].sum(axis=0)]

    precisions = [0.0] * max_order
    for i in range(max_order):
        if smooth:
            precisions[i] = (matches[i] + 1.0) / (possible[i] + 1.0)
        elif possible[i] > 0:
            precisions[i] = float(matches[i]) / possible[i]
        else:
            precisions[i] = 0.0
    if min(precisions) > 0:
        p_log_sum = sum((1.0 / max_order) * math.log(p) for p in precisions)
        geo_mean = math.exp(p_log_sum)
    else:
        geo_mean = 0
    if reference_length == 0 or translation_length == 0:
        ratio = 0.0
        bp = 0.0
    else:
        ratio = float(translation_length) / reference_length
        bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return {
        "bleu": geo_mean * bp,
        "precisions": precisions,
        "brevity_penalty": bp,
        "length_ratio": ratio,
        "translation_length": translation_length,
        "reference_length": reference_length,
    }


# ---------------------------------------------------------------------------------------------
# google_bleu (nltk corpus_gleu)
# ---------------------------------------------------------------------------------------------


def compute_google_bleu(
    predictions: list[Any],
    references: list[Any],
    tokenizer: Callable[[str], Any] | None = None,
    min_len: int = 1,
    max_len: int = 4,
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "google_bleu")
    if not isinstance(min_len, int) or not isinstance(max_len, int) or min_len < 1:
        raise InputValueError(
            f"google_bleu: min_len must be an int >= 1 and max_len an int, got {min_len!r}, {max_len!r}"
        )
    refs = _per_prediction(references)
    hyps, ref_texts = _token_texts(predictions, refs, tokenizer)
    corpus_n_match = corpus_n_all = 0
    if max_len >= min_len:
        # One row per (prediction, reference): GLEU compares each reference on its own.
        flat_h = [h for h, rs in zip(hyps, ref_texts) for _ in rs]
        flat_r = [[r] for rs in ref_texts for r in rs]
        if flat_h:
            stats = _stats(flat_h, flat_r, max_len)
            orders = slice(min_len - 1, max_len)
            tp = stats[:, 2 : 2 + max_len][:, orders].sum(axis=1).tolist()
            tpfp = stats[:, 2 + max_len :][:, orders].sum(axis=1).tolist()
            ref_len = np.array([_n_tokens(r[0]) for r in flat_r], dtype=np.int64)
            n = np.arange(min_len, max_len + 1)
            tpfn = np.maximum(ref_len[:, None] - n[None, :] + 1, 0).sum(axis=1).tolist()
        k = 0
        for rs in ref_texts:
            hyp_counts = []
            for j in range(k, k + len(rs)):
                n_all = max(tpfp[j], tpfn[j])
                if n_all > 0:
                    hyp_counts.append((tp[j], n_all))
            k += len(rs)
            if hyp_counts:
                n_match, n_all = max(hyp_counts, key=lambda hc: hc[0] / hc[1])
                corpus_n_match += n_match
                corpus_n_all += n_all
    score = 0.0 if corpus_n_all == 0 else corpus_n_match / corpus_n_all
    return {"google_bleu": score}


# ---------------------------------------------------------------------------------------------
# sacrebleu, chrf
# ---------------------------------------------------------------------------------------------


def compute_sacrebleu(
    predictions: list[Any],
    references: list[Any],
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    force: bool = False,
    lowercase: bool = False,
    tokenize: str | None = None,
    use_effective_order: bool = False,
    average: str = "binary",
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "sacrebleu")
    streams = _streams(_per_prediction(references), "Sacrebleu")
    extra = {"tokenize": tokenize} if tokenize else {}
    out = _sacrebleu.corpus_bleu(
        list(predictions),
        streams,
        smooth_method=smooth_method,
        smooth_value=smooth_value,
        force=force,
        lowercase=lowercase,
        use_effective_order=use_effective_order,
        **extra,
    )
    return {
        "score": out.score,
        "counts": out.counts,
        "totals": out.totals,
        "precisions": out.precisions,
        "bp": out.bp,
        "sys_len": out.sys_len,
        "ref_len": out.ref_len,
    }


def compute_chrf(
    predictions: list[Any],
    references: list[Any],
    char_order: int = 6,
    word_order: int = 0,
    beta: int = 2,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "chrf")
    streams = _streams(_per_prediction(references), "ChrF, as implemented by sacrebleu,")
    out = _sacrebleu.CHRF(
        char_order, word_order, beta, lowercase, whitespace, eps_smoothing
    ).corpus_score(list(predictions), streams)
    return {
        "score": out.score,
        "char_order": out.char_order,
        "word_order": out.word_order,
        "beta": out.beta,
    }


def compute_ter(
    predictions: list[Any],
    references: list[Any],
    normalized: bool = False,
    ignore_punct: bool = False,
    support_zh_ja_chars: bool = False,
    case_sensitive: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    _reject(kwargs, "ter")
    streams = _streams(_per_prediction(references), "Sacrebleu")
    out = _sacrebleu.TER(
        normalized=normalized,
        no_punct=ignore_punct,
        asian_support=support_zh_ja_chars,
        case_sensitive=case_sensitive,
    ).corpus_score(list(predictions), streams)
    return {"score": out.score, "num_edits": out.num_edits, "ref_length": out.ref_length}


COMPUTE: dict[str, Callable[..., dict[str, Any]]] = {
    "rouge": compute_rouge,
    "bleu": compute_bleu,
    "google_bleu": compute_google_bleu,
    "sacrebleu": compute_sacrebleu,
    "chrf": compute_chrf,
    "ter": compute_ter,
}
