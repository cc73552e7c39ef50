"""Rows of an organisation export or a dump, as the attribution keys need them, through the dumps reader.

Every format `leaktrace.dumps.readers` reads (CSV/TSV/PSV/`----` text in any
encoding it sniffs, GB18030 included, JSON lines, MySQL dumps, Excel,
Parquet, `.gz`/`.zip`) with the same columns, the same header rule and the
same malformed-row count `dump analyze` gives the file. A stream is read a
batch at a time (bounded memory): `read` hands a consumer every good row
once, and the file is read again for each call.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from leaktrace.core.dump_types import Malformed
from leaktrace.core.errors import InputError

HEAD_ROWS = 200
T = TypeVar("T")


@dataclass
class Rows:
    """Column names (col1, col2... when the file has no header) and the rows read."""

    path: str
    columns: list[str]
    rows: list[list[str]]
    total_rows: int
    has_header: bool


@dataclass
class RowStream:
    """An open file: its columns, its first rows (for role inference), and every row on `read`."""

    path: str
    columns: list[str]
    has_header: bool
    head: list[list[str]]
    strict: bool = True
    encoding: str | None = None
    malformed: Malformed | None = None  # what the last full read could not read

    def read(self, consume: Callable[[Iterator[list[str]]], T]) -> T:
        """`consume` every good row once; counts what was malformed (strict: a malformed row is an error)."""
        from leaktrace.dumps import duck
        from leaktrace.dumps.readers import BadRows, OpenedDump, read_dump, stream_rows

        con = duck.connect()

        def scan(d: OpenedDump) -> tuple[T, BadRows]:
            bad = BadRows()
            return consume(stream_rows(d, con, bad)), bad

        try:
            r = read_dump(Path(self.path), con, scan, self.encoding)
        finally:
            con.close()
        self.malformed = r.malformed
        if self.strict and r.malformed.rows:
            first = r.malformed.samples[0] if r.malformed.samples else None
            where = f"line {first.line}: " if first and first.line else ""
            problem = first.problem.replace("_", " ") if first else "malformed"
            raise InputError(f"{self.path}: {where}expected {len(self.columns)} fields ({problem}; "
                             f"{r.malformed.rows} malformed rows in all): fix the export or pass it as a dump")
        return r.result

    def as_rows(self, rows: list[list[str]], total: int) -> Rows:
        return Rows(self.path, self.columns, rows, total, self.has_header)

    def sample(self, limit: int | None, seed: int = 0,
               on_row: Callable[[list[str]], None] | None = None) -> Rows:
        """All rows, or a uniform reservoir sample of `limit`; `on_row` sees every row."""
        def consume(rows: Iterator[list[str]]) -> tuple[list[list[str]], int]:
            rng = random.Random(seed)
            res: list[list[str]] = []
            n = 0
            for row in rows:
                n += 1
                if on_row is not None:
                    on_row(row)
                if limit is None or len(res) < limit:
                    res.append(row)
                else:
                    j = rng.randrange(n)
                    if j < limit:
                        res[j] = row
            return res, n

        res, n = self.read(consume)
        if n == 0:
            raise InputError(f"{self.path}: the file has no data rows")
        return self.as_rows(res, n)


def open_rows(path: str | Path, strict: bool = True, encoding: str | None = None) -> RowStream:
    """Open a dump or export (sniffed by the dumps reader); rows are read on each `read`."""
    from leaktrace.dumps import duck
    from leaktrace.dumps.readers import open_dump, stream_rows

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a file")
    con = duck.connect()
    try:
        with open_dump(p, con, encoding) as d:
            head = [["" if v is None else str(v) for v in r] for r in d.sample[:HEAD_ROWS]]
            if not head:  # the reader keeps back a head's last line (it may be cut): a one-row file has no sample
                head = [r for _, r in zip(range(HEAD_ROWS), stream_rows(d, con), strict=False)]
            columns, has_header = list(d.columns), bool(d.sniffed.header)
    finally:
        con.close()
    if not head:
        raise InputError(f"{p}: the file has no data rows")
    return RowStream(str(p), columns, has_header, head, strict, encoding)


def read_rows(path: str | Path, limit: int | None = None, seed: int = 0, strict: bool = True) -> Rows:
    """All rows (limit=None) or a uniform sample of `limit` rows of a file."""
    return open_rows(path, strict).sample(limit, seed)
