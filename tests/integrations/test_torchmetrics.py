"""lexmetrics' torchmetrics metrics against torchmetrics, sacrebleu and rouge-score in the same process."""

from __future__ import annotations

import math
import os
import pickle
import random
import socket
import sys
from fractions import Fraction

import pytest
import sacrebleu  # noqa: E402
import torch
from lexmetrics.integrations import torchmetrics as lt  # noqa: E402
from rouge_score import rouge_scorer  # noqa: E402
from torchmetrics.functional.text.bleu import _bleu_score_compute  # noqa: E402
from torchmetrics.text import BLEUScore as TmBLEU  # noqa: E402
from torchmetrics.text import CHRFScore as TmCHRF  # noqa: E402
from torchmetrics.text import ROUGEScore as TmROUGE  # noqa: E402
from torchmetrics.text import SacreBLEUScore as TmSacre  # noqa: E402
from torchmetrics.text import TranslationEditRate as TmTER  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from _sacre_corpus import make_corpus, to_streams  # noqa: E402

torch.set_num_threads(1)
HYPS, REFS = make_corpus(400, seed=5, max_refs=3)
WORDS = "the cat sat on a mat . dog ran far away , quickly running runs 42 Über".split()


def plain(n=60, seed=0, refs_per=1):
    """ASCII-ish sentences where torchmetrics' and the reference packages' definitions coincide."""
    rng = random.Random(seed)
    preds = [" ".join(rng.choices(WORDS, k=rng.randint(3, 14))) for _ in range(n)]
    refs = [
        [" ".join(rng.choices(WORDS, k=rng.randint(3, 14))) for _ in range(refs_per)]
        for _ in range(n)
    ]
    return preds, refs


def batches(n, size=37):
    return [(a, min(a + size, n)) for a in range(0, n, size)]


def feed(metric, preds, refs):
    for a, b in batches(len(preds)):
        metric.update(preds[a:b], refs[a:b])
    return metric


# ---------------------------------------------------------------------------------------------
# BLEUScore
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_gram,smooth,weights",
    [
        (4, False, None),
        (4, True, None),
        (2, False, None),
        (4, False, [0.5, 0.25, 0.125, 0.125]),
        (1, True, None),
    ],
)
def test_bleu_states_equal_torchmetrics_and_compute_is_its_formula_in_float64(
    n_gram, smooth, weights
):
    ours = feed(lt.BLEUScore(n_gram=n_gram, smooth=smooth, weights=weights), HYPS, REFS)
    theirs = feed(TmBLEU(n_gram=n_gram, smooth=smooth, weights=weights), HYPS, REFS)
    for name in ("preds_len", "target_len", "numerator", "denominator"):
        assert torch.equal(getattr(ours, name), getattr(theirs, name).to(torch.int64)), name
    assert ours.numerator.dtype == torch.int64
    got = ours.compute()
    assert got.dtype == torch.float64
    # Dyadic weights are exact in float32, so torchmetrics' own code in float64 is the oracle.
    w = weights if weights is not None else [1.0 / n_gram] * n_gram
    if all(float(torch.tensor(x, dtype=torch.float32)) == x for x in w):
        f64 = [
            getattr(theirs, k).to(torch.float64)
            for k in ("preds_len", "target_len", "numerator", "denominator")
        ]
        assert got.item() == _bleu_score_compute(*f64, n_gram, w, smooth).item()
    assert abs(got.item() - theirs.compute().item()) < 1e-6


def test_bleu_first_closest_reference_on_ties():
    # hyp 4 tokens, refs of 5 and 3 tokens: torchmetrics takes the first (5), sacrebleu the shorter.
    preds, refs = ["a b c d"], [["a b c d e", "a b c"]]
    ours = lt.BLEUScore()
    ours.update(preds, refs)
    theirs = TmBLEU()
    theirs.update(preds, refs)
    assert int(ours.target_len) == int(theirs.target_len) == 5


def test_sacrebleu_equals_sacrebleu_over_100():
    streams = to_streams(REFS)
    for tok in ("13a", "none", "intl", "char", "zh"):
        for lc in (False, True):
            for smooth, method in ((False, "none"), (True, "add-k")):
                m = feed(lt.SacreBLEUScore(tokenize=tok, lowercase=lc, smooth=smooth), HYPS, REFS)
                ref = sacrebleu.corpus_bleu(
                    HYPS, streams, tokenize=tok, lowercase=lc, smooth_method=method
                )
                assert m.compute().item() == ref.score / 100, (tok, lc, smooth)


def test_sacrebleu_close_to_torchmetrics_where_definitions_agree():
    preds, refs = plain(80)
    for tok in ("13a", "none", "char"):
        ours = feed(lt.SacreBLEUScore(tokenize=tok), preds, refs)
        theirs = feed(TmSacre(tokenize=tok), preds, refs)
        assert torch.equal(ours.numerator, theirs.numerator.to(torch.int64))
        assert abs(ours.compute().item() - theirs.compute().item()) < 1e-6


# ---------------------------------------------------------------------------------------------
# CHRFScore
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"n_word_order": 0},
        {"beta": 1.0, "lowercase": True},
        {"whitespace": True, "n_char_order": 4},
    ],
)
def test_chrf_equals_sacrebleu_over_100(kw):
    ours = feed(lt.CHRFScore(return_sentence_level_score=True, **kw), HYPS, REFS)
    args = {
        "char_order": kw.get("n_char_order", 6),
        "word_order": kw.get("n_word_order", 2),
        "beta": kw.get("beta", 2.0),
        "lowercase": kw.get("lowercase", False),
        "whitespace": kw.get("whitespace", False),
    }
    corpus, sent = ours.compute()
    ref = sacrebleu.metrics.CHRF(**args)
    assert corpus.item() == ref.corpus_score(HYPS, to_streams(REFS)).score / 100
    assert sent.tolist() == [ref.sentence_score(h, r).score / 100 for h, r in zip(HYPS, REFS)]


def _tm_chrf_formula(stats, n_order, beta):
    """torchmetrics' chrF: the mean over orders of per-order F (sacrebleu 2: F of the mean P and R)."""
    total = 0.0
    for i in range(n_order):
        hyp, ref, match = (float(x) for x in stats[3 * i : 3 * i + 3])
        p = match / hyp if hyp > 0 else 0.0
        r = match / ref if ref > 0 else 0.0
        total += (1 + beta**2) * p * r / max(beta**2 * p + r, 1e-16)
    return total / n_order


def test_chrf_counts_are_torchmetrics_counts_where_references_are_long_enough():
    # sacrebleu drops an order's hypothesis count when the reference has no n-gram of that order
    # and averages P and R before the F; torchmetrics does neither. With long references only the
    # averaging differs, so torchmetrics' formula on our integer counts gives its number.
    preds, refs = plain(200)
    keep = [
        i for i, r in enumerate(refs) if len("".join(r[0].split())) >= 6 and len(r[0].split()) >= 2
    ]
    preds, refs = [preds[i] for i in keep], [refs[i] for i in keep]
    for wo in (0, 2):
        ours = feed(lt.CHRFScore(n_word_order=wo), preds, refs)
        theirs = feed(TmCHRF(n_word_order=wo), preds, refs).compute().item()
        assert abs(_tm_chrf_formula(ours.stats.tolist(), 6 + wo, 2.0) - theirs) < 1e-6


# ---------------------------------------------------------------------------------------------
# TranslationEditRate
# ---------------------------------------------------------------------------------------------

# 1-2 references per pair: average reference lengths are binary fractions, so sums are exact.
HYPS2, REFS2 = make_corpus(150, seed=9, max_refs=2, long_every=1000)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"lowercase": False},
        {"normalize": True, "asian_support": True},
        {"no_punctuation": True},
    ],
    ids=str,
)
def test_ter_equals_sacrebleu_over_100(kw):
    ours = feed(lt.TranslationEditRate(return_sentence_level_score=True, **kw), HYPS2, REFS2)
    ref = sacrebleu.metrics.TER(
        normalized=kw.get("normalize", False),
        no_punct=kw.get("no_punctuation", False),
        asian_support=kw.get("asian_support", False),
        case_sensitive=not kw.get("lowercase", True),
    )
    corpus, sent = ours.compute()
    assert corpus.item() == ref.corpus_score(HYPS2, to_streams(REFS2)).score / 100
    assert sent.tolist() == [ref.sentence_score(h, r).score / 100 for h, r in zip(HYPS2, REFS2)]
    assert ours.total_num_edits.dtype == torch.int64


def test_ter_against_torchmetrics_and_sacrebleu():
    preds, refs = plain(60, refs_per=2)
    ours = feed(lt.TranslationEditRate(), preds, refs)
    theirs = feed(TmTER(), preds, refs)
    sacre = sacrebleu.metrics.TER().corpus_score(preds, to_streams(refs))
    assert int(ours.total_num_edits) == sacre.num_edits == 470
    # torchmetrics' tercom port finds one edit fewer than sacrebleu's on one pair of this corpus
    # ('away running sat 42 ...': sacrebleu 11 edits, torchmetrics 10); the rest agree.
    assert int(theirs.total_num_edits) == 469
    assert abs(ours.compute().item() - theirs.compute().item()) < 1.5 / float(theirs.total_tgt_len)


# ---------------------------------------------------------------------------------------------
# ROUGEScore
# ---------------------------------------------------------------------------------------------

KEYS = ("rouge1", "rouge2", "rougeL")


def exact_mean(values):
    return float(sum(Fraction(v) for v in values) / len(values))


@pytest.mark.parametrize("use_stemmer", [False, True])
@pytest.mark.parametrize("accumulate", ["best", "avg"])
def test_rouge_equals_rouge_score_mean(use_stemmer, accumulate):
    ours = feed(
        lt.ROUGEScore(
            use_stemmer=use_stemmer, accumulate=accumulate, rouge_keys=KEYS + ("rouge4",)
        ),
        HYPS,
        REFS,
    )
    got = ours.compute()
    assert list(got) == [
        f"{k}_{t}" for k in KEYS + ("rouge4",) for t in ("fmeasure", "precision", "recall")
    ]
    scorer = rouge_scorer.RougeScorer(list(KEYS + ("rouge4",)), use_stemmer=use_stemmer)
    if accumulate == "best":
        per_pair = [scorer.score_multi(r, h) for h, r in zip(HYPS, REFS)]
    else:
        per_ref = [[scorer.score(x, h) for x in r] for h, r in zip(HYPS, REFS)]
    for key in KEYS + ("rouge4",):
        for kind in ("fmeasure", "precision", "recall"):
            if accumulate == "best":
                vals = [getattr(s[key], kind) for s in per_pair]
            else:  # the mean over a pair's references (math.fsum / k)
                vals = [math.fsum(getattr(s[key], kind) for s in ss) / len(ss) for ss in per_ref]
            assert got[f"{key}_{kind}"].item() == exact_mean(vals), (key, kind)
            assert got[f"{key}_{kind}"].dtype == torch.float64


@pytest.mark.parametrize("accumulate", ["best", "avg"])
def test_rouge_close_to_torchmetrics(accumulate):
    preds, refs = plain(80, refs_per=2)
    for kw in ({}, {"use_stemmer": True}, {"normalizer": str.lower, "tokenizer": str.split}):
        ours = feed(
            lt.ROUGEScore(rouge_keys=KEYS, accumulate=accumulate, **kw), preds, refs
        ).compute()
        theirs = feed(TmROUGE(rouge_keys=KEYS, accumulate=accumulate, **kw), preds, refs).compute()
        assert list(ours) == list(theirs)
        for k in ours:
            # "best" picks the reference by F: torchmetrics compares float32 Fs, so references whose
            # F differ only in float64 tie there and P/R may come from another reference.
            if accumulate == "avg" or k.endswith("fmeasure"):
                assert abs(ours[k].item() - theirs[k].item()) < 1e-6, (kw, k)


def test_rouge_input_forms_like_torchmetrics():
    for preds, target in (
        ("the cat sat", "the cat sat down"),
        (["the cat", "a dog"], ["the cat", "dog"]),
        (["a b"], [["a", "a b"]]),
    ):
        ours = lt.ROUGEScore(rouge_keys=("rouge1",))
        theirs = TmROUGE(rouge_keys=("rouge1",))
        ours.update(preds, target)
        theirs.update(preds, target)
        assert (
            abs(
                ours.compute()["rouge1_fmeasure"].item()
                - theirs.compute()["rouge1_fmeasure"].item()
            )
            < 1e-6
        )


# ---------------------------------------------------------------------------------------------
# Metric behaviour: forward, reset, batching, errors
# ---------------------------------------------------------------------------------------------

FACTORIES = {
    "bleu": lambda: lt.BLEUScore(),
    "sacrebleu": lambda: lt.SacreBLEUScore(),
    "chrf": lambda: lt.CHRFScore(),
    "rouge": lambda: lt.ROUGEScore(rouge_keys=KEYS),
    "ter": lambda: lt.TranslationEditRate(),
}


def _val(x):
    return {k: v.item() for k, v in x.items()} if isinstance(x, dict) else x.item()


@pytest.mark.parametrize("name", list(FACTORIES))
def test_forward_returns_batch_value_and_accumulates(name):
    make = FACTORIES[name]
    m = make()
    whole = make()
    whole.update(HYPS[:150], REFS[:150])
    for a, b in ((0, 50), (50, 150)):
        batch_val = m(HYPS[a:b], REFS[a:b])
        fresh = make()
        fresh.update(HYPS[a:b], REFS[a:b])
        assert _val(batch_val) == _val(fresh.compute())
    assert _val(m.compute()) == _val(whole.compute())  # batching does not change the number
    m.reset()
    m.update(HYPS[:10], REFS[:10])
    ten = make()
    ten.update(HYPS[:10], REFS[:10])
    assert _val(m.compute()) == _val(ten.compute())


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="different size"):
        lt.BLEUScore().update(["a", "b"], [["a"]])
    with pytest.raises(ValueError, match="weights"):
        lt.BLEUScore(n_gram=2, weights=[1.0])
    with pytest.raises(ValueError, match="tokenize"):
        lt.SacreBLEUScore(tokenize="moses")
    with pytest.raises(ValueError, match="rouge key"):
        lt.ROUGEScore(rouge_keys=("rougeX",))
    with pytest.raises(ValueError, match="accumulate"):
        lt.ROUGEScore(accumulate="max")


# ---------------------------------------------------------------------------------------------
# DDP: two gloo processes, compute() equals one process bit for bit
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        share = slice(0, 130) if rank == 0 else slice(130, 400)
        res = {}
        for name, make in FACTORIES.items():
            m = make()
            m.update(HYPS[share], REFS[share])
            res[name] = _val(m.compute())  # torchmetrics syncs the states across ranks here
        with open(os.path.join(out_dir, f"rank{rank}.pkl"), "wb") as f:
            pickle.dump(res, f)
    finally:
        dist.destroy_process_group()


def test_ddp_compute_equals_single_process(tmp_path):
    import torch.multiprocessing as mp

    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    for r in range(2):
        res = pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes())
        for name, make in FACTORIES.items():
            single = make()
            single.update(HYPS, REFS)
            assert res[name] == _val(single.compute()), name


# ---------------------------------------------------------------------------------------------
# Lightning: self.log(metric) in validation_step, computed at epoch end
# ---------------------------------------------------------------------------------------------


def test_lightning_self_log_metric_objects():
    import lightning

    class Module(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)
            self.bleu = lt.SacreBLEUScore()
            self.rouge = lt.ROUGEScore(rouge_keys=("rouge1",))

        def validation_step(self, batch, idx):
            a, b = int(batch[0][0]), int(batch[0][-1]) + 1
            self.bleu.update(HYPS[a:b], REFS[a:b])
            self.log("val_bleu", self.bleu, on_epoch=True, batch_size=b - a)
            self.rouge.update(HYPS[a:b], REFS[a:b])
            self.log_dict(self.rouge.compute(), batch_size=b - a)  # a dict of tensors logs too

    idx = torch.arange(len(HYPS)).unsqueeze(1)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(idx), batch_size=50)
    trainer = lightning.Trainer(
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    module = Module()
    out = trainer.validate(module, loader, verbose=False)[0]
    whole = lt.SacreBLEUScore()
    whole.update(HYPS, REFS)
    # Lightning calls compute() on the metric object over the whole epoch.
    assert out["val_bleu"] == whole.compute().item()
