"""nltk BLEU parity, run against nltk in the same process: results ``==``, same types, same warnings."""

from __future__ import annotations

import random
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexmetrics import InputValueError
from lexmetrics.compat.nltk.translate import bleu_score as ours
from nltk.translate import bleu_score as ref

VOCAB = ["the", "cat", "sat", "on", "mat", "a", "dog", "é", "über", "猫", "ﬁ", "x1", ".", ","]
ODD = ["new york", "", " ", "a\tb", "\u00a0", 3, 3.0, ("tuple", 1), None]


def _sentence(rng: random.Random, odd: bool, max_len: int) -> list:
    n = rng.choice([0, 1, 2, 3, rng.randint(0, max_len), rng.randint(0, max_len)])
    toks = [rng.choice(VOCAB) for _ in range(n)]
    if odd and toks and rng.random() < 0.3:
        toks[rng.randrange(len(toks))] = rng.choice(ODD)
    return toks


def _corpus(seed: int, n: int, odd: bool = False, max_len: int = 25):
    rng = random.Random(seed)
    hyps, refs = [], []
    for _ in range(n):
        ref0 = _sentence(rng, odd, max_len)
        # Hypotheses are perturbed references, so that most orders have some matches.
        hyp = [t if rng.random() < 0.8 else rng.choice(VOCAB) for t in ref0]
        if rng.random() < 0.3:
            hyp = hyp[: rng.randint(0, len(hyp))]
        hyps.append(hyp)
        refs.append([ref0] + [_sentence(rng, odd, max_len) for _ in range(rng.randint(0, 2))])
    return refs, hyps


def _run(fn, *args, **kwargs):
    """(result or exception type, warnings as (category, text)) of one call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the exception is the outcome compared
            out = exc
    return out, [(w.category, str(w.message)) for w in caught]


def _assert_same(expected, got):
    exp_out, exp_warn = expected
    got_out, got_warn = got
    if isinstance(exp_out, Exception):
        assert isinstance(got_out, type(exp_out)), (exp_out, got_out)
    else:
        assert type(got_out) is type(exp_out), (exp_out, got_out)
        assert got_out == exp_out
        if isinstance(exp_out, list):
            assert [type(x) for x in got_out] == [type(x) for x in exp_out]
    assert got_warn == exp_warn


SMOOTHERS = [None, *[f"method{i}" for i in range(8)]]
WEIGHTS = [
    (0.25, 0.25, 0.25, 0.25),
    (0.5, 0.5),
    (1.0,),
    (1 / 3, 1 / 3, 1 / 3),
    (0.1, 0.3, 0.5, 0.1),
    (0.2, 0.2, 0.2, 0.2, 0.2),
    [(0.5, 0.5), (0.333, 0.333, 0.334), (0.25, 0.25, 0.25, 0.25), (0.2, 0.2, 0.2, 0.2, 0.2)],
    [(1.0,), (0.25, 0.25, 0.25, 0.25)],
]


def _smoother(lib, name, **kw):
    return None if name is None else getattr(lib.SmoothingFunction(**kw), name)


@pytest.mark.parametrize("smoothing", SMOOTHERS)
@pytest.mark.parametrize("weights", WEIGHTS, ids=str)
@pytest.mark.parametrize("auto_reweigh", [False, True])
def test_corpus_bleu_equal(smoothing, weights, auto_reweigh):
    refs, hyps = _corpus(7, 120)
    _assert_same(
        _run(ref.corpus_bleu, refs, hyps, weights, _smoother(ref, smoothing), auto_reweigh),
        _run(ours.corpus_bleu, refs, hyps, weights, _smoother(ours, smoothing), auto_reweigh),
    )


@pytest.mark.parametrize("smoothing", SMOOTHERS)
@pytest.mark.parametrize("weights", WEIGHTS[:2] + WEIGHTS[5:7], ids=str)
def test_sentence_bleu_equal_per_pair(smoothing, weights):
    refs, hyps = _corpus(11, 300, odd=True, max_len=8)
    for auto_reweigh in (False, True):
        for r, h in zip(refs, hyps):
            _assert_same(
                _run(ref.sentence_bleu, r, h, weights, _smoother(ref, smoothing), auto_reweigh),
                _run(ours.sentence_bleu, r, h, weights, _smoother(ours, smoothing), auto_reweigh),
            )


@pytest.mark.parametrize("seed", range(6))
def test_corpus_bleu_odd_tokens_and_small_corpora(seed):
    # Tokens with spaces, empty tokens and non-str tokens take the interned path.
    refs, hyps = _corpus(100 + seed, random.Random(seed).randint(1, 6), odd=True, max_len=10)
    for smoothing in SMOOTHERS:
        _assert_same(
            _run(ref.corpus_bleu, refs, hyps, smoothing_function=_smoother(ref, smoothing)),
            _run(ours.corpus_bleu, refs, hyps, smoothing_function=_smoother(ours, smoothing)),
        )


def test_tokens_with_spaces_are_not_split():
    # Joined by spaces, ["new york"] would match ["new", "york"]; nltk compares whole tokens.
    r, h = [["new", "york", "is", "big"]], ["new york", "is", "big"]
    assert ours.sentence_bleu(r, h, (0.5, 0.5)) == ref.sentence_bleu(r, h, (0.5, 0.5))
    r, h = [["a", "", "b"]], ["a", "", "b"]
    assert ours.sentence_bleu(r, h, (1 / 3,) * 3) == ref.sentence_bleu(r, h, (1 / 3,) * 3) == 1.0


def test_smoothing_parameters():
    refs, hyps = _corpus(3, 40)
    for kw in ({"epsilon": 0.5}, {"alpha": 2, "k": 3}, {"epsilon": 1e-9, "alpha": 0.5, "k": 1}):
        for name in SMOOTHERS[1:]:
            for r, h in zip(refs[:15], hyps[:15]):
                _assert_same(
                    _run(ref.sentence_bleu, r, h, smoothing_function=_smoother(ref, name, **kw)),
                    _run(ours.sentence_bleu, r, h, smoothing_function=_smoother(ours, name, **kw)),
                )


def test_nltk_doc_examples():
    hyp1 = "It is a guide to action which ensures that the military always obeys the commands of the party".split()
    ref1a = "It is a guide to action that ensures that the military will forever heed Party commands".split()
    ref1b = (
        "It is the guiding principle which guarantees the military forces always being under the command "
        "of the Party".split()
    )
    hyp2 = "he read the book because he was interested in world history".split()
    ref2a = "he was interested in world history because he read the book".split()
    lor, hyps = [[ref1a, ref1b], [ref2a]], [hyp1, hyp2]
    assert ours.corpus_bleu(lor, hyps) == ref.corpus_bleu(lor, hyps)
    w = [(0.5, 0.5), (0.333, 0.333, 0.334), (0.25, 0.25, 0.25, 0.25), (0.2, 0.2, 0.2, 0.2, 0.2)]
    assert ours.corpus_bleu(lor, hyps, weights=w) == ref.corpus_bleu(lor, hyps, weights=w)


def test_zero_unigram_matches_is_int_zero():
    assert (
        ours.corpus_bleu([[["a"]]], [["b"]]) == 0
        and type(ours.corpus_bleu([[["a"]]], [["b"]])) is int
    )
    assert ours.corpus_bleu([[["a"]]], [["b"]], [(1.0,), (0.5, 0.5)]) == [0, 0]


def test_warnings_once_per_order_under_default_filter():
    # Under the default filter each distinct message shows once, as nltk's does.
    r, h = [["a", "b", "c"]], ["a", "x", "c"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            ours.sentence_bleu(r, h)
    assert sorted(str(w.message).split("counts of ")[1][:6] for w in caught) == [
        "2-gram",
        "3-gram",
        "4-gram",
    ]
    assert all(w.category is UserWarning for w in caught)


def test_module_helpers_equal():
    refs, hyps = _corpus(5, 60, odd=True)
    for r, h in zip(refs, hyps):
        if not r:
            continue
        for n in (1, 2, 3, 5):
            a, b = ours.modified_precision(r, h, n), ref.modified_precision(r, h, n)
            assert (a.numerator, a.denominator) == (b.numerator, b.denominator)
        assert ours.closest_ref_length(r, len(h)) == ref.closest_ref_length(r, len(h))
        bp = ours.brevity_penalty(len(r[0]), len(h))
        assert bp == ref.brevity_penalty(len(r[0]), len(h)) and type(bp) is type(
            ref.brevity_penalty(len(r[0]), len(h))
        )


def test_bad_input():
    with pytest.raises(InputValueError, match="number of hypotheses"):
        ours.corpus_bleu([[["a"]]], [["a"], ["b"]])
    with pytest.raises(ZeroDivisionError):  # as nltk
        ours.corpus_bleu([], [])
    with pytest.raises(InputValueError, match="no references"):
        ours.corpus_bleu([[["a"]], []], [["a"], ["b"]])
    with pytest.raises(TypeError, match=r"list_of_references\[0\]"):
        ours.corpus_bleu(["a b"], [["a"]])
    with pytest.raises(AssertionError, match="bigrams"):  # as nltk's assert in method6
        ours.sentence_bleu(
            [["a", "b", "c"]], ["a", "x", "c"], smoothing_function=ours.SmoothingFunction().method6
        )


# Arbitrary tokens: whitespace inside tokens, unicode spaces, empty tokens, repeated n-grams.
_tokens = st.lists(
    st.sampled_from(["a", "b", "a b", "", "\u00a0", "x\u2028y", "é", "c"]) | st.text(max_size=3),
    max_size=9,
)


@given(
    pairs=st.lists(
        st.tuples(_tokens, st.lists(_tokens, min_size=1, max_size=3)), min_size=1, max_size=4
    ),
    smoothing=st.sampled_from(SMOOTHERS),
    weights=st.sampled_from(WEIGHTS),
)
def test_corpus_bleu_hypothesis(pairs, smoothing, weights):
    hyps = [h for h, _ in pairs]
    refs = [r for _, r in pairs]
    _assert_same(
        _run(ref.corpus_bleu, refs, hyps, weights, _smoother(ref, smoothing)),
        _run(ours.corpus_bleu, refs, hyps, weights, _smoother(ours, smoothing)),
    )
