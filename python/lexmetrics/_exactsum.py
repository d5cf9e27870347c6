"""Exact, order-independent sums of float64 values, as a fixed-size integer state.

A mean computed this way is the correctly rounded mean of the values: it does not depend on the
order of the values, the chunk size, the number of threads, processes or machines. The state is a
fixed-size int64 array, so partial states merge by plain integer addition (``np.add``, or a
``torch.distributed.all_reduce`` sum) with no loss.

Every finite double ``v`` is ``m * 2**(e - 53)`` with an integer mantissa ``0 <= m < 2**53`` and
``e = frexp(v)[1]``. The state holds, per exponent, the sum of the high and low 26/27-bit halves of
the mantissas in two int64 slots (no overflow before 2**36 values); the exact total is then a
Python integer.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

_EMIN = -1073  # frexp exponent of the smallest subnormal
_EMAX = 1024
_NBINS = _EMAX - _EMIN + 1
_LO_BITS = 26
STATE_SIZE = 2 * _NBINS  # per exponent: sum of mantissa high halves, then of low halves


def empty_state() -> np.ndarray:
    """A zero state (int64, fixed size)."""
    return np.zeros(STATE_SIZE, dtype=np.int64)


def add_values(state: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Adds finite float64 ``values`` (any sign) to ``state`` in place and returns it."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return state
    if not np.isfinite(v).all():
        raise ValueError("exact sums need finite values")
    if (v < 0).any():
        # The metrics only produce values in [0, 1]; one-signed sums keep the state simple.
        raise ValueError("exact sums need non-negative values")
    m, e = np.frexp(v)
    nz = m != 0
    if not nz.all():
        m, e = m[nz], e[nz]
    mi = np.ldexp(m, 53).astype(np.int64)  # exact: m has 53 significant bits
    hi = mi >> _LO_BITS
    lo = mi & ((1 << _LO_BITS) - 1)
    idx = (e - _EMIN).astype(np.int64)
    # np.add.at on int64 is exact (bincount with weights would go through float64).
    np.add.at(state, idx, hi)
    np.add.at(state, _NBINS + idx, lo)
    return state


def state_total(state: np.ndarray) -> Fraction:
    """The exact sum held by ``state``."""
    s = np.asarray(state, dtype=np.int64)
    bins = np.nonzero(s[: 2 * _NBINS])[0]
    # Scale everything by 2**(53 - _EMIN) so each term is an integer.
    scaled = 0
    for b in bins.tolist():
        if b < _NBINS:
            e = b + _EMIN
            scaled += (int(s[b]) << _LO_BITS) << (e - _EMIN)
        else:
            e = b - _NBINS + _EMIN
            scaled += int(s[b]) << (e - _EMIN)
    return Fraction(scaled, 1 << (53 - _EMIN))


def state_mean(state: np.ndarray, n: int) -> float:
    """The correctly rounded mean of the values added to ``state`` (``n`` of them); 0.0 if n == 0."""
    if n == 0:
        return 0.0
    return float(state_total(state) / n)


def exact_mean(values: np.ndarray) -> float:
    """Correctly rounded mean of finite non-negative float64 values (order independent)."""
    v = np.asarray(values, dtype=np.float64)
    return state_mean(add_values(empty_state(), v), v.size)
