"""The house rules of ARCHITECTURE.md, checked on the source: layering, no cycles, no hidden configuration.

Stages get settings, keys and paths from the entry point's context as parameters
(issue 14): a stage that reads the environment or the process settings itself
cannot be run by the console or a worker against another data directory.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "leaktrace"

# Which packages each package may import (ARCHITECTURE.md's table); `core` is open to all.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "pii": {"core"},
    "evidence": {"core"},
    "collect": {"core", "evidence"},
    "intel": {"core", "pii"},
    "dumps": {"core", "pii"},
    "attribution": {"core", "dumps", "pii"},
    "store": {"core"},
    "graph": {"core", "store"},
    "cases": {"core", "store", "graph", "evidence", "pii"},
    "simulate": {"core", "pii"},
    "images": {"core", "pii"},
    "service": {"core", "pipeline", "store"},
    # The console: pages and REST API over the service functions (and the stages' read models); nothing imports it.
    "web": {"core", "pipeline", "service", "store", "pii", "intel", "evidence", "cases", "graph", "dumps",
            "attribution", "collect"},
}
STAGES = ("pii", "intel", "dumps", "attribution", "graph", "cases", "collect", "evidence")
HIDDEN_CONFIG = {"load_keyring", "get_settings", "getenv", "environ", "environb", "putenv", "unsetenv"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, *, top_level_only: bool) -> Iterator[str]:
    """Modules of leaktrace that `tree` imports (relative imports resolved)."""
    pkg = module if (SRC.parent / Path(*module.split(".")) / "__init__.py").exists() else module.rpartition(".")[0]

    def walk(nodes: list[ast.stmt]) -> Iterator[ast.stmt]:
        for n in nodes:
            if isinstance(n, ast.If) and _is_type_checking(n):
                continue
            yield n
            if top_level_only:
                if isinstance(n, (ast.If, ast.Try, ast.With)):
                    for field in ("body", "orelse", "finalbody", "handlers"):
                        for sub in getattr(n, field, []) or []:
                            yield from walk(sub.body if isinstance(sub, ast.ExceptHandler) else [sub])
            else:
                for child in ast.iter_child_nodes(n):
                    if isinstance(child, ast.stmt):
                        yield from walk([child])

    for n in walk(tree.body):  # type: ignore[attr-defined]
        if isinstance(n, ast.Import):
            for a in n.names:
                if a.name.startswith("leaktrace"):
                    yield a.name
        elif isinstance(n, ast.ImportFrom):
            base = n.module or ""
            if n.level:
                up = pkg.split(".")[: len(pkg.split(".")) - (n.level - 1)]
                base = ".".join(up + ([base] if base else []))
            if base.startswith("leaktrace"):
                yield base
                for a in n.names:  # `from leaktrace.x import y` may name a submodule
                    yield f"{base}.{a.name}"


def _known(name: str, modules: set[str]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_packages_import_only_what_the_map_allows() -> None:
    mods = dict(_modules())
    bad = []
    for mod, path in mods.items():
        parts = mod.split(".")
        if len(parts) < 2 or parts[1] not in ALLOWED:
            continue
        own = parts[1]
        for imp in _imports(ast.parse(path.read_text("utf-8")), mod, top_level_only=False):
            target = _known(imp, set(mods))
            if target is None or target == "leaktrace":
                continue
            other = target.split(".")[1]
            if other != own and other not in ALLOWED[own] | {"core"}:
                bad.append(f"{mod} imports {target} ({own} -> {other})")
    assert not sorted(set(bad)), "\n".join(sorted(set(bad)))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_no_import_cycles() -> None:
    """No import cycle anywhere, deferred imports inside functions included (dumps' engines included)."""
    mods = dict(_modules())
    names = set(mods)
    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        deps = set()
        for imp in _imports(ast.parse(path.read_text("utf-8")), mod, top_level_only=False):
            t = _known(imp, names)
            # A submodule's own parent packages are initialised first whatever it imports: not a cycle.
            if t and t != mod and not mod.startswith(t + "."):
                deps.add(t)
        graph[mod] = deps
    cycles = _cycles(graph)
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("package", STAGES)
def test_stages_take_configuration_as_parameters(package: str) -> None:
    """No stage calls load_keyring/get_settings or reads os.environ: the entry point's context hands them down."""
    found = []
    for path in sorted((SRC / package).rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Name) and node.id in HIDDEN_CONFIG:
                name = node.id
            elif isinstance(node, ast.Attribute) and node.attr in HIDDEN_CONFIG:
                name = node.attr
            elif isinstance(node, ast.ImportFrom):
                name = next((a.name for a in node.names if a.name in HIDDEN_CONFIG), None)
            if name:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {name}")
    assert not found, "\n".join(found)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The walkers see what they are meant to see (an honest test of the tests above)."""
    tree = ast.parse("import os\nfrom leaktrace.core.settings import get_settings\n"
                     "def f():\n    from leaktrace.store import repo\n    return os.environ['X']\n")
    assert set(_imports(tree, "leaktrace.pii.x", top_level_only=False)) >= {"leaktrace.store", "leaktrace.core.settings"}
    assert "leaktrace.store" not in set(_imports(tree, "leaktrace.pii.x", top_level_only=True))
    assert any(isinstance(n, ast.Attribute) and n.attr == "environ" for n in ast.walk(tree))
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
