"""Hostile options, panics, worker counts, Ctrl-C and odd inputs (issue 12): never an abort, a
panic, a hang or a silent wrong number; always a clear InputValueError/InputTypeError naming the
parameter, or the reference package's own score."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import sacrebleu

import lexmetrics as lm
from lexmetrics import _native
from lexmetrics._errors import InputTypeError, InputValueError, InternalError

H = ["the cat sat on the mat", "a quick brown fox"]
R = [["the cat sat on a mat"], ["the quick brown fox"]]

# ---------------------------------------------------------------------------------------------
# 1. numeric options
# ---------------------------------------------------------------------------------------------

HUGE = [10**9, 2**62, 2**64, 10**100]


@pytest.mark.parametrize("name", ["char_order", "word_order"])
@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("fn", [lm.corpus_chrf, lm.sentence_chrf, lm.chrf_stats])
def test_huge_chrf_orders_raise_naming_the_option(fn, name, value):
    with pytest.raises(InputValueError, match=name):
        fn(H, R, **{name: value})


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("fn", [lm.corpus_bleu, lm.sentence_bleu, lm.bleu_stats])
def test_huge_bleu_order_raises_naming_the_option(fn, value):
    with pytest.raises(InputValueError, match="max_ngram_order"):
        fn(H, R, max_ngram_order=value)


@pytest.mark.parametrize(
    "value,exc", [(-1, InputValueError), (float("nan"), InputTypeError), (2.0, InputTypeError),
                  (True, InputTypeError), ("4", InputTypeError), (None, InputTypeError)],
)
def test_bad_orders_raise_naming_the_option(value, exc):
    with pytest.raises(exc, match="max_ngram_order"):
        lm.corpus_bleu(H, R, max_ngram_order=value)
    with pytest.raises(exc, match="char_order"):
        lm.corpus_chrf(H, R, char_order=value)
    with pytest.raises(exc, match="word_order"):
        lm.corpus_chrf(H, R, word_order=value)


def test_native_layer_refuses_huge_orders_too():
    # The private entry points are the last line: no allocation sized by an unchecked argument.
    with pytest.raises(InputValueError, match="char_order"):
        _native.chrf_stats(H, R, 10**9, 0, 2.0, False, False, False, 1)
    with pytest.raises(InputValueError, match="max_ngram_order"):
        _native.bleu_stats(H, R, "13a", False, 2**62, 1)
    with pytest.raises(InputValueError, match="max_ngram_order"):
        _native.bleu_from_stats([0] * 10, "exp", None, False, 10**8)
    with pytest.raises(InputValueError, match="word_order"):
        _native.chrf_from_stats([0] * 3, 1, 10**9, 2.0, False)


def _long_pairs():
    words = "the of and to in is was he for it with as his on be at by had are but from".split()
    rng = np.random.default_rng(1)
    hyps, refs = [], []
    for k in range(12):
        base = [words[i] for i in rng.integers(0, len(words), 70)]
        hyp = base if k % 3 else base[: 35 + k]  # identical, or a prefix (long matches)
        ref = list(base)
        if k % 4 == 1:
            ref[30] = "zebra"
        hyps.append(" ".join(hyp))
        refs.append(" ".join(ref))
    hyps.append("short")
    refs.append("short one")
    return hyps, refs


@pytest.mark.parametrize("order", [1, 5, 20, 50, 71, 256])
def test_long_bleu_orders_match_sacrebleu(order):
    hyps, refs = _long_pairs()
    ours = lm.corpus_bleu(hyps, [[r] for r in refs], max_ngram_order=order)
    ref = sacrebleu.metrics.BLEU(max_ngram_order=order).corpus_score(hyps, [refs])
    assert ours.score == ref.score
    assert ref.score > 0 or order > 70
    sent = lm.sentence_bleu(hyps, [[r] for r in refs], max_ngram_order=order)
    bleu = sacrebleu.metrics.BLEU(max_ngram_order=order, effective_order=True)
    assert [float(s) for s in sent] == [bleu.sentence_score(h, [r]).score for h, r in zip(hyps, refs)]


@pytest.mark.parametrize("char_order,word_order", [(20, 0), (50, 2), (6, 20), (256, 256)])
def test_long_chrf_orders_match_sacrebleu(char_order, word_order):
    hyps, refs = _long_pairs()
    ours = lm.corpus_chrf(hyps, [[r] for r in refs], char_order=char_order, word_order=word_order)
    chrf = sacrebleu.metrics.CHRF(char_order=char_order, word_order=word_order)
    assert ours.score == chrf.corpus_score(hyps, [refs]).score
    sent = lm.sentence_chrf(hyps, [[r] for r in refs], char_order=char_order, word_order=word_order)
    assert [float(s) for s in sent] == [chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs)]


@pytest.mark.parametrize("method", ["floor", "add-k", "exp", "none"])
@pytest.mark.parametrize("value", [-1.0, -0.5, float("nan"), float("inf"), -np.float64(1)])
def test_invalid_smooth_values_raise(method, value):
    for fn in (lm.corpus_bleu, lm.sentence_bleu):
        with pytest.raises(InputValueError, match="smooth_value"):
            fn(H, R, smooth_method=method, smooth_value=value)
    with pytest.raises(InputValueError, match="smooth_value"):
        lm.bleu_from_stats(lm.bleu_stats(H, R), smooth_method=method, smooth_value=value)
    with pytest.raises(InputValueError, match="smooth_value"):
        _native.bleu_from_stats([5, 5, 1, 0, 0, 0, 5, 4, 3, 2], method, value, False, 4)


def test_sacrebleu_fails_or_returns_nan_on_those_values():
    # Why they are refused: the reference has no meaningful answer.
    with pytest.raises(ValueError):
        sacrebleu.corpus_bleu(["a b c"], [["a b d"]], smooth_method="floor", smooth_value=-1)
    assert np.isnan(sacrebleu.corpus_bleu(["a b c"], [["a b d"]], smooth_method="floor",
                                          smooth_value=float("nan")).score)


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 2])
def test_valid_smooth_values_still_match_sacrebleu(value):
    for method in ("floor", "add-k"):
        ours = lm.corpus_bleu(H, R, smooth_method=method, smooth_value=value).score
        ref = sacrebleu.corpus_bleu(H, [[r[0] for r in R]], smooth_method=method, smooth_value=value).score
        assert ours == ref


def test_non_finite_beta_raises():
    for beta in (float("nan"), float("inf")):
        with pytest.raises(InputValueError, match="beta"):
            lm.corpus_chrf(H, R, beta=beta)


# ---------------------------------------------------------------------------------------------
# 2. panics become InternalError on every path
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("at", [None, 0, 5, 40_000])
def test_panic_becomes_internal_error(at, workers):
    with pytest.raises(InternalError, match="internal error") as info:
        _native._panic_test_hook(50_000, at, workers)
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, lm.LexmetricsError)
    if at is not None:
        assert f"at index {at}" in str(info.value)


def test_internal_error_is_exported():
    assert lm._errors.InternalError is InternalError
    assert "InternalError" in lm._errors.__all__


# ---------------------------------------------------------------------------------------------
# 3. workers
# ---------------------------------------------------------------------------------------------

CALLS = {
    "rouge": lambda w: lm.rouge(H, [r[0] for r in R], workers=w),
    "rouge_split": lambda w: lm.rouge(H, [r[0] for r in R], rouge_types=["rougeLsum"], tokenizer=_Tok(), workers=w),
    "corpus_bleu": lambda w: lm.corpus_bleu(H, R, workers=w),
    "sentence_bleu": lambda w: lm.sentence_bleu(H, R, workers=w),
    "bleu_stats": lambda w: lm.bleu_stats(H, R, workers=w),
    "corpus_chrf": lambda w: lm.corpus_chrf(H, R, workers=w),
    "sentence_chrf": lambda w: lm.sentence_chrf(H, R, workers=w),
    "chrf_stats": lambda w: lm.chrf_stats(H, R, workers=w),
    "native_rouge_texts": lambda w: _native.rouge_texts(H, [r[0] for r in R], ["rouge1"], False, w),
    "native_bleu_stats": lambda w: _native.bleu_stats(H, R, "13a", False, 4, w),
    "native_sentence_chrf": lambda w: _native.sentence_chrf(H, R, 6, 0, 2.0, False, False, False, w),
}


class _Tok:
    def tokenize(self, text):
        return text.split()


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(
    "workers,exc",
    [(-1, InputValueError), (0, InputValueError), (-(2**70), InputValueError), (1.5, InputTypeError),
     (True, InputTypeError), ("2", InputTypeError), (float("nan"), InputTypeError)],
)
def test_bad_workers_one_validation_everywhere(call, workers, exc):
    with pytest.raises(exc, match="workers"):
        CALLS[call](workers)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_huge_workers_returns_quickly_with_the_same_result(call):
    expected = CALLS[call](1)
    t0 = time.perf_counter()
    for w in (100_000, 2**70, np.int64(3)):
        got = CALLS[call](w)
        _same(got, expected)
    assert time.perf_counter() - t0 < 10  # generous: it used to never return


def _same(a, b):
    if isinstance(a, tuple):
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b)
    elif hasattr(a, "to_dict"):
        assert a.to_dict() == b.to_dict()
    else:
        assert a == b


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs /proc to count threads")
def test_pools_are_reused_not_accumulated():
    cap = min(256, 4 * (os.cpu_count() or 1))
    for w in range(1, 41):
        lm.rouge(H * 50, [r[0] for r in R] * 50, workers=w)
    # At most a few pools of at most `cap` threads each stay alive (821 threads before).
    assert _os_threads() <= 4 * cap + 16


def test_default_workers_is_bounded():
    assert 1 <= _native.default_workers() <= min(256, 4 * (os.cpu_count() or 1))


# ---------------------------------------------------------------------------------------------
# 7. bytes are named as bytes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [b"the cat", bytearray(b"the cat")])
def test_bytes_reference_is_named(bad):
    for fn in (lm.corpus_bleu, lm.corpus_chrf, lambda h, r: lm.rouge(h, r)):
        with pytest.raises(InputTypeError, match=r"references\[1\] must be str .*got (bytes|bytearray)"):
            fn(H, ["the cat", bad])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\] must be str, got (bytes|bytearray)"):
        lm.corpus_bleu(["x", bad], ["x", "y"])
