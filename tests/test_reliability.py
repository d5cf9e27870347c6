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

import lexmetrics as lm
import numpy as np
import pytest
import sacrebleu
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
    "value,exc",
    [
        (-1, InputValueError),
        (float("nan"), InputTypeError),
        (2.0, InputTypeError),
        (True, InputTypeError),
        ("4", InputTypeError),
        (None, InputTypeError),
    ],
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
    assert [float(s) for s in sent] == [
        bleu.sentence_score(h, [r]).score for h, r in zip(hyps, refs)
    ]


@pytest.mark.parametrize("char_order,word_order", [(20, 0), (50, 2), (6, 20), (256, 256)])
def test_long_chrf_orders_match_sacrebleu(char_order, word_order):
    hyps, refs = _long_pairs()
    ours = lm.corpus_chrf(hyps, [[r] for r in refs], char_order=char_order, word_order=word_order)
    chrf = sacrebleu.metrics.CHRF(char_order=char_order, word_order=word_order)
    assert ours.score == chrf.corpus_score(hyps, [refs]).score
    sent = lm.sentence_chrf(hyps, [[r] for r in refs], char_order=char_order, word_order=word_order)
    assert [float(s) for s in sent] == [
        chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs)
    ]


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
    assert np.isnan(
        sacrebleu.corpus_bleu(
            ["a b c"], [["a b d"]], smooth_method="floor", smooth_value=float("nan")
        ).score
    )


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 2])
def test_valid_smooth_values_still_match_sacrebleu(value):
    for method in ("floor", "add-k"):
        ours = lm.corpus_bleu(H, R, smooth_method=method, smooth_value=value).score
        ref = sacrebleu.corpus_bleu(
            H, [[r[0] for r in R]], smooth_method=method, smooth_value=value
        ).score
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
    "rouge_split": lambda w: lm.rouge(
        H, [r[0] for r in R], rouge_types=["rougeLsum"], tokenizer=_Tok(), workers=w
    ),
    "corpus_bleu": lambda w: lm.corpus_bleu(H, R, workers=w),
    "sentence_bleu": lambda w: lm.sentence_bleu(H, R, workers=w),
    "bleu_stats": lambda w: lm.bleu_stats(H, R, workers=w),
    "corpus_chrf": lambda w: lm.corpus_chrf(H, R, workers=w),
    "sentence_chrf": lambda w: lm.sentence_chrf(H, R, workers=w),
    "chrf_stats": lambda w: lm.chrf_stats(H, R, workers=w),
    "native_rouge_texts": lambda w: _native.rouge_texts(H, [r[0] for r in R], ["rouge1"], False, w),
    "native_bleu_stats": lambda w: _native.bleu_stats(H, R, "13a", False, 4, w),
    "native_sentence_chrf": lambda w: _native.sentence_chrf(
        H, R, 6, 0, 2.0, False, False, False, w
    ),
    "sentence_ter": lambda w: lm.sentence_ter(H, R, workers=w),
    "native_pairwise_bleu": lambda w: _native.pairwise_bleu(H, None, workers=w),
}


class _Tok:
    def tokenize(self, text):
        return text.split()


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(
    "workers,exc",
    [
        (-1, InputValueError),
        (0, InputValueError),
        (-(2**70), InputValueError),
        (1.5, InputTypeError),
        (True, InputTypeError),
        ("2", InputTypeError),
        (float("nan"), InputTypeError),
    ],
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
        with pytest.raises(
            InputTypeError, match=r"references\[1\] must be str .*got (bytes|bytearray)"
        ):
            fn(H, ["the cat", bad])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\] must be str, got (bytes|bytearray)"):
        lm.corpus_bleu(["x", bad], ["x", "y"])


# ---------------------------------------------------------------------------------------------
# 4. Ctrl-C inside one long pair
# ---------------------------------------------------------------------------------------------

# Every reference sentence "a b" shares "a" with every prediction sentence but can never be fully
# covered, so each one is compared with all 40k prediction sentences: seconds of work in one pair.
_LONG_PAIR = textwrap.dedent(
    """
    import sys, time
    import lexmetrics as lm
    pred = "\\n".join(["a"] * 40_000)
    ref = "\\n".join(["a b"] * 40_000)
    kw = dict(rouge_types=["rougeLsum"], workers={workers})
    if {split}:
        kw["tokenizer"] = type("T", (), {{"tokenize": lambda self, s: s.split()}})()
    print("ready", flush=True)
    t0 = time.perf_counter()
    try:
        lm.rouge([pred], [ref], **kw)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(0)
    print("finished", time.perf_counter() - t0, flush=True)
    sys.exit(1)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("workers,split", [(1, False), (2, False), (1, True)])
def test_ctrl_c_stops_one_long_rougelsum_pair(workers, split):
    proc = subprocess.Popen(
        [sys.executable, "-c", _LONG_PAIR.format(workers=workers, split=split)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)
        assert proc.poll() is None, "the pair finished before Ctrl-C: make it longer"
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        elapsed = time.perf_counter() - t0
    finally:
        proc.kill()
    assert "interrupted" in out, out + err
    assert proc.returncode == 0
    # Polled every 20 ms by the waiting thread and every 1024 sentences in the core (was 9-24 s).
    assert elapsed < 1.0, elapsed


def test_interrupted_flag_is_cleared_after_ctrl_c():
    # A call after an interrupted one scores normally (the stop request does not linger).
    code = textwrap.dedent(
        """
        import os, signal, threading, time
        import lexmetrics as lm
        pred = "\\n".join(["a"] * 40_000); ref = "\\n".join(["a b"] * 40_000)
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            lm.rouge([pred], [ref], rouge_types=["rougeLsum"], workers=1)
        except KeyboardInterrupt:
            pass
        r = lm.rouge(["a\\nb c"], ["a b\\nc"], rouge_types=["rougeLsum"])
        print(float(r["rougeLsum"].fmeasure[0]))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    from rouge_score import rouge_scorer

    want = rouge_scorer.RougeScorer(["rougeLsum"]).score("a b\nc", "a\nb c")["rougeLsum"].fmeasure
    assert float(out.stdout.strip()) == want


# ---------------------------------------------------------------------------------------------
# 8. rougeLsum follows the matching work, not the product of sentence counts
# ---------------------------------------------------------------------------------------------


def test_rougelsum_many_sentences_matches_rouge_score():
    from rouge_score import rouge_scorer

    rng = np.random.default_rng(3)
    scorer = rouge_scorer.RougeScorer(["rougeLsum"])
    preds, refs, want = [], [], []
    for _ in range(6):
        n_p, n_r = int(rng.integers(1, 200)), int(rng.integers(1, 200))
        words = [f"w{i}" for i in range(int(rng.integers(2, 40)))]

        def side(n, words=words):
            sents = []
            for _ in range(n):
                length = int(rng.integers(0, 90 if rng.random() < 0.1 else 5))
                sents.append(" ".join(rng.choice(words, length)))
            return "\n".join(sents)

        p, r = side(n_p), side(n_r)
        preds.append(p)
        refs.append(r)
        want.append(tuple(scorer.score(r, p)["rougeLsum"]))
    got = lm.rouge(preds, refs, rouge_types=["rougeLsum"])["rougeLsum"]
    assert list(zip(got.precision, got.recall, got.fmeasure)) == want


# ---------------------------------------------------------------------------------------------
# 5. lone surrogates score as sacrebleu / rouge-score score them
# ---------------------------------------------------------------------------------------------

_ALPHABET = [
    "a",
    "b",
    "ab",
    " ",
    "  ",
    "\ud83d",
    "\ude00",
    "\udfff",
    "\ud800",
    ".",
    ",",
    "中",
    "1",
    "😀",
    "-",
    "A",
    "\u00e9",
    "\U000f0000",
    "\U000f083d",
    "\U00100000",
    "&quot;",
    "İ",
]


def _surrogate_texts(seed, n=60):
    rng = np.random.default_rng(seed)

    def one():
        return "".join(rng.choice(_ALPHABET, int(rng.integers(0, 25))))

    hyps = [one() for _ in range(n)]
    refs = [[one() for _ in range(int(rng.integers(1, 3)))] for _ in range(n)]
    hyps[0] = "I love it \ud83d"  # an emoji cut in half
    refs[0] = ["I love it \ud83d\ude00"]
    return hyps, refs


def _streams(refs):
    width = max(len(r) for r in refs)
    return [[r[k] if k < len(r) else None for r in refs] for k in range(width)]


@pytest.mark.parametrize("tokenize", ["13a", "intl", "zh", "char", "none"])
@pytest.mark.parametrize("lowercase", [False, True])
def test_lone_surrogates_bleu_matches_sacrebleu(tokenize, lowercase):
    hyps, refs = _surrogate_texts(len(tokenize) * 2 + lowercase)
    bleu = sacrebleu.metrics.BLEU(tokenize=tokenize, lowercase=lowercase)
    assert (
        lm.corpus_bleu(hyps, refs, tokenize=tokenize, lowercase=lowercase).score
        == bleu.corpus_score(hyps, _streams(refs)).score
    )
    sbleu = sacrebleu.metrics.BLEU(tokenize=tokenize, lowercase=lowercase, effective_order=True)
    got = lm.sentence_bleu(hyps, refs, tokenize=tokenize, lowercase=lowercase)
    assert [float(x) for x in got] == [sbleu.sentence_score(h, r).score for h, r in zip(hyps, refs)]


@pytest.mark.parametrize("word_order", [0, 2])
@pytest.mark.parametrize("lowercase", [False, True])
def test_lone_surrogates_chrf_matches_sacrebleu(word_order, lowercase):
    hyps, refs = _surrogate_texts(7 + word_order)
    chrf = sacrebleu.metrics.CHRF(word_order=word_order, lowercase=lowercase)
    assert (
        lm.corpus_chrf(hyps, refs, word_order=word_order, lowercase=lowercase).score
        == chrf.corpus_score(hyps, _streams(refs)).score
    )
    got = lm.sentence_chrf(hyps, refs, word_order=word_order, lowercase=lowercase)
    assert [float(x) for x in got] == [chrf.sentence_score(h, r).score for h, r in zip(hyps, refs)]


def test_lone_surrogate_against_an_arrow_reference_column():
    pa = pytest.importorskip("pyarrow")
    hyps = ["x \ud83d y", "\U000f0000 z"]
    refs = ["x \U000f083d y", "\U000f0000 z \ud800"]
    want = sacrebleu.corpus_bleu(hyps, [refs]).score
    assert (
        lm.corpus_bleu(hyps, pa.array(refs[:1] + ["\U000f0000 z"])).score
        == sacrebleu.corpus_bleu(hyps, [refs[:1] + ["\U000f0000 z"]]).score
    )
    assert lm.corpus_bleu(hyps, [[r] for r in refs]).score == want


def test_lone_surrogate_with_every_private_block_used_raises_naming_the_item():
    blocks = [0xF0000 + 0x800 * j for j in range(31)] + [0x100000 + 0x800 * j for j in range(31)]
    crowded = "".join(chr(b) for b in blocks)
    with pytest.raises(InputValueError, match=r"references\[1\]\[0\] holds a lone surrogate"):
        lm.corpus_bleu(["a", crowded], [["a"], ["b \udc00"]])
    # One block left free is enough.
    hyps, refs = ["a", crowded[:-1]], ["a", "b \udc00"]
    assert lm.corpus_bleu(hyps, refs).score == sacrebleu.corpus_bleu(hyps, [refs]).score


def test_lone_surrogate_errors_name_the_character_where_not_scored():
    with pytest.raises(InputTypeError, match=r"lines\[1\] holds a lone surrogate \(character 2"):
        _native.sacre_tokenize(["ok", "ab\ud83d"])


class _Whitespace:
    def tokenize(self, text):
        return text.split()


def _write_punkt_tab(root) -> None:
    d = root / "tokenizers" / "punkt_tab" / "english"
    d.mkdir(parents=True)
    (d / "collocations.tab").write_text("")
    (d / "sent_starters.txt").write_text("however\nthe\n")
    (d / "abbrev_types.txt").write_text("dr\nmr\ne.g\n")
    (d / "ortho_context.tab").write_text("")


@pytest.fixture
def punkt(tmp_path, monkeypatch):
    nltk = pytest.importorskip("nltk")
    from nltk.tokenize import _get_punkt_tokenizer

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    _write_punkt_tab(tmp_path)
    _get_punkt_tokenizer.cache_clear()
    yield
    _get_punkt_tokenizer.cache_clear()


@pytest.mark.parametrize("tokenizer", [None, _Whitespace()])
@pytest.mark.parametrize("split", [False, True])
def test_lone_surrogates_rouge_matches_rouge_score(tokenizer, split, punkt):
    from rouge_score import rouge_scorer

    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    preds = ["\ud83d x. I am here \ud83d\nsecond one.", "plain text", "a\udfffb c"]
    refs = ["x \ud83d. I am \ud83d here", "plain \ud800 text", "a\U000f07ffb c"]
    got = lm.rouge(preds, refs, rouge_types=types, tokenizer=tokenizer, split_summaries=split)
    scorer = rouge_scorer.RougeScorer(types, tokenizer=tokenizer, split_summaries=split)
    for i, (p, r) in enumerate(zip(preds, refs)):
        want = scorer.score(r, p)
        for t in types:
            assert (got[t].precision[i], got[t].recall[i], got[t].fmeasure[i]) == tuple(want[t]), (
                i,
                t,
            )


# ---------------------------------------------------------------------------------------------
# 6. Arrow, polars and pandas columns on the pre-split ROUGE path
# ---------------------------------------------------------------------------------------------


def _columns(values):
    out = {"list": values}
    pa = pytest.importorskip("pyarrow")
    out["pyarrow"] = pa.array(values)
    out["pyarrow_chunked"] = pa.chunked_array([values[:1], values[1:]])
    try:
        import polars as pl

        out["polars"] = pl.Series(values)
    except ImportError:
        pass
    try:
        import pandas as pd

        out["pandas_arrow"] = pd.Series(values, dtype="string[pyarrow]")
        out["pandas_object"] = pd.Series(values, dtype=object)
    except ImportError:
        pass
    return out


@pytest.mark.parametrize(
    "kind", ["list", "pyarrow", "pyarrow_chunked", "polars", "pandas_arrow", "pandas_object"]
)
@pytest.mark.parametrize(
    "opts",
    [
        {"tokenizer": _Whitespace()},
        {"split_summaries": True},
        {"split_summaries": True, "tokenizer": _Whitespace()},
    ],
)
def test_table_columns_with_tokenizer_or_split_summaries(kind, opts, punkt):
    preds = ["The cat sat. It was on the mat.", "hello world", "a b c d"]
    refs = ["A cat sat on the mat. Fine.", "hello there world", "d c b a"]
    types = ["rouge1", "rougeL", "rougeLsum"]
    want = lm.rouge(preds, refs, rouge_types=types, **opts).to_dict()
    cp, cr = _columns(preds), _columns(refs)
    if kind not in cp:
        pytest.skip(f"{kind} not installed")
    got = lm.rouge(cp[kind], cr[kind], rouge_types=types, **opts).to_dict()
    assert got == want


def test_table_column_nulls_are_named_on_the_pre_split_path():
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(InputTypeError, match=r"predictions\[1\] is None"):
        lm.rouge(pa.array(["a", None]), ["a", "b"], tokenizer=_Whitespace())


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_builds_its_own_pool():
    # DataLoader workers fork: the parent's pool threads do not exist in the child.
    want = lm.rouge(H * 40, [r[0] for r in R] * 40, workers=2).to_dict()
    pid = os.fork()
    if pid == 0:  # child: must not hang on the parent's (absent) threads
        ok = lm.rouge(H * 40, [r[0] for r in R] * 40, workers=2).to_dict() == want
        os._exit(0 if ok else 1)
    deadline = time.time() + 60
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    pytest.fail("the forked child hung")


def test_public_exceptions_module():
    import lexmetrics
    from lexmetrics import exceptions

    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        # errors share one base class; the warnings are Warning subclasses
        assert issubclass(cls, exceptions.LexmetricsError) != issubclass(cls, Warning)
        assert getattr(lexmetrics, name) is cls
    assert issubclass(exceptions.InputFileError, ValueError)
    assert issubclass(exceptions.InternalError, RuntimeError)
    with pytest.raises(exceptions.InputValueError):
        lexmetrics.corpus_bleu(["a", "b"], ["a"])
