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

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urldefrag, urljoin, urlsplit

from leaktrace.collect.importers.base import (
    MAX_FILE_BYTES,
    Attachment,
    Document,
    Skipped,
    check_file,
    mtime,
)
from leaktrace.collect.importers.html import MAX_PICTURES_PER_PAGE, decode_html, parse, read_page
from leaktrace.core.errors import InputError
from leaktrace.evidence.warc import iter_warc

if TYPE_CHECKING:
    from leaktrace.collect.profile import Profile

STALE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}
MAX_PICTURE_BYTES = 64 << 20  # images.decode's own file limit
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
    pictures = _picture_index(path, max_record)
    with path.open("rb") as fh, path.open("rb") as again:
        def picture(url: str) -> tuple[bytes, str] | None:
            found = pictures.get(url)
            if found is None:
                return None
            again.seek(found[0])
            records = iter_warc(again, str(path), max_body=min(max_record, MAX_PICTURE_BYTES))
            try:
                rec = next(records)
            except (StopIteration, InputError):
                return None
            finally:
                records.close()
            return rec.body, found[1]

        yield from iter_warc_stream(fh, label=str(path), name=path.name, fallback=mtime(path), site=site,
                                    profile=profile, max_record=max_record,
                                    picture=picture if pictures else None)  # no images: pages are not parsed again


def _picture_index(path: Path, max_record: int) -> dict[str, tuple[int, str]]:
    """URL -> (offset, media type) of the archive's image records, so a listing page finds the pictures
    it shows wherever in the file they were written (a crawler writes them after the page). A damaged
    file indexes what precedes the damage; the page pass reports the damage itself."""
    found: dict[str, tuple[int, str]] = {}
    with path.open("rb") as fh:
        try:
            for rec in iter_warc(fh, str(path), max_body=max_record):
                if rec.record_type not in ("response", "resource") or (rec.status or 200) != 200:
                    continue
                ctype = next((v for k, v in rec.http_headers if k.lower() == "content-type"), "") or ""
                if ctype.split(";")[0].strip().lower().startswith("image/") and rec.url:
                    found.setdefault(urldefrag(rec.url.strip().strip("<>"))[0], (rec.offset, ctype.split(";")[0]))
        except InputError:
            pass
    return found


def _page_pictures(body: bytes, where: str, page_url: str, item_url: str,
                   picture: Callable[[str], tuple[bytes, str] | None]) -> tuple[Attachment, ...]:
    """The pictures a listing page shows that the archive also holds, as the listing's attachments."""
    text, _ = decode_html(body, where)
    out: dict[str, Attachment] = {}
    for node in parse(text).css("img"):
        src = (node.attributes.get("src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        url = urldefrag(urljoin(page_url, src))[0]
        if url in out or urlsplit(url).scheme not in ("http", "https"):
            continue
        got = picture(url)
        if got is None:
            continue  # not archived: nothing to seal (a crawler's own pass would have fetched it)
        out[url] = Attachment(url[:2000], None, item_url, data=got[0], media_type=got[1])
        if len(out) >= MAX_PICTURES_PER_PAGE:
            break
    return tuple(out.values())


def iter_warc_stream(
    fh: BinaryIO, *, label: str, name: str, fallback: datetime, site: str, profile: Profile | None = None,
    max_record: int = 64 << 20, picture: Callable[[str], tuple[bytes, str] | None] | None = None,
) -> Iterator[Document | Skipped]:
    """Documents for the records of a WARC read from a stream (a file, or a sealed upload opened from evidence).

    `label` names the input in messages, `name` is recorded as `imported_from`,
    `fallback` is the fetch time of records whose WARC-Date is unusable.
    `picture(url)` gives an archived image's bytes and type: a listing's pictures
    go with its page as attachments (sealed with it, their OCR queued).
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
        pictures = (_page_pictures(rec.body, where, url, items[0].url, picture)
                    if picture is not None and items else ())
        yield Document(
            url=url, body=rec.body, fetched_at=fetched, where=where,
            status=rec.status if rec.record_type == "response" else None,
            headers=headers if rec.record_type == "response" else (), content_type=ctype,
            items=items, meta=meta, attachments=pictures,
        )
