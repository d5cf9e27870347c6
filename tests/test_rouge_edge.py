"""Hand-made ROUGE edge cases, custom tokenizers, split_summaries, bootstrap: parity with rouge-score."""

from __future__ import annotations

import random

import lexmetrics
import numpy as np
import pytest
from lexmetrics.compat.rouge_score import rouge_scorer, scoring, tokenizers
from rouge_score import rouge_scorer as ref_rouge_scorer
from rouge_score import scoring as ref_scoring

TYPES = ["rouge1", "rouge2", "rouge3", "rouge9", "rougeL", "rougeLsum"]

EDGE_PAIRS = [
    ("testing one two", ""),
    ("", "w1"),
    ("", ""),
    ("   ", " \t\n "),
    ("w1 w2 w3 w4 w5", "/"),
    ("...!!!", "?!,"),
    ("testing one two", "testing"),
    ("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5"),
    ("x y x", "x\nx y"),
    ("a b c\n\n\n...\nd e", "a b\n \nd e c"),
    ("Café naïve résumé déjà vu", "cafe naive resume deja vu caf"),
    ("我喜欢吃苹果。", "我喜欢吃苹果"),
    ("😀 emoji 😀 test", "emoji test 😀"),
    ("İstanbul \u212aelvin ﬁle STRASSE Straße", "i stanbul kelvin le strasse stra e"),
    ("x\u0130y \u0130\u0130 K\u212a", "xi y i i kk"),
    ("$3.50 - 1,000 2019-2020", "3 50 1 000 2019 2020"),
    ("don't stop it's", "don t stop it s"),
    ("the the the the", "the the the the the the the"),
    ("a\r\nb\r\nc", "a\nb\nc"),
    ("one\n\ntwo\n", "\n\none two"),
    ("snake_case under_score", "snake case under score"),
    ("\x00\x01 tab\tsep\x0bvert", "tab sep vert"),
]


def _ref(types, **kw):
    return ref_rouge_scorer.RougeScorer(types, **kw)


def assert_score_equal(a, b):
    assert tuple(a) == tuple(b), (a, b)
    assert [type(v) for v in a] == [type(v) for v in b], (a, b)


@pytest.mark.parametrize("stem", [False, True])
@pytest.mark.parametrize("target,prediction", EDGE_PAIRS)
def test_edge_pairs(target: str, prediction: str, stem: bool) -> None:
    theirs = _ref(TYPES, use_stemmer=stem).score(target, prediction)
    ours = rouge_scorer.RougeScorer(TYPES, use_stemmer=stem).score(target, prediction)
    assert list(ours) == list(theirs)
    for t in TYPES:
        assert_score_equal(ours[t], theirs[t])
    swapped = rouge_scorer.RougeScorer(TYPES, use_stemmer=stem).score(prediction, target)
    for t, s in _ref(TYPES, use_stemmer=stem).score(prediction, target).items():
        assert_score_equal(swapped[t], s)


def test_research_vectors() -> None:
    s = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    r = s.score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5")
    assert tuple(r["rouge1"]) == (0.4, 0.8, 0.5333333333333333)
    assert tuple(r["rouge2"]) == (0.1111111111111111, 0.25, 0.15384615384615383)
    assert tuple(r["rougeLsum"]) == (0.4, 0.8, 0.5333333333333333)
    r = s.score("x y x", "x\nx y")
    assert r["rougeL"].fmeasure == 0.6666666666666666
    assert tuple(r["rougeLsum"]) == (1.0, 1.0, 1.0)
    r = s.score("a b c\n\n\n...\nd e", "a b\n \nd e c")
    assert tuple(r["rougeL"]) == (0.8, 0.8, 0.8000000000000002)
    assert tuple(r["rougeLsum"]) == (1.0, 1.0, 1.0)
    r = s.score("testing one two", "")
    assert r["rougeL"] == (0, 0, 0) and type(r["rougeL"].fmeasure) is int
    assert type(r["rouge1"].fmeasure) is float
    m = s.score_multi(["first text", "first something"], "text first")
    assert [m[t].fmeasure for t in ("rouge1", "rouge2", "rougeL")] == [1.0, 0.0, 0.5]


# Table A of the research notes (target, prediction) -> F of rouge1/rouge2/rougeL/rougeLsum.
TABLE_A_REF = "The cat sat on the mat.\tIt was happy."


def test_table_a_vectors() -> None:
    s = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    ref = _ref(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    hyps = [
        "Café naïve résumé déjà vu",
        "",
        "the cat sat on the mat",
        "the the the the the the the",
        "the cat sat on the mat\tit was happy",
        "It costs $3.50 - 1,000 items in 2019-2020.",
        "İstanbul \u212aelvin ﬁle STRASSE Straße",
        "The runners were running quickly to their generously sized cars",
    ]
    for h in hyps:
        for t in ("the cat sat on the mat it was happy", TABLE_A_REF, ""):
            a, b = s.score(t, h), ref.score(t, h)
            for k in a:
                assert_score_equal(a[k], b[k])


def _long_text(rng: random.Random, n: int, vocab: int, newline_every: int = 0) -> str:
    words = [f"w{rng.randrange(vocab)}" for _ in range(n)]
    if newline_every:
        for i in range(newline_every, len(words), newline_every):
            words[i] = words[i] + "\n"
    return " ".join(words)


@pytest.mark.parametrize("n", [63, 64, 65, 127, 128, 129, 300, 1200])
def test_long_inputs_lcs(n: int) -> None:
    rng = random.Random(n)
    t = _long_text(rng, n, 40, newline_every=rng.choice([0, 17, 70]))
    p = _long_text(rng, n + rng.randint(-20, 20), 40, newline_every=rng.choice([0, 23, 90]))
    types = ["rouge1", "rouge2", "rouge4", "rougeL", "rougeLsum"]
    a = rouge_scorer.RougeScorer(types).score(t, p)
    b = _ref(types).score(t, p)
    for k in types:
        assert_score_equal(a[k], b[k])


def test_5000_tokens() -> None:
    rng = random.Random(5000)
    t = _long_text(rng, 5000, 6000)
    p = _long_text(rng, 5000, 6000)
    types = ["rouge1", "rouge2", "rouge3", "rouge9"]
    a = rouge_scorer.RougeScorer(types).score(t, p)
    b = _ref(types).score(t, p)
    for k in types:
        assert_score_equal(a[k], b[k])
    # rougeL on 5000 tokens: the reference's DP takes seconds; use a 5000 x 400 pair.
    p2 = _long_text(rng, 400, 6000)
    a = rouge_scorer.RougeScorer(["rougeL", "rougeLsum"]).score(t, p2)
    b = _ref(["rougeL", "rougeLsum"]).score(t, p2)
    assert_score_equal(a["rougeL"], b["rougeL"])
    assert_score_equal(a["rougeLsum"], b["rougeLsum"])


def test_huge_single_sentence_rougelsum_is_memory_safe() -> None:
    # 40k x 40k tokens, no newline: a full DP table would be 1.6e9 cells; ours keeps
    # checkpointed bit columns. Without newlines rougeLsum equals rougeL.
    rng = random.Random(7)
    t = _long_text(rng, 40_000, 300)
    p = _long_text(rng, 40_000, 300)
    r = lexmetrics.rouge([p], [t], rouge_types=["rougeL", "rougeLsum"])
    assert r["rougeL"].fmeasure[0] == r["rougeLsum"].fmeasure[0] > 0
    assert r["rougeL"].precision[0] == r["rougeLsum"].precision[0]


class WhitespaceTokenizer:
    def tokenize(self, text):
        return text.split()


class CharTokenizer(tokenizers.Tokenizer):
    def tokenize(self, text):
        return [c for c in text if not c.isspace()]


class IntTokenizer:
    """Non-str tokens: 1 == 1.0 == True must compare equal as in Python."""

    def tokenize(self, text):
        out = []
        for w in text.split():
            n = len(w)
            out.append(n if n % 3 else float(n) if n % 2 else bool(n % 2))
        return out


class StrReturningTokenizer:
    def tokenize(self, text):
        return text.strip()  # a str: the reference iterates its characters


@pytest.mark.parametrize(
    "tok", [WhitespaceTokenizer(), CharTokenizer(), IntTokenizer(), StrReturningTokenizer()]
)
def test_custom_tokenizer(tok) -> None:
    pairs = EDGE_PAIRS + [
        ("The Cat\nsat ON the mat", "the cat sat\non The Mat"),
        ("東京 は 大きい\n東京 です", "東京 大きい です\nは"),
        ("running runs\nran", "running\nrun runs"),
    ]
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    for stem in (False, True):  # use_stemmer is ignored with a custom tokenizer
        ref = _ref(types, use_stemmer=stem, tokenizer=tok)
        ours = rouge_scorer.RougeScorer(types, use_stemmer=stem, tokenizer=tok)
        batch = ours.score_batch([t for t, _ in pairs], [p for _, p in pairs])
        for (t, p), got in zip(pairs, batch):
            exp = ref.score(t, p)
            for k in types:
                assert_score_equal(got[k], exp[k])
    only_lsum = rouge_scorer.RougeScorer(["rougeLsum"], tokenizer=tok).score(*pairs[-1])
    assert_score_equal(
        only_lsum["rougeLsum"], _ref(["rougeLsum"], tokenizer=tok).score(*pairs[-1])["rougeLsum"]
    )
    res = lexmetrics.rouge(
        [p for _, p in pairs], [[t, p] for t, p in pairs], rouge_types=types, tokenizer=tok
    )
    ref = _ref(types, tokenizer=tok)
    for i, (t, p) in enumerate(pairs):
        exp = ref.score_multi([t, p], p)
        for k in types:
            assert res[k].fmeasure[i] == exp[k].fmeasure


def test_default_tokenizer_object_and_tokenize() -> None:
    for stem in (False, True):
        tok = tokenizers.DefaultTokenizer(stem)
        assert tok.tokenize("Hello, WORLD! don't İx") == ["hello", "world", "don", "t", "i", "x"]
        a = rouge_scorer.RougeScorer(["rougeL"], tokenizer=tok).score("a b c", "a c")
        assert a["rougeL"] == _ref(["rougeL"]).score("a b c", "a c")["rougeL"]


def _write_punkt_tab(root) -> None:
    d = root / "tokenizers" / "punkt_tab" / "english"
    d.mkdir(parents=True)
    (d / "collocations.tab").write_text("")
    (d / "sent_starters.txt").write_text("however\nthe\n")
    (d / "abbrev_types.txt").write_text("dr\nmr\ne.g\n")
    (d / "ortho_context.tab").write_text("")


@pytest.fixture
def nltk_data_path(tmp_path, monkeypatch):
    """A private nltk data path; the punkt tokenizer cache is cleared before and after."""
    import nltk
    from nltk.tokenize import _get_punkt_tokenizer

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    _get_punkt_tokenizer.cache_clear()
    yield tmp_path
    _get_punkt_tokenizer.cache_clear()


def test_split_summaries_missing_punkt(nltk_data_path) -> None:
    with pytest.raises(lexmetrics.MissingDependencyError, match="punkt_tab") as e:
        lexmetrics.rouge(["a. b."], ["a. b."], rouge_types=["rougeLsum"], split_summaries=True)
    assert isinstance(e.value, LookupError)
    # Not needed when rougeLsum is not asked for (the reference never calls sent_tokenize then).
    lexmetrics.rouge(["a. b."], ["a. b."], rouge_types=["rouge1"], split_summaries=True)


def test_split_summaries_parity(nltk_data_path) -> None:
    # nltk_data cannot be downloaded here: a small hand-written punkt_tab model serves both sides.
    _write_punkt_tab(nltk_data_path)
    pairs = [
        ("First sentence. Second Sentence.", "Second sentence. First Sentence."),
        ("First sentence.\nSecond Sentence.", "Second sentence.\nFirst Sentence."),
        ("Dr. Smith went home.\nHe slept. The end!", "The end. Dr. Smith slept at home."),
        ("no punctuation here\nat all", "at all no punctuation\nhere"),
        ("", "Something. Else."),
        ("Mr. X said e.g. that. Fine? Yes!", "Yes! Fine? Mr. X said that."),
    ]
    types = ["rouge1", "rougeL", "rougeLsum"]
    for kw in ({}, {"use_stemmer": True}, {"tokenizer": WhitespaceTokenizer()}):
        ref = _ref(types, split_summaries=True, **kw)
        ours = rouge_scorer.RougeScorer(types, split_summaries=True, **kw)
        for t, p in pairs:
            exp = ref.score(t, p)
            got = ours.score(t, p)
            for k in types:
                assert_score_equal(got[k], exp[k])
    r = rouge_scorer.RougeScorer(["rougeLsum"], split_summaries=True)
    assert r.score(pairs[0][0], pairs[0][1])["rougeLsum"].fmeasure == 1.0


def test_bootstrap_aggregator_matches_reference() -> None:
    rng = random.Random(0)
    scores = [
        {
            "rouge1": ref_scoring.Score(rng.random(), rng.random(), rng.random()),
            "rougeL": ref_scoring.Score(0, 0, 0)
            if i % 7 == 0
            else ref_scoring.Score(rng.random(), rng.random(), rng.random()),
        }
        for i in range(100)
    ]
    for ci, n in ((0.95, 1000), (0.9, 50), (0.0, 10)):
        ra = ref_scoring.BootstrapAggregator(confidence_interval=ci, n_samples=n)
        oa = scoring.BootstrapAggregator(confidence_interval=ci, n_samples=n)
        for s in scores:
            ra.add_scores(s)
            oa.add_scores(s)
        np.random.seed(123)
        exp = ra.aggregate()
        np.random.seed(123)
        got = oa.aggregate()
        assert list(got) == list(exp)
        for k in exp:
            for f in ("low", "mid", "high"):
                assert tuple(getattr(got[k], f)) == tuple(getattr(exp[k], f))
    # seed= is reproducible and leaves the global state alone.
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    outs = []
    for _ in range(2):
        a = scoring.BootstrapAggregator(n_samples=200, seed=42)
        for s in scores:
            a.add_scores(s)
        outs.append(a.aggregate())
    assert outs[0] == outs[1]
    assert np.array_equal(np.random.get_state()[1], before)
    with pytest.raises(ValueError):
        scoring.BootstrapAggregator(confidence_interval=1.5)
    with pytest.raises(ValueError):
        scoring.BootstrapAggregator(n_samples=0)


def test_upstream_consistent_percentiles() -> None:
    # rouge-score scoring_test.testConsistentPercentiles.
    a = scoring.BootstrapAggregator(confidence_interval=0.9)
    a.add_scores({"rouge1": scoring.Score(1, 1 / 3, 1 / 2)})
    a.add_scores({"rouge1": scoring.Score(0, 0, 0)})
    a.add_scores({"rouge1": scoring.Score(1, 1, 1)})
    np.random.seed(123)
    r = a.aggregate()["rouge1"]
    assert np.allclose(r.low, (1 / 3, 1 / 9, 1 / 6))
    assert np.allclose(r.mid, (2 / 3, 4 / 9, 1 / 2))
    assert np.allclose(r.high, (1.0, 7 / 9, 5 / 6))
