"""Upserting posts and listings; what changed between sightings becomes a listing snapshot.

A field the sighting leaves as None counts as "not observed this time" and
keeps its stored value: a re-crawl that fails to parse the price must not
record the price as withdrawn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.store.models import ListingSnapshot, Post, url_key
from leaktrace.store.repo._common import check_aware, check_url, insert_ignore

# Compared between sightings. Title and body are long and may quote sample
# rows: snapshots record a short digest of them, never the text.
TEXT_FIELDS = ("title", "body")
VALUE_FIELDS = (
    "author_handle",
    "language",
    "posted_at",
    "price_amount",
    "price_currency",
    "volume_records",
    "status",
)
TRACKED = TEXT_FIELDS + VALUE_FIELDS
PRICE_DECIMALS = 8  # the scale of the price columns


@dataclass(frozen=True)
class PostSighting:
    """One post or listing as parsed from one capture."""

    site: str
    url: str
    author_handle: str | None = None
    title: str | None = None
    body: str | None = None
    language: str | None = None
    posted_at: datetime | None = None
    price_amount: float | None = None
    price_currency: str | None = None
    volume_records: int | None = None
    status: str | None = None
    kind: str | None = None  # listing, profile, post: what the page was (None: not said)


@dataclass(frozen=True)
class UpsertResult:
    post_id: int
    state: Literal["new", "changed", "unchanged"]
    changed: tuple[str, ...] = ()


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _json_value(name: str, value: Any) -> Any:
    if name in TEXT_FIELDS:
        return _digest(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _observed(s: PostSighting) -> dict[str, Any]:
    """The tracked fields this sighting actually carries, in stored form."""
    out: dict[str, Any] = {}
    for name in TRACKED:
        value = getattr(s, name)
        if value is None:
            continue
        if name == "price_amount":
            value = round(float(value), PRICE_DECIMALS)
        elif name == "volume_records":
            value = int(value)
        out[name] = value
    return out


def _validate(s: PostSighting, seen_at: datetime) -> None:
    if not s.site.strip():
        raise InputError(f"{s.url[:200]}: field 'site' is empty")
    check_url(s.url)
    check_aware(s.posted_at, "posted_at")
    check_aware(seen_at, "seen_at")
    if s.volume_records is not None and s.volume_records < 0:
        raise InputError(f"{s.url[:200]}: field 'volume_records' is negative")


def _lock_post(session: Session, site: str, key: str) -> Post | None:
    stmt = select(Post).where(Post.site == site, Post.url_key == key).with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def _snapshot(
    session: Session, post: Post, kind: str, changes: dict[str, list[Any]],
    seen_at: datetime, capture_id: int | None,
) -> None:
    session.add(
        ListingSnapshot(
            post_id=post.id,
            capture_id=capture_id,
            seen_at=seen_at,
            kind=kind,
            changes=changes,
            price_amount=post.price_amount,
            price_currency=post.price_currency,
            volume_records=post.volume_records,
            status=post.status,
        )
    )


def upsert_post(
    session: Session,
    sighting: PostSighting,
    *,
    seen_at: datetime,
    source_id: int | None = None,
    capture_id: int | None = None,
) -> UpsertResult:
    """Insert or update the post at (site, url) and say whether it was new, changed or unchanged."""
    _validate(sighting, seen_at)
    key = url_key(sighting.url)
    observed = _observed(sighting)
    post = _lock_post(session, sighting.site, key)
    if post is None:
        inserted = insert_ignore(
            session,
            Post.__table__,  # type: ignore[arg-type]
            {
                "site": sighting.site, "url": sighting.url, "url_key": key,
                "source_id": source_id, "capture_id": capture_id,
                "first_seen_at": seen_at, "last_seen_at": seen_at, "kind": sighting.kind, **observed,
            },
            ["site", "url_key"],
        )
        post = _lock_post(session, sighting.site, key)
        assert post is not None
        if inserted:
            changes = {n: [None, _json_value(n, v)] for n, v in observed.items()}
            _snapshot(session, post, "new", changes, seen_at, capture_id)
            session.flush()
            return UpsertResult(post.id, "new", tuple(changes))
    changes = {}
    for name, new in observed.items():
        old = getattr(post, name)
        if old != new:
            changes[name] = [_json_value(name, old), _json_value(name, new)]
            setattr(post, name, new)
    if sighting.kind is not None:
        post.kind = sighting.kind
    post.last_seen_at = max(post.last_seen_at, seen_at)
    if capture_id is not None:
        post.capture_id = capture_id
    if post.source_id is None:
        post.source_id = source_id
    if changes:
        _snapshot(session, post, "changed", changes, seen_at, capture_id)
    session.flush()
    return UpsertResult(post.id, "changed" if changes else "unchanged", tuple(changes))



def post_version(session: Session, post_id: int) -> int:
    """The post's version number: how many snapshots (new, then each change) it has, 1 for a new post."""
    return int(session.scalar(select(func.count()).select_from(ListingSnapshot)
                              .where(ListingSnapshot.post_id == post_id)) or 0)
