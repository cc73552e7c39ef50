"""Recording fetched documents, idempotently, so a resumed crawl never duplicates evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.store.models import Capture, url_key
from leaktrace.store.repo._common import check_aware, check_url, insert_ignore
from leaktrace.store.repo.sources import get_source, require_legal_basis

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class CaptureResult:
    id: int
    created: bool


def record_capture(
    session: Session,
    sha256: str,
    url: str,
    fetched_at: datetime,
    status: int | None,
    source_id: int,
    *,
    content_type: str | None = None,
    size: int | None = None,
) -> CaptureResult:
    """Record a capture once per (source, url, content); a repeat returns the existing row.

    The source's legal basis is checked here as well as by the crawler: this
    is the last door before collected material becomes part of a case.
    """
    sha = sha256.lower()
    if not _SHA256.fullmatch(sha):
        raise InputError(f"field 'sha256': {sha256[:80]!r} is not a hex SHA-256 digest")
    check_url(url)
    check_aware(fetched_at, "fetched_at")
    require_legal_basis(get_source(session, source_id))
    key = url_key(url)
    created = insert_ignore(
        session,
        Capture.__table__,  # type: ignore[arg-type]
        {
            "source_id": source_id,
            "url": url,
            "url_key": key,
            "sha256": sha,
            "fetched_at": fetched_at,
            "status": status,
            "content_type": content_type,
            "size": size,
        },
        ["source_id", "url_key", "sha256"],
    )
    cid = session.scalar(
        select(Capture.id).where(
            Capture.source_id == source_id, Capture.url_key == key, Capture.sha256 == sha
        )
    )
    assert cid is not None
    return CaptureResult(id=cid, created=created)


def latest_capture_since(session: Session, source_id: int, key: str, since: datetime) -> int | None:
    """The newest capture from the source of the URL with `url_key` `key`, recorded at or after `since`."""
    return session.scalar(
        select(Capture.id)
        .where(Capture.source_id == source_id, Capture.url_key == key, Capture.recorded_at >= since)
        .order_by(Capture.id.desc())
        .limit(1)
    )
