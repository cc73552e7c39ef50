"""The analysis is written once: both adapters supply the whole engine interface, and the steps name no engine."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from leaktrace.dumps import engine as engine_mod
from leaktrace.dumps.engine_duckdb import DuckDBEngine

SRC = Path(engine_mod.__file__).parent
INTERFACE = sorted(n for n, v in vars(engine_mod.Engine).items()
                   if not n.startswith("_") and (callable(v) or n in ("name", "dialect")))


def _adapters() -> list[type]:
    out: list[type] = [DuckDBEngine]
    try:
        from leaktrace.dumps.engine_spark import SparkEngine
    except ImportError:  # pyspark is optional
        return out
    return [*out, SparkEngine]


@pytest.mark.parametrize("adapter", _adapters(), ids=lambda a: a.__name__)
def test_adapter_supplies_every_operation(adapter: type) -> None:
    assert {"register_input", "register", "execute", "cache", "cache_mapped", "write_parquet", "fetch",
            "fetch_one", "hashers", "local_duckdb"} <= set(INTERFACE)
    for name in INTERFACE:
        assert hasattr(adapter, name), f"{adapter.__name__} lacks {name}"
        want = getattr(engine_mod.Engine, name)
        if callable(want):
            got = [p.name for p in inspect.signature(getattr(adapter, name)).parameters.values()]
            assert got == [p.name for p in inspect.signature(want).parameters.values()], (adapter.__name__, name)


def _runtime_imports(tree: ast.AST) -> set[str]:
    """Modules imported when the code runs (imports under `if TYPE_CHECKING:` are for type checkers only)."""
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for n in ast.walk(node)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", ["steps", "report", "analysis_sql", "engine"])
def test_engine_neutral_modules_import_no_engine(module: str) -> None:
    """The steps run on any adapter: they import neither an engine library nor an adapter."""
    names = _runtime_imports(ast.parse((SRC / f"{module}.py").read_text("utf-8")))
    banned = {n for n in names if n.split(".")[0] in ("duckdb", "pyspark") or n.startswith("leaktrace.dumps.engine_")}
    assert not banned, banned
