"""Text columns read through the Arrow PyCapsule interface (rust/python/src/arrow.rs, texts.rs).

`_texts_debug(obj)` returns the rows exactly as the metric bindings see them; `_texts_total_bytes`
sums their UTF-8 lengths in Rust, detached from the interpreter; `_texts_source` says which path
(arrow or python) was taken.
"""

from __future__ import annotations

import ctypes
import gc
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lexmetrics import InputTypeError, InputValueError
from lexmetrics._native import _texts_debug, _texts_source, _texts_total_bytes

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
pd = pytest.importorskip("pandas")

STRING_TYPES = [pa.string(), pa.large_string(), pa.string_view()]
TYPE_IDS = ["utf8", "large_utf8", "utf8_view"]

# Inline (<= 12 bytes) and out-of-line view strings, multi-byte UTF-8, emoji, empty.
SAMPLES = [
    "",
    "a",
    "twelve bytes",  # exactly 12 bytes: the last inline view length
    "thirteen byte",  # 13 bytes: the first out-of-line view length
    "héllo wörld",
    "日本語のテキスト",
    "🙂🙃 emoji 👩‍👩‍👧",
    "a much longer sentence that certainly does not fit in a view",
    " leading and trailing ",
    "tab\tnewline\n",
]


def nbytes(rows):
    return sum(len(r.encode()) for r in rows)


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_string_types(typ):
    arr = pa.array(SAMPLES, type=typ)
    assert _texts_source(arr) == "arrow"
    assert _texts_debug(arr) == SAMPLES
    assert _texts_total_bytes(arr) == nbytes(SAMPLES)


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_sliced(typ):
    arr = pa.array(SAMPLES, type=typ)
    for start, stop in [(0, 0), (1, 4), (3, 10), (9, 10), (5, 5)]:
        assert _texts_debug(arr[start:stop]) == SAMPLES[start:stop]
        assert _texts_total_bytes(arr[start:stop]) == nbytes(SAMPLES[start:stop])


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_chunked(typ):
    chunks = [SAMPLES[:3], [], SAMPLES[3:], ["x"], []]
    ca = pa.chunked_array([pa.array(c, type=typ) for c in chunks], type=typ)
    flat = [s for c in chunks for s in c]
    assert _texts_source(ca) == "arrow"
    assert _texts_debug(ca) == flat
    assert _texts_total_bytes(ca) == nbytes(flat)
    # Chunks that are themselves slices of a bigger buffer.
    base = pa.array(SAMPLES, type=typ)
    ca = pa.chunked_array([base[1:4], base[6:], base[0:1]])
    assert _texts_debug(ca) == SAMPLES[1:4] + SAMPLES[6:] + SAMPLES[0:1]


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_empty(typ):
    assert _texts_debug(pa.array([], type=typ)) == []
    assert _texts_total_bytes(pa.array([], type=typ)) == 0
    assert _texts_debug(pa.chunked_array([], type=typ)) == []
    assert _texts_debug(pa.array(["", "", ""], type=typ)) == ["", "", ""]


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_null_is_an_error_naming_the_row(typ):
    rows = ["a"] * 17 + [None] + ["b"] * 3
    with pytest.raises(InputTypeError, match=r"^predictions\[17\] is null$"):
        _texts_debug(pa.array(rows, type=typ), what="predictions")
    # The index counts across chunks and ignores the slice offset.
    ca = pa.chunked_array([pa.array(["x"] * 5, type=typ), pa.array(rows, type=typ)[10:]])
    with pytest.raises(InputTypeError, match=r"^references\[12\] is null$"):
        _texts_debug(ca, what="references")
    # A slice that excludes the null is fine.
    assert _texts_debug(pa.array(rows, type=typ)[:17]) == ["a"] * 17
    assert _texts_debug(pa.array(rows, type=typ)[18:]) == ["b"] * 3
    # An all-null column of Arrow type null.
    with pytest.raises(InputTypeError, match=r"texts\[0\] is null"):
        _texts_debug(pa.array([None, None]))


@pytest.mark.parametrize("typ", STRING_TYPES, ids=TYPE_IDS)
def test_null_policy_empty(typ):
    rows = [None, "a", None, "héllo", None]
    arr = pa.array(rows, type=typ)
    want = [r or "" for r in rows]
    assert _texts_debug(arr, nulls="empty") == want
    assert _texts_debug(arr[1:4], nulls="empty") == want[1:4]
    assert _texts_total_bytes(arr, nulls="empty") == nbytes(want)
    assert _texts_debug(pa.array([None, None]), nulls="empty") == ["", ""]
    # The Python path follows the same policy.
    assert _texts_debug(rows, nulls="empty") == want
    with pytest.raises(InputValueError, match="nulls must be"):
        _texts_debug(arr, nulls="skip")


@pytest.mark.parametrize("value_type", [pa.string(), pa.large_string()])
@pytest.mark.parametrize("index_type", [pa.int8(), pa.uint16(), pa.int32(), pa.int64()])
def test_dictionary(index_type, value_type):
    rows = ["b", "a", "🙂", "b", "", "a"]
    arr = (
        pa.array(rows, type=value_type)
        .dictionary_encode()
        .cast(pa.dictionary(index_type, value_type))
    )
    assert _texts_debug(arr) == rows
    assert _texts_debug(arr[2:5]) == rows[2:5]
    assert _texts_total_bytes(arr) == nbytes(rows)


def test_dictionary_nulls():
    dictionary = pa.array(["x", None, "z"])
    arr = pa.DictionaryArray.from_arrays(pa.array([0, 2, None, 1], pa.int32()), dictionary)
    # Row 2 has a null index; row 3 points at a null dictionary value.
    with pytest.raises(InputTypeError, match=r"texts\[2\] is null"):
        _texts_debug(arr)
    with pytest.raises(InputTypeError, match=r"texts\[0\] is null"):
        _texts_debug(arr[3:])
    with pytest.raises(InputTypeError, match=r"texts\[2\] is null"):
        _texts_debug(pa.chunked_array([arr[:2], arr[3:]]))
    assert _texts_debug(arr, nulls="empty") == ["x", "z", "", ""]


def test_dictionary_index_out_of_range():
    arr = pa.DictionaryArray.from_arrays(pa.array([0, 5], pa.int32()), pa.array(["x"]), safe=False)
    with pytest.raises(
        InputValueError, match=r"malformed Arrow data: dictionary index out of range at row 1"
    ):
        _texts_debug(arr)


def test_not_a_string_column():
    with pytest.raises(InputTypeError, match="must be a string column.*integer"):
        _texts_debug(pa.array([1, 2, 3]), what="predictions")
    with pytest.raises(InputTypeError, match="binary"):
        _texts_debug(pa.array([b"a"]))
    with pytest.raises(InputTypeError, match="pass one column"):
        _texts_debug(pa.table({"a": ["x"]}))
    with pytest.raises(InputTypeError, match="pass one column"):
        _texts_debug(pl.DataFrame({"a": ["x"]}))
    with pytest.raises(InputTypeError, match="list"):
        _texts_debug(pa.array([["a"]]))


# ---- Invalid and malformed data built with pyarrow's unchecked `from_buffers` ----------------


def utf8_from_buffers(typ, offsets, data, validity=None):
    fmt = "<%di" if typ == pa.string() else "<%dq"
    buf = pa.py_buffer(struct.pack(fmt % len(offsets), *offsets))
    return pa.Array.from_buffers(typ, len(offsets) - 1, [validity, buf, pa.py_buffer(data)])


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string()], ids=TYPE_IDS[:2])
def test_invalid_utf8_offsets(typ):
    arr = utf8_from_buffers(typ, [0, 2, 4, 6], b"okab\xffz")
    with pytest.raises(InputValueError, match=r"^predictions\[2\] is not valid UTF-8$"):
        _texts_debug(arr, what="predictions")
    # Valid bytes overall, but a boundary splits "é" (c3 a9) between rows 0 and 1.
    arr = utf8_from_buffers(typ, [0, 2, 3], "aé".encode())
    with pytest.raises(InputValueError, match=r"texts\[0\] is not valid UTF-8"):
        _texts_debug(arr)
    # Junk under a null row is never read when nulls are allowed.
    validity = pa.py_buffer(bytes([0b011]))
    arr = utf8_from_buffers(typ, [0, 2, 4, 6], b"okab\xffz", validity)
    assert _texts_debug(arr, nulls="empty") == ["ok", "ab", ""]


class CtypesUtf8:
    """A minimal C Data Interface producer written with ctypes (no pyarrow validation in the way):
    one utf8 array per `__arrow_c_array__` call, counting how often each release callback runs."""

    class Schema(ctypes.Structure):
        pass

    class Array(ctypes.Structure):
        pass

    SchemaRelease = ctypes.CFUNCTYPE(None, ctypes.POINTER(Schema))
    ArrayRelease = ctypes.CFUNCTYPE(None, ctypes.POINTER(Array))
    Schema._fields_ = [
        ("format", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("metadata", ctypes.c_char_p),
        ("flags", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", SchemaRelease),
        ("private_data", ctypes.c_void_p),
    ]
    Array._fields_ = [
        ("length", ctypes.c_int64),
        ("null_count", ctypes.c_int64),
        ("offset", ctypes.c_int64),
        ("n_buffers", ctypes.c_int64),
        ("n_children", ctypes.c_int64),
        ("buffers", ctypes.POINTER(ctypes.c_void_p)),
        ("children", ctypes.c_void_p),
        ("dictionary", ctypes.c_void_p),
        ("release", ArrayRelease),
        ("private_data", ctypes.c_void_p),
    ]

    def __init__(self, offsets, data, *, offset=0, fmt=b"u"):
        self.released = {"schema": 0, "array": 0}
        self.offsets = (ctypes.c_int32 * len(offsets))(*offsets)
        self.data = ctypes.create_string_buffer(data, max(len(data), 1))
        self.buffers = (ctypes.c_void_p * 3)(
            None, ctypes.addressof(self.offsets), ctypes.addressof(self.data)
        )
        self.length = len(offsets) - 1 - offset
        self.offset = offset
        self.fmt = fmt
        self.keep = []  # structs handed out, kept alive as long as the producer

        def release_schema(p):
            self.released["schema"] += 1
            p.contents.release = self.SchemaRelease()

        def release_array(p):
            self.released["array"] += 1
            p.contents.release = self.ArrayRelease()

        self.release_schema = self.SchemaRelease(release_schema)
        self.release_array = self.ArrayRelease(release_array)

    def __arrow_c_array__(self, requested_schema=None):
        schema = self.Schema(format=self.fmt, release=self.release_schema)
        array = self.Array(
            length=self.length,
            null_count=0,
            offset=self.offset,
            n_buffers=3,
            buffers=self.buffers,
            release=self.release_array,
        )
        self.keep += [schema, array]
        return capsule(schema, b"arrow_schema"), capsule(array, b"arrow_array")


_capsule_new = ctypes.pythonapi.PyCapsule_New
_capsule_new.restype = ctypes.py_object
_capsule_new.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
_capsule_names = {
    name: ctypes.create_string_buffer(name) for name in (b"arrow_schema", b"arrow_array")
}


def capsule(struct_, name):
    return _capsule_new(ctypes.addressof(struct_), ctypes.addressof(_capsule_names[name]), None)


def test_ctypes_producer_and_release_once():
    producer = CtypesUtf8([0, 2, 2, 8], "abhéllo".encode())
    for k in range(1, 51):
        assert _texts_debug(producer) == ["ab", "", "héllo"]
        assert producer.released == {"schema": k, "array": k}
    sliced = CtypesUtf8([0, 2, 2, 8], "abhéllo".encode(), offset=1)
    assert _texts_debug(sliced) == ["", "héllo"]
    assert sliced.released == {"schema": 1, "array": 1}


def test_malformed_offsets_released_once():
    cases = [
        (CtypesUtf8([0, 3, 1, 4], b"abcd"), "offsets decrease at row 1"),
        (CtypesUtf8([-1, 3], b"abcd"), "negative first offset"),
        (CtypesUtf8([0, 2, 4], b"a\xffcd"), None),
    ]
    for producer, msg in cases:
        if msg is None:
            with pytest.raises(InputValueError, match=r"^texts\[0\] is not valid UTF-8$"):
                _texts_debug(producer)
        else:
            with pytest.raises(InputValueError, match=f"malformed Arrow data: {msg}"):
                _texts_debug(producer)
        assert producer.released == {"schema": 1, "array": 1}
    wrong_type = CtypesUtf8([0, 1], b"a", fmt=b"z")
    with pytest.raises(InputTypeError, match="binary"):
        _texts_debug(wrong_type)
    assert wrong_type.released == {"schema": 1, "array": 1}


def view_array(views, data):
    return pa.Array.from_buffers(
        pa.string_view(), len(views), [None, pa.py_buffer(b"".join(views)), pa.py_buffer(data)]
    )


def test_utf8_view_invalid_and_malformed():
    data = b"ok\xff" + b"abcdefghijklmnopq\xfe"
    inline = struct.pack("<i12s", 2, b"ok")
    bad_inline = struct.pack("<i12s", 3, b"o\xffk")
    outline_bad = struct.pack("<i4sii", 18, data[3:7], 0, 3)
    outline_ok = struct.pack("<i4sii", 17, data[3:7], 0, 3)
    assert _texts_debug(view_array([inline, outline_ok], data)) == ["ok", "abcdefghijklmnopq"]
    with pytest.raises(InputValueError, match=r"texts\[1\] is not valid UTF-8"):
        _texts_debug(view_array([inline, outline_bad], data))
    with pytest.raises(InputValueError, match=r"texts\[0\] is not valid UTF-8"):
        _texts_debug(view_array([bad_inline], data))
    past_end = struct.pack("<i4sii", 18, data[3:7], 0, 10)
    with pytest.raises(InputValueError, match="view at row 1 points outside its buffer"):
        _texts_debug(view_array([inline, past_end], data))
    bad_buffer = struct.pack("<i4sii", 13, data[3:7], 1, 0)
    with pytest.raises(InputValueError, match="view at row 0 points outside its buffer"):
        _texts_debug(view_array([bad_buffer], data))
    negative = struct.pack("<i12s", -1, b"")
    with pytest.raises(InputValueError, match="negative view length at row 0"):
        _texts_debug(view_array([negative], data))


# ---- polars -----------------------------------------------------------------------------------


def test_polars_series():
    s = pl.Series(SAMPLES)
    assert s.dtype == pl.String
    assert _texts_source(s) == "arrow"
    assert _texts_debug(s) == SAMPLES
    assert _texts_debug(s[2:7]) == SAMPLES[2:7]
    chunked = pl.concat([pl.Series(SAMPLES[:4]), pl.Series(SAMPLES[4:])], rechunk=False)
    assert chunked.n_chunks() == 2
    assert _texts_debug(chunked) == SAMPLES
    assert _texts_debug(pl.Series(SAMPLES).cast(pl.Categorical)) == SAMPLES
    assert _texts_debug(pl.Series([], dtype=pl.String)) == []


def test_polars_nulls():
    s = pl.Series(["a", "b", None, "d"])
    with pytest.raises(InputTypeError, match=r"^predictions\[2\] is null$"):
        _texts_debug(s, what="predictions")
    assert _texts_debug(s, nulls="empty") == ["a", "b", "", "d"]


def test_polars_not_string():
    with pytest.raises(InputTypeError, match="integer"):
        _texts_debug(pl.Series([1, 2]))


# ---- pandas -----------------------------------------------------------------------------------


def test_pandas_object_dtype_takes_python_path():
    s = pd.Series(SAMPLES, dtype=object)
    assert _texts_source(s) == "python"
    assert _texts_debug(s) == SAMPLES
    with pytest.raises(InputTypeError, match=r"texts\[1\] must be str"):
        _texts_debug(pd.Series(["a", 3], dtype=object))


def test_pandas_python_string_dtype_takes_python_path():
    s = pd.Series(SAMPLES, dtype="string[python]")
    assert _texts_source(s) == "python"
    assert _texts_debug(s) == SAMPLES


@pytest.mark.parametrize(
    "dtype",
    ["string[pyarrow]", pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.large_string())],
    ids=["string[pyarrow]", "ArrowDtype(string)", "ArrowDtype(large_string)"],
)
def test_pandas_arrow_backed(dtype):
    s = pd.Series(SAMPLES, dtype=dtype, index=range(100, 100 + len(SAMPLES)))
    assert _texts_source(s) == "arrow"
    assert _texts_debug(s) == SAMPLES
    assert _texts_debug(s.iloc[3:8]) == SAMPLES[3:8]
    with_null = pd.Series(["a", None, "c"], dtype=dtype)
    with pytest.raises(InputTypeError, match=r"predictions\[1\] is null"):
        _texts_debug(with_null, what="predictions")
    assert _texts_debug(with_null, nulls="empty") == ["a", "", "c"]


def test_pandas_dataframe_is_refused():
    with pytest.raises(InputTypeError, match="pass one column"):
        _texts_debug(pd.DataFrame({"a": ["x"], "b": ["y"]}))


def test_pandas_default_string_dtype():
    # pandas >= 3 infers a pyarrow-backed "str" dtype; older pandas infers object. Both work.
    s = pd.Series(SAMPLES)
    assert _texts_debug(s) == SAMPLES


# ---- Python fallback ----------------------------------------------------------------------------


def test_python_sequences():
    assert _texts_source(SAMPLES) == "python"
    assert _texts_debug(SAMPLES) == SAMPLES
    assert _texts_debug(tuple(SAMPLES)) == SAMPLES
    assert _texts_debug(np.array(SAMPLES)) == SAMPLES
    with pytest.raises(InputTypeError, match=r"texts\[1\] must be str"):
        _texts_debug(["a", None])
    with pytest.raises(InputTypeError, match="not a single str"):
        _texts_debug("abc")


# ---- Other producers of the protocol --------------------------------------------------------


class ArrayOnly:
    """A third-party producer that only speaks `__arrow_c_array__`."""

    def __init__(self, arr):
        self.arr = arr

    def __arrow_c_array__(self, requested_schema=None):
        return self.arr.__arrow_c_array__(requested_schema)


class StreamOnly:
    """A third-party producer that only speaks `__arrow_c_stream__`."""

    def __init__(self, obj):
        self.obj = obj

    def __arrow_c_stream__(self, requested_schema=None):
        return self.obj.__arrow_c_stream__(requested_schema)


class SameCapsule:
    """Hands out one capsule twice: the second consumer must see it already moved out."""

    def __init__(self, ca):
        self.capsule = ca.__arrow_c_stream__()

    def __arrow_c_stream__(self, requested_schema=None):
        return self.capsule


def test_third_party_producers():
    arr = pa.array(SAMPLES, type=pa.string_view())
    assert _texts_debug(ArrayOnly(arr)) == SAMPLES
    assert _texts_debug(ArrayOnly(arr[2:5])) == SAMPLES[2:5]
    assert _texts_debug(StreamOnly(pl.Series(SAMPLES))) == SAMPLES
    assert _texts_debug(StreamOnly(pa.chunked_array([arr, arr]))) == SAMPLES * 2


def test_capsule_is_moved_out_once():
    producer = SameCapsule(pa.chunked_array([SAMPLES]))
    assert _texts_debug(producer) == SAMPLES
    with pytest.raises(ValueError, match="already consumed"):
        _texts_debug(producer)


def test_bad_capsule_protocol():
    class NotACapsule:
        def __arrow_c_stream__(self, requested_schema=None):
            return 42

    with pytest.raises(InputTypeError, match="did not return a PyCapsule"):
        _texts_debug(NotACapsule())


# ---- Ownership: release callbacks run once, nothing leaks --------------------------------------


def allocated():
    gc.collect()
    return pa.total_allocated_bytes()


def test_pyarrow_buffers_released():
    base = allocated()
    for i in range(200):
        arr = pa.array([f"row {i} {k}" * 3 for k in range(50)], type=STRING_TYPES[i % 3])
        ca = pa.chunked_array([arr, arr[10:]])
        assert _texts_total_bytes(ca) > 0
        assert _texts_total_bytes(arr[5:]) > 0
        with pytest.raises(InputTypeError):
            _texts_debug(pa.chunked_array([arr, pa.array([None], type=arr.type)]))
        del arr, ca
    assert allocated() == base


def test_polars_export_released():
    # polars adopts pyarrow's buffers without copying, so pyarrow's pool tells when polars frees them.
    base = allocated()
    arr = pa.array(["polars owns these bytes " * 4] * 2_000, type=pa.string_view())
    s = pl.from_arrow(arr)
    del arr
    held = allocated()
    assert held > base
    for _ in range(300):
        assert _texts_total_bytes(s) == 96 * 2_000
        assert _texts_debug(s[1990:]) == ["polars owns these bytes " * 4] * 10
    with_null = pl.concat([s, pl.Series([None], dtype=pl.String)], rechunk=False)
    for _ in range(50):
        with pytest.raises(InputTypeError, match=r"texts\[2000\] is null"):
            _texts_debug(with_null)
    del s, with_null
    # Every export was released, so dropping the Series frees the buffers.
    assert allocated() == base


# ---- A large column: no per-row Python objects ---------------------------------------------------


def test_large_column_without_python_objects():
    n = 1_000_000
    rows = pa.array([f"row {i} é" for i in range(0, n, 1000)]).take(pa.array(np.arange(n) // 1000))
    want = sum(len(s.encode()) for s in rows.to_pylist())
    for col in (
        rows,
        rows.cast(pa.large_string()),
        rows.cast(pa.string_view()),
        pl.from_arrow(rows),
    ):
        tracemalloc.start()
        got = _texts_total_bytes(col)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert got == want
        # One str per row would be >= 50 MB of Python allocations; the Arrow path makes none.
        assert peak < 1_000_000


# ---- Property: any chunking, slicing, type and null pattern reads back the same rows ------------

texts = st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30)


@given(
    chunks=st.lists(texts, max_size=4),
    typ=st.sampled_from(STRING_TYPES),
    cut=st.tuples(st.integers(0, 5), st.integers(0, 5)),
)
def test_roundtrip_property(chunks, typ, cut):
    arrays = []
    for c in chunks:
        a = pa.array(c, type=typ)
        lo, hi = min(cut[0], len(c)), max(len(c) - cut[1], min(cut[0], len(c)))
        arrays.append(a.slice(lo, hi - lo))
    ca = pa.chunked_array(arrays, type=typ)
    flat = ca.to_pylist()
    assert _texts_debug(ca, nulls="empty") == [s or "" for s in flat]
    if None in flat:
        with pytest.raises(InputTypeError, match=rf"texts\[{flat.index(None)}\] is null"):
            _texts_debug(ca)
    else:
        assert _texts_debug(ca) == flat
        assert _texts_total_bytes(ca) == nbytes(flat)
