"""Reference columns handed to the native layer.

The native layer reads Arrow *string* columns zero-copy (one reference per row). An Arrow *list*
column (several references per row: pyarrow ``list<string>``, a polars ``List(String)`` Series,
a pandas ``ArrowDtype(list)`` Series) is turned into Python lists of ``str`` here, so it is
scored exactly like the same data given as Python lists. Everything else passes unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_LIST_CHECKS = (
    "is_list",
    "is_large_list",
    "is_list_view",
    "is_large_list_view",
    "is_fixed_size_list",
)


def is_list_type(t: Any) -> bool:
    """Whether the Arrow type ``t`` is a list type (list, large, view, fixed-size)."""
    import pyarrow as pa

    return any(getattr(pa.types, c, lambda _t: False)(t) for c in _LIST_CHECKS)


def is_text_type(t: Any) -> bool:
    """Whether the Arrow type ``t`` holds strings (string, large, view, dictionary of those)."""
    import pyarrow as pa

    return (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or getattr(pa.types, "is_string_view", lambda _t: False)(t)
        or (pa.types.is_dictionary(t) and is_text_type(t.value_type))
    )


def ref_counts(references: Any) -> np.ndarray:
    """References of each row: 1 for a str, the list's length for a list (Python or Arrow)."""
    if isinstance(references, list):
        return np.fromiter(
            (1 if isinstance(r, str) else len(r) for r in references),
            dtype=np.int64,
            count=len(references),
        )
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(references, pa.ChunkedArray):
        references = references.combine_chunks()
    if is_list_type(references.type):
        return np.asarray(
            pc.list_value_length(references).to_numpy(zero_copy_only=False), dtype=np.int64
        )
    return np.ones(len(references), dtype=np.int64)


def references_arg(x: Any) -> Any:
    """``x``, or its rows as lists of ``str`` if it is an Arrow list column."""
    if isinstance(x, (str, bytes, list, tuple)) or not (
        hasattr(x, "__arrow_c_stream__") or hasattr(x, "__arrow_c_array__")
    ):
        return x
    try:
        import pyarrow as pa
    except ImportError:  # the native layer reads it (or says why not)
        return x
    if type(x).__module__.startswith("pandas"):
        # Only an Arrow-backed pandas column can hold lists without being an object column (which
        # the native layer reads as Python items, and which a conversion here would pay for).
        t = getattr(getattr(x, "dtype", None), "pyarrow_dtype", None)
    else:
        try:  # pyarrow arrays as they are; others (polars, ...) through the C interface, zero-copy
            x = x if isinstance(x, (pa.Array, pa.ChunkedArray)) else pa.chunked_array(x)
        except (TypeError, ValueError, pa.ArrowException):
            return x
        t = x.type
    if t is None or not is_list_type(t):
        return x
    return pa.array(x).to_pylist() if type(x).__module__.startswith("pandas") else x.to_pylist()
