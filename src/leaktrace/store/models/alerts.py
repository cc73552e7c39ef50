"""Online inspection's rules and their results: trackers, alerts, who is told, and held notices.

An alert is one row per (rule, actor, listing): a tracker that fires again
on the same seller's same listing bumps `hits` and `last_seen_at` instead of
raising a second alert, so nobody is paged twice for one thing. An alert
stores what matched (term, pattern or rule names, masked identifiers),
never the captured text: alerts leave the unit by e-mail and webhook.
A delivery row per (alert, subscriber) is what makes a notification go out
at most once however often its job is retried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

ALERT_STATES = ("new", "acknowledged", "dismissed", "escalated")
DELIVERY_STATES = ("queued", "sent", "failed", "cancelled")
NOTICE_STATES = ("held", "released")


class Tracker(Base):
    """A watch rule run on every new capture: terms, patterns, YARA, thresholds, brands, canaries."""

    __tablename__ = "trackers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Alert(Base):
    """One thing a person should look at, deduplicated per rule, actor and listing."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule", "actor", "listing"),
        Index(None, "state", "priority"),
        Index(None, "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(64))  # tracker:<id> | canary:<org> | source_down
    kind: Mapped[str] = mapped_column(String(16))  # tracker | canary | source_down
    actor: Mapped[str] = mapped_column(String(255), default="")
    listing: Mapped[str] = mapped_column(String(255), default="")
    tracker_id: Mapped[int | None] = mapped_column(ForeignKey("trackers.id", ondelete="SET NULL"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    priority: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default="new")
    reason: Mapped[str | None] = mapped_column(Text)
    case_ref: Mapped[str | None] = mapped_column(String(64))
    matched: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hits: Mapped[int] = mapped_column(Integer, default=1)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertSubscription(Base):
    """A user's choice of which alerts reach them, and where (an e-mail address or a webhook URL)."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(200))  # the webhook's HMAC key
    min_priority: Mapped[int] = mapped_column(Integer, default=0)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every kind
    trackers: Mapped[list[int]] = mapped_column(JSON, default=list)  # empty: every tracker
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AlertDelivery(Base):
    """One alert to one subscriber: sent once, retried until sent, cancelled once acknowledged."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscriptions.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrgNotice(Base):
    """What an organisation is told of its canary being seen: held until a supervisor releases it.

    Carries the canary id, the source and the time only, never capture content.
    """

    __tablename__ = "org_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), unique=True)
    org: Mapped[str] = mapped_column(String(200))
    canary_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16), default="held")
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RetentionRule(Base):
    """How long captures of one source are kept when no case holds them (evidence in a case never expires)."""

    __tablename__ = "retention_rules"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
