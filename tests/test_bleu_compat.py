"""lexmetrics.compat.sacrebleu against sacrebleu itself: same calls, same layout, same results."""

from __future__ import annotations

import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from lexmetrics import InputValueError
from lexmetrics.compat import sacrebleu as compat

HYPS, REFS = make_corpus(600, seed=21, max_refs=3)
STREAMS = to_streams(REFS)
ONE_HYPS, ONE_REFS = make_corpus(300, seed=22, max_refs=1)
ONE_STREAMS = to_streams(ONE_REFS)


def _same_bleu(a, b):
    assert a.score == b.score
    assert (a.counts, a.totals, a.precisions, a.bp) == (b.counts, b.totals, b.precisions, b.bp)
    assert (a.sys_len, a.ref_len, a.ratio) == (b.sys_len, b.ref_len, b.ratio)
    assert str(a) == str(b) and repr(a) == repr(b)


@pytest.mark.parametrize("streams", ["var", "one"])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"tokenize": "intl"},
        {"tokenize": "zh", "lowercase": True},
        {"smooth_method": "floor"},
        {"smooth_method": "add-k", "smooth_value": 0.5, "use_effective_order": True},
        {"tokenize": "char"},
    ],
    ids=str,
)
def test_corpus_bleu(streams, kw):
    hyps, st = (HYPS, STREAMS) if streams == "var" else (ONE_HYPS, ONE_STREAMS)
    _same_bleu(compat.corpus_bleu(hyps, st, **kw), sacrebleu.corpus_bleu(hyps, st, **kw))


def test_classes_and_signatures():
    for kw in [
        {},
        {"tokenize": "none", "smooth_method": "floor", "smooth_value": 0.2},
        {"trg_lang": "zh"},
    ]:
        ours, theirs = compat.BLEU(**kw), sacrebleu.BLEU(**kw)
        _same_bleu(ours.corpus_score(HYPS, STREAMS), theirs.corpus_score(HYPS, STREAMS))
        assert str(ours.get_signature()) == str(theirs.get_signature())
        assert ours.get_signature().format(short=True) == theirs.get_signature().format(short=True)
        _same_bleu(
            ours.corpus_score(ONE_HYPS, ONE_STREAMS), theirs.corpus_score(ONE_HYPS, ONE_STREAMS)
        )
        assert str(ours.get_signature()) == str(theirs.get_signature())
    for kw in [{}, {"word_order": 2}, {"beta": 3, "eps_smoothing": True, "whitespace": True}]:
        ours, theirs = compat.CHRF(**kw), sacrebleu.CHRF(**kw)
        a, b = ours.corpus_score(HYPS, STREAMS), theirs.corpus_score(HYPS, STREAMS)
        assert a.score == b.score and str(a) == str(b) and a.name == b.name
        assert str(ours.get_signature()) == str(theirs.get_signature())
        fmt = a.format(signature=str(ours.get_signature()), is_json=True)
        assert fmt == b.format(signature=str(theirs.get_signature()), is_json=True)
    with pytest.raises(ValueError):
        compat.BLEU().get_signature()


def test_sentence_level():
    for h, r in zip(HYPS[:120], REFS[:120]):
        _same_bleu(compat.sentence_bleu(h, r), sacrebleu.sentence_bleu(h, r))
        assert compat.sentence_chrf(h, r).score == sacrebleu.sentence_chrf(h, r).score
        assert (
            compat.sentence_chrf(h, r, word_order=2).score
            == sacrebleu.sentence_chrf(h, r, word_order=2).score
        )
    b, c = compat.BLEU(effective_order=True), sacrebleu.BLEU(effective_order=True)
    _same_bleu(b.sentence_score(HYPS[3], REFS[3]), c.sentence_score(HYPS[3], REFS[3]))
    assert str(b.get_signature()) == str(c.get_signature())


def test_corpus_chrf_functions():
    for kw in [
        {},
        {"word_order": 2},
        {"remove_whitespace": False},
        {"eps_smoothing": True, "beta": 1},
    ]:
        assert (
            compat.corpus_chrf(HYPS, STREAMS, **kw).score
            == sacrebleu.corpus_chrf(HYPS, STREAMS, **kw).score
        )


def test_raw_and_cached_and_statistics():
    _same_bleu(compat.raw_corpus_bleu(HYPS, STREAMS), sacrebleu.raw_corpus_bleu(HYPS, STREAMS))
    ours, theirs = compat.BLEU(references=STREAMS), sacrebleu.BLEU(references=STREAMS)
    _same_bleu(ours.corpus_score(HYPS, None), theirs.corpus_score(HYPS, None))
    assert ours._extract_corpus_statistics(HYPS, STREAMS) == theirs._extract_corpus_statistics(
        HYPS, STREAMS
    )


def test_deliberate_differences():
    with pytest.raises(InputValueError, match="references\\[0\\] has 2 lines"):
        compat.corpus_bleu(["a", "b", "c"], [["a", "b"]])
    with pytest.raises(InputValueError, match="not supported"):
        compat.BLEU(tokenize="ja-mecab")
    with pytest.raises(InputValueError, match="hypothesis 1 has no reference"):
        compat.corpus_bleu(["a", "b"], [["a", None], ["b", None]])
