"""WARC files (plain or gzip, from any archiving tool) as captures.

Every `response` record becomes an HTTP capture (its WARC-Date is the fetch
time) and every `resource` record a document kept byte for byte; `request`,
`warcinfo` and `metadata` records carry no page and are passed over, and a
`revisit` (a pointer to an earlier identical payload) is reported as
skipped. A truncated or corrupt file yields every complete record before
the damage and then raises an InputError naming the byte offset of the bad
record (evidence.warc.iter_warc), so the caller keeps what is complete.

warcio hands the body out de-chunked and decompressed, so the
Content-Encoding, Transfer-Encoding and Content-Length headers no longer
describe it: they are dropped from the re-recorded capture (kept in its
custody metadata) so replay tools do not decode it twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from leaktrace.collect.importers.base import MAX_FILE_BYTES, Document, Skipped, check_file, mtime
from leaktrace.collect.importers.html import read_page
from leaktrace.core.errors import InputError
from leaktrace.evidence.warc import iter_warc

if TYPE_CHECKING:
    from leaktrace.collect.profile import Profile

STALE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
HTML_TYPES = ("text/html", "application/xhtml+xml")
PASSED_OVER = {"request", "warcinfo", "metadata"}


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else None


def iter_warc_file(
    path: Path, *, site: str, profile: Profile | None = None, max_bytes: int = MAX_FILE_BYTES,
    max_record: int = 64 << 20,
) -> Iterator[Document | Skipped]:
    """Documents for the records of one WARC file; InputError (after the good ones) if it is damaged."""
    check_file(path, max_bytes)
    with path.open("rb") as fh:
        yield from iter_warc_stream(fh, label=str(path), name=path.name, fallback=mtime(path), site=site,
                                    profile=profile, max_record=max_record)


def iter_warc_stream(
    fh: BinaryIO, *, label: str, name: str, fallback: datetime, site: str, profile: Profile | None = None,
    max_record: int = 64 << 20,
) -> Iterator[Document | Skipped]:
    """Documents for the records of a WARC read from a stream (a file, or a sealed upload opened from evidence).

    `label` names the input in messages, `name` is recorded as `imported_from`,
    `fallback` is the fetch time of records whose WARC-Date is unusable.
    """
    for rec in iter_warc(fh, label, max_body=max_record):
        where = f"{label}: offset {rec.offset}"
        if rec.record_type in PASSED_OVER:
            continue
        if rec.record_type not in ("response", "resource"):
            yield Skipped(where, f"{rec.record_type} record (no payload of its own)")
            continue
        url = (rec.url or "").strip().strip("<>")
        if urlsplit(url).scheme not in ("http", "https", "ftp", "file") or len(url) > 8192:
            yield Skipped(where, f"record for {url[:100]!r}: not a web URL")
            continue
        if rec.record_type == "response" and rec.status is None:
            yield Skipped(where, "response record without an HTTP status line")
            continue
        fetched = _date(rec.date)
        meta = {"imported_from": name, "warc_offset": rec.offset, "warc_record_id": rec.record_id}
        if fetched is None:
            fetched = fallback
            meta["fetched_at_is"] = f"file modification time (WARC-Date {rec.date!r} unusable)"
        headers = tuple((k, v) for k, v in rec.http_headers if k.lower() not in STALE_HEADERS)
        dropped = [f"{k}: {v}" for k, v in rec.http_headers if k.lower() in STALE_HEADERS]
        if dropped:
            meta["original_headers"] = dropped
        ctype = next((v for k, v in rec.http_headers if k.lower() == "content-type"), None)
        items = ()
        if rec.body and (ctype is None or ctype.split(";")[0].strip().lower() in HTML_TYPES):
            try:
                _, item, _ = read_page(rec.body, where=where, site=site, url=url, declared_type=ctype,
                                       profile=profile)
            except InputError as exc:
                yield Skipped(where, f"page kept as evidence, no post read: {exc}")
                item = None
            items = (item,) if item else ()
        yield Document(
            url=url, body=rec.body, fetched_at=fetched, where=where,
            status=rec.status if rec.record_type == "response" else None,
            headers=headers if rec.record_type == "response" else (), content_type=ctype,
            items=items, meta=meta,
        )
