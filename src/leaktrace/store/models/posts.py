"""Posts and listings as seen on a site, and the history of how a listing changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

# Claimed prices are approximate by nature (a seller's asking price in
# USDT/BTC/CNY); a float round-trips the same on both backends without
# SQLite's Decimal-emulation warnings.
PRICE = Numeric(28, 8, asdecimal=False)


class Post(Base):
    """The latest known state of one post or listing, identified by (site, url).

    Watch mode compares each new sighting with this row; what changed goes
    into listing_snapshots, so the history survives while this row stays the
    one place later stages read the current state from.
    """

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("site", "url_key"),
        Index(None, "author_handle"),
        Index(None, "posted_at"),
        # The console feed's "newest first", with the id that breaks ties: a deep page is walked in the index
        # alone (an index-only scan), never in the table.
        Index(None, "last_seen_at", "id"),
        # The seller filter matches handles case-insensitively (the listing page's "seller's other listings"),
        # newest first: with the sighting time in the index a seller of 10^5 posts costs a page its 21 rows.
        Index("ix_posts_lower_author_handle_seen", func.lower(text("author_handle")), "last_seen_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    author_handle: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    price_amount: Mapped[float | None] = mapped_column(PRICE)
    price_currency: Mapped[str | None] = mapped_column(String(12))
    volume_records: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(32))
    # What the page was, as the site profile's rule says: listing, profile (a vendor's page), post.
    kind: Mapped[str | None] = mapped_column(String(16))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListingSnapshot(Base):
    """One sighting in which a post was new or differed from the previous one.

    `changes` maps each changed field to [old, new]; the tracked values are
    copied too, so a price history is one query without replaying JSON.
    Text fields (title, body) are recorded as changed, not copied: the
    capture named here holds the old text as evidence.
    """

    __tablename__ = "listing_snapshots"
    __table_args__ = (Index(None, "post_id", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(8))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    price_amount: Mapped[float | None] = mapped_column(PRICE)
    price_currency: Mapped[str | None] = mapped_column(String(12))
    volume_records: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str | None] = mapped_column(String(32))
