"""Exact torch.distributed synchronisation of metric accumulators.

Every accumulator state is a flat int64 vector (integer n-gram statistics, exact float-sum bins and the
pair count), so one ``all_reduce(SUM)`` gives every rank exactly the state one process would have built
from all the data: the synced scores equal the single-process scores bit for bit.
"""

from __future__ import annotations

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
    options (checked: mismatched state sizes raise on every rank instead of hanging). A no-op outside
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
    # Same layout on every rank? (max of size and of -size must both equal ours)
    shape = torch.tensor([flat.size, -flat.size], dtype=torch.int64, device=device)
    dist.all_reduce(shape, op=dist.ReduceOp.MAX, group=process_group)
    if shape.tolist() != [flat.size, -flat.size]:
        raise InputValueError(
            "accumulator states differ in size across ranks: every rank needs the same metrics and options"
        )
    t = torch.from_numpy(flat).to(device)
    dist.all_reduce(t, op=dist.ReduceOp.SUM, group=process_group)
    accumulator._set_flat_state(np.asarray(t.cpu().numpy(), dtype=np.int64))
    accumulator._synced = True
    return accumulator
