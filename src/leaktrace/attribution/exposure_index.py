"""The exposure set of a dump, built in one engine pass with memory bounded by the distinct values.

The dump is read by the dumps reader (`readers.read_dump`, as every stage
reads it); each ID, mobile and e-mail column is normalised in SQL
(`dumps.normalize_sql`, the tested twin of `core.normalize`) and made
distinct inside DuckDB, which spills under its memory cap. Python receives
the distinct values a batch at a time and hands each batch's PRF words to
the caller (`exposure_build.ExposureBuilder.add` keeps 10 bytes a value),
never the rows.
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
# Pairs whose distinct values one query makes (a hash partition of them): ~2x the 10^7-row dump's,
# whose DISTINCT streams out under a 150MB cap; a 10^8-row dump's 2*10^8 pairs take 7 passes.
PAIRS_PER_PART = 30_000_000


@dataclass
class IndexedWords:
    """What indexing a file read: how many distinct values went to the sink, and what the read could not use."""

    values: int
    rows: int
    malformed: Malformed
    columns: list[str]
    roles: dict[str, str]  # role -> column name


def prf_words_of_file(path: str | Path, evaluate: Callable[[Sequence[tuple[str, str]]], list[bytes]],
                      add: Callable[[np.ndarray, np.ndarray], None], batch: int = BATCH,
                      memory_limit: str = MEMORY_LIMIT, spill: Path | None = None,
                      pairs_per_part: int = PAIRS_PER_PART) -> IndexedWords:
    """PRF words of each distinct ID, mobile and e-mail of the file at `path`, `add`ed a batch at a time.

    `evaluate` maps a batch of (kind, value) pairs to their PRF outputs, in
    order: the values arrive `batch` at a time, so memory holds one batch of
    values, and the batch is evaluated at once (on every core,
    `oprf.ServerKey.evaluate_many`); `add(u, tags)` receives its words
    (uint64 arrays: the first and second word of each output).

    `spill`: an owner-only folder DuckDB may spill normalised values into
    (`dumps.spill.spill_dir`); None keeps everything in memory (no PII lands
    in a temporary folder nobody chose), failing past `memory_limit`.
    """
    from leaktrace.dumps import duck
    from leaktrace.dumps.readers import BadRows, OpenedDump, read_dump

    stream = open_rows(path, strict=False)
    roles = infer_roles(stream)
    cols = [(k, roles.columns[k]) for k in INDEX_KINDS if k in roles.columns]
    if not cols:
        raise InputError(f"{path}: no ID, mobile or e-mail values to index")
    values = n_pairs = 0

    def scan(d: OpenedDump) -> tuple[int, BadRows]:
        # One scan (streamed inputs are read once): each row becomes its (kind, value) pairs; a bad row
        # becomes one pair of kind -1, counted and dropped. The pairs are kept as they come, not
        # grouped: DuckDB spills such a table, where building the grouped table of a 10^8-row dump ran
        # out of memory under the 1GB cap.
        pairs = ", ".join(f"{{'k': {j}, 'v': {normalised_sql(kind, f'c{i}')}}}" for j, (kind, i) in enumerate(cols))
        con.execute(f"CREATE OR REPLACE TEMP TABLE lt_pairs AS SELECT p.k AS k, p.v AS v FROM ("
                    f"SELECT unnest(CASE WHEN _bad THEN [{{'k': -1, 'v': NULL}}] ELSE [{pairs}] END) AS p "
                    f"FROM {d.relation})").fetchall()
        nonlocal n_pairs
        bad, rows, n_pairs = con.execute(
            "SELECT count(*) FILTER (WHERE k = -1), count(*) FILTER (WHERE k = 0), "
            "count(*) FILTER (WHERE k >= 0 AND v IS NOT NULL) FROM lt_pairs").fetchall()[0]
        return int(rows), BadRows(int(bad))

    with duck.connect() as con:
        con.execute(f"SET memory_limit = {lit(memory_limit)}")
        con.execute(f"SET temp_directory = {lit(str(spill) if spill else '')}")
        con.execute("SET preserve_insertion_order = false")
        r = read_dump(Path(path), con, scan)
        parts = max(1, -(-int(n_pairs) // pairs_per_part))  # n_pairs: the pairs to make distinct, from `scan`
        for part in range(parts):  # distinct values a hash partition at a time, streamed out in batches
            res = con.execute(f"SELECT DISTINCT k, v FROM lt_pairs WHERE k >= 0 AND v IS NOT NULL "
                              f"AND hash(v) % {parts} = {part}")
            while chunk := res.fetchmany(batch):
                words = [oprf.split_output(o) for o in evaluate([(cols[k][0], v) for k, v in chunk])]
                arr = np.array(words, dtype=np.uint64).reshape(-1, 2)
                add(arr[:, 0].copy(), arr[:, 1].copy())
                values += len(arr)
    if not values:
        raise InputError(f"{path}: no ID, mobile or e-mail values to index")
    return IndexedWords(values, r.result, r.malformed, stream.columns, roles.named(stream.columns))


def index_words(path: str | Path, key: Any, add: Callable[[np.ndarray, np.ndarray], None], batch: int = BATCH,
                spill: Path | None = None) -> IndexedWords:
    """`prf_words_of_file` with the platform's OPRF server key."""
    return prf_words_of_file(path, lambda pairs: key.evaluate_many([oprf.oprf_input(k, v) for k, v in pairs]),
                             add, batch, spill=spill)
