"""One engine pass over a dump: its row count, a uniform row sample, and the rows that may hold a canary.

Where the per-row cost goes: attribution needs (1) containment of the
dump's keys in each organisation's fingerprint, estimated from a sample of
rows, and (2) a canary check of *every* row. The PRF (~0.3 ms per value)
can only run on the sample — consistent sampling is decided by the PRF's own
output, which nobody can compute without the server key, so no SQL
expression can pre-decide it; what SQL can do is pick the rows. So the pass
keeps everything per-row inside DuckDB:

* the sample: each row gets a seeded 64-bit hash of its key columns; rows
  under a threshold (a Bernoulli pre-cut sized from the file's length, so
  about twice the wanted sample survives) come back to Python, which keeps
  the `sample_rows` smallest hashes — a uniform sample, reproducible for a
  seed (identical rows hash alike, so exact duplicates come in together);
* canaries: each canary-bearing column is normalised in SQL
  (`dumps.normalize_sql`, equal to `core.normalize`) and semi-joined with
  the registered canary values of its kind; the few candidate rows are
  confirmed in Python with the keyed tag the registry holds.

Both come out of one `GROUP BY` over the scan (rows that are neither
sampled nor candidates fall into one NULL group whose count completes the
row total), so streamed inputs (compressed, GB18030, XLSX, SQL dumps),
which can be read once only, need no second pass (unless the row count
was over-guessed and the sample came out short: then the file is read once
more). The file is read by the dumps package's `read_dump`, as every stage
reads it (same columns, same malformed count, broken quoting read again).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leaktrace.attribution.table import Rows, open_rows
from leaktrace.core.dump_types import Malformed
from leaktrace.core.errors import InputError
from leaktrace.dumps.normalize_sql import NORMALISERS, lit

OVERSAMPLE = 2
SEP = "\x1f\x1e\x1f"  # between a sampled row's fields; a row whose fields hold it is left out of the sample
# (and counted in ScanResult.unsplittable); canary candidates are carried as lists, so SEP cannot hide them
HEAD_ROWS = 200


@dataclass
class Source:
    """A dump exposed to DuckDB: relation (c0..cN-1 VARCHAR, _bad), column names, first rows."""

    path: str
    relation: str
    columns: list[str]
    head: list[list[str]]
    has_header: bool
    est_rows: int
    opened: Any = None

    def head_rows(self) -> Rows:
        return Rows(self.path, self.columns, self.head, len(self.head), self.has_header)


@dataclass
class ScanResult:
    total_rows: int
    sample: list[list[str]]  # role columns only, in `cols` order
    candidates: list[tuple[list[str], int]]  # (role columns, how many rows) of rows that may hold a canary
    cols: list[int] = field(default_factory=list)
    short: bool = False  # fewer rows sampled than asked although the file has more
    unsplittable: int = 0  # sampled rows left out because a field held SEP (a crafted dump)
    bad_rows: int = 0  # rows the reader marked bad (not JSON objects), left out
    malformed: Malformed | None = None  # what the read could not use (the count `dump analyze` gives)


def _estimate_rows(path: Path, head: list[list[str]], head_text: str) -> int:
    """A guess of the row count: file bytes / bytes per line of the head.

    For a compressed file this is low (it divides compressed bytes), which
    only enlarges the pre-cut; a guess that is too high leaves the sample
    short, and `scan_path` then reads the file again with the true count.
    """
    lines = [ln for ln in head_text.splitlines()[:200] if ln.strip()]
    if len(lines) > 1:
        per_row = sum(len(ln.encode()) + 1 for ln in lines) // len(lines)
    else:
        per_row = sum(len(",".join(r).encode()) + 1 for r in head) // max(1, len(head))
    return max(1, path.stat().st_size // max(8, per_row))


@contextmanager
def open_source(path: str | Path, con: Any) -> Iterator[Source]:
    """The dump as a DuckDB relation for one `scan`, opened by the dumps reader (no malformed count: `scan_path` gives it)."""
    from leaktrace.dumps.readers import open_dump

    stream = open_rows(path, strict=False)
    p = Path(path)
    with open_dump(p, con) as d:
        yield Source(str(p), d.relation, stream.columns, stream.head, stream.has_header,
                     _estimate_rows(p, stream.head, d.sniffed.head_text), d)


@dataclass
class Plan:
    """What one pass computes: returned columns, sample-key columns, canary columns and their SQL tests."""

    cols: list[int]
    key_cols: list[int]
    canary_cols: dict[str, int] = field(default_factory=dict)
    canary_preds: dict[str, Callable[[str], str]] = field(default_factory=dict)


def scan(con: Any, src: Source, cols: list[int], sample_rows: int, seed: int,
         canary_cols: dict[str, int] | None = None,
         canary_preds: dict[str, Callable[[str], str]] | None = None, key_cols: list[int] | None = None,
         known_rows: int | None = None) -> ScanResult:
    """Count rows, sample `sample_rows` of them, and find canary candidates, in one pass.

    `cols`: the role columns returned for sampled and candidate rows;
    `key_cols`: the columns whose seeded hash orders the sample (default `cols`).
    `canary_cols`: kind -> column to check; `canary_preds`: kind -> a function
    turning the SQL of the normalised value into the candidate predicate
    (e.g. membership in a temp table of registered canary values).
    The sample can come out short when the row count was over-guessed
    (`ScanResult.short`); `scan_path` then reads again with `known_rows`.
    """
    if sample_rows < 1:
        raise InputError("--sample-rows must be at least 1")
    rate = OVERSAMPLE * sample_rows / (known_rows or src.est_rows)
    return _scan_once(con, src, cols, sample_rows, seed, canary_cols or {}, canary_preds or {},
                      key_cols or cols, rate)


def scan_path(path: str | Path, con: Any, sample_rows: int, seed: int,
              prepare: Callable[[Source], Plan]) -> tuple[ScanResult, Plan, list[str]]:
    """Open, plan (`prepare` sees the columns and first rows), scan; read again if the sample came out short.

    The file is read by `dumps.readers.read_dump`, as every stage reads it:
    same columns, same head, same malformed count as `dump analyze`.
    """
    from leaktrace.dumps.readers import BadRows, OpenedDump, read_dump

    stream = open_rows(path, strict=False)  # columns and first rows, as every stage sees them
    p = Path(path)
    plans: list[Plan] = []

    def run(d: OpenedDump, known_rows: int | None) -> tuple[ScanResult, BadRows]:
        src = Source(str(p), d.relation, stream.columns, stream.head, stream.has_header,
                     _estimate_rows(p, stream.head, d.sniffed.head_text), d)
        if not plans:
            plans.append(prepare(src))
        plan = plans[0]
        res = scan(con, src, plan.cols, sample_rows, seed, plan.canary_cols, plan.canary_preds, plan.key_cols,
                   known_rows=known_rows)
        return res, BadRows(res.bad_rows)

    r = read_dump(p, con, lambda d: run(d, None))
    if r.result.short:
        total = r.result.total_rows
        r = read_dump(p, con, lambda d: run(d, total))
    r.result.malformed = r.malformed
    return r.result, plans[0], stream.columns


def _scan_once(con: Any, src: Source, cols: list[int], sample_rows: int, seed: int, canary_cols: dict[str, int],
               canary_preds: dict[str, Callable[[str], str]], key_cols: list[int], rate: float) -> ScanResult:
    cut = min(2**64 - 1, int(min(1.0, rate) * 2**64))
    # the bare normaliser (no NULL-for-empty wrapper, no per-test coalesce): half the cost per row, and an
    # empty or NULL value never equals a registered canary value anyway
    conds = [canary_preds[kind](NORMALISERS[kind](f"c{i}")) for kind, i in canary_cols.items() if kind in canary_preds]
    cand = f"coalesce({' OR '.join(conds)}, false)" if conds else "false"
    # one string per sampled row: a GROUP BY over strings is ~2x cheaper than over lists. Candidates
    # (few) are lists, which no field content can split wrongly: a dump cannot hide a canary row by
    # putting SEP into one of its fields.
    vals = f"concat_ws({lit(SEP)}, {', '.join(f'coalesce(c{i}, {lit(chr(0))})' for i in cols)})" if cols else "''"
    cand_vals = f"list_value({', '.join(f'CAST(c{i} AS VARCHAR)' for i in cols)})" if cols else "NULL"
    keys = ", ".join(f"c{i}" for i in key_cols) or "1"
    # Bad rows (reader-marked) fall into one group of their own: counted, never sampled or checked.
    q = (f"SELECT x, k, cand, count(*), cv, bad FROM ("
         f"SELECT CASE WHEN NOT _bad AND k < {cut}::UBIGINT THEN {vals} END AS x, "
         f"CASE WHEN NOT _bad AND k < {cut}::UBIGINT THEN k END AS k, cand AND NOT _bad AS cand, "
         f"CASE WHEN cand AND NOT _bad THEN {cand_vals} END AS cv, _bad AS bad FROM ("
         f"SELECT hash({keys}, {int(seed)}) AS k, ({cand}) AS cand, * FROM {src.relation})) "
         f"GROUP BY ALL")
    everything = con.execute(q).fetchall()
    bad_rows = sum(int(r[3]) for r in everything if r[5])
    rows = [r[:5] for r in everything if not r[5]]
    total = sum(int(r[3]) for r in rows)
    if total == 0:
        raise InputError(f"{src.path}: the file has no data rows")

    def split(x: str) -> list[str]:
        return ["" if v == chr(0) else v for v in x.split(SEP)] if cols else []

    width = len(cols)
    sample: list[list[str]] = []
    unsplittable = 0
    for _, x, n in heapq.nsmallest(sample_rows, ((k, x, n) for x, k, _, n, _ in rows if k is not None),
                                   key=lambda t: t[0]):
        vals = split(x)
        if len(vals) == width:
            sample.extend([vals] * min(n, sample_rows - len(sample)))
        else:
            unsplittable += int(n)
        if len(sample) >= sample_rows:
            break
    merged: dict[tuple[str, ...], int] = {}  # the same row may come in a sampled and an unsampled group
    for _, _, c, n, cv in rows:
        if c and cv is not None:
            v = tuple("" if f is None else str(f) for f in cv)
            merged[v] = merged.get(v, 0) + int(n)
    candidates = [(list(v), n) for v, n in merged.items()] if cols else []
    short = len(sample) < min(sample_rows, total) and rate < 1
    return ScanResult(total, sample, candidates, cols, short, unsplittable, bad_rows)
