"""Public BLEU/chrF API: sacrebleu's published vectors, merging statistics, workers, bad input."""

from __future__ import annotations

import lexmetrics as lm
import numpy as np
import pytest
import sacrebleu
from lexmetrics import InputTypeError, InputValueError

# sacrebleu test/test_bleu.py README corpus (2 reference streams)
HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."]
REFS = [
    ["The dog bit the man.", "The dog had bitten the man."],
    ["It was not unexpected.", "No one was surprised."],
    ["The man bit him first.", "The man had bitten the dog."],
]


def test_published_bleu_vectors():
    assert lm.corpus_bleu(HYPS, REFS).score == pytest.approx(48.530827, abs=1e-6)
    assert lm.corpus_bleu(HYPS, REFS).score == 48.530827009929865
    assert lm.corpus_bleu(HYPS, REFS, tokenize="none").score == pytest.approx(49.1919566, abs=1e-6)
    assert lm.corpus_bleu(HYPS, REFS, tokenize="intl").score == pytest.approx(43.91623493, abs=1e-6)
    assert lm.corpus_bleu(HYPS, REFS, smooth_method="none").score == pytest.approx(
        48.530827, abs=1e-6
    )
    assert lm.corpus_bleu(["", "", ""], REFS).score == 0.0
    want = ["77.65", "60.50", "53.93", "48.53", "46.14", "43.28"]
    assert [
        f"{lm.corpus_bleu(HYPS, REFS, max_ngram_order=n).score:.2f}" for n in range(1, 7)
    ] == want
    raw = dict(tokenize="none", smooth_method="floor", use_effective_order=True)
    assert lm.corpus_bleu(
        ["this is a fest"], [["this is a test"]], smooth_value=0.01, **raw
    ).score / 100 == pytest.approx(0.223606797749979)
    assert lm.corpus_bleu(["test"], [["a test"]], **raw).score / 100 == pytest.approx(
        0.3678794411714425
    )
    # (the research note's 0.0322 for this pair is not what sacrebleu 2.6 returns; compare with it directly)
    assert (
        lm.corpus_bleu(["a little test"], [["a test"]], **raw).score
        == sacrebleu.raw_corpus_bleu(["a little test"], [["a test"]]).score
    )
    st = lm.bleu_stats(["am I am a character sequence"], ["I am a symbol string sequence a a"])
    assert st[0, 2:].tolist() == [4, 2, 1, 0, 6, 5, 4, 3]
    r = lm.bleu_from_stats([11, 11, 9, 7, 5, 3, 10, 8, 6, 4], smooth_method="none")
    assert r.score / 100 == pytest.approx(0.8375922397)
    r = lm.corpus_bleu(HYPS, REFS)
    assert (
        str(r)
        == "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
    )
    assert (
        r.signature
        == f"nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:lexmetrics-{lm.__version__}"
    )


def test_published_sentence_vectors():
    sys_ = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;"
    ref = "producţia de zahăr brut se exprimă în zahăr alb;"
    cases = [
        ({}, 8.493),
        ({"smooth_method": "none"}, 0.0),
        ({"smooth_method": "floor"}, 4.51688),
        ({"smooth_method": "floor", "smooth_value": 0.5}, 10.10),
        ({"smooth_method": "add-k"}, 14.882),
        ({"smooth_method": "add-k", "smooth_value": 2}, 21.389),
        ({"tokenize": "none"}, 7.347),
        ({"tokenize": "intl"}, 8.493),
        ({"tokenize": "char"}, 40.8759),
        ({"tokenize": "char", "lowercase": True}, 42.0267),
    ]
    for kw, want in cases:
        assert lm.sentence_bleu([sys_], [ref], **kw)[0] == pytest.approx(want, abs=1e-3), kw
        assert (
            lm.sentence_bleu([sys_], [ref], **kw)[0]
            == sacrebleu.sentence_bleu(sys_, [ref], **kw).score
        )
    for m in ("exp", "floor", "add-k", "none"):
        assert lm.sentence_bleu(["this is a cat"], ["okay thanks"], smooth_method=m)[0] == 0.0


def test_published_chrf_vectors():
    kw = dict(beta=3, eps_smoothing=True)
    assert lm.corpus_chrf(["aa"], ["ab"], **kw).score == pytest.approx(8.3333333, abs=1e-6)
    assert lm.corpus_chrf(["a", "b"], ["a", "c"], **kw).score == pytest.approx(8.3333333, abs=1e-6)
    assert lm.corpus_chrf(["a b c"], ["abc"], **kw).score == pytest.approx(50.0)
    assert lm.corpus_chrf(["a"], ["a"], beta=3).score == 100.0
    assert lm.corpus_chrf(["aa"], ["ab"], beta=3).score == 25.0
    assert lm.corpus_chrf(["a", "b"], ["a", "c"], beta=3).score == 50.0
    assert lm.corpus_chrf(HYPS, REFS).score == 59.72751782684763
    assert lm.corpus_chrf(HYPS, REFS, word_order=2).score == 59.15310444399262
    r = lm.corpus_chrf(HYPS, REFS, word_order=2)
    assert str(r) == "chrF2++ = 59.15"
    assert (
        r.signature
        == f"nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:lexmetrics-{lm.__version__}"
    )
    assert lm.corpus_chrf([""], [""], eps_smoothing=True).score == 1.0000000000000002e-14


def test_research_quirks():
    assert (
        lm.corpus_bleu(
            ["the cat sat on the mat. It was happy."], ["the cat\tsat\non the mat.\nIt was happy."]
        ).score
        == 100.00000000000004
    )
    r = lm.corpus_bleu(
        ["a b c"], ["a b d"], tokenize="none", smooth_method="add-k", use_effective_order=True
    )
    assert r.score == 68.65890479690394 and r.counts == (2, 2, 1, 1) and r.totals == (3, 3, 2, 1)
    assert lm.corpus_bleu(["a b c"], ["a b d"], tokenize="none").score == 0.0  # my_log(0) sentinel


def test_merging_batches_and_workers():
    from _sacre_corpus import make_corpus

    hyps, refs = make_corpus(700, seed=5)
    full = lm.corpus_bleu(hyps, refs)
    parts = np.concatenate(
        [lm.bleu_stats(hyps[i : i + 100], refs[i : i + 100]) for i in range(0, 700, 100)]
    )
    assert lm.bleu_from_stats(parts, nrefs="var").score == full.score
    assert lm.bleu_from_stats(parts.sum(axis=0), nrefs=-1) == full
    cparts = sum(
        lm.chrf_stats(hyps[i : i + 350], refs[i : i + 350], word_order=2).sum(axis=0)
        for i in (0, 350)
    )
    assert lm.chrf_from_stats(cparts, word_order=2, nrefs=-1) == lm.corpus_chrf(
        hyps, refs, word_order=2
    )
    for w in (1, 2, 3):
        assert np.array_equal(lm.bleu_stats(hyps, refs, workers=w), parts)
        assert np.array_equal(lm.sentence_chrf(hyps, refs, workers=w), lm.sentence_chrf(hyps, refs))
    assert lm.bleu_stats([], []).shape == (0, 10)


def test_bad_input():
    with pytest.raises(InputValueError, match="differ in length"):
        lm.corpus_bleu(["a", "b"], ["a"])
    with pytest.raises(InputTypeError, match=r"hypotheses\[1\]"):
        lm.corpus_bleu(["a", None], ["a", "b"])
    with pytest.raises(InputTypeError, match=r"references\[0\]\[1\]"):
        lm.sentence_bleu(["a"], [["a", 3]])
    with pytest.raises(InputTypeError, match=r"references\[1\] is None"):
        lm.corpus_chrf(["a", "b"], ["a", None])
    with pytest.raises(InputValueError, match=r"references\[0\] has no references"):
        lm.corpus_chrf(["a"], [[]])
    with pytest.raises(InputValueError, match="unknown tokenize"):
        lm.corpus_bleu(["a"], ["a"], tokenize="13b")
    for name in ("ja-mecab", "ko-mecab", "flores101", "flores200", "spm", "spBLEU-1K"):
        with pytest.raises(InputValueError, match="not supported"):
            lm.corpus_bleu(["a"], ["a"], tokenize=name)
    with pytest.raises(InputValueError, match="smooth_method"):
        lm.corpus_bleu(["a"], ["a"], smooth_method="expo")
    with pytest.raises(InputValueError, match="max_ngram_order"):
        lm.corpus_bleu(["a"], ["a"], max_ngram_order=0)
    with pytest.raises(InputValueError, match="char_order"):
        lm.corpus_chrf(["a"], ["a"], char_order=-1)
    with pytest.raises(InputValueError, match="char_order \\+ word_order"):
        lm.corpus_chrf(["a"], ["a"], char_order=0)
    with pytest.raises(InputValueError, match="workers"):
        lm.sentence_bleu(["a"], ["a"], workers=0)
    with pytest.raises(InputTypeError, match="smooth_value"):
        lm.corpus_bleu(["a"], ["a"], smooth_value="0.1")
    with pytest.raises(InputValueError, match="10 columns"):
        lm.bleu_from_stats([1, 2, 3])
    with pytest.raises(InputTypeError, match="integers"):
        lm.bleu_from_stats(np.zeros(10))
    with pytest.raises(InputTypeError, match="single str"):
        lm.corpus_bleu("abc", ["a"])


def test_wide_vocabulary_fallback_paths():
    """N-grams that do not pack into 64 bits take the hashing path; both must agree with sacrebleu."""
    from sacrebleu.metrics import BLEU, CHRF

    words = [f"w{i}" for i in range(70000)]  # 17-bit ids: 4-grams need 68 bits
    hyp = " ".join(words[::2] + words[:100])
    ref = " ".join(words[1::3] + words[:300])
    theirs = BLEU()._extract_corpus_statistics([hyp], [[ref]])
    assert lm.bleu_stats([hyp], [ref]).tolist() == theirs
    chars = "".join(chr(0x4E00 + i) for i in range(1100))  # 11-bit ids: 6-grams need 66 bits
    h, r = chars + chars[:50], chars[::-1] + chars[:200]
    for wo in (0, 2):
        want = CHRF(word_order=wo)._extract_corpus_statistics([h], [[r], [h[:500]]])
        assert lm.chrf_stats([h], [[r, h[:500]]], word_order=wo).tolist() == want
