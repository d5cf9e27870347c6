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


def _mismatch_worker(rank: int, world: int, port: int, out_dir: str) -> None:
    """Ranks whose state sizes agree but whose metrics or options do not; and nrefs across ranks."""
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        preds, refs = corpus()
        mine = slice(0, 20) if rank == 0 else slice(20, 45)
        res = {}
        cases = {
            "types": lambda: Accumulators(("rouge1",) if rank == 0 else ("rouge2",)),
            "tokenize": lambda: BleuAccumulator(tokenize="13a" if rank == 0 else "intl"),
            "stemmer": lambda: Accumulators(("rouge1", "bleu"), use_stemmer=rank == 1),
        }
        for name, make in cases.items():
            acc = make().update(preds[mine], refs[mine])
            try:
                acc.sync()
                res[name] = acc.compute()
            except ValueError as exc:
                res[name] = f"ValueError: {exc}"
        # rank 0 has two references per pair, rank 1 one: nrefs:var after the sum
        two = [[r, r.upper()] for r in refs]
        acc = Accumulators(("bleu", "chrf"))
        acc.update(preds[mine], two[mine] if rank == 0 else refs[mine])
        res["var"] = {k: v["signature"] for k, v in acc.sync().result().items()}
        acc = Accumulators(("bleu", "chrf"))
        if rank == 0:  # rank 1 has no data: nrefs comes from rank 0 alone
            acc.update(preds, two)
        res["two"] = {k: v["signature"] for k, v in acc.sync().result().items()}
        with open(os.path.join(out_dir, f"rank{rank}.pkl"), "wb") as f:
            pickle.dump(res, f)
    finally:
        dist.destroy_process_group()


def test_two_process_gloo_different_metrics_or_options_raise_on_every_rank(tmp_path):
    world = 2
    mp.spawn(_mismatch_worker, args=(world, free_port(), str(tmp_path)), nprocs=world, join=True)
    results = [pickle.loads((tmp_path / f"rank{r}.pkl").read_bytes()) for r in range(world)]
    for res in results:
        for name in ("types", "tokenize", "stemmer"):
            assert str(res[name]).startswith("ValueError: accumulators differ across ranks"), res[
                name
            ]
        assert all(sig.startswith("nrefs:var|") for sig in res["var"].values()), res["var"]
        assert all(sig.startswith("nrefs:2|") for sig in res["two"].values()), res["two"]
