"""Accumulators: any batching equals the batch API (and the reference packages), exact merges, state."""

from __future__ import annotations

import pickle
import random

import lexmetrics
import numpy as np
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from lexmetrics import _exactsum
from lexmetrics.accumulators import (
    MAX_PAIRS,
    Accumulators,
    BleuAccumulator,
    ChrfAccumulator,
    RougeAccumulator,
)
from rouge_score import rouge_scorer
from sacrebleu.metrics import CHRF

WORDS = (
    "the cat sat on a mat . dog ran far away , quickly Über naïve 東京 running runs ran 42".split()
)


def corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)

    def text(lo: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(lo, 14)))

    preds = [text(0) for _ in range(n)]
    refs = [text(1) for _ in range(n)]
    # long inputs (>64 tokens) and identical pairs too
    preds[0] = refs[0] = " ".join(rng.choices(WORDS, k=90))
    return preds, refs


def random_batches(n: int, rng: random.Random) -> list[tuple[int, int]]:
    cuts = sorted(rng.sample(range(1, n), k=min(n - 1, rng.randint(0, 6))))
    bounds = [0, *cuts, n]
    return list(zip(bounds, bounds[1:], strict=False))


def feed(acc, preds, refs, batches):
    for a, b in batches:
        acc.update(preds[a:b], refs[a:b])
    return acc


ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def reference_rouge_means(preds, refs, types, use_stemmer):
    """Correctly rounded means of rouge-score's own per-pair values."""
    sc = rouge_scorer.RougeScorer(list(types), use_stemmer=use_stemmer)
    rows = [sc.score(r, p) for p, r in zip(preds, refs, strict=True)]
    return {t: _exactsum.exact_mean(np.array([x[t].fmeasure for x in rows])) for t in types}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rouge_any_batching_equals_batch_api_and_rouge_score(seed):
    preds, refs = corpus(60, seed)
    rng = random.Random(seed)
    batch = lexmetrics.rouge(preds, refs, rouge_types=ROUGE_TYPES, use_stemmer=True)
    want = {t: _exactsum.exact_mean(batch[t].fmeasure) for t in ROUGE_TYPES}
    assert want == reference_rouge_means(preds, refs, ROUGE_TYPES, True)
    for _ in range(3):
        acc = feed(
            RougeAccumulator(ROUGE_TYPES, use_stemmer=True), preds, refs, random_batches(60, rng)
        )
        assert acc.compute() == want
        res = acc.result()["rouge"]
        for t in ROUGE_TYPES:
            assert res[t]["precision"] == _exactsum.exact_mean(batch[t].precision)
            assert res[t]["recall"] == _exactsum.exact_mean(batch[t].recall)
            assert res[t]["n"] == 60


@pytest.mark.parametrize("seed", [0, 1])
def test_bleu_chrf_any_batching_equal_corpus_scores(seed):
    preds, refs = corpus(50, seed)
    rng = random.Random(seed + 10)
    bleu = lexmetrics.corpus_bleu(preds, refs).score
    chrf = lexmetrics.corpus_chrf(preds, refs).score
    chrfpp = lexmetrics.corpus_chrf(preds, refs, word_order=2).score
    assert bleu == sacrebleu.corpus_bleu(preds, [refs]).score
    assert chrf == sacrebleu.corpus_chrf(preds, [refs]).score
    assert chrfpp == sacrebleu.corpus_chrf(preds, [refs], word_order=2).score
    for _ in range(3):
        b = random_batches(50, rng)
        assert feed(BleuAccumulator(), preds, refs, b).compute() == {"bleu": bleu}
        assert feed(ChrfAccumulator(), preds, refs, b).compute() == {"chrf": chrf}
        assert feed(ChrfAccumulator(word_order=2), preds, refs, b).compute() == {"chrf++": chrfpp}


def test_bleu_options_and_multi_reference():
    preds, refs = corpus(30, 5)
    refs2 = [[r, p[::-1]] for p, r in zip(preds, refs, strict=True)]
    streams = [[r[0] for r in refs2], [r[1] for r in refs2]]
    acc = BleuAccumulator(tokenize="intl", lowercase=True, smooth_method="floor", smooth_value=0.1)
    feed(acc, preds, refs2, [(0, 7), (7, 30)])
    want = sacrebleu.corpus_bleu(
        preds, streams, tokenize="intl", lowercase=True, smooth_method="floor", smooth_value=0.1
    ).score
    assert acc.compute()["bleu"] == want
    chrf = feed(ChrfAccumulator(beta=3, lowercase=True), preds, refs2, [(0, 11), (11, 30)])
    want_chrf = CHRF(beta=3, lowercase=True).corpus_score(preds, streams).score
    assert chrf.compute()["chrf"] == want_chrf


texts = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)


@settings(max_examples=settings.default.max_examples // 4)  # each example runs both paths
@given(
    pairs=st.lists(st.tuples(texts, texts), min_size=1, max_size=20),
    cuts=st.lists(st.integers(0, 20), max_size=4),
)
def test_hypothesis_collection_equals_batch_api(pairs, cuts):
    preds = [p for p, _ in pairs]
    refs = [r for _, r in pairs]
    n = len(pairs)
    bounds = sorted({0, n, *[c % (n + 1) for c in cuts]})
    acc = Accumulators(("rouge1", "rougeL", "bleu", "chrf"))
    feed(acc, preds, refs, list(zip(bounds, bounds[1:], strict=False)))
    got = acc.compute()
    batch = lexmetrics.rouge(preds, refs, rouge_types=("rouge1", "rougeL"))
    assert got["rouge1"] == _exactsum.exact_mean(batch["rouge1"].fmeasure)
    assert got["rougeL"] == _exactsum.exact_mean(batch["rougeL"].fmeasure)
    assert got["bleu"] == sacrebleu.corpus_bleu(preds, [refs]).score
    assert got["chrf"] == sacrebleu.corpus_chrf(preds, [refs]).score


def test_merge_equals_one_accumulator_and_is_order_free():
    preds, refs = corpus(40, 3)
    names = ("rouge1", "rouge2", "rougeLsum", "bleu", "chrf++")
    whole = Accumulators(names).update(preds, refs)
    parts = [
        Accumulators(names).update(preds[a:b], refs[a:b]) for a, b in [(0, 9), (9, 30), (30, 40)]
    ]
    fwd = Accumulators(names)
    for p in parts:
        fwd.merge(p)
    rev = Accumulators(names)
    for p in reversed(parts):
        rev.merge(p)
    assert fwd.compute() == whole.compute() == rev.compute()
    assert fwd.count == 40
    assert all(
        (a == b).all()
        for a, b in zip(fwd.state_dict()["states"], whole.state_dict()["states"], strict=True)
    )


def test_state_is_fixed_size():
    preds, refs = corpus(40, 4)
    acc = Accumulators(("rouge1", "bleu", "chrf"))
    sizes = [s.nbytes for s in acc.state_dict()["states"]]
    for _ in range(5):
        acc.update(preds, refs)
    assert [s.nbytes for s in acc.state_dict()["states"]] == sizes
    assert all(s.dtype == np.int64 for s in acc.state_dict()["states"])


def test_state_dict_round_trip_numpy_pickle_and_torch():
    torch = pytest.importorskip("torch", reason="torch tensors as a state_dict format")
    preds, refs = corpus(30, 6)
    acc = Accumulators(("rouge1", "rougeL", "bleu", "chrf")).update(preds[:20], refs[:20])
    sd = acc.state_dict()
    want = acc.compute()
    for restored_sd in (
        sd,
        pickle.loads(pickle.dumps(sd)),
        {**sd, "states": [torch.from_numpy(s) for s in sd["states"]]},
        {**sd, "states": [s.tolist() for s in sd["states"]]},
    ):
        new = Accumulators(("rouge1", "rougeL", "bleu", "chrf")).load_state_dict(restored_sd)
        assert new.compute() == want and new.count == 20
        # and it keeps accumulating exactly
        new.update(preds[20:], refs[20:])
        assert (
            new.compute()
            == Accumulators(("rouge1", "rougeL", "bleu", "chrf")).update(preds, refs).compute()
        )
    # the state_dict is a copy
    acc.update(preds, refs)
    assert Accumulators(("rouge1", "rougeL", "bleu", "chrf")).load_state_dict(sd).compute() == want
    assert pickle.loads(pickle.dumps(acc)).compute() == acc.compute()


def test_reset_and_empty():
    preds, refs = corpus(10, 7)
    acc = Accumulators(("rouge1", "bleu", "chrf"))
    empty = acc.compute()
    assert empty["rouge1"] == 0.0 and acc.count == 0
    acc.update(preds, refs).update([], [])
    assert acc.count == 10
    acc.reset()
    assert acc.compute() == empty and acc.count == 0


def test_bad_input_and_mismatched_options():
    acc = RougeAccumulator(("rouge1",))
    with pytest.raises(TypeError):
        acc.update("a single string", ["x"])
    with pytest.raises(ValueError, match="differ in length"):
        acc.update(["a", "b"], ["a"])
    with pytest.raises(TypeError):
        acc.update(["ok", 3], ["a", "b"])
    assert acc.count == 0  # a failed batch leaves the state untouched
    with pytest.raises(ValueError, match="different options"):
        RougeAccumulator(("rouge1",)).merge(RougeAccumulator(("rouge1",), use_stemmer=True))
    with pytest.raises(ValueError, match="different options"):
        BleuAccumulator().merge(BleuAccumulator(tokenize="intl"))
    with pytest.raises(TypeError):
        BleuAccumulator().merge({"bleu": 1})
    with pytest.raises(ValueError, match="differ"):
        BleuAccumulator().load_state_dict(ChrfAccumulator().state_dict())
    with pytest.raises(ValueError, match="unknown metric"):
        Accumulators(("rouge1", "meteor"))
    with pytest.raises(ValueError, match="ROUGE types only"):
        RougeAccumulator(("rouge1", "bleu"))
    with pytest.raises(ValueError, match="not an accumulator state_dict"):
        BleuAccumulator().load_state_dict({"count": 1})
    sd = BleuAccumulator().state_dict()
    sd["states"] = [np.zeros(3, dtype=np.int64)]
    with pytest.raises(ValueError, match="shape"):
        BleuAccumulator().load_state_dict(sd)


def test_exact_sum_state_cannot_overflow_below_the_pair_limit():
    # Worst case per bin: every value lands in the same exponent bin with the largest mantissa half.
    max_hi = (1 << 27) - 1
    assert MAX_PAIRS * max_hi < np.iinfo(np.int64).max
    # and values just below 1.0 (the largest metric values) are such a worst case
    state = _exactsum.add_values(_exactsum.empty_state(), np.full(1000, np.nextafter(1.0, 0.0)))
    assert state.max() == 1000 * max_hi


def test_sync_is_a_no_op_outside_torch_distributed():
    preds, refs = corpus(10, 8)
    acc = Accumulators(("rouge1", "bleu")).update(preds, refs)
    before = acc.compute()
    assert acc.sync() is acc and acc.compute() == before
    acc.update(preds, refs)  # not synced, so more data is fine
