"""What the graph stage keeps between builds: people's verdicts on links, imported wallet transfers.

The graph itself is recomputed from posts and identifiers on every build;
only what cannot be recomputed lives here. A verdict names the two accounts
(`site:handle`, in Python's code-point order: the repository sorts them, not
a CHECK, since database collations order strings differently) rather than a
link id, so it survives rebuilds that renumber or re-score links. Wallet addresses are not personal data (they
are what investigators look up on a block explorer), so transfers keep them
in the clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.models.posts import PRICE
from leaktrace.store.types import UTCDateTime, utcnow

ACCOUNT_KEY_CHARS = 520  # site (255) + ":" + handle (255), with room to spare
LINK_DECISIONS = ("confirm", "reject")


class LinkFeedback(Base):
    """A person's verdict that two accounts are (confirm) or are not (reject) the same actor."""

    __tablename__ = "graph_link_feedback"
    __table_args__ = (
        UniqueConstraint("account_a", "account_b"),
        CheckConstraint("decision IN ('confirm', 'reject')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_a: Mapped[str] = mapped_column(String(ACCOUNT_KEY_CHARS))
    account_b: Mapped[str] = mapped_column(String(ACCOUNT_KEY_CHARS))
    decision: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WalletTransfer(Base):
    """One token transfer imported from a block-explorer CSV export."""

    __tablename__ = "graph_wallet_transfers"
    __table_args__ = (
        UniqueConstraint("chain", "tx_hash", "sender", "receiver"),
        Index(None, "sender"),
        Index(None, "receiver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(16))
    tx_hash: Mapped[str] = mapped_column(String(128))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sender: Mapped[str] = mapped_column(String(128))
    receiver: Mapped[str] = mapped_column(String(128))
    amount: Mapped[float] = mapped_column(PRICE)
    token: Mapped[str] = mapped_column(String(16))
    source_file: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
