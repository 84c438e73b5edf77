"""The inventory's modules import each other in one direction only (no cycle, not even through an
import inside a function)."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "accessproof" / "inventory"


def sibling_imports(path: Path, siblings: set[str]) -> set[str]:
    """The sibling modules ``path`` imports anywhere in its body (``from .x import``, ``from . import x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            found.update(n for n in names if n in siblings)
    return found


def test_no_import_cycle_inside_the_inventory():
    modules = {p.stem: p for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    graph = {name: sibling_imports(path, set(modules)) for name, path in modules.items()}
    assert "load" not in graph["activity"] and "account" in graph["activity"]  # the cycle that was
    try:
        list(TopologicalSorter(graph).static_order())
    except CycleError as e:
        raise AssertionError(f"import cycle: {' -> '.join(e.args[1])}") from None
