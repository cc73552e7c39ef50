"""The exposure set of a dump, built in one engine pass with memory bounded by the distinct values.

The dump is read by the dumps reader (`readers.read_dump`, as every stage
reads it); each ID, mobile and e-mail column is normalised in SQL
(`dumps.normalize_sql`, the tested twin of `core.normalize`) and made
distinct inside DuckDB, which spills under its memory cap. Python receives
the distinct values a batch at a time and keeps only their PRF words (16
bytes a value), never the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leaktrace.attribution import oprf
from leaktrace.attribution.key_columns import infer_roles
from leaktrace.attribution.table import open_rows
from leaktrace.core.dump_types import Malformed
from leaktrace.core.errors import InputError
from leaktrace.dumps.normalize_sql import lit, normalised_sql

INDEX_KINDS = ("cn_id", "cn_mobile", "email")
BATCH = 65_536
MEMORY_LIMIT = "1GB"


@dataclass
class IndexedWords:
    """The PRF words of every distinct value, and what the read could not use."""

    u: np.ndarray
    tags: np.ndarray
    rows: int
    malformed: Malformed
    columns: list[str]
    roles: dict[str, str]  # role -> column name


def prf_words_of_file(path: str | Path, evaluate: Callable[[Sequence[tuple[str, str]]], list[bytes]],
                      batch: int = BATCH, memory_limit: str = MEMORY_LIMIT, spill: Path | None = None) -> IndexedWords:
    """PRF words of each distinct ID, mobile and e-mail of the file at `path`.

    `evaluate` maps a batch of (kind, value) pairs to their PRF outputs, in
    order: the values arrive `batch` at a time, so memory holds one batch of
    values and the words (16 bytes a value), and the batch is evaluated at
    once (on every core, `oprf.ServerKey.evaluate_many`).

    `spill`: an owner-only folder DuckDB may spill normalised values into
    (`dumps.spill.spill_dir`); None keeps everything in memory (no PII lands
    in a temporary folder nobody chose), failing past `memory_limit`.
    """
    import duckdb

    from leaktrace.dumps.readers import BadRows, OpenedDump, read_dump

    stream = open_rows(path, strict=False)
    roles = infer_roles(stream)
    cols = [(k, roles.columns[k]) for k in INDEX_KINDS if k in roles.columns]
    if not cols:
        raise InputError(f"{path}: no ID, mobile or e-mail values to index")
    us: list[np.ndarray] = []
    ts: list[np.ndarray] = []

    def scan(d: OpenedDump) -> tuple[int, BadRows]:
        # One scan (streamed inputs are read once): each row becomes its (kind, value) pairs; a bad row
        # becomes one pair of kind -1, counted and dropped.
        pairs = ", ".join(f"{{'k': {j}, 'v': {normalised_sql(kind, f'c{i}')}}}" for j, (kind, i) in enumerate(cols))
        con.execute(f"CREATE OR REPLACE TEMP TABLE lt_pairs AS SELECT p.k AS k, p.v AS v, count(*) AS n FROM ("
                    f"SELECT unnest(CASE WHEN _bad THEN [{{'k': -1, 'v': NULL}}] ELSE [{pairs}] END) AS p "
                    f"FROM {d.relation}) GROUP BY ALL").fetchall()
        bad = int(con.execute("SELECT coalesce(sum(n), 0) FROM lt_pairs WHERE k = -1").fetchall()[0][0])
        rows = int(con.execute("SELECT coalesce(sum(n), 0) FROM lt_pairs WHERE k = 0").fetchall()[0][0])
        return rows, BadRows(bad)

    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = {lit(memory_limit)}")
        con.execute(f"SET temp_directory = {lit(str(spill) if spill else '')}")
        r = read_dump(Path(path), con, scan)
        res = con.execute("SELECT k, v FROM lt_pairs WHERE k >= 0 AND v IS NOT NULL")
        while chunk := res.fetchmany(batch):
            words = [oprf.split_output(o) for o in evaluate([(cols[k][0], v) for k, v in chunk])]
            arr = np.array(words, dtype=np.uint64).reshape(-1, 2)
            us.append(arr[:, 0].copy())
            ts.append(arr[:, 1].copy())
    if not us:
        raise InputError(f"{path}: no ID, mobile or e-mail values to index")
    return IndexedWords(np.concatenate(us), np.concatenate(ts), r.result, r.malformed, stream.columns,
                        roles.named(stream.columns))


def index_words(path: str | Path, key: Any, batch: int = BATCH, spill: Path | None = None) -> IndexedWords:
    """`prf_words_of_file` with the platform's OPRF server key."""
    return prf_words_of_file(path, lambda pairs: key.evaluate_many([oprf.oprf_input(k, v) for k, v in pairs]),
                             batch, spill=spill)
