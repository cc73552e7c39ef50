"""Who may use the console and what they did: accounts, login throttling, sessions, API tokens,
case membership and the audit log (issue 17; the rules are in `leaktrace.service`).

Nothing here holds a secret in the clear: passwords are argon2id hashes,
session and API tokens are SHA-256 digests of 256-bit random strings (an
unkeyed digest is enough for a value nobody can enumerate), and a TOTP seed
is AES-GCM sealed under a key derived from the deployment keyring.

The audit log is a hash chain in the database: each entry's `hash` is the
SHA-256 of the canonical JSON of its body (`prev` included) and `sig` an
Ed25519 signature of the same bytes, with the key in `DATA_DIR/audit/`; the
one `audit_head` row is the signed last entry, so deleting entries from the
end is noticed too. `time` is kept as the exact ISO text that was signed
(fixed width, so text order is time order); `detail` as the canonical JSON
text that was signed, never re-serialised by the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leaktrace.store.models.base import Base
from leaktrace.store.types import UTCDateTime, utcnow

USERNAME_CHARS = 64
DIGEST_CHARS = 64  # SHA-256, hex


class User(Base):
    """An account: a role, an organisation for partners, and its credentials (hashed or sealed)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_CHARS), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_sealed: Mapped[str | None] = mapped_column(Text)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoginThrottle(Base):
    """Failed logins of one account name from one client, and until when that pair is locked out.

    Keyed by the pair, so an attacker guessing one account locks out only
    themselves: the account's owner on another client, and everyone behind
    the attacker's NAT logging into other accounts, are not affected.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username", "client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_CHARS))
    client: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserSession(Base):
    """A console login: only the digest of its cookie token is kept; `public_id` names it in lists."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A per-user API token: scopes, expiry, revocation; `daily_quota` is an organisation's
    exposure-service allowance set when the token was issued (`org token --daily-quota`)."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index(None, "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_CHARS), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON)
    daily_quota: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CaseMember(Base):
    """A user who may see and work on a case (supervisors and admins see every case)."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "user_id"), Index(None, "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    added_by: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """One audited act; `seq` is the chain position (1, 2, ...), never reused."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "time"), Index(None, "actor"), Index(None, "action"))

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    prev: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    time: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(16))
    client: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text)
    signer: Mapped[str] = mapped_column(String(100))
    hash: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    sig: Mapped[str] = mapped_column(String(200))


class AuditHead(Base):
    """The one row naming the chain's last entry, signed; `seq` 0 (unsigned) before the first entry."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(DIGEST_CHARS))
    signer: Mapped[str] = mapped_column(String(100), default="")
    sig: Mapped[str] = mapped_column(String(200), default="")
