"""The engine interface the analysis is written against: register input, execute, cache, write Parquet, fetch.

`steps` holds the analysis once; an adapter (`engine_duckdb`, `engine_spark`)
supplies these operations, the way Splink's `DatabaseAPI` serves several
backends. A third engine (PostgreSQL, a cloud warehouse) is one adapter
file: it must run the portable SQL of `analysis_sql`, map the `RowRule`s
over its rows (in SQL, or by handing batches to an in-process DuckDB as the
Spark adapter does), and write Parquet the readers of `hashsets` read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from leaktrace.core.dump_types import ColumnRole, Malformed
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analysis_sql import Plan, RowRule
from leaktrace.dumps.options import AnalyzeOptions
from leaktrace.dumps.sniff import Sniffed

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass
class Scanned:
    """What registering the input left: the `facts` table is cached in the engine, and these describe it."""

    fmt: str
    sniffed: Sniffed
    roles: list[ColumnRole]
    plan: Plan
    malformed: Malformed


class Engine(Protocol):
    """One run's engine session (an adapter opens and closes it)."""

    name: str
    dialect: str  # the SQL dialect `hashsets.hash_set_queries` writes for: "duckdb" or "spark"

    def register_input(self, path: Path, opts: AnalyzeOptions) -> Scanned:
        """Read the dump once and cache its `facts` (the facts `RowRule` over every row)."""
        ...

    def register(self, name: str, table: pa.Table) -> None:
        """A small in-memory table (e.g. the mobile prefix places) as table `name`."""
        ...

    def execute(self, sql: str) -> None: ...

    def cache(self, name: str, sql: str) -> None:
        """Materialise `sql` as table `name` (later queries read it, not its inputs)."""
        ...

    def cache_mapped(self, name: str, input_sql: str, rule: RowRule) -> None:
        """Materialise `rule` applied to the rows of `input_sql` as table `name`."""
        ...

    def write_parquet(self, sql: str, dest: Path) -> None:
        """Write the rows of `sql` to `dest` (a file or a directory of parts; it does not exist yet)."""
        ...

    def fetch(self, sql: str) -> list[tuple[Any, ...]]: ...

    def fetch_one(self, sql: str) -> dict[str, Any]: ...

    def hashers(self, ring: Keyring) -> AbstractContextManager[bool]:
        """Bind the keyed hashes for `hash_set_queries` while open; yields True when they are native functions."""
        ...

    def local_duckdb(self) -> AbstractContextManager[DuckDBPyConnection]:
        """A DuckDB connection on this machine (novelty reads the Parquet sets of earlier dumps with it)."""
        ...


def iter_rows(table: pa.Table) -> Iterator[tuple[Any, ...]]:
    """Rows of an Arrow table as tuples."""
    cols = [c.to_pylist() for c in table.columns]
    return zip(*cols, strict=True)
