"""Exact torch.distributed synchronisation of metric accumulators.

Every accumulator state is a flat int64 vector (integer n-gram statistics, exact float-sum bins and the
pair count), so one ``all_reduce(SUM)`` gives every rank exactly the state one process would have built
from all the data: the synced scores equal the single-process scores bit for bit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from .._dependencies import require
from .._errors import InputValueError

__all__ = ["sync", "is_distributed"]


def is_distributed(process_group: Any = None) -> bool:
    """True when torch.distributed is initialised with more than one rank in ``process_group``."""
    try:
        import torch.distributed as dist
    except ImportError:
        return False
    if not (dist.is_available() and dist.is_initialized()):
        return False
    return dist.get_world_size(process_group) > 1


def _device(dist: Any, torch: Any, process_group: Any) -> Any:
    # NCCL reduces only CUDA tensors; gloo (and mpi) reduce CPU tensors.
    backend = str(dist.get_backend(process_group)).lower()
    if "nccl" in backend and torch.cuda.is_available():
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def sync(accumulator: Any, process_group: Any = None) -> Any:
    """Sums ``accumulator``'s state over all ranks of ``process_group``, in place, and returns it.

    A collective: every rank of the group must call it, with accumulators of the same metrics and
    options (checked: a fingerprint of the metrics and options is compared first, and a difference
    raises ``ValueError`` on every rank instead of a wrong sum or a hang). A no-op outside
    torch.distributed or with one rank. Afterwards the accumulator holds the global state; ``update``
    then raises until ``reset()`` so that a second sync cannot count the same pairs twice.
    """
    if not is_distributed(process_group):
        return accumulator
    if getattr(accumulator, "_synced", False):
        raise InputValueError(
            "this accumulator was already synced; reset() it before syncing again"
        )
    torch = require("torch", "syncing metrics across processes")
    dist = torch.distributed
    device = _device(dist, torch, process_group)
    flat = accumulator._flat_state()
    fp = fingerprint(accumulator)
    lo, hi = getattr(accumulator, "_nrefs", (0, 0))
    # One MAX reduction checks that every rank has the same layout and the same metrics and
    # options (max of x and of -x both equal ours only if all ranks agree), and merges the fewest
    # and most references per pair (the signature's nrefs).
    mine = [flat.size, -flat.size, fp, -fp, hi, -(lo if hi else _NO_PAIRS)]
    head = torch.tensor(mine, dtype=torch.int64, device=device)
    dist.all_reduce(head, op=dist.ReduceOp.MAX, group=process_group)
    got = head.tolist()
    if got[:2] != mine[:2]:
        raise InputValueError(
            "accumulator states differ in size across ranks: every rank needs the same metrics and options"
        )
    if got[2:4] != mine[2:4]:
        raise InputValueError(
            "accumulators differ across ranks in their metrics or options: every rank needs the same "
            f"(this rank: {accumulator.config()})"
        )
    t = torch.from_numpy(flat).to(device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM, group=process_group)
    accumulator._set_flat_state(np.asarray(t.cpu().numpy(), dtype=np.int64))
    if hasattr(accumulator, "_nrefs"):
        accumulator._nrefs = (-got[5], got[4]) if got[4] else (0, 0)
    accumulator._synced = True
    return accumulator


_NO_PAIRS = 1 << 62  # the "fewest references" of a rank without data: never the minimum


def fingerprint(accumulator: Any) -> int:
    """A 62-bit hash of the accumulator's metrics and options (its ``config()``), equal on every
    rank exactly when the configs are equal (up to hash collisions)."""
    cfg = json.dumps(accumulator.config(), sort_keys=True, default=repr)
    return int.from_bytes(hashlib.sha256(cfg.encode()).digest()[:8], "little") >> 2
