"""Pairwise matrices, MBR selection and self-BLEU: every cell equal (==) to the pair scored alone
by sacrebleu / rouge-score in this process, and to lexmetrics' own sentence API."""

from __future__ import annotations

import random

import lexmetrics as lm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lexmetrics import InputTypeError, InputValueError
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU, CHRF, TER

WORDS = [
    "the",
    "cat",
    "Cat",
    "sat",
    "on",
    "mat.",
    "(hi)",
    "don't",
    "naïve",
    "中文",
    "Straße",
    "İstanbul",
    "\u212a",
    "running",
    "runs",
    "ran",
    "a",
    "-",
    ",",
    "!",
    "é",
    "\u00a0",
    "&amp;",
    "1,000",
    "U.S.",
    "\n",
    "\t",
    "ΣΑΣ",
    "日本語です",
    "x" * 70,
    "quickly",
    "jumped",
    "over",
    "lazy",
    "dog",
]


def _texts(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = ["", " ", "the cat sat on the mat", "\n\nthe cat\nsat on the mat\n"]
    while len(out) < n:
        k = rng.randint(0, 16)
        sep = rng.choice([" ", " ", " ", "", "\n"])
        out.append(sep.join(rng.choice(WORDS) for _ in range(k)))
    return out[:n]


CANDS = _texts(1, 18)
REFS = _texts(2, 13)
# a long text (> 64 tokens: multi-word bit-parallel LCS) among the candidates
CANDS[5] = " ".join(random.Random(3).choice(WORDS[:20]) for _ in range(90))


def _each(cands, refs, fn):
    return np.array([[fn(c, r) for r in refs] for c in cands], dtype=np.float64).reshape(
        len(cands), len(refs)
    )


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == np.float64 and got.shape == want.shape
    bad = [(i, j, got[i, j], want[i, j]) for i, j in zip(*np.nonzero(got != want))]
    assert not bad, bad[:5]


BLEU_OPTIONS = [
    {},
    {"tokenize": "intl"},
    {"tokenize": "zh", "lowercase": True},
    {"tokenize": "char"},
    {"tokenize": "none", "smooth_method": "floor"},
    {"smooth_method": "floor", "smooth_value": 0.5},
    {"smooth_method": "add-k"},
    {"smooth_method": "add-k", "smooth_value": 3},
    {"smooth_method": "none"},
    {"use_effective_order": False},
    {"max_ngram_order": 2},
    {"max_ngram_order": 6, "lowercase": True},
]


@pytest.mark.parametrize("kw", BLEU_OPTIONS, ids=str)
def test_bleu_matrix_equals_sacrebleu(kw):
    o = dict(kw)
    scorer = BLEU(
        tokenize=o.get("tokenize", "13a"),
        lowercase=o.get("lowercase", False),
        smooth_method=o.get("smooth_method", "exp"),
        smooth_value=o.get("smooth_value"),
        effective_order=o.get("use_effective_order", True),
        max_ngram_order=o.get("max_ngram_order", 4),
    )
    want = _each(CANDS, REFS, lambda c, r: scorer.sentence_score(c, [r]).score)
    got = lm.pairwise(CANDS, REFS, metric="bleu", **kw)
    _same(got, want)
    # and our own sentence API, pair by pair
    ours = _each(CANDS, REFS, lambda c, r: lm.sentence_bleu([c], [r], **kw)[0])
    _same(got, ours)


CHRF_OPTIONS = [
    ("chrf", {}),
    ("chrf++", {}),
    ("chrf", {"word_order": 2, "beta": 1}),
    ("chrf", {"char_order": 0, "word_order": 3}),
    ("chrf", {"char_order": 3, "lowercase": True, "whitespace": True}),
    ("chrf++", {"eps_smoothing": True, "beta": 3}),
    ("chrf", {"beta": 0}),
]


@pytest.mark.parametrize(("metric", "kw"), CHRF_OPTIONS, ids=str)
def test_chrf_matrix_equals_sacrebleu(metric, kw):
    word_order = kw.get("word_order", 2 if metric == "chrf++" else 0)
    scorer = CHRF(
        char_order=kw.get("char_order", 6),
        word_order=word_order,
        beta=kw.get("beta", 2),
        lowercase=kw.get("lowercase", False),
        whitespace=kw.get("whitespace", False),
        eps_smoothing=kw.get("eps_smoothing", False),
    )
    want = _each(CANDS, REFS, lambda c, r: scorer.sentence_score(c, [r]).score)
    got = lm.pairwise(CANDS, REFS, metric=metric, **kw)
    _same(got, want)
    own = dict(kw, word_order=word_order)
    _same(got, _each(CANDS, REFS, lambda c, r: lm.sentence_chrf([c], [r], **own)[0]))


@pytest.mark.parametrize("rouge_type", ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"])
@pytest.mark.parametrize("use_stemmer", [False, True])
def test_rouge_matrix_equals_rouge_score(rouge_type, use_stemmer):
    scorer = rouge_scorer.RougeScorer([rouge_type], use_stemmer=use_stemmer)
    scores = {
        (i, j): scorer.score(r, c)[rouge_type]
        for i, c in enumerate(CANDS)
        for j, r in enumerate(REFS)
    }
    for measure in ("fmeasure", "precision", "recall"):
        want = np.array(
            [[getattr(scores[i, j], measure) for j in range(len(REFS))] for i in range(len(CANDS))],
            dtype=np.float64,
        )
        kw = {"use_stemmer": use_stemmer} | ({} if measure == "fmeasure" else {"measure": measure})
        got = lm.pairwise(CANDS, REFS, metric=rouge_type, **kw)
        _same(got, want)
        # and our own batch API over the flattened pairs
        flat = lm.rouge(
            [c for c in CANDS for _ in REFS],
            [r for _ in CANDS for r in REFS],
            rouge_types=[rouge_type],
            use_stemmer=use_stemmer,
        )
        _same(got, getattr(flat[rouge_type], measure).reshape(len(CANDS), len(REFS)))


def test_square_matrix_is_candidates_against_candidates():
    for metric in ("bleu", "chrf++", "rougeL", "rougeLsum"):
        m = lm.pairwise(CANDS, metric=metric)
        assert m.shape == (len(CANDS), len(CANDS))
        _same(m, lm.pairwise(CANDS, list(CANDS), metric=metric))
    _same(
        lm.pairwise(CANDS, metric="bleu"),
        _each(CANDS, CANDS, lambda c, r: BLEU(effective_order=True).sentence_score(c, [r]).score),
    )


def test_shapes_workers_and_inputs():
    assert lm.pairwise([], REFS).shape == (0, len(REFS))
    assert lm.pairwise(CANDS, []).shape == (len(CANDS), 0)
    assert lm.pairwise([], metric="chrf").shape == (0, 0)
    one = lm.pairwise(CANDS, REFS, metric="chrf++", workers=1)
    _same(lm.pairwise(CANDS, REFS, metric="chrf++", workers=2), one)
    _same(lm.pairwise(tuple(CANDS), iter_ := tuple(REFS), metric="chrf++"), one)
    assert iter_ == tuple(REFS)
    pa = pytest.importorskip("pyarrow")
    _same(lm.pairwise(pa.array(CANDS), pa.array(REFS), metric="chrf++"), one)
    # lone surrogates: rouge-score drops non-ASCII, so they score like any other separator
    bad = ["the cat\udc80sat", "the cat sat"]
    want = _each(
        bad, bad, lambda c, r: rouge_scorer.RougeScorer(["rouge1"]).score(r, c)["rouge1"].fmeasure
    )
    _same(lm.pairwise(bad, metric="rouge1"), want)


@settings(max_examples=settings.default.max_examples // 2)  # full matrices per example
@given(
    st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), max_size=5),
    st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=30), max_size=5),
)
def test_arbitrary_text(cands, refs):
    bleu = BLEU(effective_order=True)
    _same(
        lm.pairwise(cands, refs), _each(cands, refs, lambda c, r: bleu.sentence_score(c, [r]).score)
    )
    chrf = CHRF(word_order=2)
    _same(
        lm.pairwise(cands, refs, metric="chrf++"),
        _each(cands, refs, lambda c, r: chrf.sentence_score(c, [r]).score),
    )
    sc = rouge_scorer.RougeScorer(["rougeLsum"])
    _same(
        lm.pairwise(cands, refs, metric="rougeLsum"),
        _each(cands, refs, lambda c, r: sc.score(r, c)["rougeLsum"].fmeasure),
    )


def _mbr_oracle(cands, fn, include_self):
    n = len(cands)
    util = []
    for i, c in enumerate(cands):
        row = [fn(c, r) for j, r in enumerate(cands) if include_self or j != i]
        util.append(np.mean(np.array(row)) if row else np.nan)
    best = int(np.argmax(util)) if n > 1 else 0
    return best, util[best]


def test_mbr_select_equals_the_loop():
    sources = [CANDS[:8], CANDS[8:], REFS, ["same", "same", "other"], ["only"]]
    bleu = BLEU(effective_order=True)
    chrf = CHRF()
    for include_self in (True, False):
        for metric, fn in (
            ("bleu", lambda c, r: bleu.sentence_score(c, [r]).score),
            ("chrf", lambda c, r: chrf.sentence_score(c, [r]).score),
        ):
            sel = lm.mbr_select(sources, metric=metric, include_self=include_self)
            assert sel.indices.dtype == np.int64 and sel.scores.dtype == np.float64
            for s, cands in enumerate(sources):
                best, score = _mbr_oracle(cands, fn, include_self)
                assert sel.indices[s] == best
                if np.isnan(score):
                    assert np.isnan(sel.scores[s]) and len(cands) == 1 and not include_self
                else:
                    assert sel.scores[s] == score
    # ties go to the lowest index
    idx, score = lm.mbr_select([["a b c", "a b c", "x"]], metric="chrf")
    assert idx.tolist() == [0]
    r = lm.mbr_select([["the cat", "the dog", "a cat"]], metric="rouge1", use_stemmer=True)
    assert r.indices.tolist() == [0]


def test_self_bleu_equals_multi_reference_sentence_bleu():
    gens = CANDS[:12]
    for kw in (
        {},
        {"smooth_method": "floor"},
        {"tokenize": "char", "lowercase": True},
        {"max_ngram_order": 2},
    ):
        scorer = BLEU(
            tokenize=kw.get("tokenize", "13a"),
            lowercase=kw.get("lowercase", False),
            smooth_method=kw.get("smooth_method", "exp"),
            effective_order=True,
            max_ngram_order=kw.get("max_ngram_order", 4),
        )
        want = [
            scorer.sentence_score(g, gens[:i] + gens[i + 1 :]).score for i, g in enumerate(gens)
        ]
        per = lm.self_bleu(gens, per_generation=True, **kw)
        assert per.tolist() == want
        assert lm.self_bleu(gens, **kw) == sum(want) / len(want)


def test_bad_input_names_the_argument():
    with pytest.raises(InputValueError, match="metric"):
        lm.pairwise(CANDS, metric="meteor")
    with pytest.raises(InputTypeError, match="metric"):
        lm.pairwise(CANDS, metric=None)
    with pytest.raises(InputTypeError, match="'char_order'.*bleu"):
        lm.pairwise(CANDS, char_order=3)
    with pytest.raises(InputTypeError, match="'use_stemmer'"):
        lm.pairwise(CANDS, metric="chrf", use_stemmer=True)
    with pytest.raises(InputTypeError, match="candidates"):
        lm.pairwise("a single string")
    with pytest.raises(InputTypeError, match=r"candidates\[1\]"):
        lm.pairwise(["ok", 3])
    with pytest.raises(InputTypeError, match=r"references\[0\]"):
        lm.pairwise(["ok"], [None])
    with pytest.raises(InputValueError, match="workers"):
        lm.pairwise(CANDS, workers=0)
    with pytest.raises(InputValueError, match="tokenize|tokenizer"):
        lm.pairwise(CANDS, tokenize="moses")
    with pytest.raises(InputValueError, match="smooth_method"):
        lm.pairwise(CANDS, smooth_method="laplace")
    with pytest.raises(InputValueError, match="max_ngram_order"):
        lm.pairwise(CANDS, max_ngram_order=0)
    with pytest.raises(InputValueError, match="char_order"):
        lm.pairwise(CANDS, metric="chrf", char_order=0)
    with pytest.raises(InputTypeError, match="beta"):
        lm.pairwise(CANDS, metric="chrf", beta="2")
    with pytest.raises(InputValueError, match="measure"):
        lm.pairwise(CANDS, metric="rougeL", measure="f1")
    with pytest.raises(InputValueError, match="rouge0|metric"):
        lm.pairwise(CANDS, metric="rouge0")
    with pytest.raises(InputValueError, match="at least 2"):
        lm.self_bleu(["only one"])
    with pytest.raises(InputTypeError, match=r"generations\[1\]"):
        lm.self_bleu(["a", b"b"])
    with pytest.raises(InputTypeError, match=r"candidates\[0\].*\[candidates\]"):
        lm.mbr_select(["a", "b"])
    with pytest.raises(InputValueError, match=r"candidates\[1\] has no candidates"):
        lm.mbr_select([["a"], []])
    with pytest.raises(InputTypeError, match=r"candidates\[1\]\[2\]"):
        lm.mbr_select([["a"], ["b", "c", None]])
    with pytest.raises(InputTypeError, match="include_self"):
        lm.mbr_select([["a"]], include_self="yes")
    # every error is also a ValueError / TypeError
    with pytest.raises(ValueError):
        lm.pairwise(CANDS, metric="nope")


TER_OPTIONS = [
    {},
    {"normalized": True},
    {"normalized": True, "asian_support": True},
    {"no_punct": True},
    {"no_punct": True, "asian_support": True, "case_sensitive": True},
    {"case_sensitive": True},
]


@pytest.mark.parametrize("kw", TER_OPTIONS, ids=str)
def test_ter_matrix_equals_sacrebleu(kw):
    ter = TER(**kw)
    want = _each(CANDS, REFS, lambda c, r: ter.sentence_score(c, [r]).score)
    _same(lm.pairwise(CANDS, REFS, metric="ter", **kw), want)
    sq = _each(CANDS, CANDS, lambda c, r: ter.sentence_score(c, [r]).score)
    _same(lm.pairwise(CANDS, metric="ter", workers=1, **kw), sq)


def test_mbr_select_ter_takes_the_lowest():
    sources = [CANDS[:8], REFS, ["the cat sat", "the cat sat on", "dog"], ["only"]]
    ter = TER()
    for include_self in (True, False):
        sel = lm.mbr_select(sources, metric="ter", include_self=include_self)
        for s, cands in enumerate(sources):
            n = len(cands)
            util = [
                np.mean(
                    [
                        ter.sentence_score(c, [r]).score
                        for j, r in enumerate(cands)
                        if include_self or j != i
                    ]
                )
                if (include_self or n > 1)
                else np.nan
                for i, c in enumerate(cands)
            ]
            best = int(np.argmin(util)) if n > 1 else 0
            assert sel.indices[s] == best
            if n > 1:
                assert sel.scores[s] == util[best]
    with pytest.raises(InputTypeError, match="normalised"):
        lm.pairwise(["a"], metric="ter", normalised=True)
