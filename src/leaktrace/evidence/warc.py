"""Captures as WARC records (warcio), so evidence opens in standard web-archive tools.

A capture is stored as one blob holding a gzip-per-record WARC: the request
and the response, linked by WARC-Concurrent-To. The body must be the bytes
as received (after transfer decoding): if the caller hands over a decoded
body, it should also drop the Content-Encoding header, or replay tools will
try to decode it twice.

Reading WARC files back (for the importer) is hostile-input territory:
warcio silently stops at a truncated gzip member and hands out a short
body for a truncated plain record, so this module checks each record's
declared length and what remains unparsed, and names the offset of the first
bad record after yielding every good one before it.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leaktrace.core.errors import InputError

MEDIA_TYPE = "application/warc"
MAX_BODY_BYTES = 256 << 20


def _warc_date(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    return when.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def build_capture_warc(
    *,
    url: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    fetched_at: datetime,
    method: str = "GET",
    request_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """A request + response WARC (gzip per record) for one fetch."""
    date = _warc_date(fetched_at)
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True, warc_version="1.1")
    http = StatusAndHeaders(_status_line(status), list(headers), protocol="HTTP/1.1")
    response = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": date},
    )
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    req_http = StatusAndHeaders(
        f"{method} {target} HTTP/1.1",
        [("Host", parts.netloc), *request_headers],
        is_http_request=True,
    )
    request = writer.create_warc_record(
        url,
        "request",
        http_headers=req_http,
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    writer.write_record(request)
    writer.write_record(response)
    return buf.getvalue()


def store_capture(
    store: Any,
    *,
    url: str,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    fetched_at: datetime,
    collector: str,
    method: str = "GET",
    request_headers: Sequence[tuple[str, str]] = (),
    contains_pii: bool = True,
    meta: dict[str, Any] | None = None,
) -> Any:
    """Write the WARC for a fetch into `store` (an EvidenceStore); returns its BlobRef."""
    data = build_capture_warc(
        url=url,
        status=status,
        headers=headers,
        body=body,
        fetched_at=fetched_at,
        method=method,
        request_headers=request_headers,
    )
    return store.put_bytes(
        data,
        source_url=url,
        collector=collector,
        action="capture",
        media_type=MEDIA_TYPE,
        contains_pii=contains_pii,
        meta={
            **(meta or {}),
            "http_status": status,
            "fetched_at": _warc_date(fetched_at),
            "payload_sha256": hashlib.sha256(body).hexdigest(),
        },
    )


@dataclass(frozen=True)
class WarcRecord:
    """One record read back: enough for the importer, body already de-chunked."""

    offset: int
    record_type: str
    url: str | None
    date: str | None
    record_id: str | None
    status: int | None
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class _Counting(io.RawIOBase):
    """Counts the bytes warcio pulls, to spot input it silently left unparsed."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.count += n
        return n


def iter_warc(stream: BinaryIO, label: str, *, max_body: int = MAX_BODY_BYTES) -> Iterator[WarcRecord]:
    """Records of a WARC (plain or gzip) in order; InputError naming the offset of the first bad one.

    A seekable stream may stand at any record's start (one record read from the middle of a file):
    offsets, and the end-of-file checks that seek, are counted from the file's first byte.
    """
    base = stream.tell() if stream.seekable() else 0
    src = _Counting(stream)
    it = ArchiveIterator(io.BufferedReader(src, 1 << 16), ensure_http_headers=False)
    offset = end = 0
    last_member = (0, 0)
    pending: WarcRecord | None = None
    try:
        for rec in it:
            offset = base + it.offset
            if not str(getattr(rec, "format", "")).startswith("warc"):
                raise InputError(f"{label}: truncated or corrupt WARC record at offset {offset} (not a WARC record)")
            body = rec.content_stream().read(max_body + 1)
            if len(body) > max_body:
                raise InputError(f"{label}: record at offset {offset}: body larger than {max_body} bytes")
            while rec.raw_stream.read(1 << 16):
                pass
            http = rec.http_headers
            status = None
            if http is not None and rec.rec_type == "response":
                code = http.get_statuscode()
                status = int(code) if code and code.isdigit() else None
            record = WarcRecord(
                offset=offset,
                record_type=rec.rec_type,
                url=rec.rec_headers.get_header("WARC-Target-URI"),
                date=rec.rec_headers.get_header("WARC-Date"),
                record_id=rec.rec_headers.get_header("WARC-Record-ID"),
                status=status,
                http_headers=list(http.headers) if http is not None else [],
                body=body,
            )
            member_end = base + it.get_record_offset() + it.get_record_length()
            last_member = (offset, member_end - offset)
            # Hand a record out only once the next one parsed (or the end checked out):
            # warcio yields a record cut short without complaint.
            if pending is not None:
                yield pending
            pending = record
        end = base + it.offset
    except InputError as exc:
        failure: InputError | None = exc
    except (ArchiveLoadFailed, zlib.error, ValueError, EOFError, AttributeError, TypeError) as exc:
        # warcio reports malformed headers as whatever its parser trips on.
        failure = InputError(f"{label}: truncated or corrupt WARC record at offset {base + it.offset} ({exc})")
        failure.__cause__ = exc
    else:
        failure = None
    if failure is not None:
        # The next record began, so the one held back is complete.
        if pending is not None:
            yield pending
        raise failure
    while src.read(1 << 16):
        pass
    good_end = last_member[0] + last_member[1]
    if good_end and stream.seekable() and _is_truncated(stream, last_member):
        raise InputError(f"{label}: truncated or corrupt WARC record at offset {last_member[0]}")
    if pending is not None:
        yield pending
    bad_at = _content_after(stream, good_end) if stream.seekable() else (end if base + src.count > end else None)
    if bad_at is not None:
        raise InputError(f"{label}: truncated or corrupt WARC record at offset {bad_at}")


def response_record(data: bytes, label: str) -> WarcRecord | None:
    """The HTTP response of a sealed capture (a capture's blob is a WARC holding its response), or None."""
    return next((r for r in iter_warc(io.BytesIO(data), label) if r.record_type == "response"), None)


def _content_after(stream: BinaryIO, pos: int) -> int | None:
    """Offset of the first byte after `pos` that is not a record-separating blank line."""
    stream.seek(pos)
    while chunk := stream.read(1 << 16):
        stripped = chunk.lstrip(b"\r\n")
        if stripped:
            return pos + len(chunk) - len(stripped)
        pos += len(chunk)
    return None


def _is_truncated(stream: BinaryIO, member: tuple[int, int]) -> bool:
    """warcio reads a last record cut short without complaint: check it against its framing.

    A gzip member must reach its end-of-stream marker; a plain record must be
    as long as its WARC header block plus its declared Content-Length.
    """
    start, length = member
    stream.seek(start)
    raw = stream.read(length)
    if raw[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(wbits=31)
        try:
            while raw:
                d.decompress(raw, 1 << 20)
                raw = d.unconsumed_tail
        except zlib.error:
            return True
        return not d.eof
    head_end = raw.find(b"\r\n\r\n")
    if head_end == -1:
        return True
    for line in raw[:head_end].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                declared = int(value.strip())
            except ValueError:
                return True
            return head_end + 4 + declared > length
    return True
