"""The batch job under adversarial use: outputs that are inputs, signals, bad option values, bad
bytes in every kind of input. Every case runs the real command in a subprocess."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time

import pytest

WORDS = "the a cat dog sat on mat quick brown fox jumps over lazy day night red blue . , !".split()


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    refs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))) for _ in range(n)]
    preds = [
        " ".join(w if rng.random() < 0.8 else rng.choice(WORDS) for w in r.split()) for r in refs
    ]
    return preds, refs


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [sys.executable, "-m", "lexmetrics.cli", *args], capture_output=True, timeout=300
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr.decode()}")
    return p


def _write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _strict_json(data: bytes):
    def no_constant(name):
        raise AssertionError(f"not JSON: {name}")

    return json.loads(data, parse_constant=no_constant)


def _one_line_error(p: subprocess.CompletedProcess) -> str:
    err = p.stderr.decode()
    assert p.returncode == 3, err
    assert "Traceback" not in err, err
    assert err.count("\n") == 1 and err.startswith("lexmetrics score: error: "), err
    assert p.stdout == b""
    return err


def _no_part_files(d) -> None:
    assert [q.name for q in d.iterdir() if q.name.startswith(".lexmetrics-")] == []


# -- 1. an output that is an input ------------------------------------------------------------


def test_per_pair_onto_the_input_is_refused(tmp_path):
    x = tmp_path / "x.jsonl"
    _jsonl(x, [{"prediction": "a b", "reference": "a b"}] * 3)
    before = x.read_bytes()
    os.link(x, tmp_path / "hard.jsonl")
    os.symlink(x, tmp_path / "soft.jsonl")
    for out in ("x.jsonl", "hard.jsonl", "soft.jsonl", "./x.jsonl"):
        p = run_cli(
            "score", "-i", str(x), "-m", "bleu", "--per-pair", str(tmp_path / out), check=False
        )
        err = _one_line_error(p)
        assert "same file as the input" in err and str(x) in err
        assert x.read_bytes() == before
        _no_part_files(tmp_path)


def test_per_pair_onto_a_reference_is_refused(tmp_path):
    _write_lines(tmp_path / "h.txt", ["a b", "c d"])
    _write_lines(tmp_path / "r.txt", ["a b", "c e"])
    before = (tmp_path / "r.txt").read_bytes()
    os.link(tmp_path / "r.txt", tmp_path / "r.csv")  # a hard link with a per-pair extension
    p = run_cli(
        "score",
        "-i",
        str(tmp_path / "h.txt"),
        "-r",
        str(tmp_path / "r.txt"),
        "-m",
        "bleu",
        "--per-pair",
        str(tmp_path / "r.csv"),
        check=False,
    )
    assert "same file as the input" in _one_line_error(p)
    assert (tmp_path / "r.txt").read_bytes() == before
    # A different file of the same name elsewhere is fine.
    (tmp_path / "sub").mkdir()
    run_cli(
        "score",
        "-i",
        str(tmp_path / "h.txt"),
        "-r",
        str(tmp_path / "r.txt"),
        "-m",
        "bleu",
        "--per-pair",
        str(tmp_path / "sub" / "r.csv"),
    )


# -- 2. SIGTERM and the umask -----------------------------------------------------------------


def test_sigterm_leaves_no_partial_file(tmp_path):
    preds, refs = _corpus(2000, seed=1)
    big = tmp_path / "big.jsonl"
    with open(big, "w") as f:
        for _ in range(300):  # 600k rows: seconds of work even on a fast build
            for p, r in zip(preds, refs):
                f.write(json.dumps({"prediction": p, "reference": r}) + "\n")
    out_path = tmp_path / "pp.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(big),
            "-m",
            "rouge1,rougeL,bleu",
            "--per-pair",
            str(out_path),
            "--chunk-size",
            "5000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60

    def rows_written() -> bool:  # the temporary per-pair file exists and holds rows: mid-run
        return any(
            q.name.startswith(".lexmetrics-") and q.stat().st_size > 0 for q in tmp_path.iterdir()
        )

    while not rows_written():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    assert proc.poll() is None, "finished before the signal; make the input larger"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()
    assert "terminated" in err.decode() and "Traceback" not in err.decode()
    assert out == b""
    assert not out_path.exists()
    _no_part_files(tmp_path)


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_per_pair_file_honours_the_umask(tmp_path, ext):
    _write_lines(tmp_path / "h.txt", ["a b", "c d"])
    out = tmp_path / f"pp.{ext}"
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(tmp_path / "h.txt"),
            "-r",
            str(tmp_path / "h.txt"),
            "-m",
            "bleu",
            "--per-pair",
            str(out),
        ],
        capture_output=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o027),
    )
    assert p.returncode == 0, p.stderr.decode()
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# -- 3 and 4. option values: one line naming the flag, exit 3, never NaN in the JSON ---------

BAD_OPTIONS = [
    (["-s", "floor", "-sv", "nan"], "--smooth-value"),
    (["-s", "floor", "-sv", "-1"], "--smooth-value"),
    (["-s", "add-k", "-sv", "-0.5"], "--smooth-value"),
    (["-s", "floor", "-sv", "inf"], "--smooth-value"),
    (["-ci", "--confidence-n", "0"], "--confidence-n"),
    (["-ci", "--confidence-level", "2"], "--confidence-level"),
    (["-ci", "--confidence-level", "nan"], "--confidence-level"),
    (["--workers", "-1"], "--workers"),
    (["--workers", "0"], "--workers"),
    (["--chrf-char-order", "-1"], "--chrf-char-order"),
    (["-cw", "-2"], "--chrf-word-order"),
    (["-m", "chrf", "-cc", "0"], "char_order + word_order"),
    (["-f", "text", "-w", "-1"], "--width"),
    (["-ci", "--seed", "-1"], "--seed"),
    (["--paired-bs", "--paired-bs-n", "0"], "--paired-bs-n"),
    (["--paired-ar", "--paired-ar-n", "-1"], "--paired-ar-n"),
    (["--max-ngram-order", "0"], "--max-ngram-order"),
    (["--chunk-size", "0"], "--chunk-size"),
]


@pytest.mark.parametrize("opts,flag", BAD_OPTIONS, ids=[" ".join(o) for o, _ in BAD_OPTIONS])
def test_bad_option_values_name_the_flag(tmp_path, opts, flag):
    _write_lines(tmp_path / "h.txt", ["a b c", "d e"])
    _write_lines(tmp_path / "r.txt", ["a b", "x y"])
    out = tmp_path / "pp.jsonl"
    p = run_cli(
        "score",
        "-i",
        str(tmp_path / "h.txt"),
        "-i",
        str(tmp_path / "r.txt"),
        "-r",
        str(tmp_path / "r.txt"),
        "--per-pair",
        str(out),
        *opts,
        check=False,
    )
    assert flag in _one_line_error(p)
    assert not out.exists()
    _no_part_files(tmp_path)


def test_json_output_is_strict_json_with_zero_smoothing(tmp_path):
    _write_lines(tmp_path / "h.txt", ["a b c", "d e"])
    _write_lines(tmp_path / "r.txt", ["x y", "z"])
    for method in ("floor", "add-k", "none"):
        p = run_cli(
            "score",
            "-i",
            str(tmp_path / "h.txt"),
            "-r",
            str(tmp_path / "r.txt"),
            "-m",
            "bleu",
            "-s",
            method,
            "-sv",
            "0",
            "-ci",
            "--confidence-n",
            "20",
        )
        assert _strict_json(p.stdout)["metrics"]["bleu"]["score"] == 0.0


def test_per_pair_jsonl_is_strict_json_with_nan_ids(tmp_path):
    """A float id column holding NaN / Infinity is written as null (JSON has neither)."""
    rows = [
        {"prediction": f"a b {i}", "reference": "a b c", "id": v}
        for i, v in enumerate([1.5, float("nan"), float("inf"), -float("inf"), 2.0])
    ]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "pp.jsonl"
    run_cli(
        "score",
        "-i",
        str(tmp_path / "d.jsonl"),
        "--id-col",
        "id",
        "-m",
        "bleu,rouge1",
        "--per-pair",
        str(out),
    )
    got = [_strict_json(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in got] == [1.5, None, None, None, 2.0]
    assert all(isinstance(r["bleu"], float) for r in got)


# -- 4. bad bytes and damaged files name the file and the line (or row) --------------------


def _rows(n, **extra):
    return [
        {"prediction": f"a b {i}", "reference": "a b c", **{k: v(i) for k, v in extra.items()}}
        for i in range(n)
    ]


def test_invalid_utf8_in_id_and_by_columns(tmp_path):
    lines = [json.dumps(r).encode() for r in _rows(50, id=lambda i: f"x{i}")]
    lines[40] = b'{"prediction": "a", "reference": "b", "id": "\xff"}'
    (tmp_path / "d.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    for opts in (["--id-col", "id", "--per-pair", str(tmp_path / "pp.jsonl")], ["--by", "id"]):
        p = run_cli("score", "-i", str(tmp_path / "d.jsonl"), "-m", "bleu", *opts, check=False)
        assert "d.jsonl:41: invalid UTF-8" in _one_line_error(p)
    _no_part_files(tmp_path)


def test_invalid_utf8_in_a_parquet_string_column(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    offsets = pa.py_buffer(b"\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x04\x00\x00\x00")
    bad = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"ab\xff\xfe")])
    pq.write_table(
        pa.table({"prediction": pa.array(["a", "b", "c"]), "reference": bad}),
        tmp_path / "d.parquet",
    )
    p = run_cli("score", "-i", str(tmp_path / "d.parquet"), "-m", "bleu", check=False)
    assert "d.parquet:row 3: column 'reference': invalid UTF-8" in _one_line_error(p)


def test_truncated_gzip_and_corrupt_parquet_name_the_file(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in _rows(20000)).encode())
    (tmp_path / "t.jsonl.gz").write_bytes(data[: len(data) // 2])
    p = run_cli("score", "-i", str(tmp_path / "t.jsonl.gz"), "-m", "bleu", check=False)
    assert "t.jsonl.gz: cannot read" in _one_line_error(p)
    rows = _rows(5000)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "ok.parquet", compression="snappy")
    raw = bytearray((tmp_path / "ok.parquet").read_bytes())
    for i in range(200, 400):
        raw[i] ^= 0x55
    (tmp_path / "c.parquet").write_bytes(bytes(raw))
    p = run_cli("score", "-i", str(tmp_path / "c.parquet"), "-m", "bleu", check=False)
    assert "c.parquet" in _one_line_error(p)


def test_bad_strings_name_the_real_line_not_the_chunk_index(tmp_path):
    """A lone surrogate (a model output cut inside an emoji) reaches the scorer through the JSON
    reader; whatever the scorer says about it names the file and line, not a chunk-relative index."""
    rows = [json.dumps({"prediction": "ok", "reference": "ok"}) for _ in range(10)]
    rows.append("")  # a blank line: lines and rows differ
    rows.append(json.dumps({"prediction": "a", "reference": "b \ud83d"}))
    (tmp_path / "s.jsonl").write_text("\n".join(rows) + "\n")
    p = run_cli(
        "score", "-i", str(tmp_path / "s.jsonl"), "-m", "bleu", "--chunk-size", "3", check=False
    )
    if p.returncode == 0:  # the scorer scores lone surrogates: then as sacrebleu does
        sacrebleu = pytest.importorskip("sacrebleu")
        want = sacrebleu.corpus_bleu(["ok"] * 10 + ["a"], [["ok"] * 10 + ["b \ud83d"]]).score
        assert _strict_json(p.stdout)["metrics"]["bleu"]["score"] == want
        return
    err = _one_line_error(p)
    assert "s.jsonl:12: column 'reference'" in err, err
    assert "references[" not in err, err


# -- 5. a UTF-8 byte order mark --------------------------------------------------------------


def test_bom_is_accepted_on_both_table_readers(tmp_path):
    from lexmetrics import _cli_files

    rows = _rows(3000, id=lambda i: i)
    rows[2500]["id"] = "x"  # an id changing type: the line-precise reader takes over and resumes
    for name, rs in (("plain.jsonl", rows[:2400]), ("switch.jsonl", rows)):
        (tmp_path / name).write_bytes(
            b"\xef\xbb\xbf" + "".join(json.dumps(r) + "\n" for r in rs).encode()
        )
        p = run_cli(
            "score",
            "-i",
            str(tmp_path / name),
            "-m",
            "bleu",
            "--id-col",
            "id",
            "--per-pair",
            str(tmp_path / "pp.jsonl"),
        )
        assert _strict_json(p.stdout)["n"] == len(rs)
        assert [json.loads(x)["id"] for x in (tmp_path / "pp.jsonl").read_text().splitlines()] == [
            r["id"] for r in rs
        ]
    (tmp_path / "b.csv").write_bytes(b"\xef\xbb\xbfprediction,reference\na b,a b c\nc,d\n")
    spec = _cli_files.TableSpec(["prediction"], ["reference"], [], None)
    assert [
        rec for _, rec in _cli_files._python_records(str(tmp_path / "b.csv"), "csv", spec, 10)
    ] == [{"prediction": "a b", "reference": "a b c"}, {"prediction": "c", "reference": "d"}]
    p = run_cli("score", "-i", str(tmp_path / "b.csv"), "-m", "bleu")
    assert _strict_json(p.stdout)["n"] == 2


# -- 7. --by groups as Spark's groupBy makes them ---------------------------------------------


def test_by_groups_nan_once_and_negative_zero_with_zero(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    sacrebleu = pytest.importorskip("sacrebleu")
    preds, refs = _corpus(60, seed=3)
    gvals = [1.5, float("nan"), -0.0, 0.0]
    g = [gvals[i % 4] for i in range(60)]
    for name, extra in (("plain.parquet", {}), ("nulls.parquet", {"g": g[:-1] + [None]})):
        col = extra.get("g", g)
        pq.write_table(
            pa.table({"prediction": preds, "reference": refs, "g": pa.array(col, pa.float64())}),
            tmp_path / name,
        )
        p = run_cli("score", "-i", str(tmp_path / name), "-m", "bleu", "--by", "g")
        groups = _strict_json(p.stdout)["groups"]
        members = {
            "1.5": [i for i in range(60) if col[i] == 1.5],
            "NaN": [i for i in range(60) if col[i] is not None and col[i] != col[i]],
            "0.0": [i for i in range(60) if col[i] == 0.0],
            "null": [i for i in range(60) if col[i] is None],
        }
        members = {k: v for k, v in members.items() if v}
        assert sorted(groups) == sorted(members)
        for k, rows in members.items():
            assert groups[k]["n"] == len(rows)
            want = sacrebleu.corpus_bleu([preds[i] for i in rows], [[refs[i] for i in rows]]).score
            assert groups[k]["metrics"]["bleu"]["score"] == want


# -- 8. errors name what the user gave ---------------------------------------------------------


def test_unwritable_per_pair_names_the_users_path(tmp_path):
    _write_lines(tmp_path / "h.txt", ["a b"])
    (tmp_path / "out.jsonl").mkdir()
    for out in (tmp_path / "missing" / "pp.jsonl", tmp_path / "out.jsonl"):
        p = run_cli(
            "score",
            "-i",
            str(tmp_path / "h.txt"),
            "-r",
            str(tmp_path / "h.txt"),
            "-m",
            "bleu",
            "--per-pair",
            str(out),
            check=False,
        )
        err = _one_line_error(p)
        assert f"--per-pair {out}:" in err and ".part" not in err, err
    _no_part_files(tmp_path)


def test_unknown_metric_options_are_named():
    import lexmetrics
    from lexmetrics.accumulators import Accumulators

    with pytest.raises(lexmetrics.InputTypeError, match="unknown metric option 'tokenise'") as info:
        Accumulators(("bleu",), tokenise="13a")
    assert "build_specs" not in str(info.value)


def test_lone_surrogate_in_id_or_by_column_names_the_line(tmp_path):
    rows = [json.dumps({"prediction": "a b", "reference": "a b", "id": f"x{i}"}) for i in range(5)]
    rows[3] = json.dumps({"prediction": "a b", "reference": "a b", "id": "cut \ud83d"})
    (tmp_path / "s.jsonl").write_text("\n".join(rows) + "\n")
    for opts in (["--id-col", "id", "--per-pair", str(tmp_path / "pp.csv")], ["--by", "id"]):
        p = run_cli("score", "-i", str(tmp_path / "s.jsonl"), "-m", "bleu", *opts, check=False)
        assert "s.jsonl:4: column 'id' holds a lone surrogate" in _one_line_error(p)
    _no_part_files(tmp_path)
