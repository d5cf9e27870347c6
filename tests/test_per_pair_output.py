"""--per-pair jsonl/csv text: written natively (floats as Python's repr), byte for byte what
``json.dumps`` of each row and ``csv.writer`` write."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from lexmetrics import _cli_files, _native
from lexmetrics._errors import InputValueError


def _doubles(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.float64)
    # exact dyadic values are where two shortest candidates tie (CPython takes the even one)
    ties = [10 + 2**-16, 109752061473323.625, 995066665607945.25, 6.532669067382812e-05]
    ties += [k / 2.0**j for k in range(1, 600, 7) for j in range(1, 80, 3)]
    edge = [
        0.0,
        -0.0,
        1.0,
        100.0,
        1e16,
        1e15,
        1e-4,
        1e-5,
        5e-324,
        1.7976931348623157e308,
        0.1,
        1 / 3,
    ]
    vals = np.concatenate([bits, -bits[:1000], ties, edge, rng.random(n) * 100])
    return vals[np.isfinite(vals)]


@pytest.mark.parametrize("seed", [0, 1])
def test_floats_are_written_as_python_repr(seed):
    vals = _doubles(seed, 200_000)
    got = _native.format_rows([vals], ["", "\n"], True).split("\n")[:-1]
    assert got == [repr(v) for v in vals.tolist()]


def test_non_finite_floats_as_json_and_csv_write_them():
    vals = np.array([np.nan, np.inf, -np.inf, 2.5])
    # JSON has no NaN or Infinity: they are written as null
    assert _native.format_rows([vals], ["", "\n"], True) == "null\nnull\nnull\n2.5\n"
    assert _native.format_rows([vals], ["", "\n"], False) == "nan\ninf\n-inf\n2.5\n"


def test_rows_interleave_pieces_and_columns_and_check_lengths():
    out = _native.format_rows(
        [np.array([0.5, 1.0]), ["a", "b"]], ["<", "|", ">\n"], True, workers=1
    )
    assert out == "<0.5|a>\n<1.0|b>\n"
    with pytest.raises(InputValueError, match="columns\\[1\\] has 1 rows"):
        _native.format_rows([np.array([0.5, 1.0]), ["a"]], ["", ",", "\n"], True)
    with pytest.raises(InputValueError, match="pieces"):
        _native.format_rows([np.array([0.5])], ["", ",", "\n"], True)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_per_pair_files_equal_row_by_row_output(tmp_path, fmt):
    pa = pytest.importorskip("pyarrow")
    n = 5000
    rng = np.random.default_rng(3)
    scores = {"rouge1_fmeasure": rng.random(n), "bleu": rng.random(n) * 100}
    scores["bleu"][:4] = [np.nan, np.inf, 0.0, 100.0]
    ids = {
        "id": pa.array([f'a,"b{i}%s\n' if i % 3 else "" for i in range(n)]),
        "g": [None, 1, 2.5, True, "x y"] * (n // 5),
        "f": pa.array(rng.random(n)),
    }
    cols = dict(ids, **scores)
    path = tmp_path / f"out.{fmt}"
    w = _cli_files.AtomicPerPairWriter(str(path))
    w.write(cols)
    w.write(cols)
    w.commit()
    plain = {
        c: (
            v.to_pylist()
            if hasattr(v, "to_pylist")
            else list(v.tolist() if hasattr(v, "tolist") else v)
        )
        for c, v in cols.items()
    }
    rows = list(zip(*plain.values())) * 2
    if fmt == "jsonl":
        want = "".join(
            json.dumps(
                _cli_files.finite_or_null(dict(zip(plain, r))),
                ensure_ascii=False,
                default=str,
                allow_nan=False,
            )
            + "\n"
            for r in rows
        )
    else:
        buf = io.StringIO()
        cw = csv.writer(buf)
        cw.writerow(list(plain))
        cw.writerows(rows)
        want = buf.getvalue()
    assert path.read_bytes().decode("utf-8") == want
    assert w.rows == 2 * n


def test_a_failure_on_the_writer_thread_surfaces_and_leaves_no_file(tmp_path):
    """Rows are formatted and written on a background thread: its error is raised in the caller
    (at the next write or at commit), and abort removes the temporary file."""
    path = tmp_path / "out.jsonl"
    w = _cli_files.AtomicPerPairWriter(str(path))
    w.write({"bleu": np.array([1.0, 2.0]), "id": ["a", "b"]})
    w.write({"bleu": np.array([1.0, 2.0]), "id": ["a"]})  # a chunk with ragged columns
    with pytest.raises(InputValueError, match="columns\\[1\\] has 1 rows"):
        w.commit()
    w.abort()
    assert list(tmp_path.iterdir()) == []
