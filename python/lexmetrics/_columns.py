"""Reference columns handed to the native layer.

The native layer reads Arrow *string* columns zero-copy (one reference per row). An Arrow *list*
column (several references per row: pyarrow ``list<string>``, a polars ``List(String)`` Series,
a pandas ``ArrowDtype(list)`` Series) is turned into Python lists of ``str`` here, so it is
scored exactly like the same data given as Python lists. Everything else passes unchanged.
"""

from __future__ import annotations

from typing import Any


def _exports_arrow(x: Any) -> bool:
    if isinstance(x, (str, bytes, list, tuple)):
        return False
    return hasattr(x, "__arrow_c_stream__") or hasattr(x, "__arrow_c_array__")


def references_arg(x: Any) -> Any:
    """``x``, or its rows as lists of ``str`` if it is an Arrow list column."""
    if not _exports_arrow(x):
        return x
    try:
        import pyarrow as pa
    except ImportError:  # the native layer reads it (or says why not)
        return x
    t = getattr(x, "type", None)  # pyarrow Array / ChunkedArray
    if not isinstance(t, pa.DataType):
        dtype = getattr(x, "dtype", None)
        if type(x).__module__.startswith("pandas"):
            # Only Arrow-backed pandas columns can hold lists without being object columns
            # (which would pay a full conversion here).
            t = getattr(dtype, "pyarrow_dtype", None)
            if t is None:
                return x
        elif dtype is not None and "list" not in str(dtype).lower():
            return x  # e.g. a polars String Series: no conversion needed to know
        else:
            try:
                col = pa.chunked_array(x) if hasattr(x, "__arrow_c_stream__") else pa.array(x)
            except (TypeError, ValueError, pa.ArrowException):
                return x
            t = col.type
            x = col
    checks = ("is_list", "is_large_list", "is_list_view", "is_large_list_view", "is_fixed_size_list")
    if any(getattr(pa.types, c, lambda _t: False)(t) for c in checks):
        return x.to_pylist() if hasattr(x, "to_pylist") else pa.array(x).to_pylist()
    return x
