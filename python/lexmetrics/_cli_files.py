"""Streaming readers and atomic writers for the batch scoring job.

Readers yield chunks of rows; every error names the file and the line (or row) at fault.
Writers write to a temporary file beside the target and rename it only on success.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import math
import os
import queue
import re
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from . import _native
from ._columns import is_list_type, is_text_type, ref_counts
from ._errors import InputValueError


class InputFileError(InputValueError):
    """A malformed input file: the message names the file and the line or row."""


TABLE_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")
# --input-format's names: the table formats and ``txt`` (one segment per line)
INPUT_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt")
STDIN_NAME = "<stdin>"


def _name(path: str) -> str:
    """``path`` as error messages name it (``-`` is stdin)."""
    return STDIN_NAME if path == "-" else path


def detect_format(path: str) -> str:
    """``text`` or one of TABLE_FORMATS, from the extension (``.gz`` is looked through).

    ``.json`` is ``json``: a JSON array of objects or one object per line (told apart by the first
    character); ``.jsonl`` / ``.ndjson`` are one object per line.
    """
    name = path[:-3] if path.endswith(".gz") else path
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext in ("jsonl", "ndjson"):
        return "jsonl"
    if ext in ("json", "csv", "tsv", "parquet"):
        return ext
    return "text"


def input_format(option: str | None) -> str | None:
    """``--input-format`` as a reader format (``txt`` is ``text``)."""
    if option is None:
        return None
    return "text" if option == "txt" else option


def _first_bytes(path: str, n: int = 64) -> bytes:
    """The first bytes of ``path`` without consuming them (stdin is peeked, not read)."""
    if path == "-":
        stdin = sys.stdin.buffer
        peek = getattr(stdin, "peek", None)
        return peek(n)[:n] if peek is not None else b""
    try:
        with _open_binary(path) as f:
            return f.read(n)
    except (OSError, EOFError):
        return b""  # the reader reports it, naming the file


def sniff_empty(path: str) -> bool:
    """Whether ``path`` (``-``: stdin) holds no bytes at all."""
    return _first_bytes(path, 1) == b""


def sniff_table_format(path: str) -> str | None:
    """``jsonl`` / ``json`` / ``parquet`` from the first bytes of a file without a telling name
    (stdin), or None when the bytes do not say (csv and tsv need ``--input-format``)."""
    head = _first_bytes(path)
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return None


def _open_binary(path: str) -> IO[bytes]:
    """Opens ``path`` (``-`` = stdin, ``.gz`` = gzip) for reading bytes."""
    if path == "-":
        return sys.stdin.buffer
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")  # noqa: SIM115


_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


def _raw_lines(path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line with its end-of-line) for each line, decoded as strict UTF-8.

    Lines are decoded one by one (not through a read-ahead text buffer) so that an invalid byte is
    reported at its own line.
    """
    try:
        f = _open_binary(path)
    except OSError as exc:
        raise InputFileError(f"{_name(path)}: cannot open: {exc.strerror or exc}") from None
    try:
        for lineno, raw in enumerate(f, 1):
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if lineno == 1 and raw.startswith(_UTF16_32_BOMS):
                    raise InputFileError(
                        f"{_name(path)}:1: starts with a UTF-16/UTF-32 byte order mark: "
                        "inputs must be UTF-8 (convert with iconv -t UTF-8)"
                    ) from None
                raise InputFileError(
                    f"{_name(path)}:{lineno}: invalid UTF-8 ({exc.reason})"
                ) from None
    except (OSError, EOFError) as exc:
        raise InputFileError(f"{_name(path)}: cannot read: {exc}") from None
    finally:
        if path != "-":
            f.close()


@dataclass
class Chunk:
    """One chunk of aligned rows: predictions per system, references per row, ids and group keys."""

    start: int  # 0-based index of the first row
    systems: list  # systems[s]: a list of str, or an Arrow string array
    references: Any  # list of (str | list of str), or an Arrow string / list<string> array
    ids: dict[str, Any] = field(default_factory=dict)  # lists or Arrow arrays
    groups: Any = None  # list or Arrow array of group keys

    def __len__(self) -> int:
        return len(self.references)

    def ref_counts(self) -> np.ndarray:
        """The number of references of each row."""
        return ref_counts(self.references)


def _lines(path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end-of-line) for each line of a text file."""
    for lineno, line in _raw_lines(path):
        if line.endswith("\r\n"):
            line = line[:-2]
        elif line.endswith("\n"):
            line = line[:-1]
        yield lineno, line


def read_text_files(
    hyp_paths: Sequence[str], ref_paths: Sequence[str], chunk_size: int
) -> Iterator[Chunk]:
    """Line-aligned hypothesis and reference files, in chunks. Different line counts are an error."""
    if not ref_paths:
        raise InputValueError("text inputs need at least one reference file (-r)")
    paths = list(hyp_paths) + list(ref_paths)
    if paths.count("-") > 1:
        raise InputValueError("only one input can be read from stdin ('-')")
    its = [_lines(p) for p in paths]
    ns = len(hyp_paths)
    start = 0
    done = False
    while not done:
        systems: list[list[str]] = [[] for _ in range(ns)]
        refs: list[str | list[str]] = []
        for _ in range(chunk_size):
            row = []
            ended = []
            for p, it in zip(paths, its):
                nxt = next(it, None)
                if nxt is None:
                    ended.append(p)
                else:
                    row.append(nxt[1])
            if ended:
                if len(ended) != len(paths):
                    live = [p for p in paths if p not in ended]
                    raise InputFileError(
                        f"{_name(ended[0])} has {start + len(refs)} lines but {_name(live[0])} has more: "
                        "inputs must be line-aligned"
                    )
                done = True
                break
            for s in range(ns):
                systems[s].append(row[s])
            r = row[ns:]
            refs.append(r[0] if len(r) == 1 else r)
        if refs:
            yield Chunk(start, systems, refs)
            start += len(refs)


@dataclass
class TableSpec:
    pred_cols: list[str]
    ref_cols: list[str]
    id_cols: list[str]
    by: str | None


def _cell_texts(path: str, where: str, col: str, value: object) -> str | list[str]:
    if value is None:
        raise InputFileError(f"{_name(path)}:{where}: column {col!r} is null")
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        if not value:
            raise InputFileError(f"{_name(path)}:{where}: column {col!r} has no references")
        for v in value:
            if not isinstance(v, str):
                raise InputFileError(
                    f"{_name(path)}:{where}: column {col!r} must hold strings, got {type(v).__name__}"
                )
        return list(value)
    raise InputFileError(
        f"{_name(path)}:{where}: column {col!r} must be a string, got {type(value).__name__}"
    )


def _writable(path: str, where: str, col: str, value: Any) -> Any:
    """``value`` of an id / group column, refused (naming the line) if it holds a lone surrogate
    (a JSON escape like \\ud83d), which no UTF-8 output can carry."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputFileError(
                f"{_name(path)}:{where}: column {col!r} holds a lone surrogate ({value[exc.start]!r}), "
                "which cannot be written as UTF-8"
            ) from None
    return value


def _rows_to_chunk(path: str, rows: list[tuple[str, dict]], spec: TableSpec, start: int) -> Chunk:
    systems: list[list[str]] = [[] for _ in spec.pred_cols]
    refs: list[str | list[str]] = []
    ids: dict[str, list] = {c: [] for c in spec.id_cols}
    groups: list | None = [] if spec.by else None
    for where, rec in rows:
        for s, c in enumerate(spec.pred_cols):
            if c not in rec:
                raise InputFileError(f"{_name(path)}:{where}: missing column {c!r}")
            v = _cell_texts(path, where, c, rec[c])
            if not isinstance(v, str):
                raise InputFileError(
                    f"{_name(path)}:{where}: prediction column {c!r} must be a string"
                )
            systems[s].append(v)
        rs: list[str] = []
        for c in spec.ref_cols:
            if c not in rec:
                raise InputFileError(f"{_name(path)}:{where}: missing column {c!r}")
            v = _cell_texts(path, where, c, rec[c])
            rs.extend([v] if isinstance(v, str) else v)
        refs.append(rs[0] if len(rs) == 1 else rs)
        for c in spec.id_cols:
            if c not in rec:
                raise InputFileError(f"{_name(path)}:{where}: missing column {c!r}")
            ids[c].append(_writable(path, where, c, rec[c]))
        if groups is not None:
            assert spec.by is not None
            if spec.by not in rec:
                raise InputFileError(f"{_name(path)}:{where}: missing column {spec.by!r}")
            groups.append(_writable(path, where, spec.by, rec[spec.by]))
    return Chunk(start, systems, refs, ids, groups)


def _without_bom(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Drops a UTF-8 byte order mark at the start of the file (as pyarrow's readers and Python's
    utf-8-sig do), so both table readers give the same answer."""
    for lineno, line in lines:
        yield lineno, (line[1:] if lineno == 1 and line.startswith("\ufeff") else line)


def _jsonl_records(path: str) -> Iterator[tuple[str, dict]]:
    for lineno, line in _without_bom(_lines(path)):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{_name(path)}:{lineno}: malformed JSON ({exc.msg})") from None
        if not isinstance(rec, dict):
            raise InputFileError(f"{_name(path)}:{lineno}: expected a JSON object")
        yield f"{lineno}", rec


def _json_array_records(path: str) -> Iterator[tuple[str, dict]]:
    """The objects of a file holding one JSON array of objects, each with the line it starts on.

    The whole file is parsed (a JSON array cannot be streamed line by line); element by element,
    so that an error names the element's line.
    """
    try:
        f = _open_binary(path)
        try:
            data = f.read()
        finally:
            if path != "-":
                f.close()
    except (OSError, EOFError) as exc:
        raise InputFileError(
            f"{_name(path)}: cannot read: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    if data.startswith(_UTF16_32_BOMS):
        raise InputFileError(
            f"{_name(path)}:1: starts with a UTF-16/UTF-32 byte order mark: "
            "inputs must be UTF-8 (convert with iconv -t UTF-8)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputFileError(f"{_name(path)}:{line}: invalid UTF-8 ({exc.reason})") from None
    text = text.removeprefix("\ufeff")
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    line = 1
    at = 0

    def skip(pos: int) -> int:
        nonlocal line, at
        end = ws.match(text, pos).end()  # type: ignore[union-attr]
        line += text.count("\n", at, end)
        at = end
        return end

    def expected(pos: int, what: str) -> InputFileError:
        line_at = line + text.count("\n", at, pos)
        got = repr(text[pos]) if pos < len(text) else "the end of the file"
        return InputFileError(f"{_name(path)}:{line_at}: expected {what}, got {got}")

    pos = skip(0)
    if not text.startswith("[", pos):
        raise expected(pos, "a JSON array of objects ('[') or one JSON object per line")
    pos = skip(pos + 1)
    if text.startswith("]", pos):
        return
    index = 0
    while True:
        start_line = line
        try:
            rec, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                f"{_name(path)}:{exc.lineno}: malformed JSON ({exc.msg})"
            ) from None
        if not isinstance(rec, dict):
            raise InputFileError(
                f"{_name(path)}:{start_line}: element {index} of the array is {_json_kind(rec)}: "
                "expected a JSON array of objects (one object per row, e.g. "
                '[{"prediction": "...", "reference": "..."}])'
            )
        line += text.count("\n", pos, end)
        at = end
        yield f"{start_line}", rec
        index += 1
        pos = skip(end)
        if text.startswith(",", pos):
            pos = skip(pos + 1)
            continue
        if text.startswith("]", pos):
            pos = skip(pos + 1)
            if pos != len(text):
                raise expected(pos, "the end of the file after the array")
            return
        raise expected(pos, "',' or ']' in the array")


def _json_kind(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    return "an array"


def _json_records(path: str) -> Iterator[tuple[str, dict]]:
    """A ``.json`` file: a JSON array of objects, or one object per line (as ``jsonl``)."""
    if sniff_table_format(path) == "jsonl" or not _first_bytes(path).strip():
        return _jsonl_records(path)
    return _json_array_records(path)  # or says what a .json file must hold


def _csv_records(path: str, delimiter: str) -> Iterator[tuple[str, dict]]:
    reader = csv.reader(
        (line for _, line in _without_bom(_raw_lines(path))), delimiter=delimiter, strict=True
    )
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{_name(path)}: empty file (no header row)") from None
    except csv.Error as exc:
        raise InputFileError(f"{_name(path)}:1: malformed header ({exc})") from None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputFileError(
                f"{_name(path)}:{reader.line_num}: malformed row ({exc})"
            ) from None
        if not row:
            continue
        if len(row) != len(header):
            raise InputFileError(
                f"{_name(path)}:{reader.line_num}: {len(row)} fields, the header has {len(header)}"
            )
        yield f"{reader.line_num}", dict(zip(header, row))


def _table_columns(spec: TableSpec) -> list[str]:
    return list(
        dict.fromkeys(
            spec.pred_cols + spec.ref_cols + spec.id_cols + ([spec.by] if spec.by else [])
        )
    )


def _parquet_batches(path: str, spec: TableSpec, batch_size: int) -> Iterator[Any]:
    """The table's columns as record batches, one row group after another (memory bounded by the
    largest row group)."""
    from ._dependencies import require

    pq = require("pyarrow.parquet", "parquet input")
    # pre_buffer=False: with pyarrow's default (True) the reader keeps the buffered column chunks
    # of the whole file alive while iterating (peak RSS grew with the file: 1.7 GB on a 1.5 GB
    # file), instead of one row group at a time.
    try:
        if path == "-":  # parquet needs random access: stdin is read whole
            import pyarrow as pa

            pf = pq.ParquetFile(pa.BufferReader(sys.stdin.buffer.read()))
        else:
            pf = pq.ParquetFile(path, pre_buffer=False)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise InputFileError(f"{_name(path)}: not a readable parquet file ({exc})") from None
    cols = _table_columns(spec)
    missing = [c for c in cols if c not in pf.schema_arrow.names]
    if missing:
        raise InputFileError(f"{_name(path)}: missing column {missing[0]!r}")
    import pyarrow as pa

    for i in range(pf.num_row_groups):
        try:
            yield from pf.iter_batches(batch_size=batch_size, row_groups=[i], columns=cols)
        except (pa.ArrowException, OSError) as exc:  # a corrupt page, a bad compressed block
            raise InputFileError(f"{_name(path)}: row group {i}: cannot read ({exc})") from None


def _parquet_records(path: str, spec: TableSpec, chunk_size: int) -> Iterator[tuple[str, dict]]:
    row = 0
    for batch in _parquet_batches(path, spec, chunk_size):
        try:
            data = batch.to_pydict()
        except UnicodeDecodeError:
            _raise_bad_utf8_cell(path, batch, row)
        for i in range(batch.num_rows):
            row += 1
            yield f"row {row}", {c: data[c][i] for c in data}


def _raise_bad_utf8_cell(path: str, batch: Any, row: int) -> None:
    """Names the first cell of ``batch`` (rows after ``row``) that is not valid UTF-8."""
    for i in range(batch.num_rows):
        for c in batch.schema.names:
            try:
                batch.column(c)[i].as_py()
            except UnicodeDecodeError as exc:
                raise InputFileError(
                    f"{_name(path)}:row {row + i + 1}: column {c!r}: invalid UTF-8 ({exc.reason})"
                ) from None
    raise InputFileError(f"{_name(path)}: invalid UTF-8 after row {row}")


class _Fallback(Exception):
    """The Arrow fast path cannot read this input exactly; the Python reader takes over."""


def _arrow_batches(path: str, fmt: str, spec: TableSpec) -> Iterator[Any]:
    """Record batches read by pyarrow's streaming readers (C++ parsing, no Python object per row)."""
    import pyarrow as pa

    if fmt == "parquet":
        yield from _parquet_batches(path, spec, 1 << 16)
        return
    cols = _table_columns(spec)
    stream = pa.input_stream(path, compression="detect")
    if fmt == "jsonl":
        import pyarrow.json as pj

        reader = pj.open_json(stream, read_options=pj.ReadOptions(block_size=1 << 22))
    else:
        import pyarrow.csv as pcsv

        text_cols = spec.pred_cols + spec.ref_cols
        reader = pcsv.open_csv(
            stream,
            read_options=pcsv.ReadOptions(block_size=1 << 22),
            parse_options=pcsv.ParseOptions(delimiter="," if fmt == "csv" else "\t"),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in text_cols},
                include_columns=cols,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    for batch in reader:
        missing = [c for c in cols if c not in batch.schema.names]
        if missing:
            raise _Fallback(f"missing column {missing[0]!r}")
        yield batch


def _batch_to_chunk(batch: Any, spec: TableSpec, start: int) -> Chunk:
    import pyarrow as pa

    def text_col(name: str, allow_list: bool) -> Any:
        col = batch.column(name)
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.dictionary_decode()
            t = col.type
        if is_text_type(t):
            if col.null_count:
                raise _Fallback(f"column {name!r} has nulls")
            col.validate(full=True)  # pyarrow's json reader passes invalid UTF-8 through
            return col
        if allow_list and is_list_type(t):
            if col.null_count or col.flatten().null_count:
                raise _Fallback(f"column {name!r} has nulls")
            vt = t.value_type
            if vt not in (pa.string(), pa.large_string()):
                raise _Fallback(f"column {name!r} holds {vt}")
            values = col.to_pylist()
            if any(len(v) == 0 for v in values):
                raise _Fallback(f"column {name!r} has an empty list")
            return values
        raise _Fallback(f"column {name!r} has type {t}")

    systems = [text_col(c, False) for c in spec.pred_cols]
    ref_parts = [text_col(c, True) for c in spec.ref_cols]
    if len(ref_parts) == 1:
        refs = ref_parts[0]
    else:
        per_row = [p if isinstance(p, list) else p.to_pylist() for p in ref_parts]
        refs = [
            [x for part in row for x in ([part] if isinstance(part, str) else part)]
            for row in zip(*per_row)
        ]
    ids = {c: batch.column(c) for c in spec.id_cols}
    groups = None
    if spec.by:
        groups = batch.column(spec.by)
        if groups.null_count:
            raise _Fallback(f"column {spec.by!r} has nulls")
    for c in dict.fromkeys([*spec.id_cols, *([spec.by] if spec.by else [])]):
        if c not in spec.pred_cols and c not in spec.ref_cols:
            batch.column(c).validate(
                full=True
            )  # invalid UTF-8 in an id: the line-precise reader names it
    return Chunk(start, systems, refs, ids, groups)


def _python_records(
    path: str, fmt: str, spec: TableSpec, chunk_size: int
) -> Iterator[tuple[str, dict]]:
    if fmt == "jsonl":
        return _jsonl_records(path)
    if fmt == "json":
        return _json_records(path)
    if fmt in ("csv", "tsv"):
        return _csv_records(path, "," if fmt == "csv" else "\t")
    if fmt == "parquet":
        return _parquet_records(path, spec, chunk_size)
    raise InputValueError(f"unknown table format {fmt!r}")


def locate_row(path: str, fmt: str, spec: TableSpec, row: int) -> str:
    """Where (line, or ``row N`` in parquet) the 0-based data row ``row`` of a table is: re-reads the
    file with the line-precise reader, so it is only for error messages."""
    for i, (where, _) in enumerate(_python_records(path, fmt, spec, 1024)):
        if i == row:
            return where
    return f"row {row + 1}"


def read_table(path: str, fmt: str, spec: TableSpec, chunk_size: int) -> Iterator[Chunk]:
    """A jsonl / csv / tsv / parquet table in chunks of rows.

    The fast path streams Arrow record batches (pyarrow's C++ readers; text columns reach the Rust
    core without a Python object per row). Anything it cannot take exactly (a malformed row, a null,
    a type change between blocks, stdin) hands over to the Python reader, which resumes after the
    rows already scored and names the file and line of any error.
    """
    start = 0
    if fmt == "json":  # an array is read by the Python reader; objects per line are jsonl
        fmt = "jsonl" if sniff_table_format(path) == "jsonl" else "json"
    if path != "-" and fmt != "json":
        try:
            import pyarrow as pa
        except ImportError:
            pa = None
        if pa is not None:
            try:
                for batch in _arrow_batches(path, fmt, spec):
                    for off in range(0, batch.num_rows, chunk_size):
                        chunk = _batch_to_chunk(batch.slice(off, chunk_size), spec, start)
                        yield chunk
                        start += len(chunk)
                if start == 0:
                    raise InputFileError(f"{_name(path)}: no rows")
                return
            except (_Fallback, pa.ArrowException, OSError):  # OSError: e.g. a truncated .gz
                pass  # the Python reader below resumes and names the file and line of any error
    records = _python_records(path, fmt, spec, chunk_size)
    for _ in range(start):  # resume after the rows the fast path already yielded
        next(records, None)
    buf: list[tuple[str, dict]] = []
    for rec in records:
        buf.append(rec)
        if len(buf) >= chunk_size:
            yield _rows_to_chunk(path, buf, spec, start)
            start += len(buf)
            buf = []
    if buf:
        yield _rows_to_chunk(path, buf, spec, start)
    elif start == 0:
        raise InputFileError(f"{_name(path)}: no rows")


def _as_list(v: Any) -> list:
    if hasattr(v, "to_pylist"):  # Arrow
        return v.to_pylist()
    if hasattr(v, "tolist"):  # numpy
        return v.tolist()
    return list(v)


def _is_float_column(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype == np.float64 and v.ndim == 1


def finite_or_null(obj: Any) -> Any:
    """``obj`` with every non-finite float as None, so that what is written is always valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_null(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_null(v) for v in obj]
    return obj


def _json_text(v: Any) -> str:
    """One value as ``json.dumps`` writes it inside a row (NaN and infinities as null: valid JSON)."""
    return json.dumps(finite_or_null(v), ensure_ascii=False, default=str, allow_nan=False)


def _umask() -> int:
    mask = os.umask(0o022)  # the only portable way to read it is to set it
    os.umask(mask)
    return mask


PER_PAIR_FORMATS = ("jsonl", "csv", "parquet")
# rows per parquet row group: large groups write and read faster than one group per scoring chunk
_PARQUET_GROUP_ROWS = 1 << 17


class _Stdout:
    """stdout's bytes as a write-only stream that knows its position (a pipe cannot ``tell``;
    pyarrow's parquet writer asks)."""

    def __init__(self) -> None:
        self._out = sys.stdout.buffer
        self._pos = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        self._out.write(data)
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        self.flush()
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class AtomicPerPairWriter:
    """Per-pair rows to jsonl / csv / parquet, written to a temp file and renamed on success
    (``-``: to stdout as they come).

    Formatting and writing run on a background thread behind a queue of two chunks, so that the
    next chunk is scored meanwhile (the native formatter and pyarrow release the GIL); an error
    there surfaces at the next ``write`` or at ``commit``.
    """

    def __init__(self, path: str, workers: int | None = None, fmt: str | None = None):
        self.path = path
        self.to_stdout = path == "-"
        self.fmt = fmt or ("jsonl" if self.to_stdout else detect_format(path))
        if self.fmt == "tsv":
            self.fmt = "csv"
        if self.fmt not in PER_PAIR_FORMATS:
            raise InputValueError(
                f"--per-pair: unknown format of {path!r} (use .jsonl, .csv or .parquet, or --per-pair-format)"
            )
        self.tmp = ""
        if not self.to_stdout:
            d = os.path.dirname(os.path.abspath(path))
            if os.path.isdir(path):
                raise InputValueError(f"--per-pair {path}: is a directory")
            try:
                fd, self.tmp = tempfile.mkstemp(prefix=".lexmetrics-", suffix=".part", dir=d)
            except OSError as exc:  # name the user's path, not the temporary file's
                raise InputValueError(
                    f"--per-pair {path}: cannot write: {exc.strerror or exc}"
                ) from None
            try:
                if hasattr(
                    os, "fchmod"
                ):  # POSIX: mkstemp makes the file 0600; honour the umask instead
                    os.fchmod(fd, 0o666 & ~_umask())
            finally:
                os.close(fd)
        self._fh: Any = None
        self._pq: Any = None
        self._pending: list = []  # parquet tables not yet written as a row group
        self._pending_rows = 0
        self._cols: list[str] | None = None
        self._pieces: list[str] = []
        self._workers = workers
        self._field_buf = io.StringIO()
        self._field_csv = csv.writer(self._field_buf)
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._stop = False
        self.rows = 0

    def _csv_field(self, v: Any) -> str:
        """One value as ``csv.writer`` writes it inside a row (quoted when it needs to be)."""
        buf = self._field_buf
        buf.seek(0)
        buf.truncate()
        self._field_csv.writerow((v, ""))
        return buf.getvalue()[:-3]  # without the empty second field and the "\r\n"

    def write(self, columns: dict[str, Any]) -> None:
        """Queues one chunk of rows (columns of equal length); blocks while two chunks wait."""
        self._raise_failure()
        names = list(columns)
        n = len(next(iter(columns.values()))) if columns else 0
        if self._cols is None:
            self._cols = names
            self._open()
        if self.fmt in ("jsonl", "csv"):
            # Float columns are written natively, in parallel, as Python's repr (what json.dumps and
            # csv write); the other columns' texts are rendered here. Same bytes as row by row.
            field = _json_text if self.fmt == "jsonl" else self._csv_field
            item: Any = [
                v if _is_float_column(v) else [field(x) for x in _as_list(v)]
                for v in (columns[c] for c in names)
            ]
        else:
            item = columns
        self._queue.put(item)
        self.rows += n

    def _open(self) -> None:
        assert self._cols is not None
        if self.fmt == "jsonl":
            self._pieces = [
                ("{" if i == 0 else ", ") + _json_text(c) + ": " for i, c in enumerate(self._cols)
            ]
            self._pieces.append("}\n")
        elif self.fmt == "csv":
            self._pieces = [""] + [","] * (len(self._cols) - 1) + ["\r\n"]
        if self.fmt in ("jsonl", "csv"):
            if self.to_stdout:
                self._fh = sys.stdout.buffer
            elif self.path.endswith(".gz"):
                self._fh = gzip.open(self.tmp, "wb")
            else:
                self._fh = open(self.tmp, "wb")  # noqa: SIM115
            if self.fmt == "csv":
                head = io.StringIO()
                csv.writer(head).writerow(self._cols)
                self._fh.write(head.getvalue().encode("utf-8"))
        self._thread = threading.Thread(target=self._drain, name="lexmetrics-per-pair", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None or self._stop:
                continue  # keep taking chunks so that the producer never blocks on a dead writer
            try:
                self._write_now(item)
            except BaseException as exc:  # re-raised in the producer's thread
                self._error = exc

    def _write_now(self, item: Any) -> None:
        if self.fmt in ("jsonl", "csv"):
            text = _native.format_rows(item, self._pieces, self.fmt == "jsonl", self._workers)
            self._fh.write(text.encode("utf-8"))
            return
        import pyarrow as pa

        tbl = pa.table(item)
        if self._pq is None:
            from ._dependencies import require

            pq = require("pyarrow.parquet", "parquet output")
            sink = _Stdout() if self.to_stdout else self.tmp
            # Dictionary encoding only for the id/group columns: on the score columns (mostly
            # distinct doubles) it tripled the writing time and made the file larger.
            dict_cols = [f.name for f in tbl.schema if not pa.types.is_floating(f.type)]
            self._pq = pq.ParquetWriter(sink, tbl.schema, use_dictionary=dict_cols)
        self._pending.append(tbl)
        self._pending_rows += tbl.num_rows
        if self._pending_rows >= _PARQUET_GROUP_ROWS:
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        if self._pending:
            import pyarrow as pa

            tbl = pa.concat_tables(self._pending)
            self._pending, self._pending_rows = [], 0
            self._pq.write_table(tbl, row_group_size=max(tbl.num_rows, 1))

    def _raise_failure(self) -> None:
        if self._error is not None:
            exc, self._error = self._error, None
            if isinstance(exc, OSError):
                where = "stdout" if self.to_stdout else self.path
                raise InputValueError(
                    f"--per-pair {where}: cannot write: {exc.strerror or exc}"
                ) from None
            raise exc

    def _finish_thread(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def commit(self) -> None:
        self._finish_thread()
        self._raise_failure()
        try:
            if self._pq is not None:
                self._flush_parquet()
                self._pq.close()
            if self._fh is not None:
                if self.to_stdout:
                    self._fh.flush()
                else:
                    self._fh.close()
            if not self.to_stdout:
                os.replace(self.tmp, self.path)
        except OSError as exc:
            where = "stdout" if self.to_stdout else self.path
            raise InputValueError(
                f"--per-pair {where}: cannot write: {exc.strerror or exc}"
            ) from None

    def abort(self) -> None:
        self._stop = True
        with contextlib.suppress(BaseException):
            while True:  # drop what waits, so that the writer thread stops after its current chunk
                self._queue.get_nowait()
        with contextlib.suppress(BaseException):
            self._finish_thread()
        with contextlib.suppress(Exception):
            if self._fh is not None and not self.to_stdout:
                self._fh.close()
            if self._pq is not None:
                self._pq.close()
        if self.tmp:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.tmp)
