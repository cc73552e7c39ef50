"""Guess what a dump file is from its first bytes: container, format, encoding, dialect.

Sellers pack dumps every way there is, so nothing is trusted from the file
name. Only the head (`HEAD_BYTES`, decompressed) is read here; the engine
then streams the whole file with the options decided from it.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from leaktrace.core.errors import InputError
from leaktrace.core.textio import canonical_encoding, sniff_encoding

HEAD_BYTES = 256 << 10
SAMPLE_LINES = 200
# Longest first: "----" must win over "-".
DELIMITERS = ("----", "\t", ",", "|", ";", "\x01", ":")
_HEADER_WORDS = ("身份证", "证件", "手机", "电话", "姓名", "收货", "地址", "订单", "时间", "金额",
                 "name", "phone", "mobile", "id", "addr", "time", "date", "email", "order", "price")


@dataclass
class Sniffed:
    """What the head says. `member` names the zip entry read (others land in `skipped`)."""

    container: str  # plain | gzip | zip
    kind: str  # delimited | jsonl | sql | xlsx | parquet
    encoding: str
    bom_len: int = 0
    delimiter: str | None = None
    quote: str = ""
    header: bool = False
    member: str | None = None
    skipped: list[str] = field(default_factory=list)
    head_text: str = ""
    head_complete: bool = False  # the head is the whole data, so its last line is whole too


def _zip_member(path: Path) -> tuple[str, list[str]]:
    """The largest regular entry (the data); the rest are reported as skipped."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: broken zip archive ({exc})") from exc
    if not infos:
        raise InputError(f"{path}: zip archive holds no files")
    best = max(infos, key=lambda i: i.file_size)
    return best.filename, [f"zip member {i.filename} ({i.file_size} bytes): not read, only the largest member is"
                           for i in infos if i is not best]


def read_head(path: Path, container: str, member: str | None, n: int = HEAD_BYTES) -> bytes:
    """First `n` decompressed bytes; a truncated gzip head is still returned (the error comes at full read)."""
    if container == "gzip":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = b""
        with path.open("rb") as f:
            while len(out) < n:
                chunk = f.read(64 << 10)
                if not chunk:
                    break
                try:
                    out += d.decompress(chunk, n - len(out))
                except zlib.error as exc:
                    raise InputError(f"{path}: broken gzip data ({exc})") from exc
        return out
    if container == "zip":
        with zipfile.ZipFile(path) as zf, zf.open(member or "") as f:
            return f.read(n)
    with path.open("rb") as f:
        return f.read(n)


def _container(path: Path) -> str:
    with path.open("rb") as f:
        magic = f.read(4)
    if magic[:2] == b"\x1f\x8b":
        return "gzip"
    if magic == b"PK\x03\x04":
        return "zip"
    return "plain"


def _decode_head(head: bytes, label: str, encoding: str | None) -> tuple[str, str, int]:
    if encoding:
        enc, bom = canonical_encoding(encoding), 0
        if enc == "utf-8" and head.startswith(codecs.BOM_UTF8):
            bom = 3
    else:
        s = sniff_encoding(head, label)
        enc, bom = s.encoding, s.bom_len
    try:
        text = codecs.getincrementaldecoder(enc)("strict").decode(head[bom:], final=False)
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not valid {enc} at byte {exc.start + bom}; give the right --encoding") from exc
    return enc, text, bom


def _lines(text: str) -> list[str]:
    lines = text.splitlines()
    if text and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]  # the head cut the last line
    return [ln for ln in lines[:SAMPLE_LINES] if ln.strip()]


MAX_JOINED_LINES = 8


def logical_lines(lines: list[str], quote: str = '"') -> list[str]:
    """Physical lines joined where a quoted field runs over a newline (an odd count of quotes so far).

    Counting delimiters per physical line mistakes a quoted address broken
    over two lines for two short rows (a time's ':' then looks steadier than
    the ','). A quote still open after MAX_JOINED_LINES lines is a broken
    quote, not a field: that line stays as it is.
    """
    out: list[str] = []
    i = 0
    while i < len(lines):
        cur, j = lines[i], i
        while cur.count(quote) % 2 and j + 1 < len(lines) and j - i < MAX_JOINED_LINES:
            j += 1
            cur += "\n" + lines[j]
        if cur.count(quote) % 2:
            cur, j = lines[i], i
        out.append(cur)
        i = j + 1
    return out


def pick_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the same number (>1) of fields most often."""
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        counts = Counter(ln.count(d) for ln in lines)
        if not counts:
            continue
        n, freq = counts.most_common(1)[0]
        if n == 0:
            continue
        score = freq / len(lines) + 0.001 * n
        if score > best_score:
            best, best_score = d, score
    return best


def _digitish(v: str) -> bool:
    v = v.strip().strip('"')
    return bool(v) and sum(c.isdigit() for c in v) >= max(1, len(v) * 0.6)


_PII_SHAPED = re.compile(r"@|\d(?:[\s-]?\d){5,}")
_ASCII_TOKEN = re.compile(r"[a-z]+")


def _names_a_column(field: str) -> bool:
    """A header word: Chinese words anywhere in the field, English ones as whole tokens ('id', not 'david')."""
    low = field.lower()
    tokens = set(_ASCII_TOKEN.findall(low))
    return any((w in tokens or any(t.startswith(w) for t in tokens)) if w.isascii() else w in low
               for w in _HEADER_WORDS)


def _looks_like_data(row: list[str]) -> bool:
    """A row with an e-mail or a long digit run is a person's record, never a header."""
    return any(_PII_SHAPED.search(f) for f in row)


def has_header(rows: list[list[str]]) -> bool:
    """A first row whose fields are words where the body has numbers (or that names known columns).

    A first row holding PII-shaped values is data: taking it for a header
    would drop a person from the counts and print their values as column names.
    """
    if not rows or _looks_like_data(rows[0]):
        return False
    if len(rows) < 2:
        return any(_names_a_column(f) for f in rows[0])
    first, body = rows[0], rows[1:]
    numeric_cols = [
        i for i in range(len(first))
        if sum(_digitish(r[i]) for r in body if i < len(r)) >= 0.8 * len(body)
    ]
    if numeric_cols:
        return not any(_digitish(first[i]) for i in numeric_cols)
    return any(_names_a_column(f) for f in first)


def split_line(line: str, delimiter: str, quote: str) -> list[str]:
    """Split one sample line like the engine will (quotes only when the file uses them)."""
    if not quote:
        return line.split(delimiter)
    import csv

    if len(delimiter) == 1:
        return next(csv.reader([line], delimiter=delimiter, quotechar=quote))
    return [f.strip(quote) for f in line.split(delimiter)]


def sniff(path: Path, encoding: str | None = None) -> Sniffed:
    """Decide container, kind, encoding and dialect from the head of `path`."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: empty file")
    with path.open("rb") as f:
        if f.read(4) == b"PAR1":  # a Parquet file (an org export, a converted dump): columns are typed already
            return Sniffed(container="plain", kind="parquet", encoding="utf-8", header=True)
    container = _container(path)
    member, skipped = None, []
    if container == "zip":
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
        if "xl/workbook.xml" in names:
            return Sniffed(container="plain", kind="xlsx", encoding="utf-8", header=True)
        member, skipped = _zip_member(path)
    head = read_head(path, container, member)
    label = f"{path}" + (f"!{member}" if member else "")
    enc, text, bom = _decode_head(head, label, encoding)
    s = Sniffed(container=container, kind="delimited", encoding=enc, bom_len=bom, member=member,
                skipped=skipped, head_text=text, head_complete=len(head) < HEAD_BYTES)
    stripped = text.lstrip()
    low = text[:8192].lower()
    if stripped.startswith("{"):
        s.kind = "jsonl"
        return s
    if stripped.startswith(("--", "/*", "insert ", "create ", "set ", "begin", "pragma", "copy ")) or \
            "insert into" in low or "create table" in low:
        s.kind = "sql"
        return s
    lines = _lines(text)
    if '"' in text:
        lines = logical_lines(lines)
    if not lines:
        raise InputError(f"{label}: no complete line in the first {len(head)} bytes")
    s.delimiter = pick_delimiter(lines)
    s.quote = '"' if any('"' in ln for ln in lines) else ""
    rows = [split_line(ln, s.delimiter, s.quote) for ln in lines]
    s.header = has_header(rows)
    return s
