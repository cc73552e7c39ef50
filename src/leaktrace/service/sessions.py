"""Console sessions: a random cookie token, only its SHA-256 kept; idle and absolute timeouts; revocation.

`open_session` is called after `accounts.authenticate`; the web layer sets
the token as an HttpOnly, SameSite cookie and calls `principal_for_session`
on every request. A session ends after `session_idle_minutes` without a
request, `session_max_hours` after login, when revoked (by its user, or by
an admin for anyone), and when its account is disabled, reset or given
another role. The last-seen time is written at most once a minute, so a
busy page does not turn every read into a write.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, require
from leaktrace.service.accounts import principal_of
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.tokens import digest
from leaktrace.store.models import User, UserSession

TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionView:
    """A session as its user (or an admin) sees it in the list."""

    session_id: str
    username: str
    client: str
    created_at: datetime
    last_seen: datetime
    current: bool

    def to_json(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "username": self.username, "client": self.client,
                "created_at": self.created_at.isoformat(), "last_seen": self.last_seen.isoformat(),
                "current": self.current}


def open_session(ctx: Context, principal: Principal) -> str:
    """A new session for an authenticated principal; returns the token (shown once, to set as the cookie)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with ctx.session() as s, s.begin():
        s.add(UserSession(public_id=secrets.token_hex(8), token_digest=digest(token), user_id=principal.user_id,
                          client=principal.client[:200], created_at=now, last_seen=now))
    return token


def _expired(ctx: Context, row: UserSession, now: datetime) -> bool:
    st = ctx.settings
    return (row.revoked_at is not None or now - row.last_seen > timedelta(minutes=st.session_idle_minutes)
            or now - row.created_at > timedelta(hours=st.session_max_hours))


def principal_for_session(ctx: Context, token: str | None, client: str, *,
                          now: datetime | None = None) -> Principal | None:
    """The principal a session cookie stands for, or None (unknown, expired, revoked, account disabled)."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    with ctx.session() as s:
        found = s.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                          .where(UserSession.token_digest == digest(token))).first()
        if found is None:
            return None
        row, user = found
        if user.disabled or _expired(ctx, row, now):
            return None
        if now - row.last_seen >= TOUCH_EVERY:
            s.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen=now))
            s.commit()
        return principal_of(user, row.public_id, client)


def list_sessions(ctx: Context, principal: Principal, *, everyone: bool = False) -> list[SessionView]:
    """The principal's live sessions, newest first; `everyone` (admins only) lists every user's."""
    if everyone:
        require(principal, "users.manage")
    now = datetime.now(UTC)
    q = select(UserSession, User.username).join(User, User.id == UserSession.user_id).where(
        UserSession.revoked_at.is_(None))
    if not everyone:
        q = q.where(UserSession.user_id == principal.user_id)
    with ctx.session() as s:
        rows = s.execute(q.order_by(UserSession.created_at.desc())).all()
    return [SessionView(r.public_id, name, r.client, r.created_at, r.last_seen, r.public_id == principal.session_id)
            for r, name in rows if not _expired(ctx, r, now)]


def revoke_session(ctx: Context, actor: Principal, session_id: str) -> None:
    """End a session: one's own, or (admins) anyone's; audited."""
    now = datetime.now(UTC)
    with ctx.session() as s, s.begin():
        row = s.scalar(select(UserSession).where(UserSession.public_id == session_id))
        if row is None:
            raise InputError(f"session {session_id!r}: no such session")
        if row.user_id != actor.user_id and actor.role is not Role.ADMIN:
            raise PermissionDenied("session.revoke", (Role.ADMIN,), "another user's session")
        owner = s.scalar(select(User.username).where(User.id == row.user_id))
        if row.revoked_at is None:
            row.revoked_at = now
        audit.record(ctx, actor, "session.revoke", f"user:{owner}", detail={"session": session_id}, session=s)


def logout(ctx: Context, principal: Principal) -> None:
    """End the principal's current session (audited)."""
    if principal.session_id:
        revoke_session(ctx, principal, principal.session_id)
