"""XLSX workbooks, sheet by sheet, as Arrow batches, with zip-bomb limits checked first.

An .xlsx is a zip of XML; a hostile one declares tiny compressed entries
that inflate to gigabytes. Sizes and ratios in the zip directory are checked
before openpyxl opens anything, and the declared sizes are trusted only
because Python's zipfile stops reading an entry at its declared size.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from leaktrace.core.errors import InputError

MAX_UNCOMPRESSED = 4 << 30  # all entries together
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_FLOOR
RATIO_FLOOR = 16 << 20
MAX_ENTRIES = 10_000
BATCH_ROWS = 65536


def check_bomb(path: Path, max_total: int = MAX_UNCOMPRESSED) -> None:
    """Raise InputError naming the entry when the workbook would inflate beyond the limits."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: broken XLSX (zip) file ({exc})") from exc
    if len(infos) > MAX_ENTRIES:
        raise InputError(f"{path}: XLSX holds {len(infos)} zip entries (limit {MAX_ENTRIES}); refusing a likely bomb")
    total = 0
    for i in infos:
        total += i.file_size
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(1, i.compress_size):
            raise InputError(
                f"{path}: XLSX entry {i.filename} inflates {i.file_size // max(1, i.compress_size)}x "
                f"to {i.file_size} bytes (limit {MAX_RATIO}x); refusing a likely zip bomb"
            )
    if total > max_total:
        raise InputError(f"{path}: XLSX inflates to {total} bytes (limit {max_total}); refusing a likely zip bomb")


@dataclass
class XlsxRows:
    label: str
    header: list[str] = field(default_factory=list)
    width: int = 0
    notes: list[str] = field(default_factory=list)
    bad_rows: int = 0
    bad_samples: list[tuple[int, str]] = field(default_factory=list)

    def open(self, path: Path) -> Iterator[tuple[str, Iterator[tuple[object, ...]]]]:
        from openpyxl import load_workbook

        check_bomb(path)
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                yield ws.title, ws.iter_rows(values_only=True)
        finally:
            wb.close()

    def batches(self, path: Path) -> Iterator[pa.RecordBatch]:
        rows: list[list[str | None]] = []
        for title, it in self.open(path):
            first = next(it, None)
            if first is None:
                continue
            head = [("" if v is None else str(v)) for v in first]
            while head and head[-1] == "":
                head.pop()
            if not self.header:
                self.header, self.width = head, len(head)
            elif head != self.header:
                self.notes.append(f"sheet {title}: header differs from the first sheet's; sheet not read")
                continue
            for no, r in enumerate(it, 2):
                vals = [None if v is None else str(v) for v in r]
                while len(vals) > self.width and vals[-1] is None:
                    vals.pop()
                if len(vals) != self.width and any(v is not None for v in vals):
                    if len(vals) < self.width:
                        vals += [None] * (self.width - len(vals))
                    else:
                        self.bad_rows += 1
                        if len(self.bad_samples) < 5:
                            self.bad_samples.append((no, ",".join(v or "" for v in vals)))
                        continue
                if all(v is None for v in vals):
                    continue
                rows.append(vals)
                if len(rows) >= BATCH_ROWS:
                    yield _batch(rows, self.width)
                    rows = []
        if rows:
            yield _batch(rows, self.width)


def _batch(rows: list[list[str | None]], width: int) -> pa.RecordBatch:
    cols = list(zip(*rows, strict=True))
    return pa.record_batch([pa.array(c, pa.string()) for c in cols], names=[f"c{i}" for i in range(width)])
