"""The one way leaktrace opens a DuckDB connection.

DuckDB's Python client draws its own progress bar on stdout for any query
that runs past two seconds. On a dump of 10^8 rows that put a bar into the
middle of `exposure index`'s and `attribute`'s output (and had corrupted
`dump analyze --json` before the engine turned it off). Every stage opens its
connections here (and their second connections, `cursor`: a cursor does not
inherit the setting), so none of them can forget; `engine_duckdb` draws its own
bar on stderr from `query_progress()`, which needs the progress tracking
left on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


def connect() -> DuckDBPyConnection:
    """An in-memory connection that never writes to stdout."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar_print = false")
    return con


def cursor(con: DuckDBPyConnection) -> DuckDBPyConnection:
    """A second connection to `con`'s database (another thread's reads) that never writes to stdout either."""
    cur = con.cursor()
    cur.execute("SET enable_progress_bar_print = false")
    return cur
