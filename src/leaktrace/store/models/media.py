"""Pictures and screenshots of captures: what was sealed, what the queued stages made of it.

One row per picture a listing or post carries (`kind` "picture": fetched by
the crawler or found in a Telegram export) and per rendering of a captured
page (`kind` "screenshot"). The pixels, the raw OCR text and the PNG live in
the evidence store under `sha256` / `ocr_sha256`; this table holds only what
may sit outside encrypted evidence: the masked OCR text, counts, keyed
hashes of the values read (`values`: type, keyed hash, province), the
perceptual hash, and what went wrong (`problem`), so a bad picture is a
record, never a crash or a lost capture.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

MEDIA_KINDS = ("picture", "screenshot")
MEDIA_STATES = ("stored", "done", "failed")  # stored: sealed, its queued stage not run yet


class Media(Base):
    """One picture or screenshot of a capture (see module docstring)."""

    __tablename__ = "media"
    __table_args__ = (
        UniqueConstraint("capture_id", "kind", "url_key"),
        Index(None, "post_id"),
        Index(None, "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)  # where the picture was (its URL, or its file in an export)
    url_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # the sealed picture / PNG; None when none was got
    state: Mapped[str] = mapped_column(String(16), default="stored")
    problem: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(Integer)  # the render or OCR job
    media_type: Mapped[str | None] = mapped_column(String(100))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    phash: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    ocr_sha256: Mapped[str | None] = mapped_column(String(64))  # the sealed OCR text (raw: evidence only)
    confidence: Mapped[float | None] = mapped_column(Float)
    masked_text: Mapped[str | None] = mapped_column(Text)
    values: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # {type, hash, province}
    sample_rows: Mapped[int | None] = mapped_column(Integer)
    sample_valid_ids: Mapped[int | None] = mapped_column(Integer)
    sample_provinces: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
