"""chrF / chrF++ parity with sacrebleu 2.6, same process: every statistic and score is ``==``."""

from __future__ import annotations

import lexmetrics as lm
import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from sacrebleu.metrics import CHRF

HYPS, REFS = make_corpus(900, seed=11, max_refs=3, long_every=151)
STREAMS = to_streams(REFS)

COMBOS = [
    dict(word_order=wo, whitespace=ws, eps_smoothing=eps, lowercase=lc)
    for wo in (0, 2)
    for ws in (False, True)
    for eps in (False, True)
    for lc in (False, True)
] + [
    dict(char_order=3, word_order=1, beta=3),
    dict(char_order=0, word_order=2, beta=1),
    dict(char_order=6, word_order=0, beta=0.5, eps_smoothing=True),
]


@pytest.mark.parametrize("opts", COMBOS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_stats_corpus_and_sentence(opts):
    m = CHRF(**opts)
    theirs = m._extract_corpus_statistics(HYPS, STREAMS)
    ours = lm.chrf_stats(HYPS, REFS, **opts)
    bad = [i for i, row in enumerate(theirs) if list(ours[i]) != row]
    assert not bad, f"{len(bad)} pairs differ, first {bad[:5]}"

    ref = m._aggregate_and_compute(theirs)
    score_opts = {k: v for k, v in opts.items() if k != "workers"}
    got = lm.chrf_from_stats(ours, **score_opts)
    assert got.score == ref.score and str(got) == str(ref)
    corpus = lm.corpus_chrf(HYPS, REFS, **opts)
    assert corpus.score == ref.score
    m.corpus_score(HYPS, STREAMS)
    assert corpus.signature == str(m.get_signature()).replace(
        "version:2.6.0", f"version:lexmetrics-{lm.__version__}"
    )

    want = [m._compute_score_from_stats(r).score for r in theirs]
    sent = lm.sentence_chrf(HYPS, REFS, **opts)
    bad = [i for i in range(len(want)) if sent[i] != want[i]]
    assert not bad, f"{len(bad)} sentences differ, first {bad[:5]}"


@pytest.mark.parametrize("word_order", [0, 2])
def test_entry_points(word_order):
    """sacrebleu.corpus_chrf / sentence_chrf themselves."""
    ref = sacrebleu.corpus_chrf(HYPS, STREAMS, word_order=word_order)
    assert lm.corpus_chrf(HYPS, REFS, word_order=word_order).score == ref.score
    want = [
        sacrebleu.sentence_chrf(h, r, word_order=word_order).score
        for h, r in zip(HYPS[:150], REFS[:150])
    ]
    assert lm.sentence_chrf(HYPS[:150], REFS[:150], word_order=word_order).tolist() == want
