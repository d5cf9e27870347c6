"""No import cycles between the package's modules, lazy (function-level) imports included.

A package's ``__init__`` re-exports its modules, so an import of the package itself (``from .. import
__version__``) is not counted as an edge back into it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lexmetrics

PKG = Path(lexmetrics.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = ["lexmetrics", *path.relative_to(PKG).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _edges(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            mod = ".".join(filter(None, [base if node.level else "", node.module or ""]))
            targets = [
                f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names
            ]
        else:
            continue
        for t in targets:
            # an imported package only counts when it is a leaf module, see the docstring
            if t in modules and t != name and modules[t].name != "__init__.py":
                found.add(t)
    return found


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {m: _edges(m, p, modules) for m, p in modules.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n) :] + [n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
