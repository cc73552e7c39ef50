"""Bytes of a fetched page to text: header charset, else <meta> charset, else a strict sniff.

Old Chinese forums send GBK with a bare `text/html`; decoding such a page as
UTF-8 (with replacement) silently turns every title into mojibake. GBK and
GB2312 are read as GB18030, their superset (core.textio).
"""

from __future__ import annotations

import re

from leaktrace.core.errors import InputError
from leaktrace.core.textio import canonical_encoding, sniff_encoding

META_SCAN_BYTES = 4096
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return m.group(1) if m else None


def meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def _usable(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return canonical_encoding(name)
    except InputError:
        return None


def decode_page(body: bytes, content_type: str | None, label: str) -> tuple[str, str]:
    """(text, encoding used). Undecodable bytes become U+FFFD: a page is evidence, not input to reject."""
    encoding = _usable(header_charset(content_type)) or _usable(meta_charset(body))
    if encoding is None:
        try:
            encoding = sniff_encoding(body[: 1 << 16], label).encoding
        except InputError:
            encoding = "utf-8"
    return body.decode(encoding, errors="replace"), encoding
