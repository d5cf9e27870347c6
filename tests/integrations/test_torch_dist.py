"""Two gloo processes on loopback: the synced accumulators equal one process bit for bit."""

from __future__ import annotations

import os
import pickle
import random
import socket

import pytest

torch = pytest.importorskip(
    "torch", reason="torch.distributed sync needs torch (lexmetrics[train])"
)
mp = pytest.importorskip("torch.multiprocessing")

from lexmetrics.accumulators import Accumulators, BleuAccumulator  # noqa: E402
from lexmetrics.integrations.hf import TextMetrics  # noqa: E402

METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "chrf++")
WORDS = "the cat sat on a mat . dog ran far away , quickly running runs 42 Über".split()


def corpus(n=45, seed=0):
    rng = random.Random(seed)
    preds = [" ".join(rng.choices(WORDS, k=rng.randint(0, 12))) for _ in range(n)]
    refs = [" ".join(rng.choices(WORDS, k=rng.randint(1, 12))) for _ in range(n)]
    return preds, refs


def free_port() -> int:
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
        preds, refs = corpus()
        # uneven shares: rank 0 gets the first 31 pairs in two batches, rank 1 the rest
        share = [(0, 10), (10, 31)] if rank == 0 else [(31, 45)]
        acc = Accumulators(METRICS, use_stemmer=True)
        for a, b in share:
            acc.update(preds[a:b], refs[a:b])
        res = {"local": acc.compute(), "synced": acc.sync().compute(), "count": acc.count}
        try:
            acc.update(preds[:1], refs[:1])
        except ValueError as exc:
            res["update_after_sync"] = str(exc)
        try:
            acc.sync()
        except ValueError as exc:
            res["double_sync"] = str(exc)
        acc.reset().update(preds[:3], refs[:3])
        res["after_reset"] = acc.sync().compute()  # both ranks add the same 3 pairs: 6 pairs
        # the TextMetrics used by the callback (ROUGE on sentence lines, BLEU on plain text)
        tm = TextMetrics(("rouge1", "rougeLsum", "bleu"))
        tm.update(
            [p for i, p in enumerate(preds) if i % 2 == rank],
            [r for i, r in enumerate(refs) if i % 2 == rank],
        )
        tm.sync()
        res["text_metrics"] = tm.compute()
        # mismatched options: a clear error on every rank, not a hang
        bad = BleuAccumulator(max_ngram_order=4 if rank == 0 else 3)
        try:
            bad.sync()
        except ValueError as exc:
            res["mismatch"] = str(exc)
        with open(os.path.join(out_dir, f"rank{rank}.pkl"), "wb") as f:
            pickle.dump(res, f)
    finally:
        dist.destroy_process_group()


def test_two_process_gloo_sync_equals_single_process(tmp_path):
    world = 2
    mp.spawn(_worker, args=(world, free_port(), str(tmp_path)), nprocs=world, join=True)
    results = [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(world)]
    preds, refs = corpus()
    single = Accumulators(METRICS, use_stemmer=True).update(preds, refs).compute()
    for res in results:
        assert res["synced"] == single  # == on floats: bit for bit
        assert res["count"] == 45
        assert "reset()" in res["update_after_sync"]
        assert "already synced" in res["double_sync"]
        assert "differ in size" in res["mismatch"]
        six = Accumulators(METRICS, use_stemmer=True).update(preds[:3] * 2, refs[:3] * 2).compute()
        assert res["after_reset"] == six
        tm = TextMetrics(("rouge1", "rougeLsum", "bleu"))
        tm.update(preds, refs)
        assert res["text_metrics"] == tm.compute()
    assert results[0]["local"] != results[1]["local"]  # the ranks really held different data
