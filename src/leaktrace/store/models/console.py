"""What the console keeps about posts: analysts' triage, watched sellers, and the search index.

The search index holds terms of masked text only (CJK bigrams and Latin
words after every personal value the detectors find is masked), so the
index never becomes a second copy of victims' data. Identifiers are found
through `identifiers.value_hash`, not through this table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

TRIAGE_STATES = ("new", "dismissed", "watched", "in_case")
MASKED_TITLE_CHARS = 1000


class Triage(Base):
    """An analyst's decision on a post; a post without a row is `new`."""

    __tablename__ = "triage"
    __table_args__ = (Index(None, "state"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    case_ref: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WatchedSeller(Base):
    """A seller handle an analyst asked to follow (lower-cased, as the feed's seller filter matches)."""

    __tablename__ = "watched_sellers"

    handle: Mapped[str] = mapped_column(String(255), primary_key=True)
    actor: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchTerm(Base):
    """One posting of the inverted index: a term (a CJK bigram or a Latin word) occurs in a post."""

    __tablename__ = "search_terms"
    __table_args__ = (Index(None, "post_id"),)

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)


class SearchDoc(Base):
    """That a post is indexed, the digest of the masked text it was indexed from (skip unchanged), its masked title."""

    __tablename__ = "search_docs"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    # The title masked as indexed (first TITLE_CHARS characters): the feed shows it without masking again.
    title_masked: Mapped[str | None] = mapped_column(Text)
    title_digest: Mapped[str | None] = mapped_column(String(64))  # of the clear title it was masked from
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
