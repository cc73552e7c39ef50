"""Decode hostile text input as a bounded-memory stream of characters.

Scraped pages and seized files arrive in UTF-8, GB18030/GBK or UTF-16, often
without a declaration, sometimes binary or broken. This module decides the
encoding from the first bytes (BOM, NUL pattern, strict trial decodes), then
decodes incrementally so a 2 GB file with no newline never sits in memory.
"""

from __future__ import annotations

import codecs
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from leaktrace.core.errors import InputError

SNIFF_BYTES = 1 << 16
READ_BYTES = 1 << 20
ENCODING_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "cp936": "gb18030",
    "utf8": "utf-8",
    "utf16": "utf-16",
}
_CONTROL = set(range(0, 9)) | set(range(14, 27)) | set(range(28, 32)) | {127}


@dataclass(frozen=True)
class Sniffed:
    encoding: str
    bom_len: int


def canonical_encoding(name: str) -> str:
    """GBK and GB2312 are subsets of GB18030: always decode with the superset."""
    key = name.strip().lower().replace("_", "-")
    key = ENCODING_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except LookupError as exc:
        raise InputError(f"unknown encoding {name!r}") from exc


def sniff_encoding(head: bytes, label: str) -> Sniffed:
    """Pick UTF-8, GB18030 or UTF-16 for `head`, or raise InputError for binary data."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return Sniffed(enc, len(bom))
    if b"\x00" in head:
        even = head[0::2].count(0)
        odd = head[1::2].count(0)
        half = max(1, len(head) // 2)
        if odd > 0.3 * half and even < 0.05 * half:
            return Sniffed("utf-16-le", 0)
        if even > 0.3 * half and odd < 0.05 * half:
            return Sniffed("utf-16-be", 0)
        raise InputError(f"{label}: binary data (NUL byte at offset {head.index(0)}), not text")
    controls = sum(1 for b in head if b in _CONTROL)
    if head and controls > max(2, len(head) // 100):
        raise InputError(f"{label}: binary data ({controls} control bytes in the first {len(head)}), not text")
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
        return Sniffed("utf-8", 0)
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")("strict").decode(head, final=False)
        return Sniffed("gb18030", 0)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{label}: not UTF-8, GB18030 or UTF-16 (undecodable byte at offset {exc.start}); "
            "give --encoding"
        ) from exc


class TextStream:
    """Iterates decoded text chunks; `encoding` is known after construction."""

    def __init__(
        self,
        raw: BinaryIO,
        label: str,
        encoding: str | None = None,
        errors: str = "strict",
        read_bytes: int = READ_BYTES,
    ) -> None:
        self._raw = raw
        self.label = label
        self._errors = errors
        self._read_bytes = read_bytes
        self._head = raw.read(SNIFF_BYTES)
        if encoding:
            self.encoding = canonical_encoding(encoding)
            bom = codecs.BOM_UTF8 if self.encoding == "utf-8" else b""
            self._bom = len(bom) if bom and self._head.startswith(bom) else 0
        else:
            sniffed = sniff_encoding(self._head, label)
            self.encoding, self._bom = sniffed.encoding, sniffed.bom_len
        self.bytes_read = 0
        self.empty = not self._head

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(self._errors)
        data = self._head[self._bom :]
        consumed = self._bom
        while data:
            try:
                text = decoder.decode(data, final=False)
            except UnicodeDecodeError as exc:
                pending = len(decoder.getstate()[0]) if hasattr(decoder, "getstate") else 0
                offset = consumed - pending + exc.start
                raise InputError(
                    f"{self.label}: byte offset {offset}: invalid {self.encoding} sequence "
                    f"{exc.object[exc.start:exc.start + 4]!r}; give --encoding or --errors replace"
                ) from exc
            consumed += len(data)
            self.bytes_read = consumed
            if text:
                yield text
            data = self._raw.read(self._read_bytes)
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{self.label}: byte offset {consumed}: file ends inside a {self.encoding} character"
            ) from exc
        if tail:
            yield tail


def open_text(path: str | Path, encoding: str | None = None, errors: str = "strict") -> TextStream:
    """Open a file path, or '-' for standard input, as a TextStream."""
    if str(path) == "-":
        return TextStream(sys.stdin.buffer, "<stdin>", encoding, errors)
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a file")
    try:
        fh = p.open("rb")
    except FileNotFoundError as exc:
        raise InputError(f"{p}: no such file") from exc
    except PermissionError as exc:
        raise InputError(f"{p}: permission denied") from exc
    return TextStream(fh, str(p), encoding, errors)


def text_stream_from_bytes(data: bytes, label: str = "<bytes>", encoding: str | None = None) -> TextStream:
    return TextStream(io.BytesIO(data), label, encoding)
