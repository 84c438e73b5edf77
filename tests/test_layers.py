"""The import graph of ``accessproof/``: no cycle, and no module imports a layer above its own.

Every import counts, also those inside functions (a lazy import is still a dependency). The
layers, bottom to top, as the code is built (DESIGN.md's table, adjusted):

- ``runtime``, ``version``, ``untrusted``: process-level helpers and the reader of user input
  (files, trees, JSON within limits), which every layer above may use; and ``parallel``, the
  executors (local processes, Ray) that run independent work on every core, which know nothing
  of what they run;
- ``policy``: the policy language, with the wildcard matcher every layer uses
  (``policy.wildcards``);
- ``catalog``: the service reference, which matches its ARN formats and key names with
  ``policy.wildcards``;
- ``validate``, ``evaluate``: ValidatePolicy and the concrete decision engine, side by side;
- ``reason``: the symbolic engine (uses the evaluator to replay witnesses);
- ``checks``: the custom policy checks;
- ``generate``: policy generation, including the CloudTrail reader, mapping and sources that the
  inventory's activity data reuses — hence below ``inventory`` (DESIGN.md puts it beside the
  analyzers);
- ``inventory``: account snapshots and their activity data;
- ``resources``: one module per resource type, over the inventory's records;
- ``findings``: the findings model, lifecycle and store (it needs nothing above ``policy``, but it
  is what the analyzers write into);
- ``analyzers``: external and unused access, producing findings;
- ``integrations``: SARIF and the like, over findings;
- ``templates``: CloudFormation templates and Terraform plans → their policies, and the checks,
  validation and access preview run on them (over validate, checks, analyzers, integrations);
- ``delta``: the access delta between two policies, templates or revisions (over templates);
- ``api``: the boto3-compatible clients (they call the analyzers, never the reverse); beside it
  ``monitor``, the long-running process that keeps findings current (collector, analyzers, store,
  notifications);
- ``console``: the web console that ``serve`` mounts beside the API (it reads the API's backend;
  the API knows nothing of it: ``cli.serve`` composes them);
- ``accessproof`` itself (the package facade that re-exports ``client``);
- ``cli``: the command line, over everything.

Two packages of one layer do not import each other.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "accessproof"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"runtime", "version", "untrusted", "parallel"}),
    frozenset({"policy"}),
    frozenset({"catalog"}),
    frozenset({"validate", "evaluate"}),
    frozenset({"reason"}),
    frozenset({"checks"}),
    frozenset({"generate"}),
    frozenset({"inventory"}),
    frozenset({"resources"}),
    frozenset({"findings"}),
    frozenset({"analyzers"}),
    frozenset({"integrations"}),
    frozenset({"templates"}),
    frozenset({"delta"}),
    frozenset({"api", "monitor"}),
    frozenset({"console"}),
    frozenset({""}),  # accessproof/__init__.py, the facade
    frozenset({"cli"}),
)

KNOWN_CYCLES: tuple[frozenset[str], ...] = ()  # none left


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package ``__init__``)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


def _known_prefix(name: str, modules: dict) -> str:
    while name not in modules:
        name = name.rsplit(".", 1)[0]
    return name


def _targets(module: str, is_package: bool, node: ast.AST, modules: dict) -> list[str]:
    """The project modules one import statement loads (``from pkg import sub`` names the submodule)."""
    if isinstance(node, ast.Import):
        return [_known_prefix(alias.name, modules) for alias in node.names
                if alias.name == "accessproof" or alias.name.startswith("accessproof.")]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target != "accessproof" and not target.startswith("accessproof."):
        return []
    return [f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else _known_prefix(target, modules)
            for alias in node.names]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, (path, is_package) in modules.items():
        graph[module]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            graph[module].update(t for t in _targets(module, is_package, node, modules) if t != module)
    return graph


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def rank(layer: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if layer in names)


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred modules)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


GRAPH = import_graph()


def test_every_package_has_a_layer():
    placed = set().union(*LAYERS)
    assert sorted({layer_of(m) for m in GRAPH} - placed) == []


def test_no_import_cycle():
    cycles = [sorted(c) for c in strongly_connected(GRAPH) if len(c) > 1 and frozenset(c) not in KNOWN_CYCLES]
    assert cycles == []


def test_no_module_imports_a_layer_above_its_own():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if layer_of(a) != layer_of(b) and rank(layer_of(b)) >= rank(layer_of(a)))
    assert upward == []


# The checker itself, on small graphs: a cycle and an upward import are seen.

def test_tarjan_finds_a_three_module_cycle_and_leaves_a_chain_alone():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert [c for c in strongly_connected(graph) if len(c) > 1] == [{"a", "b", "c"}]
    assert [c for c in strongly_connected({"a": {"b"}, "b": set()}) if len(c) > 1] == []


@pytest.mark.parametrize("source, expected", [
    ("from ..api.client import client", ["accessproof.api.client"]),
    ("from ..findings import FindingsStore", ["accessproof.findings"]),
    ("from . import unused_grants", ["accessproof.analyzers.unused_grants"]),
    ("import accessproof.checks.common", ["accessproof.checks.common"]),
])
def test_imports_resolve_to_project_modules(source, expected):
    modules = _modules()
    [node] = ast.parse(source).body
    assert _targets("accessproof.analyzers.unused", False, node, modules) == expected
    assert rank(layer_of(expected[0])) != rank("analyzers") or expected[0].startswith("accessproof.analyzers")
