"""The batch job through a real subprocess on real files of every format."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time

import lexmetrics
import numpy as np
import pytest
from lexmetrics._exactsum import exact_mean

WORDS = "the a cat dog sat on mat quick brown fox jumps over lazy day night red blue . , !".split()


def _corpus(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    refs, good, bad = [], [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(3, 25))]
        g = [w if rng.random() < 0.8 else rng.choice(WORDS) for w in ref]
        b = [rng.choice(WORDS) for _ in range(rng.randint(1, 10))]
        refs.append(" ".join(ref))
        good.append(" ".join(g))
        bad.append(" ".join(b))
    return good, refs, bad


def run_cli(
    *args: str, stdin: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [sys.executable, "-m", "lexmetrics.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr.decode()}")
    return p


def _write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus():
    return _corpus(300)


def _expected(preds, refs):
    r = lexmetrics.rouge(preds, refs, rouge_types=("rouge1", "rougeL"))
    return {
        "rouge1": exact_mean(r["rouge1"].fmeasure),
        "rougeL": exact_mean(r["rougeL"].fmeasure),
        "bleu": lexmetrics.corpus_bleu(preds, refs).score,
        "chrf": lexmetrics.corpus_chrf(preds, refs).score,
    }


def _got(report):
    m = report["metrics"]
    return {
        "rouge1": m["rouge1"]["fmeasure"],
        "rougeL": m["rougeL"]["fmeasure"],
        "bleu": m["bleu"]["score"],
        "chrf": m["chrf"]["score"],
    }


METRICS = "rouge1,rougeL,bleu,chrf"


def test_text_files_equal_python_api(tmp_path, corpus):
    preds, refs, _ = corpus
    _write_lines(tmp_path / "hyp.txt", preds)
    _write_lines(tmp_path / "ref.txt", refs)
    out = run_cli(
        "score",
        "-i",
        str(tmp_path / "hyp.txt"),
        "-r",
        str(tmp_path / "ref.txt"),
        "-m",
        METRICS,
        "--chunk-size",
        "37",
        "-q",
    )
    report = json.loads(out.stdout)
    assert report["n"] == len(preds)
    assert _got(report) == _expected(preds, refs)
    assert out.stderr == b""


def test_two_references_and_gzip_and_stdin(tmp_path, corpus):
    preds, refs, bad = corpus
    with gzip.open(tmp_path / "hyp.txt.gz", "wt", encoding="utf-8") as f:
        f.write("".join(p + "\n" for p in preds))
    _write_lines(tmp_path / "ref1.txt", refs)
    _write_lines(tmp_path / "ref2.txt", bad)
    out = run_cli(
        "score",
        "-i",
        "-",
        "-r",
        str(tmp_path / "ref1.txt"),
        "-r",
        str(tmp_path / "ref2.txt"),
        "-m",
        "bleu,chrf",
        stdin=gzip.decompress((tmp_path / "hyp.txt.gz").read_bytes()),
    )
    report = json.loads(out.stdout)
    both = [[a, b] for a, b in zip(refs, bad)]
    assert report["metrics"]["bleu"]["score"] == lexmetrics.corpus_bleu(preds, both).score
    assert "nrefs:2" in report["metrics"]["bleu"]["signature"]
    out2 = run_cli(
        "score",
        "-i",
        str(tmp_path / "hyp.txt.gz"),
        "-r",
        str(tmp_path / "ref1.txt"),
        "-r",
        str(tmp_path / "ref2.txt"),
        "-m",
        "bleu,chrf",
    )
    assert json.loads(out2.stdout)["metrics"] == report["metrics"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv", "parquet", "jsonl.gz"])
def test_tables_every_format(tmp_path, corpus, fmt):
    preds, refs, _ = corpus
    ids = list(range(len(preds)))
    groups = ["en" if i % 3 else "de" for i in ids]
    path = tmp_path / f"data.{fmt}"
    rows = [
        {"id": i, "lang": g, "output": p, "target": r}
        for i, g, p, r in zip(ids, groups, preds, refs)
    ]
    if fmt.startswith("jsonl"):
        text = "".join(json.dumps(r) + "\n" for r in rows)
        if fmt.endswith(".gz"):
            path.write_bytes(gzip.compress(text.encode()))
        else:
            path.write_text(text)
    elif fmt in ("csv", "tsv"):
        import csv

        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="," if fmt == "csv" else "\t")
            w.writeheader()
            w.writerows(rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # several row groups: the reader goes through them one at a time
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=37)
        assert pq.ParquetFile(path).num_row_groups == 9
    per_pair = tmp_path / "pp.jsonl"
    out = run_cli(
        "score",
        "-i",
        str(path),
        "--pred-col",
        "output",
        "--ref-col",
        "target",
        "--id-col",
        "id",
        "--by",
        "lang",
        "-m",
        METRICS,
        "--per-pair",
        str(per_pair),
        "--chunk-size",
        "50",
    )
    report = json.loads(out.stdout)
    assert _got(report) == _expected(preds, refs)
    for g in ("en", "de"):
        sel = [i for i in ids if groups[i] == g]
        got = _got(report["groups"][g])
        assert got == _expected([preds[i] for i in sel], [refs[i] for i in sel])
    lines = per_pair.read_text().splitlines()
    assert len(lines) == len(preds) == report["per_pair"]["rows"]
    first = json.loads(lines[0])
    assert str(first["id"]) == "0" and first["lang"] == groups[0]
    assert [str(json.loads(x)["id"]) for x in lines] == [str(i) for i in ids]  # every row, in order
    want = lexmetrics.rouge(preds[:1], refs[:1], rouge_types=("rouge1",))["rouge1"].fmeasure[0]
    assert first["rouge1_fmeasure"] == want
    assert first["bleu"] == lexmetrics.sentence_bleu(preds[:1], refs[:1])[0]


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_per_pair_formats(tmp_path, corpus, ext):
    preds, refs, _ = corpus
    _write_lines(tmp_path / "hyp.txt", preds)
    _write_lines(tmp_path / "ref.txt", refs)
    out_path = tmp_path / f"pp.{ext}"
    run_cli(
        "score",
        "-i",
        str(tmp_path / "hyp.txt"),
        "-r",
        str(tmp_path / "ref.txt"),
        "-m",
        "rouge1,bleu",
        "--per-pair",
        str(out_path),
    )
    if ext == "csv":
        import csv

        rows = list(csv.DictReader(open(out_path, encoding="utf-8")))
        assert len(rows) == len(preds)
        assert (
            float(rows[5]["rouge1_fmeasure"])
            == lexmetrics.rouge(preds[5:6], refs[5:6], rouge_types=("rouge1",))["rouge1"].fmeasure[
                0
            ]
        )
    else:
        import pyarrow.parquet as pq

        t = pq.read_table(out_path)
        assert t.num_rows == len(preds)
        np.testing.assert_array_equal(
            t.column("bleu").to_numpy(), lexmetrics.sentence_bleu(preds, refs)
        )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".lexmetrics-")] == []


def test_intervals_are_deterministic(tmp_path, corpus):
    preds, refs, _ = corpus
    _write_lines(tmp_path / "hyp.txt", preds)
    _write_lines(tmp_path / "ref.txt", refs)
    args = (
        "score",
        "-i",
        str(tmp_path / "hyp.txt"),
        "-r",
        str(tmp_path / "ref.txt"),
        "-m",
        METRICS,
        "-ci",
        "--confidence-n",
        "200",
    )
    a = json.loads(run_cli(*args).stdout)
    b = json.loads(run_cli(*args, "--chunk-size", "7").stdout)
    assert a["metrics"] == b["metrics"]
    for name in ("rouge1", "bleu", "chrf"):
        ci = a["metrics"][name]["ci"]
        score = a["metrics"][name].get("fmeasure", a["metrics"][name].get("score"))
        assert ci["low"] <= score <= ci["high"] and ci["low"] < ci["high"]
    c = json.loads(run_cli(*args, "--seed", "7").stdout)
    assert c["metrics"]["bleu"]["ci"] != a["metrics"]["bleu"]["ci"]


def test_significance_sanity(tmp_path, corpus):
    preds, refs, bad = corpus
    _write_lines(tmp_path / "good.txt", preds)
    _write_lines(tmp_path / "good2.txt", preds)
    _write_lines(tmp_path / "bad.txt", bad)
    _write_lines(tmp_path / "ref.txt", refs)
    out = run_cli(
        "score",
        "-i",
        str(tmp_path / "good.txt"),
        "-i",
        str(tmp_path / "good2.txt"),
        "-i",
        str(tmp_path / "bad.txt"),
        "-r",
        str(tmp_path / "ref.txt"),
        "-m",
        "rouge1,bleu,chrf",
        "--paired-bs",
        "--paired-ar",
        "--paired-ar-n",
        "500",
        "--paired-bs-n",
        "300",
    )
    report = json.loads(out.stdout)
    same, worse = report["systems"][1]["significance"], report["systems"][2]["significance"]
    for m in ("rouge1", "bleu", "chrf"):
        for t in ("paired_bs", "paired_ar"):
            assert same[m][t]["p_value"] == 1.0, (m, t)
            assert worse[m][t]["p_value"] < 0.01, (m, t)


def test_demo_prints_a_report():
    out = run_cli("score", "--demo")
    text = out.stdout.decode()
    # a table of the two bundled systems (not one pooled score), intervals, the paired test
    assert "rouge1 F" in text and "BLEU" in text and "chrF2" in text
    assert (
        "A (baseline)" in text
        and "B - A" in text
        and "(p = " in text
        and "bootstrap interval" in text
    )
    js = json.loads(run_cli("score", "--demo", "-f", "json").stdout)
    a, b = js["systems"]
    assert (a["label"], b["label"]) == ("A", "B") and a["n"] == b["n"] == 20
    assert a["metrics"]["bleu"]["score"] > b["metrics"]["bleu"]["score"]
    assert b["significance"]["bleu"]["paired_bs"]["p_value"] < 0.05


BAD_INPUTS = [
    (
        "bad.jsonl",
        b'{"prediction": "a", "reference": "b"}\n{"prediction": "a", "refer\n',
        "bad.jsonl:2",
        "malformed JSON",
    ),
    (
        "miss.jsonl",
        b'{"prediction": "a", "reference": "b"}\n{"prediction": "a"}\n',
        "miss.jsonl:2",
        "missing column 'reference'",
    ),
    (
        "null.jsonl",
        b'{"prediction": "a", "reference": "b"}\n{"prediction": null, "reference": "b"}\n',
        "null.jsonl:2",
        "is null",
    ),
    (
        "utf.jsonl",
        b'{"prediction": "a", "reference": "b"}\n{"prediction": "\xff", "reference": "b"}\n',
        "utf.jsonl:2",
        "invalid UTF-8",
    ),
    ("empty.jsonl", b"", "empty.jsonl", "no rows"),
    ("empty.csv", b"", "empty.csv", "empty file"),
    ("ragged.csv", b"prediction,reference\na,b\na,b,c\n", "ragged.csv:3", "3 fields"),
]


@pytest.mark.parametrize("name,content,where,what", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_tables(tmp_path, name, content, where, what):
    (tmp_path / name).write_bytes(content)
    out_path = tmp_path / "pp.jsonl"
    p = run_cli(
        "score",
        "-i",
        str(tmp_path / name),
        "-m",
        "rouge1,bleu",
        "--per-pair",
        str(out_path),
        check=False,
    )
    err = p.stderr.decode()
    assert p.returncode == 3, err
    assert where in err and what in err, err
    assert p.stdout == b""
    assert not out_path.exists()
    assert [q.name for q in tmp_path.iterdir() if q.name.startswith(".lexmetrics-")] == []


def test_bad_text_inputs(tmp_path):
    _write_lines(tmp_path / "h.txt", ["a", "b", "c"])
    _write_lines(tmp_path / "r.txt", ["a", "b"])
    p = run_cli("score", "-i", str(tmp_path / "h.txt"), "-r", str(tmp_path / "r.txt"), check=False)
    assert p.returncode == 3 and "line-aligned" in p.stderr.decode()
    (tmp_path / "u.txt").write_bytes(b"ok\n\xc3\x28\n")
    p = run_cli("score", "-i", str(tmp_path / "u.txt"), "-r", str(tmp_path / "r.txt"), check=False)
    assert p.returncode == 3 and "u.txt:2: invalid UTF-8" in p.stderr.decode()
    p = run_cli(
        "score",
        "-i",
        str(tmp_path / "h.txt"),
        "-r",
        str(tmp_path / "h.txt"),
        "-m",
        "rouge42",
        check=False,
    )
    assert p.returncode == 3 and "unknown metric 'rouge42'" in p.stderr.decode()
    p = run_cli(
        "score", "-i", str(tmp_path / "nope.txt"), "-r", str(tmp_path / "r.txt"), check=False
    )
    assert p.returncode == 3 and "nope.txt" in p.stderr.decode()
    p = run_cli("score", check=False)
    assert p.returncode == 2 and "no input" in p.stderr.decode()


def test_ctrl_c_stops_promptly_and_leaves_no_file(tmp_path):
    preds, refs, _ = _corpus(2000, seed=1)
    big = tmp_path / "big.jsonl"
    with open(big, "w") as f:
        for _ in range(300):  # 600k rows
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
    # interrupt once scoring has begun (the per-pair temporary file exists), not after a fixed delay
    deadline = time.monotonic() + 60
    while not any(q.name.startswith(".lexmetrics-") for q in tmp_path.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
        time.sleep(0.02)
    time.sleep(0.2)
    assert proc.poll() is None, "finished before the interrupt; make the input larger"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 15
    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    assert not out_path.exists()
    assert [q.name for q in tmp_path.iterdir() if q.name.startswith(".lexmetrics-")] == []


def test_stdout_is_results_only(tmp_path, corpus):
    preds, refs, _ = corpus
    _write_lines(tmp_path / "hyp.txt", preds)
    _write_lines(tmp_path / "ref.txt", refs)
    env = dict(os.environ)
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "lexmetrics.cli",
            "score",
            "-i",
            str(tmp_path / "hyp.txt"),
            "-r",
            str(tmp_path / "ref.txt"),
            "-f",
            "text",
        ],
        capture_output=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert p.stdout.decode().startswith(str(tmp_path / "hyp.txt"))


def test_tables_take_the_arrow_fast_path_and_resume_exactly(tmp_path, corpus):
    """jsonl/csv/parquet stream as Arrow columns; a bad row mid-file hands over to the Python
    reader, which resumes after the rows already read and names the line."""
    import pyarrow as pa
    from lexmetrics import _cli_files

    preds, refs, _ = corpus
    spec = _cli_files.TableSpec(["prediction"], ["reference"], [], None)
    path = tmp_path / "d.jsonl"
    path.write_text(
        "".join(json.dumps({"prediction": p, "reference": r}) + "\n" for p, r in zip(preds, refs))
    )
    chunks = list(_cli_files.read_table(str(path), "jsonl", spec, 64))
    assert all(isinstance(c.systems[0], pa.Array) for c in chunks)
    assert sum(len(c) for c in chunks) == len(preds)
    assert [x for c in chunks for x in c.systems[0].to_pylist()] == preds
    # A type change after the first block (an int where text was) is read by the Python reader.
    lines = [json.dumps({"prediction": p, "reference": r}) for p, r in zip(preds, refs)]
    lines[250] = json.dumps({"prediction": 5, "reference": "x"})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        _cli_files.InputFileError, match=r"d\.jsonl:251: column 'prediction' must be a string"
    ):
        list(_cli_files.read_table(str(path), "jsonl", spec, 64))
