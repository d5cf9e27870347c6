"""`lexmetrics score` as a new user meets it: tables on stdin and under any name, JSON arrays,
sacrebleu's habits (positional references, -m lists, -b, --sentence-level), --per-pair to stdout
with a schema that does not depend on the folder, the demo, --help, and hostile option values."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys

import pytest

WORDS = "the a cat dog sat on mat quick brown fox jumps over lazy day night red blue . , !".split()


def _corpus(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    refs, good, bad = [], [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(3, 25))]
        refs.append(" ".join(ref))
        good.append(" ".join(w if rng.random() < 0.8 else rng.choice(WORDS) for w in ref))
        bad.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 10))))
    return good, refs, bad


def run_cli(
    *args: str,
    stdin: bytes | None = None,
    check: bool = True,
    cwd: str | None = None,
    module: str = "lexmetrics.cli",
) -> subprocess.CompletedProcess:
    p = subprocess.run(
        [sys.executable, "-m", module, *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        cwd=cwd,
    )
    if check and p.returncode != 0:
        raise AssertionError(f"exit {p.returncode}: {p.stderr.decode()}")
    return p


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("usability")
    good, refs, bad = _corpus(120)
    (d / "hyp.txt").write_text("".join(x + "\n" for x in good), encoding="utf-8")
    (d / "bad.txt").write_text("".join(x + "\n" for x in bad), encoding="utf-8")
    (d / "ref.txt").write_text("".join(x + "\n" for x in refs), encoding="utf-8")
    rows = [
        {"id": i, "out": g, "alt": b, "gold": r} for i, (g, b, r) in enumerate(zip(good, bad, refs))
    ]
    (d / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with open(d / "data.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return d


def _metrics(stdout: bytes) -> dict:
    return json.loads(stdout)["metrics"]


TABLE = ("--pred-col", "out", "--ref-col", "gold", "-m", "rouge1,bleu,chrf")


# ---------------------------------------------------------------- tables from stdin, any name


def test_jsonl_table_on_stdin_equals_the_file(files):
    want = _metrics(run_cli("score", "-i", str(files / "data.jsonl"), *TABLE).stdout)
    data = (files / "data.jsonl").read_bytes()
    got = run_cli("score", "-i", "-", *TABLE, stdin=data)
    assert _metrics(got.stdout) == want
    # with a byte order mark, and named explicitly
    got = run_cli(
        "score", "-i", "-", "--input-format", "jsonl", *TABLE, stdin=b"\xef\xbb\xbf" + data
    )
    assert _metrics(got.stdout) == want


def test_csv_and_parquet_on_stdin(files, tmp_path):
    want = _metrics(run_cli("score", "-i", str(files / "data.jsonl"), *TABLE).stdout)
    got = run_cli(
        "score", "-i", "-", "--input-format", "csv", *TABLE, stdin=(files / "data.csv").read_bytes()
    )
    assert _metrics(got.stdout) == want
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [json.loads(x) for x in (files / "data.jsonl").read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "d.parquet", row_group_size=50)
    got = run_cli(
        "score", "-i", "-", *TABLE, stdin=(tmp_path / "d.parquet").read_bytes()
    )  # told by PAR1
    assert _metrics(got.stdout) == want


def test_input_format_overrides_the_extension(files, tmp_path):
    want = _metrics(run_cli("score", "-i", str(files / "data.jsonl"), *TABLE).stdout)
    (tmp_path / "export.txt").write_bytes((files / "data.jsonl").read_bytes())
    got = run_cli("score", "-i", str(tmp_path / "export.txt"), "--input-format", "jsonl", *TABLE)
    assert _metrics(got.stdout) == want
    with open(tmp_path / "data.tsv.out", "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t").writerows(
            csv.reader(open(files / "data.csv", encoding="utf-8"))
        )
    got = run_cli("score", "-i", str(tmp_path / "data.tsv.out"), "--input-format", "tsv", *TABLE)
    assert _metrics(got.stdout) == want
    # txt: a file with a table's extension read as one segment per line
    (tmp_path / "hyp.jsonl").write_bytes((files / "hyp.txt").read_bytes())
    a = run_cli("score", "-i", str(files / "hyp.txt"), "-r", str(files / "ref.txt"), "-m", "bleu")
    b = run_cli(
        "score",
        "-i",
        str(tmp_path / "hyp.jsonl"),
        "--input-format",
        "txt",
        "-r",
        str(files / "ref.txt"),
        "-m",
        "bleu",
    )
    assert _metrics(a.stdout) == _metrics(b.stdout)


def test_json_array_of_objects_is_a_table(files, tmp_path):
    want = _metrics(run_cli("score", "-i", str(files / "data.jsonl"), *TABLE).stdout)
    rows = [json.loads(x) for x in (files / "data.jsonl").read_text().splitlines()]
    (tmp_path / "data.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    assert _metrics(run_cli("score", "-i", str(tmp_path / "data.json"), *TABLE).stdout) == want
    # the same bytes on stdin, and with a byte order mark
    data = b"\xef\xbb\xbf" + (tmp_path / "data.json").read_bytes()
    assert _metrics(run_cli("score", "-i", "-", *TABLE, stdin=data).stdout) == want
    # a .json file with one object per line is jsonl
    (tmp_path / "lines.json").write_bytes((files / "data.jsonl").read_bytes())
    assert _metrics(run_cli("score", "-i", str(tmp_path / "lines.json"), *TABLE).stdout) == want


BAD_JSON = [
    ("numbers.json", b"[\n 1,\n 2\n]\n", "numbers.json:2", "element 0 of the array is a number"),
    (
        "mixed.json",
        b'[{"out": "a", "gold": "b"},\n "x"]',
        "mixed.json:2",
        "element 1 of the array is a string",
    ),
    ("string.json", b'"just text"', "string.json:1", "expected a JSON array of objects"),
    (
        "broken.json",
        b'[{"out": "a", "gold": "b"},\n{"out": "a", "gold": \n',
        "broken.json:3",
        "malformed JSON",
    ),
    ("trailing.json", b'[{"out": "a", "gold": "b"}]\n]', "trailing.json:2", "the end of the file"),
    (
        "nocomma.json",
        b'[{"out": "a", "gold": "b"}\n{"out": "a", "gold": "b"}]',
        "nocomma.json:2",
        "',' or ']'",
    ),
    (
        "missing.json",
        b'[{"out": "a", "gold": "b"},\n{"out": "a"}]',
        "missing.json:2",
        "missing column 'gold'",
    ),
    ("utf16.json", '[{"out": "a", "gold": "b"}]'.encode("utf-16"), "utf16.json:1", "UTF-16"),
]


@pytest.mark.parametrize("name,content,where,what", BAD_JSON, ids=[b[0] for b in BAD_JSON])
def test_bad_json_arrays_name_the_file_and_line(tmp_path, name, content, where, what):
    (tmp_path / name).write_bytes(content)
    p = run_cli(
        "score", "-i", str(tmp_path / name), "--pred-col", "out", "--ref-col", "gold", check=False
    )
    err = p.stderr.decode()
    assert p.returncode == 3, err
    assert where in err and what in err, err
    assert p.stdout == b""


def test_hostile_stdin_and_format_options(files):
    table = ("--pred-col", "out", "--ref-col", "gold")
    # a format that does not exist: argparse's usage error, naming the choices
    p = run_cli("score", "-i", str(files / "data.jsonl"), "--input-format", "xml", check=False)
    assert p.returncode == 2 and "invalid choice: 'xml'" in p.stderr.decode()
    p = run_cli(
        "score",
        "-i",
        str(files / "data.jsonl"),
        "--per-pair",
        "-",
        "--per-pair-format",
        "xlsx",
        check=False,
    )
    assert p.returncode == 2 and "invalid choice: 'xlsx'" in p.stderr.decode()
    p = run_cli("score", "-i", str(files / "data.jsonl"), "--per-pair-format", "csv", check=False)
    assert p.returncode == 2 and "give --per-pair too" in p.stderr.decode()
    # stdin twice
    p = run_cli(
        "score", "-i", "-", "-i", "-", "-r", str(files / "ref.txt"), check=False, stdin=b"a\n"
    )
    assert p.returncode == 3 and "stdin ('-') can be read only once" in p.stderr.decode()
    p = run_cli("score", "-i", "-", "-r", "-", check=False, stdin=b"a\n")
    assert p.returncode == 3 and "only once" in p.stderr.decode()
    # empty stdin: a table, and text
    p = run_cli("score", "-i", "-", *table, check=False, stdin=b"")
    assert p.returncode == 3 and "<stdin>: empty input" in p.stderr.decode()
    p = run_cli("score", "-i", "-", "--input-format", "jsonl", *table, check=False, stdin=b"")
    assert p.returncode == 3 and "<stdin>: no rows" in p.stderr.decode()
    p = run_cli("score", "-i", "-", "-r", str(files / "ref.txt"), check=False, stdin=b"")
    assert p.returncode == 3 and "<stdin> has 0 lines" in p.stderr.decode()
    # a csv on stdin cannot be told from its bytes: say which option to give
    p = run_cli("score", "-i", "-", *table, check=False, stdin=(files / "data.csv").read_bytes())
    assert p.returncode == 2 and "--input-format csv" in p.stderr.decode()
    # a bad row on stdin names <stdin> and the line
    p = run_cli(
        "score", "-i", "-", *table, check=False, stdin=b'{"out": "a", "gold": "b"}\n{"out": "c"}\n'
    )
    assert p.returncode == 3 and "<stdin>:2: missing column 'gold'" in p.stderr.decode()
    # a UTF-16 file (byte order mark) is named as such
    p = run_cli(
        "score", "-i", "-", "-r", str(files / "ref.txt"), check=False, stdin="a\n".encode("utf-16")
    )
    assert (
        p.returncode == 3
        and "<stdin>:1: starts with a UTF-16/UTF-32 byte order mark" in p.stderr.decode()
    )


# ---------------------------------------------------------------- sacrebleu's habits


def test_positional_references_as_sacrebleu(files):
    want = run_cli(
        "score", "-i", str(files / "hyp.txt"), "-r", str(files / "ref.txt"), "-m", "bleu,chrf"
    ).stdout
    for args in (
        (str(files / "ref.txt"), "-i", str(files / "hyp.txt"), "-m", "bleu,chrf"),
        ("-i", str(files / "hyp.txt"), str(files / "ref.txt"), "-m", "bleu,chrf"),
        ("-m", "bleu", "chrf", "-i", str(files / "hyp.txt"), str(files / "ref.txt")),
    ):
        assert run_cli("score", *args).stdout == want, args
    # no -i: the hypotheses on stdin (sacrebleu's `cat hyp | sacrebleu ref`)
    got = run_cli(
        "score", str(files / "ref.txt"), "-m", "bleu,chrf", stdin=(files / "hyp.txt").read_bytes()
    )
    assert _metrics(got.stdout) == _metrics(want)
    # a reference after -m is taken for a metric: the error says so
    p = run_cli(
        "score", "-i", str(files / "hyp.txt"), "-m", "bleu", str(files / "ref.txt"), check=False
    )
    assert p.returncode == 2 and "give references before -m" in p.stderr.decode()


def test_metric_names_any_case_and_space_separated(files):
    base = ("score", "-i", str(files / "hyp.txt"), "-r", str(files / "ref.txt"))
    want = _metrics(run_cli(*base, "-m", "rougeL,bleu,chrf").stdout)
    assert _metrics(run_cli(*base, "-m", "rougel,BLEU", "ChrF").stdout) == want
    assert _metrics(run_cli(*base, "-m", "ROUGEL", "bleu", "-m", "chrf").stdout) == want
    p = run_cli(*base, "-m", "rouge42", check=False)
    assert p.returncode == 3 and "unknown metric 'rouge42'" in p.stderr.decode()


def _sacrebleu(*args: str, stdin: bytes | None = None) -> bytes:
    return run_cli(*args, stdin=stdin, module="sacrebleu").stdout


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_score_only_prints_sacrebleus_number(files, metric):
    args = (str(files / "ref.txt"), "-i", str(files / "hyp.txt"), "-m", metric, "-b", "-w", "3")
    assert run_cli("score", *args).stdout == _sacrebleu(*args)


def test_score_only_several_metrics_and_systems(files):
    out = run_cli(
        "score",
        "-i",
        str(files / "hyp.txt"),
        "-i",
        str(files / "bad.txt"),
        "-r",
        str(files / "ref.txt"),
        "-m",
        "rouge1",
        "bleu",
        "-b",
    ).stdout.decode()
    js = json.loads(
        run_cli(
            "score",
            "-i",
            str(files / "hyp.txt"),
            "-i",
            str(files / "bad.txt"),
            "-r",
            str(files / "ref.txt"),
            "-m",
            "rouge1",
            "bleu",
        ).stdout
    )
    want = ""
    for m in ("rouge1", "bleu"):
        cells = []
        for s in js["systems"]:
            r = s["metrics"][m]
            cells.append(f"{100 * r['fmeasure'] if m == 'rouge1' else r['score']:.2f}")
        want += "\t".join(cells) + "\n"
    assert out == want


@pytest.mark.parametrize("metric", ["bleu", "chrf", "ter"])
def test_sentence_level_equals_sacrebleus(files, metric):
    args = (
        str(files / "ref.txt"),
        "-i",
        str(files / "hyp.txt"),
        "-m",
        metric,
        "-sl",
        "-b",
        "-w",
        "4",
    )
    got = run_cli("score", *args).stdout
    assert got == _sacrebleu(*args)
    assert len(got.splitlines()) == 120
    text = run_cli("score", *args[:-3], "-m", "rouge1", "-w", "4").stdout.decode().splitlines()
    assert len(text) == 120 and text[0].startswith("rouge1 = ") and f"\t{metric} = " in text[0]


def test_sentence_level_refuses_what_it_cannot_print(files):
    base = ("score", "-i", str(files / "hyp.txt"), "-r", str(files / "ref.txt"), "-sl")
    for extra, what in (
        (("-ci",), "no -ci"),
        (("-i", str(files / "bad.txt")), "one system"),
        (("--per-pair", "-"), "both write to stdout"),
    ):
        p = run_cli(*base, *extra, check=False)
        assert p.returncode == 2 and what in p.stderr.decode(), extra
        assert p.stdout == b""


# ---------------------------------------------------------------- --per-pair


def test_per_pair_to_stdout_report_to_stderr(files):
    args = ("score", "-i", str(files / "data.jsonl"), *TABLE, "--id-col", "id", "-q")
    report = json.loads(run_cli(*args).stdout)
    for fmt in ("jsonl", "csv", "parquet"):
        p = run_cli(
            *args, "--per-pair", "-", *(["--per-pair-format", fmt] if fmt != "jsonl" else [])
        )
        got = json.loads(p.stderr)
        assert got["metrics"] == report["metrics"] and got["per_pair"] == {"path": "-", "rows": 120}
        if fmt == "jsonl":
            rows = [json.loads(x) for x in p.stdout.decode().splitlines()]
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(p.stdout.decode())))
        else:
            pa = pytest.importorskip("pyarrow")
            import pyarrow.parquet as pq

            rows = pq.read_table(pa.BufferReader(p.stdout)).to_pylist()
        assert len(rows) == 120 and [str(r["id"]) for r in rows] == [str(i) for i in range(120)]
        assert (
            float(rows[3]["bleu"])
            == json.loads(run_cli(*args, "--per-pair", "-").stdout.splitlines()[3])["bleu"]
        )


def test_per_pair_schema_does_not_depend_on_the_folder(files, tmp_path):
    """Two systems, run once from the data's folder and once from elsewhere with other spellings
    of the same paths: the same columns, none holding a path."""
    out1, out2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_cli(
        "score",
        "-i",
        "hyp.txt",
        "-i",
        "./bad.txt",
        "-r",
        "ref.txt",
        "-m",
        "rouge1,bleu",
        "--per-pair",
        str(out1),
        cwd=str(files),
    )
    rel = os.path.relpath(files, tmp_path)
    run_cli(
        "score",
        "-i",
        os.path.join(rel, "hyp.txt"),
        "-i",
        str(files / "bad.txt"),
        "-r",
        str(files / "ref.txt"),
        "-m",
        "rouge1,bleu",
        "--per-pair",
        str(out2),
        cwd=str(tmp_path),
    )
    cols1 = list(json.loads(out1.read_text().splitlines()[0]))
    assert cols1 == list(json.loads(out2.read_text().splitlines()[0]))
    assert cols1 == [
        "sys1.rouge1_precision",
        "sys1.rouge1_recall",
        "sys1.rouge1_fmeasure",
        "sys1.bleu",
        "sys2.rouge1_precision",
        "sys2.rouge1_recall",
        "sys2.rouge1_fmeasure",
        "sys2.bleu",
    ]
    # a table's systems are named by their columns
    out3 = tmp_path / "c.csv"
    js = json.loads(
        run_cli(
            "score",
            "-i",
            str(files / "data.jsonl"),
            "--pred-col",
            "out",
            "--pred-col",
            "alt",
            "--ref-col",
            "gold",
            "-m",
            "bleu",
            "--per-pair",
            str(out3),
        ).stdout
    )
    assert next(csv.reader(open(out3, encoding="utf-8"))) == ["out.bleu", "alt.bleu"]
    assert [s["label"] for s in js["systems"]] == ["out", "alt"]


# ---------------------------------------------------------------- demo and --help


def test_demo_compares_the_two_bundled_systems():
    js = json.loads(run_cli("score", "--demo", "-f", "json").stdout)
    assert [s["label"] for s in js["systems"]] == ["A", "B"]
    for s in js["systems"]:
        assert s["n"] == 20  # each system's own 20 documents, not 40 pooled pairs
        ci = s["metrics"]["bleu"]["ci"]
        assert ci["low"] < s["metrics"]["bleu"]["score"] < ci["high"]
    sig = js["systems"][1]["significance"]
    assert sig["baseline"].endswith("[A]") and sig["chrf"]["paired_bs"]["p_value"] < 0.05
    text = run_cli("score", "--demo").stdout.decode()
    assert (
        "lexmetrics score -i sysA.txt -i sysB.txt -r ref.txt" in text
    )  # how to run it on your files
    line = next(x for x in text.splitlines() if x.startswith("BLEU"))
    a, b = (
        js["systems"][0]["metrics"]["bleu"]["score"],
        js["systems"][1]["metrics"]["bleu"]["score"],
    )
    assert f"{a:.2f}" in line and f"{b:.2f}" in line and f"{b - a:+.2f}" in line and ")*" in line


def test_help_shows_every_default():
    from lexmetrics import cli

    parser = cli._score_subparser(cli.build_parser())
    fmt = parser._get_formatter()
    missing = [
        a.option_strings
        for a in parser._actions
        if a.option_strings
        and a.help is not argparse.SUPPRESS
        and a.dest != "help"
        and "default" not in (fmt._get_help_string(a) or "")
    ]
    assert missing == []
    out = " ".join(run_cli("score", "--help").stdout.decode().split())
    for text in (
        "(default: 13a)",
        "(default: 1000)",
        "(default: off)",
        "(default: 100000)",
        "examples:",
    ):
        assert text in out, text
