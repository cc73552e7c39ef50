"""Where material comes from and what was fetched: sources, captures, the crawl frontier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

FRONTIER_STATES = ("queued", "claimed", "done", "failed")


class Source(Base):
    """A place leaktrace may collect from, with the legal basis and the person answerable for it.

    legal_basis and owner are nullable on purpose: a source can be registered
    while the paperwork is pending, but collection refuses it until both are
    filled (repo.sources.require_legal_basis).
    """

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    base_url: Mapped[str | None] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Capture(Base):
    """One fetched document; its bytes live in the evidence store under `sha256`.

    Unique per (source, url, content): re-recording after a killed crawl is a
    no-op, while the same bytes seen on a mirror stay a separate capture.
    """

    __tablename__ = "captures"
    __table_args__ = (
        UniqueConstraint("source_id", "url_key", "sha256"),
        Index(None, "sha256"),
        CheckConstraint("length(sha256) = 64", name="sha256_len"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FrontierItem(Base):
    """A URL a crawl still has to fetch, is fetching, or has finished.

    A claim is a lease (claimed_until): a worker killed mid-fetch never
    completes, its lease runs out and the URL becomes claimable again; done
    URLs are never handed out twice, so a resumed crawl refetches nothing.
    """

    __tablename__ = "crawl_frontier"
    __table_args__ = (
        UniqueConstraint("source_id", "url_key"),
        Index(None, "state", "next_try_at"),
        Index(None, "host"),
        CheckConstraint(
            "state IN ('queued', 'claimed', 'done', 'failed')", name="state_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
