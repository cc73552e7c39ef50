"""How and when each source is inspected: schedule, politeness, proxy, state, and its last run.

One row per source, beside `sources` rather than in it: a source registered
by a one-off import has no schedule, and the scheduler reads only this table.
A mirror address seen in a crawled page becomes a source in state "proposed"
(with no legal basis, so nothing can collect from it) until a person accepts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

SCHEDULE_STATES = ("active", "paused", "proposed", "rejected")
SCHEDULE_KINDS = ("crawl", "telegram_inbox")


class SourceSchedule(Base):
    """A source under online inspection (see module docstring)."""

    __tablename__ = "source_schedules"
    __table_args__ = (
        Index(None, "state", "next_run_at"),
        CheckConstraint("state IN ('active', 'paused', 'proposed', 'rejected')", name="state_known"),
    )

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), default="crawl")
    profile: Mapped[str | None] = mapped_column(String(500))
    start_urls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    inbox: Mapped[str | None] = mapped_column(Text)
    interval_s: Mapped[int | None] = mapped_column(Integer)
    cron: Mapped[str | None] = mapped_column(String(120))
    delay_s: Mapped[float | None] = mapped_column(Float)
    concurrency: Mapped[int | None] = mapped_column(Integer)
    max_pages: Mapped[int | None] = mapped_column(Integer)
    proxy: Mapped[str | None] = mapped_column(String(300))
    no_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    isolate: Mapped[bool] = mapped_column(Boolean, default=True)
    # Queue a rendering of each listing/seller page a run captures: the render jobs draw the sealed capture and
    # its sealed pictures only and fetch nothing, so they need no proxy (docs/inspection.md, "Renderings").
    screenshots: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    username: Mapped[str | None] = mapped_column(String(200))
    password_env: Mapped[str | None] = mapped_column(String(100))
    down_after_s: Mapped[int] = mapped_column(Integer, default=3600)
    state: Mapped[str] = mapped_column(String(16), default="active")
    proposed_from: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_pages: Mapped[int] = mapped_column(Integer, default=0)
    last_new_captures: Mapped[int] = mapped_column(Integer, default=0)
    last_errors: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    down_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    down_alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
