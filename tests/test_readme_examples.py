"""The examples of README.md and docs/*.md run as written.

Each file's ```python blocks run in order in one namespace (later blocks use earlier names), in a
fresh interpreter whose working directory holds small input files (hyp.txt, ref.txt, base.txt,
new.txt, data.parquet) for the shell examples. An HTML comment ``<!-- test-setup: ... -->`` before
a block holds code run first and not shown (the reader's own data: a model, batches); a
``<!-- no-test: reason -->`` comment skips the next block. ``lexmetrics ...`` commands of ```bash
blocks run too. A file whose examples need an extra that is not installed is skipped (never in CI:
scripts/test.sh installs every extra, and conftest.py fails the run if one is missing).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\S*)\s*$")
MARKER = re.compile(r"<!--\s*(?P<kind>test-setup|no-test):?(?P<body>.*?)-->", re.S)
# The import that tells an example needs an optional extra.
EXTRAS = {
    "torch": "torch",
    "pyspark": "pyspark",
    "lexmetrics.train": "torch",
    "lexmetrics.spark": "pyspark",
    "lexmetrics import spark": "pyspark",
    "lexmetrics.integrations": "torch",
    "pyarrow": "pyarrow",
    "polars": "polars",
    "pandas": "pandas",
    "finetune-demo": "torch",
}


@dataclass
class Block:
    path: Path
    line: int  # first line of the code (1-based)
    lang: str
    code: str
    setup: str  # from a test-setup comment just before the block
    skip: str | None  # the reason of a no-test comment just before the block


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i, prose_start = 0, 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang = len(m["indent"]), m["lang"]
        j = i + 1
        while j < len(lines) and not (lines[j].strip() == "```"):
            j += 1
        body = "\n".join(ln[indent:] for ln in lines[i + 1 : j])
        # Only the comment right before the fence (after the previous block) applies.
        prose = "\n".join(lines[prose_start:i])
        setup, skip = "", None
        markers = list(MARKER.finditer(prose))
        if markers and not prose[markers[-1].end() :].strip():
            mk = markers[-1]
            if mk["kind"] == "no-test":
                skip = mk["body"].strip() or "no reason given"
            else:
                setup = mk["body"].strip("\n")
        out.append(Block(path, i + 2, lang, body, setup, skip))
        i = prose_start = j + 1
    return out


def shell_commands(block: Block) -> list[str]:
    """The ``lexmetrics ...`` commands of a shell block (``$ `` prompts, ``&&`` chains, comments)."""
    cmds = []
    for raw in block.code.splitlines():
        for part in raw.split("&&"):
            part = part.strip().removeprefix("$ ")
            part = re.sub(r"\s+#.*$", "", part)
            if part.startswith("lexmetrics "):
                cmds.append(part)
    return cmds


def needs(text: str) -> set[str]:
    return {mod for key, mod in EXTRAS.items() if re.search(rf"\b{re.escape(key)}\b", text)}


RUNNER = r"""
import json, sys
ns = {"__name__": "__main__"}
for path, line, setup, code in json.load(sys.stdin):
    if setup:
        exec(compile(setup, f"{path} (test-setup before line {line})", "exec"), ns)
    # padded so that a traceback names the markdown line
    exec(compile("\n" * (line - 1) + code, path, "exec"), ns)
"""


def _inputs(tmp: Path) -> None:
    (tmp / "hyp.txt").write_text("the cat sat on the mat\na dog barked\n")
    (tmp / "base.txt").write_text("the cat sat on the mat\na dog barked\n")
    (tmp / "new.txt").write_text("the cat is on the mat\nthe dog barked\n")
    (tmp / "ref.txt").write_text("the cat is on the mat\na dog barked loudly\n")
    if importlib.util.find_spec("pyarrow") is not None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(
            pa.table(
                {
                    "output": ["the cat sat on the mat", "le chat", "a dog"],
                    "target": ["the cat is on the mat", "le chat est assis", "a dog barked"],
                    "lang": ["en", "fr", "en"],
                }
            ),
            tmp / "data.parquet",
        )


def _runnable(path: Path) -> tuple[list[Block], list[tuple[Block, str]]]:
    found = [b for b in blocks(path) if b.skip is None]
    python = [b for b in found if b.lang == "python"]
    shell = [
        (b, c) for b in found if b.lang in ("bash", "sh", "console", "") for c in shell_commands(b)
    ]
    return python, shell


WITH_EXAMPLES = [f for f in FILES if any(_runnable(f))]


def test_the_readme_has_examples() -> None:
    assert ROOT / "README.md" in WITH_EXAMPLES


@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_examples_run(path: Path, tmp_path: Path) -> None:
    python, shell = _runnable(path)
    text = "\n".join([*(b.setup + "\n" + b.code for b in python), *(c for _, c in shell)])
    missing = sorted(m for m in needs(text) if importlib.util.find_spec(m) is None)
    if missing:
        pytest.skip(f"{path.name}'s examples need {', '.join(missing)}")
    _inputs(tmp_path)
    env_python = [sys.executable, "-c", RUNNER]
    if python:
        payload = json.dumps(
            [[str(b.path.relative_to(ROOT)), b.line, b.setup, b.code] for b in python]
        )
        run = subprocess.run(
            env_python, input=payload, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert run.returncode == 0, f"{path.name}: a python example failed\n{run.stderr[-4000:]}"
    for b, cmd in shell:
        argv = [sys.executable, "-m", "lexmetrics", *shlex.split(cmd)[1:]]
        run = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, (
            f"{path.name}:{b.line}: `{cmd}` exited {run.returncode}\n{run.stderr[-4000:]}"
        )


def test_skipped_blocks_say_why() -> None:
    """Every no-test comment names its reason, and the list stays short and visible here."""
    skipped = {
        (str(b.path.relative_to(ROOT)), b.line): b.skip
        for f in FILES
        for b in blocks(f)
        if b.skip is not None
    }
    assert all(reason != "no reason given" for reason in skipped.values()), skipped
