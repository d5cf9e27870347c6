"""Parity with rouge-score 0.1.2 on generated pairs, in the same process, every P/R/F compared with ==.

About 55k scored pairs in all: short 20-60 word pairs (rouge1/2/3/L), multi-line summaries
(rougeLsum), several references per prediction (score_multi), stemmer on a subset.
"""

from __future__ import annotations

import random

import lexmetrics
import numpy as np
import pytest
from lexmetrics.compat.rouge_score import rouge_scorer
from rouge_score import rouge_scorer as ref_rouge_scorer

# A vocabulary with inflections (stemmer), casing, digits, punctuation and a few non-ASCII words.
_STEMS = (
    "run walk talk jump play read write sing dance build paint cook clean open close start "
    "finish test score model train learn teach study report happen connect generate relate "
    "condition nation organize general probable sense electric hope care use create"
).split()
_SUFFIXES = [
    "",
    "",
    "",
    "s",
    "ed",
    "ing",
    "er",
    "ers",
    "ly",
    "ness",
    "ation",
    "ational",
    "ful",
    "ize",
    "ity",
]
_FUNCTION = (
    "the a an of to in on at for with and or but is was were be been it this that these".split()
)
_OTHER = (
    "cat dog house car tree city river data paper result method system value time year day "
    "Paris London IBM GPU 2019 3.50 1,000 42 x86 mp3s 1990s covid19 don't it's e-mail U.S.A. "
    "café naïve İstanbul \u212aelvin Straße 東京 😀 -- ... ; : ! ? ( ) \" '"
).split()


def _word(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        w = rng.choice(_FUNCTION)
    elif r < 0.75:
        w = rng.choice(_STEMS) + rng.choice(_SUFFIXES)
    else:
        w = rng.choice(_OTHER)
    c = rng.random()
    if c < 0.08:
        w = w.upper()
    elif c < 0.2:
        w = w.capitalize()
    return w


def _sentence(rng: random.Random, lo: int = 20, hi: int = 60) -> list[str]:
    words = [_word(rng) for _ in range(rng.randint(lo, hi))]
    # Repeated n-grams.
    if len(words) > 6 and rng.random() < 0.4:
        i = rng.randrange(len(words) - 3)
        words[i:i] = words[i : i + rng.randint(1, 3)]
    return words


def _perturb(rng: random.Random, words: list[str]) -> list[str]:
    out = []
    for w in words:
        r = rng.random()
        if r < 0.15:
            continue
        if r < 0.3:
            out.append(_word(rng))
            continue
        if r < 0.35:
            out.append(w.lower() if rng.random() < 0.5 else w.upper())
            continue
        out.append(w)
        if rng.random() < 0.05:
            out.append(_word(rng))
    if len(out) > 4 and rng.random() < 0.3:
        i, j = sorted(rng.sample(range(len(out)), 2))
        out[i], out[j] = out[j], out[i]
    return out


def short_pairs(seed: int, n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    refs, preds = [], []
    for _ in range(n):
        ref = _sentence(rng)
        refs.append(" ".join(ref))
        preds.append(" ".join(_perturb(rng, ref)))
    return refs, preds


def summary_pairs(seed: int, n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    refs, preds = [], []
    for _ in range(n):
        sents = [_sentence(rng, 3, 25) for _ in range(rng.randint(1, 6))]
        psents = [_perturb(rng, s) for s in sents if rng.random() < 0.85]
        rng.shuffle(psents)
        if rng.random() < 0.3:
            psents.append(_sentence(rng, 3, 15))
        sep = "\n\n" if rng.random() < 0.1 else "\n"
        refs.append(sep.join(" ".join(s) for s in sents))
        preds.append("\n".join(" ".join(s) for s in psents) + ("\n" if rng.random() < 0.1 else ""))
    return refs, preds


def assert_same(ours: list[dict], theirs: list[dict], types: list[str]) -> None:
    """Every Score equal with ==, and the same Python types (int zeros of rougeL/Lsum)."""
    bad = []
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert list(a) == list(b)
        for t in types:
            x, y = a[t], b[t]
            if tuple(x) != tuple(y) or [type(v) for v in x] != [type(v) for v in y]:
                bad.append((i, t, x, y))
    assert len(ours) == len(theirs)
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"


def assert_api_same(res: lexmetrics.RougeResult, theirs: list[dict], types: list[str]) -> None:
    for t in types:
        for field in ("precision", "recall", "fmeasure"):
            expect = np.array([getattr(d[t], field) for d in theirs], dtype=np.float64)
            got = getattr(res[t], field)
            assert got.dtype == np.float64
            assert np.array_equal(got, expect), (t, field, np.flatnonzero(got != expect)[:5])


SHORT_TYPES = ["rouge1", "rouge2", "rouge3", "rougeL"]
ALL_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


@pytest.mark.parametrize("seed", [1, 2])
def test_short_pairs_no_stemmer(seed: int) -> None:
    refs, preds = short_pairs(seed, 10_000)
    ref_scorer = ref_rouge_scorer.RougeScorer(SHORT_TYPES)
    theirs = [ref_scorer.score(t, p) for t, p in zip(refs, preds)]
    ours = rouge_scorer.RougeScorer(SHORT_TYPES).score_batch(refs, preds)
    assert_same(ours, theirs, SHORT_TYPES)
    res = lexmetrics.rouge(preds, refs, rouge_types=SHORT_TYPES, workers=2)
    assert_api_same(res, theirs, SHORT_TYPES)


def test_short_pairs_stemmer() -> None:
    refs, preds = short_pairs(3, 6_000)
    types = ["rouge1", "rouge2", "rougeL"]
    ref_scorer = ref_rouge_scorer.RougeScorer(types, use_stemmer=True)
    theirs = [ref_scorer.score(t, p) for t, p in zip(refs, preds)]
    ours = rouge_scorer.RougeScorer(types, use_stemmer=True).score_batch(refs, preds)
    assert_same(ours, theirs, types)
    assert_api_same(
        lexmetrics.rouge(preds, refs, rouge_types=types, use_stemmer=True), theirs, types
    )


def test_summaries_rougelsum() -> None:
    refs, preds = summary_pairs(4, 8_000)
    ref_scorer = ref_rouge_scorer.RougeScorer(ALL_TYPES)
    theirs = [ref_scorer.score(t, p) for t, p in zip(refs, preds)]
    ours = rouge_scorer.RougeScorer(ALL_TYPES).score_batch(refs, preds)
    assert_same(ours, theirs, ALL_TYPES)
    assert_api_same(
        lexmetrics.rouge(preds, refs, rouge_types=ALL_TYPES, workers=1), theirs, ALL_TYPES
    )


def test_summaries_rougelsum_stemmer() -> None:
    refs, preds = summary_pairs(5, 2_500)
    ref_scorer = ref_rouge_scorer.RougeScorer(ALL_TYPES, use_stemmer=True)
    theirs = [ref_scorer.score(t, p) for t, p in zip(refs, preds)]
    ours = rouge_scorer.RougeScorer(ALL_TYPES, use_stemmer=True).score_batch(refs, preds)
    assert_same(ours, theirs, ALL_TYPES)


def test_multiple_references() -> None:
    rng = random.Random(6)
    refs1, preds = short_pairs(6, 5_000)
    refs2, _ = short_pairs(7, 5_000)
    # Groups of 1-3 references: the original, an unrelated one, a copy (F ties: first wins).
    groups = []
    for a, b in zip(refs1, refs2):
        g = [b, a] if rng.random() < 0.5 else [a, b]
        if rng.random() < 0.3:
            g.append(g[0])
        groups.append(g[: rng.randint(1, 3)])
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    ref_scorer = ref_rouge_scorer.RougeScorer(types)
    theirs = [ref_scorer.score_multi(g, p) for g, p in zip(groups, preds)]
    scorer = rouge_scorer.RougeScorer(types)
    assert_same(scorer.score_batch(groups, preds), theirs, types)
    assert_same(
        [scorer.score_multi(g, p) for g, p in zip(groups[:300], preds[:300])], theirs[:300], types
    )
    assert_api_same(lexmetrics.rouge(preds, groups, rouge_types=types), theirs, types)


def test_results_do_not_depend_on_workers() -> None:
    refs, preds = summary_pairs(8, 3_000)
    one = lexmetrics.rouge(preds, refs, rouge_types=ALL_TYPES, workers=1)
    for w in (2, 3, 7):
        other = lexmetrics.rouge(preds, refs, rouge_types=ALL_TYPES, workers=w)
        for t in ALL_TYPES:
            assert np.array_equal(one[t].fmeasure, other[t].fmeasure)
            assert np.array_equal(one[t].precision, other[t].precision)
            assert np.array_equal(one[t].recall, other[t].recall)
