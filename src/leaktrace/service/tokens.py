"""Per-user API tokens: scoped, expiring, revocable, kept only as SHA-256 digests.

A token stands for its user with at most its scopes (`access.in_scope`: an
action such as `feed.view`, or a whole area such as `feed`), never more than
the user's role allows. It is shown once when issued. This is the one store
of tokens: the exposure server's organisation tokens are partner accounts'
tokens with the `exposure` scope, and their `daily_quota` is the
organisation's evaluation allowance set at issue (`org token --daily-quota`).
The digest is the same SHA-256 the exposure server's token files held, so
such a file's entries can be brought over as they are (`import_digest`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, known_scope, require
from leaktrace.service.accounts import principal_of
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import ApiToken, User

PREFIX = "lt_"
TOUCH_EVERY = timedelta(seconds=60)
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


def digest(token: str) -> str:
    """What the store keeps of a bearer secret (API token or session cookie): its SHA-256, never the secret."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class TokenView:
    token_id: str
    username: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    last_used: datetime | None
    daily_quota: int | None

    def to_json(self) -> dict[str, Any]:
        return {"token_id": self.token_id, "username": self.username, "name": self.name, "scopes": list(self.scopes),
                "created_at": self.created_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None, "revoked": self.revoked,
                "last_used": self.last_used.isoformat() if self.last_used else None, "daily_quota": self.daily_quota}


def _scopes(scopes: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
    out = sorted({s.strip() for s in scopes if s.strip()})
    if not out:
        raise InputError("a token needs at least one scope (an action such as feed.view, or an area such as feed)")
    bad = [s for s in out if not known_scope(s)]
    if bad:
        raise InputError(f"unknown scope(s): {', '.join(bad)}")
    return out


def _owner(ctx: Context, actor: Principal, user_id: int) -> User:
    if user_id != actor.user_id:
        require(actor, "users.manage")
    else:
        require(actor, "token.own")
    with ctx.session() as s:
        u = s.get(User, user_id)
    if u is None:
        raise InputError(f"user #{user_id}: no such user")
    if u.disabled:
        raise InputError(f"{u.username} is disabled")
    return u


def _store(ctx: Context, actor: Principal, u: User, token_digest: str, scopes: list[str], expires: datetime | None,
           name: str, daily_quota: int | None) -> str:
    if expires is not None and (expires.tzinfo is None or expires <= datetime.now(UTC)):
        raise InputError("a token's expiry must be an aware time in the future")
    if daily_quota is not None and daily_quota <= 0:
        raise InputError("--daily-quota must be positive")
    public_id = secrets.token_hex(6)
    with ctx.session() as s, s.begin():
        if s.scalar(select(ApiToken.id).where(ApiToken.token_digest == token_digest)) is not None:
            raise InputError("that token is already in the store")
        s.add(ApiToken(public_id=public_id, token_digest=token_digest, user_id=u.id, name=name[:200],
                       scopes=scopes, expires_at=expires, daily_quota=daily_quota))
        s.flush()
        audit.record(ctx, actor, "token.issue", f"user:{u.username}", session=s,
                     detail={"token": public_id, "scopes": scopes, "daily_quota": daily_quota,
                             "expires": expires.isoformat() if expires else None})
    return public_id


def issue_token(ctx: Context, actor: Principal, user_id: int, scopes: list[str] | tuple[str, ...] | frozenset[str], *,
                expires: datetime | None = None, name: str = "", daily_quota: int | None = None) -> str:
    """A new token for `user_id` (one's own, or anyone's for admins); returned once, only its digest kept."""
    u = _owner(ctx, actor, user_id)
    token = PREFIX + secrets.token_urlsafe(32)
    _store(ctx, actor, u, digest(token), _scopes(scopes), expires, name, daily_quota)
    return token


def import_digest(ctx: Context, actor: Principal, user_id: int, token_digest: str, scopes: list[str], *,
                  name: str = "imported", daily_quota: int | None = None) -> str:
    """Bring over a token known only by its SHA-256 (an exposure server's token file); returns its id."""
    if not _HEX64.match(token_digest):
        raise InputError(f"{token_digest[:80]!r}: not a SHA-256 digest (64 lowercase hex characters)")
    return _store(ctx, actor, _owner(ctx, actor, user_id), token_digest, _scopes(scopes), None, name, daily_quota)


def principal_for_token(ctx: Context, token: str | None, client: str, *, now: datetime | None = None) -> Principal | None:
    """The principal a bearer token stands for (its scopes attached), or None: unknown, expired, revoked, disabled."""
    if not token or len(token) > 200:
        return None
    now = now or datetime.now(UTC)
    with ctx.session() as s:
        found = s.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                          .where(ApiToken.token_digest == digest(token))).first()
        if found is None:
            return None
        row, user = found
        if user.disabled or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            return None
        if row.last_used is None or now - row.last_used >= TOUCH_EVERY:
            s.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used=now))
            s.commit()
    p = principal_of(user, None, client)
    return Principal(p.user_id, p.username, p.role, p.org_id, None, client, p.lang, frozenset(row.scopes))


def list_tokens(ctx: Context, principal: Principal, *, user_id: int | None = None) -> list[TokenView]:
    """Tokens of `user_id` (default: one's own; anyone's or everyone's, `user_id=-1`, for admins)."""
    uid = principal.user_id if user_id is None else user_id
    if uid != principal.user_id:
        require(principal, "users.manage")
    q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if uid != -1:
        q = q.where(ApiToken.user_id == uid)
    with ctx.session() as s:
        rows = s.execute(q.order_by(ApiToken.created_at.desc())).all()
    return [TokenView(r.public_id, name, r.name, tuple(r.scopes), r.created_at, r.expires_at, r.revoked_at is not None,
                      r.last_used, r.daily_quota) for r, name in rows]


def revoke_token(ctx: Context, actor: Principal, token_id: str) -> None:
    """Revoke a token: one's own, or (admins) anyone's; audited. Revoking twice is harmless."""
    with ctx.session() as s, s.begin():
        row = s.scalar(select(ApiToken).where(ApiToken.public_id == token_id))
        if row is None:
            raise InputError(f"token {token_id!r}: no such token")
        if row.user_id != actor.user_id and actor.role is not Role.ADMIN:
            raise PermissionDenied("token.revoke", (Role.ADMIN,), "another user's token")
        owner = s.scalar(select(User.username).where(User.id == row.user_id))
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        audit.record(ctx, actor, "token.revoke", f"user:{owner}", detail={"token": token_id}, session=s)


def org_quotas(ctx: Context) -> dict[str, int]:
    """Daily exposure allowances set at issue, per organisation (the largest among its live partner tokens)."""
    now = datetime.now(UTC)
    out: dict[str, int] = {}
    with ctx.session() as s:
        rows = s.execute(select(User.org_id, ApiToken.daily_quota, ApiToken.expires_at)
                         .join(User, User.id == ApiToken.user_id)
                         .where(ApiToken.daily_quota.is_not(None), ApiToken.revoked_at.is_(None),
                                User.role == Role.PARTNER.value, User.disabled.is_(False))).all()
    for org, quota, expires in rows:
        if org and quota and (expires is None or expires > now):
            out[org] = max(out.get(org, 0), int(quota))
    return out
