"""Cases: a case, the items gathered into it, investigators' notes and its timeline.

An item's payload is the validated JSON of a `leaktrace.cases.model` type
(listing, actor, dump summary ...), already minimised: the case tables never
hold raw personal data. Items are keyed by (case, kind, natural key), so
adding the same listing again replaces it instead of duplicating it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index(None, "updated_at", "id"),)  # the case list, newest change first, a page at a time

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    tlp: Mapped[str] = mapped_column(String(16), default="amber")
    status: Mapped[str] = mapped_column(String(16), default="open")
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assignee: Mapped[str | None] = mapped_column(String(200))
    # A supervisor other than the author (`created_by`) signs the case off; the audit log has the act too.
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseItem(Base):
    __tablename__ = "case_items"
    # (kind, key): a dump's attribution items, whichever case holds them (`service.dump_view`)
    # (case_id, id): the case page's items a page at a time, newest first
    __table_args__ = (UniqueConstraint("case_id", "kind", "key"), Index(None, "kind", "key"), Index(None, "case_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_by: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseItemTerm(Base):
    """What an item names that the identifier pivot looks up (keyed hashes, clear seller identifiers, wallet
    addresses: `store.repo.case_terms`), so finding an identifier's cases is an index look-up, not a read of
    every item's payload."""

    __tablename__ = "case_item_terms"
    __table_args__ = (Index(None, "term"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("case_items.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)


class CaseNote(Base):
    __tablename__ = "case_notes"
    __table_args__ = (Index(None, "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseEvent(Base):
    """One timeline entry: what happened (a post, a capture, an item added) and when."""

    __tablename__ = "case_events"
    __table_args__ = (Index(None, "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
