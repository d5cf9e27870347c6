"""lexmetrics.compat.evaluate against the packages evaluate's metric scripts call, in the same process.

The metric scripts live on the Hugging Face hub (not in the ``evaluate`` wheel or sdist, and the hub
is unreachable here), so each test runs what the script of that name does with the real packages:
rouge-score's ``RougeScorer`` + ``BootstrapAggregator`` (rouge), sacrebleu (sacrebleu, chrf, and the
13a tokenizer evaluate copies), nltk's ``corpus_gleu`` (google_bleu). ``bleu``'s TensorFlow-NMT
``compute_bleu`` is in no package: ``nmt_compute_bleu`` below is that function's definition.
"""

from __future__ import annotations

import collections
import math

import numpy as np
import pytest
import sacrebleu
from _sacre_corpus import make_corpus, to_streams
from lexmetrics import InputValueError
from lexmetrics.compat import evaluate
from nltk.translate.gleu_score import corpus_gleu
from rouge_score import rouge_scorer, scoring
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

HYPS, REFS = make_corpus(300, seed=21, max_refs=3)
HYPS1, REFS1 = make_corpus(200, seed=22, max_refs=1)
_13a = Tokenizer13a()


def evaluate_13a(line):
    """evaluate's Tokenizer13a: sacrebleu's 13a, returning the tokens."""
    return _13a(line).split()


def same(a, b):
    """== with the same types, recursively (evaluate returns ints, floats, lists, numpy floats)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        assert a == b


# ---------------------------------------------------------------------------------------------
# rouge
# ---------------------------------------------------------------------------------------------


def evaluate_rouge(
    preds, refs, rouge_types=None, use_aggregator=True, use_stemmer=False, tokenizer=None
):
    """evaluate's rouge script on rouge-score."""
    rouge_types = rouge_types or ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    multi_ref = isinstance(refs[0], list)

    class Tok:
        def tokenize(self, text):
            return tokenizer(text)

    scorer = rouge_scorer.RougeScorer(
        rouge_types=rouge_types, use_stemmer=use_stemmer, tokenizer=Tok() if tokenizer else None
    )
    agg, scores = scoring.BootstrapAggregator(), []
    for r, p in zip(refs, preds):
        s = scorer.score_multi(r, p) if multi_ref else scorer.score(r, p)
        agg.add_scores(s) if use_aggregator else scores.append(s)
    if use_aggregator:
        return {k: v.mid.fmeasure for k, v in agg.aggregate().items()}
    return {k: [s[k].fmeasure for s in scores] for k in scores[0]}


@pytest.mark.parametrize("use_stemmer", [False, True])
@pytest.mark.parametrize("multi", [True, False])
def test_rouge_per_pair_lists(use_stemmer, multi):
    refs = REFS if multi else [r[0] for r in REFS]
    got = evaluate.load("rouge").compute(
        predictions=HYPS, references=refs, use_aggregator=False, use_stemmer=use_stemmer
    )
    same(got, evaluate_rouge(HYPS, refs, use_aggregator=False, use_stemmer=use_stemmer))


def test_rouge_bootstrap_seeded_and_global_state():
    types = ["rouge1", "rougeL", "rouge3"]
    np.random.seed(7)
    expected = evaluate_rouge(HYPS, REFS, rouge_types=types)
    after_reference = np.random.get_state()[1].copy()
    got = evaluate.load("rouge").compute(
        predictions=HYPS, references=REFS, rouge_types=types, seed=7
    )
    same(got, expected)
    # Unseeded, it draws from numpy's global state exactly as the script does.
    np.random.seed(7)
    same(
        evaluate.load("rouge").compute(predictions=HYPS, references=REFS, rouge_types=types),
        expected,
    )
    assert (np.random.get_state()[1] == after_reference).all()


def test_rouge_tokenizer_callable():
    got = evaluate.load("rouge").compute(
        predictions=HYPS, references=REFS, tokenizer=str.split, use_aggregator=False
    )
    same(got, evaluate_rouge(HYPS, REFS, use_aggregator=False, tokenizer=str.split))


# ---------------------------------------------------------------------------------------------
# bleu
# ---------------------------------------------------------------------------------------------


def _get_ngrams(segment, max_order):
    counts = collections.Counter()
    for order in range(1, max_order + 1):
        for i in range(0, len(segment) - order + 1):
            counts[tuple(segment[i : i + order])] += 1
    return counts


def nmt_compute_bleu(reference_corpus, translation_corpus, max_order=4, smooth=False):
    """TensorFlow NMT's compute_bleu (nmt/scripts/bleu.py), as evaluate's bleu script ships it."""
    matches_by_order = [0] * max_order
    possible_matches_by_order = [0] * max_order
    reference_length = translation_length = 0
    for references, translation in zip(reference_corpus, translation_corpus):
        reference_length += min(len(r) for r in references)
        translation_length += len(translation)
        merged = collections.Counter()
        for reference in references:
            merged |= _get_ngrams(reference, max_order)
        overlap = _get_ngrams(translation, max_order) & merged
        for ngram in overlap:
            matches_by_order[len(ngram) - 1] += overlap[ngram]
        for order in range(1, max_order + 1):
            possible = len(translation) - order + 1
            if possible > 0:
                possible_matches_by_order[order - 1] += possible
    precisions = [0] * max_order
    for i in range(max_order):
        if smooth:
            precisions[i] = (matches_by_order[i] + 1.0) / (possible_matches_by_order[i] + 1.0)
        elif possible_matches_by_order[i] > 0:
            precisions[i] = float(matches_by_order[i]) / possible_matches_by_order[i]
        else:
            precisions[i] = 0.0
    if min(precisions) > 0:
        geo_mean = math.exp(sum((1.0 / max_order) * math.log(p) for p in precisions))
    else:
        geo_mean = 0
    if reference_length == 0 or translation_length == 0:
        ratio, bp = 0.0, 0.0
    else:
        ratio = float(translation_length) / reference_length
        bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return {
        "bleu": geo_mean * bp,
        "precisions": precisions,
        "brevity_penalty": bp,
        "length_ratio": ratio,
        "translation_length": translation_length,
        "reference_length": reference_length,
    }


def evaluate_bleu(preds, refs, tokenizer=evaluate_13a, max_order=4, smooth=False):
    if isinstance(refs[0], str):
        refs = [[r] for r in refs]
    return nmt_compute_bleu(
        [[tokenizer(r) for r in rs] for rs in refs],
        [tokenizer(p) for p in preds],
        max_order,
        smooth,
    )


@pytest.mark.parametrize(
    "max_order,smooth", [(4, False), (4, True), (2, False), (1, True), (6, False)]
)
def test_bleu_equals_nmt_bleu(max_order, smooth):
    m = evaluate.load("bleu")
    same(
        m.compute(predictions=HYPS, references=REFS, max_order=max_order, smooth=smooth),
        evaluate_bleu(HYPS, REFS, max_order=max_order, smooth=smooth),
    )
    single = [r[0] for r in REFS1]
    same(
        m.compute(predictions=HYPS1, references=single, max_order=max_order, smooth=smooth),
        evaluate_bleu(HYPS1, single, max_order=max_order, smooth=smooth),
    )


def test_bleu_tokenizer_edge_cases_and_callable():
    # evaluate's 13a sees the raw line (sacrebleu's BLEU strips it first): "a-\n" is "a" here.
    preds = [
        "a-\n",
        "x-<skipped>\n",
        "<skip-\nped> y",
        "--\n\n",
        "Hello, world! 3.5 -\nb &amp; c",
        "",
    ]
    refs = [["a"], ["x-"], ["y"], ["-"], ["hello world"], ["z"]]
    same(
        evaluate.load("bleu").compute(predictions=preds, references=refs, max_order=1),
        evaluate_bleu(preds, refs, max_order=1),
    )
    same(
        evaluate.load("bleu").compute(predictions=HYPS, references=REFS, tokenizer=str.split),
        evaluate_bleu(HYPS, REFS, tokenizer=str.split),
    )
    # A tokenizer whose tokens contain spaces: compared whole, never re-split.
    words = lambda s: [w + " x" for w in s.split()]  # noqa: E731
    same(
        evaluate.load("bleu").compute(predictions=HYPS, references=REFS, tokenizer=words),
        evaluate_bleu(HYPS, REFS, tokenizer=words),
    )


def test_bleu_doc_example():
    preds = ["hello there general kenobi", "foo bar foobar"]
    refs = [["hello there general kenobi", "hello there!"], ["foo bar foobar"]]
    assert evaluate.load("bleu").compute(predictions=preds, references=refs)["bleu"] == 1.0


# ---------------------------------------------------------------------------------------------
# google_bleu
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("min_len,max_len", [(1, 4), (2, 4), (2, 6), (1, 1), (3, 2)])
def test_google_bleu_equals_nltk_corpus_gleu(min_len, max_len):
    expected = corpus_gleu(
        [[evaluate_13a(r) for r in rs] for rs in REFS],
        [evaluate_13a(p) for p in HYPS],
        min_len,
        max_len,
    )
    got = evaluate.load("google_bleu").compute(
        predictions=HYPS, references=REFS, min_len=min_len, max_len=max_len
    )
    same(got, {"google_bleu": expected})


def test_google_bleu_callable_and_single_references():
    single = [r[0] for r in REFS1]
    expected = corpus_gleu([[r.split()] for r in single], [p.split() for p in HYPS1])
    got = evaluate.load("google_bleu").compute(
        predictions=HYPS1, references=single, tokenizer=str.split
    )
    same(got, {"google_bleu": expected})


# ---------------------------------------------------------------------------------------------
# sacrebleu, chrf
# ---------------------------------------------------------------------------------------------

REFS2 = [r if len(r) == 2 else (r + [r[0].upper()])[:2] for r in REFS]


def evaluate_sacrebleu(preds, refs, **kw):
    out = sacrebleu.corpus_bleu(preds, to_streams(refs), **kw)
    return {
        "score": out.score,
        "counts": out.counts,
        "totals": out.totals,
        "precisions": out.precisions,
        "bp": out.bp,
        "sys_len": out.sys_len,
        "ref_len": out.ref_len,
    }


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"tokenize": "intl", "lowercase": True},
        {"smooth_method": "floor", "smooth_value": 0.2},
        {"smooth_method": "add-k"},
        {"tokenize": "char", "use_effective_order": True},
        {"smooth_method": "none", "tokenize": "none"},
    ],
    ids=str,
)
def test_sacrebleu_equals_sacrebleu(kw):
    same(
        evaluate.load("sacrebleu").compute(predictions=HYPS, references=REFS2, **kw),
        evaluate_sacrebleu(HYPS, REFS2, **kw),
    )
    # The newer script takes the options as load() configuration.
    same(
        evaluate.load("sacrebleu", **kw).compute(predictions=HYPS, references=REFS2),
        evaluate_sacrebleu(HYPS, REFS2, **kw),
    )


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"word_order": 2},
        {"char_order": 4, "beta": 1, "lowercase": True, "whitespace": True},
        {"eps_smoothing": True},
    ],
    ids=str,
)
def test_chrf_equals_sacrebleu(kw):
    out = sacrebleu.metrics.CHRF(**kw).corpus_score(HYPS, to_streams(REFS2))
    expected = {
        "score": out.score,
        "char_order": out.char_order,
        "word_order": out.word_order,
        "beta": out.beta,
    }
    same(evaluate.load("chrf").compute(predictions=HYPS, references=REFS2, **kw), expected)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"case_sensitive": True},
        {"normalized": True, "support_zh_ja_chars": True},
        {"ignore_punct": True},
    ],
    ids=str,
)
def test_ter_equals_sacrebleu(kw):
    out = sacrebleu.metrics.TER(
        normalized=kw.get("normalized", False),
        no_punct=kw.get("ignore_punct", False),
        asian_support=kw.get("support_zh_ja_chars", False),
        case_sensitive=kw.get("case_sensitive", False),
    ).corpus_score(HYPS[:120], to_streams(REFS2[:120]))
    expected = {"score": out.score, "num_edits": out.num_edits, "ref_length": out.ref_length}
    same(
        evaluate.load("ter").compute(predictions=HYPS[:120], references=REFS2[:120], **kw), expected
    )


def test_varying_reference_counts_rejected_like_the_scripts():
    for name in ("sacrebleu", "chrf", "ter"):
        with pytest.raises(ValueError, match="same number of references"):
            evaluate.load(name).compute(predictions=HYPS, references=REFS)


# ---------------------------------------------------------------------------------------------
# module behaviour
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bleu", "google_bleu", "sacrebleu", "chrf", "rouge", "ter"])
def test_add_batch_add_and_compute_clear(name):
    refs = REFS2
    kw = {"seed": 3} if name == "rouge" else {}
    whole = evaluate.load(name).compute(predictions=HYPS, references=refs, **kw)
    m = evaluate.load(f"evaluate-metric/{name}")
    m.add_batch(predictions=HYPS[:100], references=refs[:100])
    for p, r in zip(HYPS[100:150], refs[100:150]):
        m.add(prediction=p, reference=r)
    same(m.compute(predictions=HYPS[150:], references=refs[150:], **kw), whole)
    with pytest.raises(InputValueError, match="no predictions"):
        m.compute()  # compute() cleared the added data


def test_bad_input():
    with pytest.raises(ValueError, match="no metric"):
        evaluate.load("bertscore")
    with pytest.raises(ValueError, match="Mismatch"):
        evaluate.load("bleu").compute(predictions=["a"], references=["a", "b"])
    with pytest.raises(ValueError, match="unexpected"):
        evaluate.load("chrf").compute(predictions=["a"], references=["a"], n_word_order=2)
    with pytest.raises(TypeError, match=r"texts\[0\]"):
        evaluate.load("bleu").compute(predictions=[None], references=["a"])
