"""BLEU parity with sacrebleu 2.6, run in the same process: every statistic and score is ``==``."""

from __future__ import annotations

import lexmetrics as lm
import numpy as np
import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from sacrebleu.metrics import BLEU

TOKENIZERS = ["13a", "intl", "zh", "char", "none"]
SMOOTHING = [
    ("exp", None),
    ("floor", None),
    ("add-k", None),
    ("none", None),
    ("floor", 0.5),
    ("add-k", 2),
]

# 2000 pairs with 1-3 references (variable), plus fixed-count corpora for nrefs:1 / nrefs:2.
CORPORA = {
    "var": make_corpus(2000, seed=1, max_refs=3),
    "one": make_corpus(400, seed=2, max_refs=1),
}
_h2, _r2 = make_corpus(300, seed=3, max_refs=2)
CORPORA["two"] = (_h2, [r if len(r) == 2 else r + [r[0].upper()] for r in _r2])


def _sacre_stats(tok, lc, hyps, refs, max_order=4):
    m = BLEU(tokenize=tok, lowercase=lc, max_ngram_order=max_order)
    return m, m._extract_corpus_statistics(hyps, to_streams(refs))


@pytest.fixture(
    scope="module", params=[(t, lc) for t in TOKENIZERS for lc in (False, True)], ids=str
)
def stats_pair(request):
    tok, lc = request.param
    hyps, refs = CORPORA["var"]
    _, theirs = _sacre_stats(tok, lc, hyps, refs)
    ours = lm.bleu_stats(hyps, refs, tokenize=tok, lowercase=lc)
    return tok, lc, theirs, ours


def test_stats_equal(stats_pair):
    _, _, theirs, ours = stats_pair
    assert ours.dtype == np.int64 and ours.shape == (len(theirs), 10)
    bad = [i for i, row in enumerate(theirs) if list(ours[i]) != row]
    assert not bad, f"{len(bad)} pairs differ, first {bad[:5]}"


@pytest.mark.parametrize("eff", [False, True])
@pytest.mark.parametrize("smooth", SMOOTHING, ids=str)
def test_corpus_and_sentence_scores(stats_pair, smooth, eff):
    tok, lc, theirs, ours = stats_pair
    method, value = smooth
    m = BLEU(
        tokenize=tok, lowercase=lc, smooth_method=method, smooth_value=value, effective_order=eff
    )
    # corpus: summed statistics
    ref = m._aggregate_and_compute([list(r) for r in theirs])
    got = lm.bleu_from_stats(
        ours, smooth_method=method, smooth_value=value, use_effective_order=eff
    )
    assert got.score == ref.score
    assert list(got.counts) == ref.counts and list(got.totals) == ref.totals
    assert list(got.precisions) == ref.precisions and got.bp == ref.bp
    assert (got.sys_len, got.ref_len) == (ref.sys_len, ref.ref_len)
    assert str(got) == str(ref)
    # sentence: each pair's own statistics (what sacrebleu's sentence_score computes)
    hyps, refs = CORPORA["var"]
    want = [m._compute_score_from_stats(list(r)).score for r in theirs]
    sent = lm.sentence_bleu(
        hyps,
        refs,
        tokenize=tok,
        lowercase=lc,
        smooth_method=method,
        smooth_value=value,
        use_effective_order=eff,
    )
    bad = [i for i in range(len(want)) if sent[i] != want[i]]
    assert not bad, f"{len(bad)} sentences differ, first {bad[:5]}"


@pytest.mark.parametrize("name", ["var", "one", "two"])
@pytest.mark.parametrize("tok", TOKENIZERS)
@pytest.mark.parametrize("lc", [False, True])
def test_corpus_bleu_entry_point(name, tok, lc):
    """sacrebleu.corpus_bleu itself (default exp smoothing), result fields and signature."""
    hyps, refs = CORPORA[name]
    ref = sacrebleu.corpus_bleu(hyps, to_streams(refs), tokenize=tok, lowercase=lc)
    got = lm.corpus_bleu(hyps, refs, tokenize=tok, lowercase=lc)
    assert got.score == ref.score and str(got) == str(ref)
    sig = sacrebleu.BLEU(tokenize=tok, lowercase=lc)
    sig.corpus_score(hyps, to_streams(refs))
    assert got.signature == str(sig.get_signature()).replace(
        "version:2.6.0", f"version:lexmetrics-{lm.__version__}"
    )


@pytest.mark.parametrize("tok", TOKENIZERS)
def test_sentence_bleu_entry_point(tok):
    """sacrebleu.sentence_bleu itself on a sample (effective order on by default)."""
    hyps, refs = CORPORA["var"]
    hyps, refs = hyps[:150], refs[:150]
    want = [sacrebleu.sentence_bleu(h, r, tokenize=tok).score for h, r in zip(hyps, refs)]
    got = lm.sentence_bleu(hyps, refs, tokenize=tok)
    assert [float(x) for x in got] == want


@pytest.mark.parametrize("max_order", [1, 2, 3, 5, 6])
def test_max_ngram_order(max_order):
    hyps, refs = CORPORA["one"]
    m, theirs = _sacre_stats("13a", False, hyps, refs, max_order)
    ours = lm.bleu_stats(hyps, refs, max_ngram_order=max_order)
    assert ours.tolist() == theirs
    for eff in (False, True):
        m = BLEU(max_ngram_order=max_order, effective_order=eff)
        want = m._aggregate_and_compute(theirs).score
        got = lm.bleu_from_stats(ours, max_ngram_order=max_order, use_effective_order=eff).score
        assert got == want
        sent = lm.sentence_bleu(hyps, refs, max_ngram_order=max_order, use_effective_order=eff)
        assert sent.tolist() == [m._compute_score_from_stats(list(r)).score for r in theirs]
