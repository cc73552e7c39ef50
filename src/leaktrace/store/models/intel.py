"""What the intel stage attaches to a post: a verdict and the identifiers it found.

PII never sits here in the clear: an identifier is a keyed hash plus its
masked form. `value_norm` is kept only where `core.disclosure.kept_in_store`
allows it: infrastructure (wallets, PGP fingerprints, onion hosts) and the
contacts a seller posts as their own, which investigators must be able to
look up outside. `victim_seen_at` marks a value once seen as a victim's
data (in sample rows, in a dump's hash sets): from then on it is never kept
in clear, whoever posts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
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


class Identifier(Base):
    """A distinct identifier value (a phone, a wallet, a PGP key) across all posts."""

    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("type", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    value_hash: Mapped[str] = mapped_column(String(100))
    value_masked: Mapped[str] = mapped_column(String(200))
    value_norm: Mapped[str | None] = mapped_column(Text)
    victim_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PostIdentifier(Base):
    """Which identifiers a post carries, and in what role (contact, sample row, payment)."""

    __tablename__ = "post_identifiers"
    # The posts sharing an identifier (the listing page's "similar listings", the pivot) are read from the
    # index alone: with post_id in it no row of the table is visited.
    __table_args__ = (Index(None, "identifier_id", "post_id"),)

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    identifier_id: Mapped[int] = mapped_column(
        ForeignKey("identifiers.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True, default="mention")
    count: Mapped[int] = mapped_column(Integer, default=1)


class IntelResult(Base):
    """The classifier's verdict on a post, one per (post, model version) so re-runs compare."""

    __tablename__ = "intel_results"
    __table_args__ = (
        UniqueConstraint("post_id", "model_version"),
        Index(None, "trafficking", "score"),
        # The console feed's "highest score first", ties broken by post id: a deep page is walked in the index.
        Index(None, "model_version", "score", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(64))
    trafficking: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
