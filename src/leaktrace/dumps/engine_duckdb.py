"""The DuckDB adapter of `engine.Engine`: the embedded default, one process, spilling under a memory cap.

The input is read by `readers.read_dump` (every format; GB18030 and
compressed files streamed through a pipe; broken quoting read again, as for
every stage) and scanned once into `facts`. Keyed hashes go through the
compiled batch HMAC when built (functions holding the key in a closure),
else the SQL HMAC reading a registered key table.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from leaktrace.core.dump_types import ColumnRole
from leaktrace.core.errors import ConfigError
from leaktrace.core.keyring import Keyring
from leaktrace.dumps import row_kernels
from leaktrace.dumps.analysis_sql import Plan, RowRule
from leaktrace.dumps.engine import Scanned
from leaktrace.dumps.hashsets import (
    KEY_TABLE,
    PARQUET_OPTIONS,
    register_hmac_key,
    register_native_hashers,
    sql_str,
    unregister_native_hashers,
)
from leaktrace.dumps.options import AnalyzeOptions
from leaktrace.dumps.readers import BadRows, OpenedDump, bad_text_sql, read_dump
from leaktrace.dumps.steps import facts_rule, plan_for
from leaktrace.dumps.streams import FilePass

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def connect(opts: AnalyzeOptions, tmp: Path) -> DuckDBPyConnection:
    """A connection under the run's memory cap, spilling into `tmp`, with the region tables registered."""
    import duckdb

    from leaktrace.dumps import duck

    con = duck.connect()
    try:
        con.execute(f"SET memory_limit = {sql_str(opts.memory_limit)}")
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(f"--memory-limit {opts.memory_limit!r}: not a size DuckDB accepts (e.g. 3GB, 500MB)") from exc
    con.execute(f"SET temp_directory = {sql_str(str(tmp))}")
    con.execute("SET preserve_insertion_order = false")
    if opts.threads:
        con.execute(f"SET threads = {int(opts.threads)}")
    from leaktrace.pii.sql import register_region_tables

    register_region_tables(con, opts.region_mode)
    row_kernels.register(con)  # what facts SQL calls when `Plan.kernels`
    return con


def run_with_progress(con: Any, sql: str, show: bool, label: str) -> None:
    if not show:
        con.execute(sql).fetchall()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    done = threading.Event()
    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=100)

        def poll() -> None:
            while not done.wait(0.2):
                try:
                    p = con.query_progress()
                except Exception:
                    return
                if p and p > 0:
                    bar.update(task, completed=min(100.0, p))

        t = threading.Thread(target=poll, daemon=True)
        t.start()
        try:
            con.execute(sql).fetchall()
        finally:
            done.set()
            t.join()


class DuckDBEngine:
    """`engine.Engine` over one DuckDB connection (the caller owns and closes it)."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, con: DuckDBPyConnection, progress: bool = False, native_hash: bool = True,
                 side: FilePass | None = None) -> None:
        self.con = con
        self.progress = progress
        self.native_hash = native_hash  # False: the SQL HMAC (same hashes; tests compare the two)
        self.side = side  # the run's one read of a plain file beside the engine's (hash, long lines)

    def register_input(self, path: Path, opts: AnalyzeOptions) -> Scanned:
        def scan(d: OpenedDump) -> tuple[tuple[list[ColumnRole], Plan], BadRows]:
            roles, plan = plan_for(d.columns, d.sample, opts)
            sql = facts_rule(plan, f"_bad AS bad, {bad_text_sql(d)} AS bad_text").sql(d.relation)
            run_with_progress(self.con, f"CREATE OR REPLACE TEMP TABLE facts AS {sql}", self.progress, "reading")
            n, texts = self.con.execute("SELECT count(*), list(bad_text) FILTER (WHERE bad_text IS NOT NULL)[1:5] "
                                        "FROM facts WHERE bad").fetchall()[0]
            return (roles, plan), BadRows(int(n), list(texts or []))

        r = read_dump(path, self.con, scan, opts.encoding, self.side)
        roles, plan = r.result
        return Scanned(r.dump.format, r.dump.sniffed, roles, plan, r.malformed)

    def register(self, name: str, table: pa.Table) -> None:
        src = f"{name}_src"
        self.con.register(src, table)
        try:
            self.cache(name, f"SELECT * FROM {src}")
        finally:
            self.con.unregister(src)

    def execute(self, sql: str) -> None:
        self.con.execute(sql).fetchall()

    def cache(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}").fetchall()

    def cache_mapped(self, name: str, input_sql: str, rule: RowRule) -> None:
        self.cache(name, rule.sql(f"({input_sql})"))

    def write_parquet(self, sql: str, dest: Path) -> None:
        self.con.execute(f"COPY ({sql}) TO {sql_str(str(dest))} ({PARQUET_OPTIONS})").fetchall()

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def fetch_one(self, sql: str) -> dict[str, Any]:
        rows = self.con.execute(sql).fetchall()
        return dict(zip([c[0] for c in self.con.description], rows[0], strict=True))

    @contextmanager
    def hashers(self, ring: Keyring) -> Iterator[bool]:
        native = self.native_hash and register_native_hashers(self.con, ring)
        if not native:
            register_hmac_key(self.con, ring)
        try:
            yield native
        finally:
            if native:
                unregister_native_hashers(self.con)
            else:
                self.con.unregister(KEY_TABLE)

    @contextmanager
    def local_duckdb(self) -> Iterator[DuckDBPyConnection]:
        yield self.con
