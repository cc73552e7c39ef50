"""People's verdicts on links, kept in the store so every rebuild respects them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.graph.actors import Verdict
from leaktrace.store.models import LinkFeedback, Post, Source
from leaktrace.store.models.graph import ACCOUNT_KEY_CHARS, LINK_DECISIONS
from leaktrace.store.types import utcnow


def _check_account(key: str) -> str:
    key = key.strip()
    site, sep, handle = key.partition(":")
    if not sep or not site or not handle:
        raise InputError(f"account {key[:80]!r}: expected SOURCE:HANDLE (as `leaktrace graph links` prints it)")
    if len(key) > ACCOUNT_KEY_CHARS:
        raise InputError(f"account {key[:80]!r}...: longer than {ACCOUNT_KEY_CHARS} characters")
    return key


def account_exists(session: Session, key: str) -> bool:
    """Whether some stored post was written by `key` (`source:handle`, or `host:handle` for posts without a source)."""
    site, _, handle = key.partition(":")
    named = (select(Post.id).join(Source, Source.id == Post.source_id)
             .where(Source.name == site, Post.author_handle == handle).limit(1))
    if session.scalar(named) is not None:
        return True
    bare = select(Post.id).where(Post.source_id.is_(None), Post.site == site, Post.author_handle == handle).limit(1)
    return session.scalar(bare) is not None


def record_verdict(session: Session, a: str, b: str, decision: str, *, note: str | None = None,
                   decided_by: str | None = None) -> tuple[str, str, str | None]:
    """Store (or change) the verdict on a pair; returns (a, b, previous decision).

    An account no stored post was written by is refused: a typo (or a host where the
    source's name belongs) would otherwise record a verdict that never applies.
    """
    if decision not in LINK_DECISIONS:
        raise InputError(f"decision {decision!r}: expected one of {', '.join(LINK_DECISIONS)}")
    a, b = sorted((_check_account(a), _check_account(b)))
    if a == b:
        raise InputError(f"account {a!r}: a link needs two different accounts")
    for key in (a, b):
        if not account_exists(session, key):
            raise InputError(f"account {key[:80]!r}: no such account in the store (accounts are SOURCE:HANDLE, "
                             "as 'leaktrace graph actors' prints them)")
    row = session.scalar(select(LinkFeedback).where(LinkFeedback.account_a == a, LinkFeedback.account_b == b))
    previous = row.decision if row else None
    if row is None:
        row = LinkFeedback(account_a=a, account_b=b)
        session.add(row)
    row.decision = decision
    row.note = (note or "")[:2000] or None
    row.decided_by = (decided_by or "")[:200] or None
    row.decided_at = utcnow()
    session.flush()
    return a, b, previous


def load_verdicts(session: Session) -> dict[tuple[str, str], Verdict]:
    return {(r.account_a, r.account_b): Verdict(r.decision, r.note, r.decided_by)
            for r in session.scalars(select(LinkFeedback))}
