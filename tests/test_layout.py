"""The layout holds: one-way data path, no import cycle, no private name across modules.

Independent route: the source text, parsed with ``ast`` (every ``import`` statement,
at module level and inside functions).  The rules are those of docs/architecture.md:

* ``theory`` imports neither ``numerics`` nor ``proofs_check``; ``numerics`` does not
  import ``proofs_check``;
* the module import graph has no cycle (imports inside functions included);
* no module imports another module's private (leading underscore) name;
* ``tests/numerics`` never imports ``proofs_check``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("theory", "numerics", "proofs_check")
LAYER = {name: i for i, name in enumerate(PACKAGES)}


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str]]:
    """``(imported module, imported name or "")`` for every project import of a module."""
    out = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base.split(".")[0] not in PACKAGES:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full, "") if full in modules else (base, alias.name))
        elif isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names if a.name.split(".")[0] in PACKAGES]
    return out


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {}
    private = []
    for name, path in modules.items():
        deps = set()
        for module, imported in _imports(name, path, modules):
            if imported.startswith("_") and not imported.startswith("__"):
                private.append(f"{name} imports {module}.{imported}")
            if module in modules and module != name:
                deps.add(module)
        edges[name] = deps
    return edges, private


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    edges, _ = _graph()
    assert _cycles(edges) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_data_path_is_one_way() -> None:
    edges, _ = _graph()
    upward = [f"{a} -> {b}" for a, deps in edges.items() for b in deps
              if LAYER[b.split(".")[0]] > LAYER[a.split(".")[0]]]
    assert upward == []


def test_no_private_name_crosses_modules() -> None:
    _, private = _graph()
    assert private == []


def test_numerics_tests_do_not_import_proofs_check() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "numerics").rglob("*.py")
                 if "proofs_check" in p.read_text(encoding="utf-8")]
    assert offenders == []
