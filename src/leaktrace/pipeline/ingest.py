"""The one path every capture takes into leaktrace: evidence blob + custody entry + store rows.

The crawler, watch mode and every importer (WARC, saved HTML, Telegram
exports, listing CSVs) hand what they fetched or read to :class:`Ingestor`,
so a page from a live crawl and the same page from an imported WARC end up
as the same evidence, the same custody trail and the same store rows.

Usage::

    from leaktrace.core.capture import CaptureDocument, ParsedItem
    from leaktrace.pipeline.context import open_context
    from leaktrace.pipeline.ingest import Ingestor

    with open_context() as ctx, ctx.session() as session:
        ing = Ingestor(session, evidence=ctx.evidence, collector="crawler")
        res = ing.capture(CaptureDocument(
            source="market-a",                # name or id; refused without legal basis + owner
            url="http://x.onion/item/1",
            body=raw_bytes,                   # exactly as received (after transfer decoding)
            fetched_at=datetime.now(UTC),     # timezone-aware
            status=200,                       # None for a document that was not an HTTP fetch
            headers=[("Content-Type", "text/html; charset=gbk")],
            items=[ParsedItem(site="market-a", url=..., title=..., price_text="0.05 BTC")],
        ))
        session.commit()                      # the caller owns the transaction
        res.capture_id, res.created, res.sha256, res.posts

The document checks its own fields when it is made (core.capture); the
ingestor adds the store's limits and the source's legal basis.

What it does, in order:

1. looks the source up and refuses it (ConfigError, exit 3) unless a legal
   basis and an owner are recorded, before anything is written;
2. refuses a body over ``max_body`` bytes (InputError) so a hostile 500 MB
   response never reaches evidence;
3. skips a repeat: when this source already holds a capture of this URL with
   the same payload bytes (SHA-256 of the body), nothing new is written to
   evidence, custody or captures; the existing capture is returned with
   ``created=False`` and the items are still upserted (a re-sighting moves
   ``last_seen_at``);
4. writes evidence: an HTTP fetch (``status`` given) becomes a WARC
   request/response pair (evidence.warc, opens in web-archive tools); any
   other document (a saved page, a chat export) is kept byte for byte. Every
   blob is sealed (AES-GCM) whatever ``contains_pii`` says; the flag is
   recorded in custody;
5. records the capture row (unique per source, url, blob) and upserts one post
   per ParsedItem, linked to the capture, with ``price_text`` read by
   intel.prices and the claimed volume by intel.volumes, so every collector
   shares one reading. An item the store refuses (a naive posted time, say)
   is left out and listed in ``Ingestor.rejected`` as (url, reason); the
   capture and the other items stand.

``body`` may also be a :class:`pathlib.Path` for a document that is not an
HTTP fetch (a seized CSV, a chat export): it is hashed and sealed as a
stream, never read whole. Posts of a large file can follow in batches with
``add_items(result, items, seen_at)``.

The evidence write comes before the database rows: if the transaction is
rolled back, the blob and its custody entry stay (custody is append-only)
and a rerun finds no capture row, writes the identical blob again
(deduplicated on disk) and records it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.collect.items import CaptureDocument, ParsedItem
from leaktrace.core.capture import POST_KINDS
from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.warc import MEDIA_TYPE as WARC_MEDIA_TYPE
from leaktrace.evidence.warc import iter_warc
from leaktrace.store.models import Capture, Source, url_key
from leaktrace.store.repo import (
    PostSighting,
    UpsertResult,
    get_source,
    record_capture,
    require_legal_basis,
    upsert_post,
)
from leaktrace.store.repo._common import check_aware, check_url

MAX_BODY_BYTES = 64 << 20
# How many earlier captures of one URL are compared against a new body; a
# page that changed more often than this is simply captured again.
MAX_COMPARE = 32


@dataclass(frozen=True)
class IngestResult:
    """What one capture call did: the capture row, its blob, and what happened to each item."""

    capture_id: int
    sha256: str
    payload_sha256: str
    created: bool
    posts: tuple[UpsertResult, ...] = ()
    entry_hash: str | None = None  # the capture's custody entry (None when the capture was a repeat)
    entry_seq: int | None = None


def _file_sha256(path: Path, limit: int) -> tuple[str, int]:
    """SHA-256 and size of a file, streamed; InputError when missing or over `limit` bytes."""
    from leaktrace.collect.importers.base import check_file

    size = check_file(path, limit)
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while piece := fh.read(1 << 20):
            h.update(piece)
    return h.hexdigest(), size


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """The first value of header `name` (case-insensitive), or None."""
    low = name.lower()
    for key, value in headers:
        if key.lower() == low:
            return value
    return None


def sighting(item: ParsedItem) -> PostSighting:
    """A ParsedItem in store form: price and claimed volume read once here, tracked extras kept."""
    amount: float | None = None
    currency: str | None = None
    if item.price_text:
        from leaktrace.intel.prices import find_prices
        from leaktrace.intel.text_hygiene import clean

        # Cleaned as intel reads text (NFKC first): "￥420" and "１２０ USDT" are prices, and a price cut on
        # them is a new listing version.
        prices = find_prices(clean(item.price_text[:2000]).text)
        if prices:
            amount, currency = prices[0].amount, prices[0].currency
    volume = item.extra.get("volume_records")
    if volume is None and (item.title or item.body):
        from leaktrace.intel.volumes import claimed_records

        # The claimed volume ("10万条") as intel reads it, for every collector alike.
        volume = claimed_records(f"{item.title or ''}\n{(item.body or '')[:5000]}")
    status = item.extra.get("status")
    kind = item.extra.get("kind")
    return PostSighting(
        site=item.site,
        url=item.url,
        author_handle=(item.author_handle or None) and item.author_handle[:255],
        title=item.title,
        body=item.body,
        language=(item.language or None) and item.language[:16],
        posted_at=item.posted_at,
        price_amount=amount,
        price_currency=currency,
        volume_records=volume if isinstance(volume, int) and not isinstance(volume, bool) and volume >= 0 else None,
        status=str(status)[:32] if status is not None else None,
        kind=kind if kind in POST_KINDS else None,
    )


TRACK_KIND = "track"
TRACK_PRIORITY = 1  # claimed before the queued runs (priority 0): a capture's alert does not wait for the next crawl


def queue_tracking(session: Session, post_id: int, capture_id: int | None) -> None:
    """Every stored post version is checked by the trackers (service.trackers runs the "track" jobs).

    Queued in the caller's transaction, so the version and its job are
    committed together: a kill between them loses neither, and a rerun that
    sees the same version again queues nothing (the key names the version).
    """
    from leaktrace.store.repo.jobs import enqueue_in
    from leaktrace.store.repo.posts import post_version

    version = post_version(session, post_id)
    enqueue_in(session, TRACK_KIND, {"post_id": post_id, "capture_id": capture_id},
               key=f"post:{post_id}:v{version}", priority=TRACK_PRIORITY)


class Ingestor:
    """Takes captures into evidence and the store for one session (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        *,
        evidence: EvidenceStore,
        collector: str = "leaktrace",
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.session = session
        self.evidence = evidence
        self.collector = collector
        self.max_body = max_body
        self._sources: dict[int | str, Source] = {}
        self._payload_of: dict[str, str] = {}
        # (url, reason) of items refused by the store's checks; the caller reports and clears them.
        self.rejected: list[tuple[str, str]] = []

    # -- sources -------------------------------------------------------------------

    def source(self, ref: int | str | Source) -> Source:
        """The source, checked for legal basis and owner (ConfigError otherwise)."""
        if isinstance(ref, Source):
            src = ref
        else:
            src = self._sources.get(ref) or get_source(self.session, ref)
        require_legal_basis(src)
        self._sources[ref if not isinstance(ref, Source) else src.id] = src
        return src

    # -- the one path ----------------------------------------------------------------

    def capture(self, doc: CaptureDocument) -> IngestResult:
        """Evidence, custody, capture row and posts for one fetched or imported document."""
        src = self.source(doc.source)
        url, body, status, fetched_at = doc.url, doc.body, doc.status, doc.fetched_at
        check_url(url)
        check_aware(fetched_at, "fetched_at")
        if isinstance(body, Path):
            payload_sha, size = _file_sha256(body, self.max_body)
        else:
            if len(body) > self.max_body:
                raise InputError(f"{url[:200]}: body of {len(body)} bytes exceeds the limit of {self.max_body}")
            payload_sha, size = hashlib.sha256(body).hexdigest(), len(body)
        items = list(doc.items)
        headers, meta, contains_pii = doc.headers, doc.meta, doc.contains_pii
        ctype = (doc.content_type or header_value(headers, "Content-Type") or "")[:200] or None
        key = url_key(url)

        existing = self._find_same(src.id, key, payload_sha)
        if existing is not None:
            posts = self._upsert(items, fetched_at, src.id, existing.id)
            return IngestResult(existing.id, existing.sha256, payload_sha, False, posts)

        who = doc.collector or self.collector
        extra = {**(meta or {}), "source": src.name}
        if isinstance(body, Path):
            ref = self.evidence.put_file(
                body, source_url=url, collector=who, action="intake",
                media_type=ctype or "application/octet-stream", contains_pii=contains_pii,
                meta={**extra, "fetched_at": fetched_at.isoformat()},
            )
            if ref.sha256 != payload_sha:
                raise InputError(f"{body}: file changed while it was being imported; import a frozen copy")
        elif status is not None:
            ref = self.evidence.put_capture(
                url=url, status=status, headers=list(headers), body=body, fetched_at=fetched_at,
                collector=who, method=doc.method, request_headers=list(doc.request_headers),
                contains_pii=contains_pii, meta=extra,
            )
        else:
            ref = self.evidence.put_bytes(
                body, source_url=url, collector=who, action="intake",
                media_type=ctype or "application/octet-stream", contains_pii=contains_pii,
                meta={**extra, "fetched_at": fetched_at.isoformat()},
            )
        self._payload_of[ref.sha256] = payload_sha
        cap = record_capture(
            self.session, ref.sha256, url, fetched_at, status, src.id, content_type=ctype, size=size
        )
        posts = self._upsert(items, fetched_at, src.id, cap.id)
        return IngestResult(cap.id, ref.sha256, payload_sha, cap.created, posts, ref.entry.hash, ref.entry.seq)

    def add_items(self, result: IngestResult, items: Iterable[ParsedItem], seen_at: datetime) -> tuple[UpsertResult, ...]:
        """More posts read from an already recorded capture (large files are read in batches)."""
        src_id = self.session.scalar(select(Capture.source_id).where(Capture.id == result.capture_id))
        if src_id is None:
            raise InputError(f"capture {result.capture_id}: no such capture")
        return self._upsert(list(items), seen_at, src_id, result.capture_id)

    # -- helpers ---------------------------------------------------------------------

    def _upsert(
        self, items: list[ParsedItem], seen_at: datetime, source_id: int, capture_id: int
    ) -> tuple[UpsertResult, ...]:
        out = []
        for it in items:
            try:
                post = sighting(it)
                res = upsert_post(self.session, post, seen_at=seen_at, source_id=source_id,
                                  capture_id=capture_id)
                out.append(res)
                if res.state != "unchanged":
                    queue_tracking(self.session, res.post_id, capture_id)
            except InputError as exc:
                # upsert_post validates before it writes: one bad item never spoils the capture.
                self.rejected.append((it.url, str(exc)))
        return tuple(out)

    def _find_same(self, source_id: int, key: str, payload_sha: str) -> Capture | None:
        """An earlier capture of this URL from this source whose payload is these bytes."""
        rows = self.session.scalars(
            select(Capture)
            .where(Capture.source_id == source_id, Capture.url_key == key)
            .order_by(Capture.id.desc())
            .limit(MAX_COMPARE)
        ).all()
        for row in rows:
            # Only HTTP captures (status set) are WARC blobs whose payload must be read back.
            if row.sha256 == payload_sha or (row.status is not None and self.payload_sha(row.sha256) == payload_sha):
                return row
        return None

    def payload_sha(self, blob_sha: str) -> str | None:
        """SHA-256 of the document a blob holds: the response body of a WARC capture, else the blob."""
        if blob_sha in self._payload_of:
            return self._payload_of[blob_sha]
        found: str | None = None
        try:
            data = self.evidence.read_bytes(blob_sha, max_bytes=self.max_body * 2)
        except LeaktraceError:
            return None
        if data[:2] == b"\x1f\x8b" or data[:5] == b"WARC/":
            try:
                for rec in iter_warc(io.BytesIO(data), f"blob {blob_sha}"):
                    if rec.record_type in ("response", "resource"):
                        found = hashlib.sha256(rec.body).hexdigest()
                        break
            except InputError:
                found = None
        if found is None:
            found = blob_sha
        self._payload_of[blob_sha] = found
        return found


__all__ = ["MAX_BODY_BYTES", "WARC_MEDIA_TYPE", "CaptureDocument", "IngestResult", "Ingestor", "header_value",
           "sighting"]
