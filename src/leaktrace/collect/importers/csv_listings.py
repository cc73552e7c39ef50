"""Listing CSVs (market scrapes, exported spreadsheets) as one capture and one post per row.

Researchers' scrapes name their columns however they like, so the columns
are mapped by flags: ``--map title=product --map seller=vendor``. A field
left unmapped is taken from a column of the same name when there is one.
Fields: url, title, body, seller, price, currency, posted, status, volume,
language. Columns not mapped are kept in the item's `extra`.

- `price` is read by intel.prices; a bare number takes its currency from
  the `currency` column or ``--currency`` (the Agora scrapes give BTC).
- `posted` accepts ISO dates/times, Unix seconds or milliseconds, and any
  ``--date-format``; a time without offset is in ``--timezone``.
- `url` may be relative (a saved page name): it is joined to ``--base-url``,
  or else made unique under the CSV's own file URL (``file:///x.csv#page``).
  Without a url column the row number names the post.
- Cells equal to one of ``--na`` (default: empty, NA, N/A, NULL) are missing.

The file is streamed (GB18030 and UTF-16 sniffed like every text input); rows
that cannot be read are skipped and reported per reason with the first line
number, never silently.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, urljoin, urlsplit

from leaktrace.collect.importers.base import (
    MAX_FILE_BYTES,
    Document,
    Skipped,
    check_file,
    file_url,
    mtime,
)
from leaktrace.collect.items import ParsedItem
from leaktrace.core.errors import InputError
from leaktrace.core.textio import canonical_encoding, sniff_encoding

FIELDS = ("url", "title", "body", "seller", "price", "currency", "posted", "status", "volume", "language")
DEFAULT_NA = ("", "NA", "N/A", "NULL", "null", "None")
MAX_FIELD_CHARS = 1 << 20
MAX_EXTRA_CHARS = 2000


def parse_mapping(specs: Sequence[str]) -> dict[str, str]:
    """`FIELD=COLUMN` flags as a dict; InputError naming the bad flag."""
    out: dict[str, str] = {}
    for spec in specs:
        name, sep, column = spec.partition("=")
        name, column = name.strip().lower(), column.strip()
        if not sep or not column:
            raise InputError(f"--map {spec!r}: expected FIELD=COLUMN, e.g. title=product")
        if name not in FIELDS:
            raise InputError(f"--map {spec!r}: unknown field {name!r} (fields: {', '.join(FIELDS)})")
        out[name] = column
    return out


@dataclass
class CsvOptions:
    """How to read one listing CSV (see the module docstring)."""

    site: str
    mapping: dict[str, str] = field(default_factory=dict)
    base_url: str | None = None
    currency: str | None = None
    timezone: tzinfo = UTC
    date_formats: tuple[str, ...] = ()
    na: tuple[str, ...] = DEFAULT_NA
    delimiter: str | None = None
    encoding: str | None = None
    max_bytes: int = MAX_FILE_BYTES
    max_rows: int | None = None  # stop after this many items (a first look at a large file)


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _delimiter(header_line: str, path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Problems:
    """Skipped rows grouped by reason: count and first line, so 10,000 bad rows are one line."""

    def __init__(self) -> None:
        self.by_reason: dict[str, list[int]] = {}

    def add(self, line: int, reason: str) -> None:
        entry = self.by_reason.setdefault(reason, [0, line])
        entry[0] += 1

    def report(self, path: Path) -> Iterator[Skipped]:
        for reason, (count, first) in self.by_reason.items():
            yield Skipped(f"{path}: line {first}", f"{reason}" + (f" ({count} rows like it)" if count > 1 else ""))


def _posted(value: str, opts: CsvOptions) -> datetime | None:
    v = value.strip()
    if v.isdigit() and len(v) in (10, 13):
        return datetime.fromtimestamp(int(v) / (1000 if len(v) == 13 else 1), tz=UTC)
    when: datetime | None = None
    for fmt in opts.date_formats:
        try:
            when = datetime.strptime(v, fmt)
            break
        except ValueError:
            continue
    if when is None:
        try:
            when = datetime.fromisoformat(v.replace("/", "-"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=opts.timezone)


def _shape(value: str) -> str:
    """The form of a cell without its content (digits -> 9, letters -> a): safe to print, enough to fix a format."""
    return "".join("9" if ch.isdigit() else "a" if ch.isalpha() else ch for ch in value[:40])


_DATA_SHAPED = re.compile(r"@|\d{3}|\d\D{1,2}\d")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _header_like(cell: str) -> bool:
    """Whether a first-line cell reads as a column name rather than a value.

    Column names are short, and carry no e-mail sign and no number (a phone,
    an ID, a house number, a date); Chinese ones are a word or two (商品名称,
    收货地址), where a value is a sentence-long address. A name like 张伟 passes
    on its own, which is why one data-shaped cell masks the whole line.
    """
    cell = cell.strip()
    if not cell:
        return True  # an unnamed column (a pandas index, a trailing comma) says nothing either way
    if len(cell) > 40 or _DATA_SHAPED.search(cell):
        return False
    return len(_CJK.findall(cell)) <= 6


def _bare_number(value: str) -> str | None:
    """A cell that is only a number (`0.05`, `1e-07`, `1,200`) in plain decimal notation, else None."""
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    return format(number.normalize(), "f") if number else "0"


class _NumberedLines:
    """The file's lines for csv.reader, keeping the numbered lines of the record being read."""

    def __init__(self, fh: TextIO) -> None:
        self.fh = fh
        self.number = 1  # the header is line 1 (read by the reader too)
        self.record: list[tuple[int, str]] = []

    def __iter__(self) -> _NumberedLines:
        return self

    def __next__(self) -> str:
        text = next(self.fh)
        self.record.append((self.number, text))
        self.number += 1
        return text


def _unreadable(exc: csv.Error, lines: int) -> str:
    """Why a record could not be read, without its content (csv's messages carry none)."""
    message = str(exc)
    again = " (row skipped; the lines it ran over read on their own)" if lines > 1 else " (row skipped)"
    if "unexpected end of data" in message:
        return "unterminated quote: the quoted cell opened on this line never closes" + again
    if "expected after" in message:
        return "broken quote: a quoted cell opened on this line closes with text after the quote" + again
    return f"unreadable CSV row ({message})" + again


class ListingCsv:
    """One CSV file: its header checked against the mapping, its rows as ParsedItems."""

    def __init__(self, path: Path, opts: CsvOptions) -> None:
        self.path = path
        self.opts = opts
        self.size = check_file(path, opts.max_bytes)
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
        if opts.encoding:
            self.encoding = canonical_encoding(opts.encoding)
        else:
            sniffed = sniff_encoding(head, str(path))
            self.encoding = sniffed.encoding
            if sniffed.bom_len:  # codecs that consume the byte-order mark themselves
                self.encoding = {"utf-8": "utf-8-sig"}.get(self.encoding, self.encoding[:6])
        first = head.decode(self.encoding, "replace").splitlines()[0] if head.strip() else ""
        if not first.strip():
            raise InputError(f"{path}: line 1: empty file or empty header line")
        self.delimiter = opts.delimiter or _delimiter(first, path)
        self.header = next(csv.reader([first], delimiter=self.delimiter))
        self.columns = self._resolve()
        self.problems = _Problems()
        self.rows = 0

    def _resolve(self) -> dict[str, int]:
        index = {name.strip(): i for i, name in enumerate(self.header)}
        lower = {name.strip().lower(): i for i, name in enumerate(self.header)}
        out: dict[str, int] = {}
        for name, column in self.opts.mapping.items():
            if column not in index:
                raise InputError(
                    f"{self.path}: line 1: --map {name}={column}: no column {column!r} "
                    f"(columns: {self._shown_header()})"
                )
            out[name] = index[column]
        for name in FIELDS:
            if name not in out and name in lower:
                out[name] = lower[name]
        if "title" not in out and "body" not in out:
            raise InputError(
                f"{self.path}: line 1: no title or body column; map one, e.g. --map title=COLUMN "
                f"(columns: {self._shown_header()})"
            )
        return out

    def _shown_header(self) -> str:
        """The header for an error line, or the first line masked when it looks like a record, not a header.

        A headerless file's first line is a person's name, address and phone:
        when any cell of it does not look like a column name, every cell is
        masked, so no part of a record reaches the terminal or a log.
        """
        from leaktrace.core.masking import mask

        cells = self.header[:40]
        if all(_header_like(h) for h in cells):
            return ", ".join(repr(h.strip()) for h in cells)
        return ", ".join(repr(mask(h.strip())) for h in cells) + "; line 1 looks like data, shown masked"

    def _url(self, value: str | None, line: int) -> str:
        own = file_url(self.path.name)
        if not value:
            return f"{own}#row={line}"
        value = value.strip()
        if urlsplit(value).scheme and urlsplit(value).netloc:
            return value[:8192]
        if self.opts.base_url:
            return urljoin(self.opts.base_url, value)[:8192]
        return f"{own}#{quote(value, safe='/:@-._~')}"[:8192]

    def items(self) -> Iterator[ParsedItem]:
        """The rows as items, streamed; unreadable rows go to `problems`."""
        opts, cols = self.opts, self.columns
        na = set(opts.na)
        used = set(cols.values())
        with _field_limit(MAX_FIELD_CHARS), self.path.open(encoding=self.encoding, newline="", errors="strict") as fh:
            lines = _NumberedLines(fh)
            # strict: a quote that never closes, or closes with text after it, is an error, not a merged row
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            swallowed: deque[tuple[int, str]] = deque()  # lines a broken record ran over, read again one by one
            line = 1
            try:
                next(reader, None)
                while True:
                    if swallowed:
                        line, text = swallowed.popleft()
                        try:
                            row = next(csv.reader([text], delimiter=self.delimiter, strict=True), [])
                        except csv.Error as exc:
                            self.problems.add(line, _unreadable(exc, 1))
                            continue
                    else:
                        lines.record.clear()
                        try:
                            row = next(reader)
                        except StopIteration:
                            break
                        except csv.Error as exc:
                            record = lines.record or [(lines.number, "")]
                            line = record[0][0]
                            self.problems.add(line, _unreadable(exc, len(record)))
                            swallowed.extend(record[1:])
                            continue
                        line = lines.record[0][0]
                    if len(row) != len(self.header):
                        if not any(c.strip() for c in row):
                            continue
                        self.problems.add(line, f"{len(row)} fields where the header has {len(self.header)}")
                        continue

                    def get(name: str, row: list[str] = row) -> str | None:
                        i = cols.get(name)
                        if i is None:
                            return None
                        v = row[i].strip()
                        return None if v in na else v

                    item = self._item(get, row, used, line)
                    if item is not None:
                        self.rows += 1
                        yield item
                        if opts.max_rows is not None and self.rows >= opts.max_rows:
                            return
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{self.path}: after line {line}: invalid {self.encoding} bytes ({exc.reason}); give --encoding"
                ) from None

    def _item(self, get, row: list[str], used: set[int], line: int) -> ParsedItem | None:  # type: ignore[no-untyped-def]
        title, body = get("title"), get("body")
        if not title and not body:
            self.problems.add(line, "row has no title and no body")
            return None
        price = get("price")
        if price:
            cur = get("currency") or self.opts.currency
            number = _bare_number(price)
            if cur and number is not None:
                price = f"{number} {cur}"
        posted = None
        raw_posted = get("posted")
        if raw_posted:
            posted = _posted(raw_posted, self.opts)
            if posted is None:
                self.problems.add(line, f"posted time shaped {_shape(raw_posted)!r} not understood "
                                        "(row kept without it; give --date-format)")
        extra: dict[str, object] = {"csv_line": line}
        for i, name in enumerate(self.header):
            if i not in used and row[i].strip() not in self.opts.na:
                extra[name.strip()[:100]] = row[i].strip()[:MAX_EXTRA_CHARS]
        volume = get("volume")
        if volume:
            digits = volume.replace(",", "")
            if digits.isdigit():
                extra["volume_records"] = int(digits)
        status = get("status")
        if status:
            extra["status"] = status[:32]
        seller = get("seller")
        return ParsedItem(
            site=self.opts.site, url=self._url(get("url"), line), author_handle=seller and seller[:255],
            title=title, body=body, price_text=price, posted_at=posted, language=get("language"), extra=extra,
        )


def iter_csv(path: Path, opts: CsvOptions) -> Iterator[Document | Skipped]:
    """One Document (the CSV, streamed into evidence) whose items are its rows; then the skipped rows."""
    table = ListingCsv(path, opts)
    yield Document(
        url=file_url(path.name), body=path, fetched_at=mtime(path), where=str(path),
        content_type=f"text/csv; charset={table.encoding}", items=table.items(),
        meta={"imported_from": path.name, "columns": dict(sorted(
            (k, table.header[v]) for k, v in table.columns.items())), "fetched_at_is": "file modification time"},
    )
    yield from table.problems.report(path)


__all__ = ["DEFAULT_NA", "FIELDS", "CsvOptions", "ListingCsv", "iter_csv", "parse_mapping"]

