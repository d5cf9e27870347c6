"""``python -m lexmetrics.compat.sacrebleu`` against ``python -m sacrebleu`` on the same files:
the same arguments give byte-identical stdout and the same exit status."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _sacre_corpus import make_corpus

N = 60


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("sacrecli")
    hyps, refs = make_corpus(N * 2, seed=51, max_refs=2)
    # one line per segment, short lines (sacrebleu's own TER is slow on the corpus' long ones)
    keep = [
        i
        for i in range(len(hyps))
        if "\n" not in hyps[i] + "".join(refs[i])
        and "\t" not in hyps[i] + "".join(refs[i])
        and max(len(x.split()) for x in [hyps[i], *refs[i]]) <= 40
        and len(refs[i]) == 2
    ][:N]
    clean = keep
    out = {}
    (d / "ref.a").write_text("".join(refs[i][0] + "\n" for i in clean), encoding="utf-8")
    (d / "ref.b").write_text("".join(refs[i][1] + "\n" for i in clean), encoding="utf-8")
    (d / "ref.tsv").write_text(
        "".join(refs[i][0] + "\t" + refs[i][1] + "\n" for i in clean), encoding="utf-8"
    )
    (d / "hyp.1").write_text("".join(hyps[i] + "\n" for i in clean), encoding="utf-8")
    (d / "hyp.2").write_text("".join(refs[i][1][::-1] + "\n" for i in clean), encoding="utf-8")
    (d / "hyp.3").write_text(
        "".join((hyps[i] if i % 2 else refs[i][0]) + "\n" for i in clean), encoding="utf-8"
    )
    (d / "short.ref").write_text("a b c\n", encoding="utf-8")
    out["dir"] = d
    return out


def _run(module, args, cwd, stdin=None):
    env = dict(os.environ, NO_COLOR="", SACREBLEU_SEED="12345")
    env.pop("NO_COLOR")
    env.pop("SACREBLEU_FORMAT", None)
    if module == "sacrebleu":
        # sacrebleu's console script (argv[0] "sacrebleu", as `--version` prints it)
        cmd = [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = 'sacrebleu'; from sacrebleu.sacrebleu import main; main()",
        ]
    else:
        cmd = [sys.executable, "-m", module]
    p = subprocess.run([*cmd, *args], cwd=cwd, env=env, capture_output=True, input=stdin)
    return p.returncode, p.stdout


CASES = [
    ["ref.a", "-i", "hyp.1"],
    ["ref.a", "-i", "hyp.1", "-m", "bleu", "chrf", "ter"],
    ["ref.a", "ref.b", "-i", "hyp.1", "-m", "bleu", "chrf", "ter", "-f", "text"],
    ["ref.a", "ref.b", "-i", "hyp.1", "-m", "bleu", "chrf", "ter", "-f", "text", "-sh"],
    ["ref.tsv", "--num-refs", "2", "-i", "hyp.1", "-m", "bleu", "ter", "-b"],
    ["ref.a", "-i", "hyp.1", "-w", "4", "-tok", "intl", "-lc", "-s", "floor", "-sv", "0.2"],
    ["ref.a", "-i", "hyp.1", "-tok", "char", "-f", "text"],
    ["ref.a", "-i", "hyp.1", "-m", "chrf", "-cw", "2", "--chrf-eps-smoothing", "--chrf-lowercase"],
    [
        "ref.a",
        "-i",
        "hyp.1",
        "-m",
        "ter",
        "--ter-normalized",
        "--ter-no-punct",
        "--ter-case-sensitive",
        "-f",
        "text",
    ],
    ["ref.a", "-i", "hyp.1", "-m", "bleu", "chrf", "ter", "--confidence", "-cin", "200"],
    ["ref.a", "-i", "hyp.1", "-m", "bleu", "chrf", "--confidence", "-cin", "200", "-f", "text"],
    ["ref.a", "-i", "hyp.1", "hyp.2", "hyp.3", "-m", "bleu", "chrf", "ter"],
    ["ref.a", "-i", "hyp.1", "hyp.2", "hyp.3", "-m", "bleu", "chrf", "-f", "text"],
    ["ref.a", "-i", "hyp.1", "hyp.2", "hyp.3", "-m", "bleu", "chrf", "ter", "-f", "latex"],
    # sacrebleu itself fails here (numpy float32 in its JSON table); the same failure, the same bytes
    ["ref.a", "-i", "hyp.1", "hyp.2", "hyp.3", "-m", "bleu", "chrf", "--paired-bs", "-pbsn", "200"],
    [
        "ref.a",
        "-i",
        "hyp.1",
        "hyp.2",
        "hyp.3",
        "-m",
        "bleu",
        "ter",
        "--paired-bs",
        "-pbsn",
        "100",
        "-f",
        "text",
    ],
    [
        "ref.a",
        "-i",
        "hyp.1",
        "hyp.2",
        "hyp.3",
        "-m",
        "bleu",
        "chrf",
        "--paired-ar",
        "-parn",
        "300",
        "-f",
        "latex",
    ],
    ["ref.a", "-i", "hyp.1", "-sl", "-m", "bleu"],
    ["ref.a", "-i", "hyp.1", "-sl", "-m", "ter", "-w", "3"],
    ["ref.a", "ref.b", "-i", "hyp.1", "-sl", "-m", "chrf", "-b"],
    ["short.ref", "-i", "hyp.1"],  # length mismatch: an error and exit status 1 in both
    ["ref.a", "-i", "hyp.1", "-sl", "-m", "bleu", "ter"],
    ["--version"],
    ["--help"],
]


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_same_output_as_sacrebleu(files, args):
    cwd = files["dir"]
    theirs = _run("sacrebleu", args, cwd)
    ours = _run("lexmetrics.compat.sacrebleu", args, cwd)
    assert ours == theirs
    assert theirs[1] or theirs[0] != 0 or args == ["--version"]


def test_stdin_systems_and_paired_stdin(files):
    cwd = files["dir"]
    rows = zip(
        *(p.read_text(encoding="utf-8").splitlines() for p in (cwd / "hyp.1", cwd / "hyp.2"))
    )
    tsv = "".join(a + "\t" + b + "\n" for a, b in rows).encode()
    one = (cwd / "hyp.1").read_bytes()
    for args, data in (
        (["ref.a"], one),
        (["ref.a", "-m", "chrf", "-f", "text"], one),
        (["ref.a", "-m", "bleu", "chrf"], tsv),
        (["ref.a", "--paired-bs", "-pbsn", "50"], tsv),
    ):
        assert _run("lexmetrics.compat.sacrebleu", args, cwd, data) == _run(
            "sacrebleu", args, cwd, data
        ), args


@pytest.mark.parametrize(
    "args", [["-t", "wmt19", "-l", "de-en"], ["--list"], ["ref.a", "-i", "hyp.1", "-d"]]
)
def test_test_sets_are_not_supported(files, args):
    p = subprocess.run(
        [sys.executable, "-m", "lexmetrics.compat.sacrebleu", *args],
        cwd=files["dir"],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 1
    assert "not supported" in p.stderr
