"""The import graph of the project's packages, read from the source (every ``import``, also those inside
functions; ``if TYPE_CHECKING:`` blocks aside, which never run): no cycle anywhere, and the layers the
README draws — the model core below the scenario catalogue below the experiments."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("model", "agents", "scenarios", "experiments", "analysis", "app", "benchmarks")
ABOVE_THE_CORE = ("scenarios", "experiments", "analysis", "app", "benchmarks", "hydra", "omegaconf")


def modules() -> dict[str, Path]:
    """Every module of the project's packages by dotted name (a package by its own name)."""
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported(path: Path, name: str) -> set[str]:
    """The dotted names a module imports (a ``from a import b`` names ``a`` and ``a.b``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking(node):
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def graph() -> dict[str, set[str]]:
    """Module → the project's modules it imports (each import resolved to the longest module it names)."""
    mods = modules()

    def resolve(name: str) -> str | None:
        parts = name.split(".")
        return next((".".join(parts[:k]) for k in range(len(parts), 0, -1) if ".".join(parts[:k]) in mods), None)

    return {m: {t for t in map(resolve, imported(p, m)) if t and t != m} for m, p in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each a list of modules."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strongconnect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strongconnect(v)
    return out


def test_no_module_imports_itself_back_through_others():
    edges = graph()
    assert len(edges) > 80 and sum(map(len, edges.values())) > 250, "the graph was read"
    assert cycles(edges) == []


def test_a_cycle_is_found_where_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_never_imports_the_catalogue_the_experiments_or_hydra():
    """model/ and agents/ import nothing above them, not even inside a function: the core finds the
    scenario catalogue through the entry point ``cogov.catalogue`` (model.community._catalogue)."""
    for path in [*(ROOT / "model").rglob("*.py"), *(ROOT / "agents").rglob("*.py")]:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        up = sorted(n for n in imported(path, name) if n.split(".")[0] in ABOVE_THE_CORE)
        assert up == [], (name, up)


def test_the_catalogue_imports_only_the_core():
    for path in (ROOT / "scenarios").rglob("*.py"):
        up = sorted(n for n in imported(path, "scenarios") if n.split(".")[0] in PACKAGES[3:])
        assert up == [], (path, up)


def test_the_catalogue_is_found_through_its_entry_point():
    from importlib.metadata import entry_points

    import scenarios
    from model.community import CATALOGUE, _catalogue

    assert [e.value for e in entry_points(group=CATALOGUE)] == ["scenarios:compose_dict"]
    assert _catalogue() is scenarios.compose_dict
