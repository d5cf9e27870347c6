"""Write a pip constraints file with the exact versions installed in this interpreter (Python >= 3.11).

It walks the requirements of the given roots (lexmetrics extras from pyproject.toml and/or named
packages) recursively through the installed distributions' metadata and pins every one it reaches.
Update on purpose, in its own commit, from an environment whose tests pass:

    python scripts/update-constraints.py --extras test,train,spark,arrow -o constraints/ci.txt
    .build-venv/bin/python scripts/update-constraints.py \
        --packages maturin,ziglang,auditwheel,twine -o constraints/build.txt

A pinned package that dropped a Python version lexmetrics supports (>= 3.10) is pinned only for the
versions it supports (a `python_version` marker); there pip takes the last release that supports
the older Python, which no longer changes.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import sys
from importlib import metadata
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# Installer tooling comes with the interpreter; pinning it would fight each Python's own pip.
NOT_PINNED = {"lexmetrics", "pip", "setuptools", "wheel"}


def pinned_closure(roots: list[Requirement]) -> dict[str, metadata.Distribution]:
    found: dict[str, metadata.Distribution] = {}
    todo = [(r, frozenset(r.extras)) for r in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, extras = todo.pop()
        key = (canonicalize_name(req.name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            sys.exit(f"update-constraints: {req.name} is required but not installed here")
        found[key[0]] = dist
        for line in dist.requires or ():
            sub = Requirement(line)
            # A requirement applies with no extra, or with one of the extras we asked for.
            wanted = [""] + sorted(extras)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in wanted):
                todo.append((sub, frozenset(sub.extras)))
    return found


def python_marker(dist: metadata.Distribution) -> str:
    spec = SpecifierSet(dist.metadata.get("Requires-Python") or "")
    ok = [v for v in SUPPORTED_PYTHONS if spec.contains(v + ".99")]
    if not ok or ok[0] == SUPPORTED_PYTHONS[0]:
        return ""
    return f'; python_version >= "{ok[0]}"'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--extras", default="", help="comma-separated lexmetrics extras")
    ap.add_argument("--packages", default="", help="comma-separated package names")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    roots = [Requirement(r) for r in project["dependencies"]]
    for extra in filter(None, args.extras.split(",")):
        roots += [Requirement(r) for r in project["optional-dependencies"][extra]]
    roots += [Requirement(p) for p in filter(None, args.packages.split(","))]
    if not args.extras:
        roots = roots[len(project["dependencies"]) :]

    dists = pinned_closure(roots)
    for name in NOT_PINNED:
        dists.pop(name, None)
    lines = [
        f"# Exact versions CI tests against; written by scripts/update-constraints.py on "
        f"{datetime.date.today()}",
        f"# from Python {platform.python_version()} ({sys.platform}, {platform.machine()}); "
        f"roots: extras [{args.extras}] packages [{args.packages}].",
        "# Update on purpose, in its own commit, after the tests pass against the new versions.",
    ]
    for name in sorted(dists):
        dist = dists[name]
        lines.append(f"{name}=={dist.version}{python_marker(dist)}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text("\n".join(lines) + "\n")
    print(f"update-constraints: {len(dists)} pins -> {args.output}")


if __name__ == "__main__":
    main()
