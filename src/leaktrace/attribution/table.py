"""Rows of an organisation export or a dump, as the attribution keys need them.

CSV/TSV/PSV/`----` text in any encoding `core.textio` sniffs (GB18030
included), JSON lines and Parquet. It reads the whole file (org exports) or a
uniform reservoir sample of rows (dumps: attribution is statistical, and the
PRF is evaluated per sampled row). Nothing else in attribution depends on the
format; the dumps issue (one reader for every stage) replaces this module
with `leaktrace.dumps`' reader.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from leaktrace.core.errors import InputError
from leaktrace.core.textio import open_text
from leaktrace.dumps.sniff import has_header as dumps_has_header

MAX_FIELD_CHARS = 4096
HEAD_ROWS = 200
_DELIMS = (",", "\t", "|", "----")


@dataclass
class Rows:
    """Column names (or c0, c1... when the file has no header) and the rows read."""

    path: str
    columns: list[str]
    rows: list[list[str]]
    total_rows: int
    has_header: bool


@dataclass
class RowStream:
    """An open file: its columns, its first rows (for role inference) and all rows on iteration."""

    path: str
    columns: list[str]
    has_header: bool
    head: list[list[str]]
    _rows: Callable[[], Iterator[list[str]]]

    def __iter__(self) -> Iterator[list[str]]:
        return self._rows()

    def as_rows(self, rows: list[list[str]], total: int) -> Rows:
        return Rows(self.path, self.columns, rows, total, self.has_header)

    def sample(self, limit: int | None, seed: int = 0,
               on_row: Callable[[list[str]], None] | None = None) -> Rows:
        """All rows, or a uniform reservoir sample of `limit`; `on_row` sees every row."""
        rng = random.Random(seed)
        res: list[list[str]] = []
        n = 0
        for row in self:
            n += 1
            if on_row is not None:
                on_row(row)
            if limit is None or len(res) < limit:
                res.append(row)
            else:
                j = rng.randrange(n)
                if j < limit:
                    res[j] = row
        if n == 0:
            raise InputError(f"{self.path}: the file has no data rows")
        return self.as_rows(res, n)


def _lines(path: Path) -> Iterator[str]:
    buf = ""
    for chunk in open_text(path):
        buf += chunk
        *full, buf = buf.split("\n")
        for ln in full:
            yield ln.rstrip("\r")
    if buf.strip():
        yield buf.rstrip("\r")


def _split(line: str, delim: str) -> list[str]:
    if delim == "----":
        return line.split(delim)
    return next(csv.reader(io.StringIO(line), delimiter=delim))


def _pick_delim(head: list[str]) -> str:
    best, score = ",", 0
    for d in _DELIMS:
        counts = [ln.count(d) for ln in head if ln]
        if counts and min(counts) > 0 and len(set(counts)) == 1 and counts[0] >= score:
            best, score = d, counts[0]
    return best


def _text_rows(path: Path, strict: bool) -> RowStream:
    lines = _lines(path)
    head: list[str] = []
    for ln in lines:
        if ln.strip():
            head.append(ln)
        if len(head) >= 20:
            break
    if not head:
        raise InputError(f"{path}: the file is empty (no rows)")
    delim = _pick_delim(head)
    first = _split(head[0], delim)
    # the dumps rule: a first row holding PII-shaped values (an e-mail, a long digit run) is data, never a header
    has_header = dumps_has_header([_split(ln, delim) for ln in head])
    columns = [c.strip() for c in first] if has_header else [f"c{i}" for i in range(len(first))]
    width = len(columns)

    def split_all(lines: Iterator[str]) -> Iterator[list[str]]:
        if delim == "----":
            return (ln.split(delim) if ln.strip() else [] for ln in lines)
        return csv.reader(lines, delimiter=delim)  # C speed, one reader for the whole file

    def gen() -> Iterator[list[str]]:
        header_seen = not has_header
        for lineno, row in enumerate(split_all(_lines(path)), 1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if not header_seen:
                header_seen = True
                continue
            if len(row) != width:
                if strict:
                    raise InputError(f"{path}: line {lineno}: expected {width} fields, found {len(row)}")
                continue
            if any(len(c) > MAX_FIELD_CHARS for c in row):
                raise InputError(f"{path}: line {lineno}: a field is longer than {MAX_FIELD_CHARS} characters")
            yield row

    it = gen()
    first_rows = [r for _, r in zip(range(HEAD_ROWS), it, strict=False)]
    return RowStream(str(path), columns, has_header, first_rows, gen)


def _jsonl_rows(path: Path) -> RowStream:
    columns: list[str] = []

    def gen() -> Iterator[list[str]]:
        for lineno, ln in enumerate(_lines(path), 1):
            if not ln.strip():
                continue
            try:
                obj = json.loads(ln)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {lineno}: not JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise InputError(f"{path}: line {lineno}: expected a JSON object")
            if not columns:
                columns.extend(str(k) for k in obj)
            yield ["" if obj.get(c) is None else str(obj.get(c)) for c in columns]

    first_rows = [r for _, r in zip(range(HEAD_ROWS), gen(), strict=False)]
    if not first_rows:
        raise InputError(f"{path}: the file is empty (no rows)")
    return RowStream(str(path), list(columns), True, first_rows, gen)


def _parquet_rows(path: Path) -> RowStream:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = list(pf.schema_arrow.names)

    def gen() -> Iterator[list[str]]:
        for batch in pf.iter_batches(batch_size=65_536):
            cols = [[("" if v is None else str(v)) for v in batch.column(i).to_pylist()] for i in range(len(names))]
            yield from (list(r) for r in zip(*cols, strict=True))

    first_rows = [r for _, r in zip(range(HEAD_ROWS), gen(), strict=False)]
    if not first_rows:
        raise InputError(f"{path}: the file is empty (no rows)")
    return RowStream(str(path), names, True, first_rows, gen)


DUMPS_READER_SUFFIXES = (".sql", ".xlsx", ".gz", ".zip")


def _dumps_reader_rows(path: Path) -> RowStream:
    """MySQL dumps, Excel, gzip and zip through `leaktrace.dumps.readers` (one pass over the file)."""
    import duckdb

    from leaktrace.dumps.readers import open_dump

    con = duckdb.connect()
    opened = open_dump(path, con)
    cols = ", ".join(f"c{i}" for i in range(len(opened.columns)))
    cur = con.execute(f"SELECT {cols} FROM {opened.relation} WHERE NOT _bad")

    def fetch() -> Iterator[list[str]]:
        try:
            while batch := cur.fetchmany(65_536):
                yield from (["" if v is None else str(v) for v in r] for r in batch)
            err = opened.stream_error()
            if err is not None:
                raise err
        finally:
            opened.__exit__(None, None, None)
            con.close()

    it = fetch()
    first_rows = [r for _, r in zip(range(HEAD_ROWS), it, strict=False)]
    if not first_rows:
        raise InputError(f"{path}: the file is empty (no rows)")
    used = False

    def once() -> Iterator[list[str]]:
        nonlocal used
        if used:
            raise InputError(f"{path}: this format can be read only once per command")
        used = True
        yield from first_rows
        yield from it

    return RowStream(str(path), list(opened.columns), True, first_rows, once)


def open_rows(path: str | Path, strict: bool = True) -> RowStream:
    """Open a dump or export; its rows are read again on each iteration (bounded memory)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a file")
    name = p.name.lower()
    if name.endswith(DUMPS_READER_SUFFIXES):
        return _dumps_reader_rows(p)
    if name.endswith(".parquet"):
        return _parquet_rows(p)
    if name.endswith((".jsonl", ".ndjson")):
        return _jsonl_rows(p)
    return _text_rows(p, strict)


def read_rows(path: str | Path, limit: int | None = None, seed: int = 0, strict: bool = True) -> Rows:
    """All rows (limit=None) or a uniform sample of `limit` rows of a file."""
    return open_rows(path, strict).sample(limit, seed)
