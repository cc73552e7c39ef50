"""Accounts: create, list, disable, reset, change role; log in with password and TOTP.

Passwords are argon2id hashes (argon2-cffi's RFC 9106 parameters, rehashed
on login when they change). A new or reset account gets a one-time password
printed once, and must choose its own at the next login
(`PasswordChangeRequired`, then `change_password`). Admins and supervisors
must use TOTP: their first login asks them to enroll (`enroll_totp`), and
the first correct code confirms the seed. Failed logins are throttled per
account and client (`throttle`). Every login, failed login and account or
role change is audited; a name that is no account is audited by its keyed
hash, since people type passwords and phone numbers into the name field.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit, throttle, totp
from leaktrace.service.access import Principal, Role, require
from leaktrace.service.errors import (
    LoginFailed,
    LoginThrottled,
    PasswordChangeRequired,
    TotpEnrollmentRequired,
    TotpRequired,
)
from leaktrace.store.models import ApiToken, User, UserSession

TOTP_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
LANGS = ("en", "zh")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}\Z")
_hasher = PasswordHasher()
_dummy: list[str] = []


@dataclass(frozen=True)
class UserView:
    """An account as pages and commands show it: no hash, no seed."""

    id: int
    username: str
    role: Role
    org_id: str | None
    disabled: bool
    totp_enrolled: bool
    must_change_password: bool
    lang: str
    created_at: datetime

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "role": str(self.role), "org_id": self.org_id,
                "disabled": self.disabled, "totp_enrolled": self.totp_enrolled,
                "must_change_password": self.must_change_password, "lang": self.lang,
                "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class TotpEnrollment:
    """What an authenticator app needs: the otpauth:// URI (for a QR code) and the base32 seed."""

    uri: str
    secret: str


def _view(u: User) -> UserView:
    return UserView(u.id, u.username, Role(u.role), u.org_id, u.disabled, u.totp_confirmed,
                    u.must_change_password, u.lang, u.created_at)


def principal_of(u: User, session_id: str | None, client: str) -> Principal:
    return Principal(u.id, u.username, Role(u.role), u.org_id, session_id, client, u.lang)


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InputError(f"role {role!r}: must be one of {', '.join(r.value for r in Role)}") from None


def _check_org(role: Role, org_id: str | None) -> str | None:
    if role is Role.PARTNER:
        if not org_id or not org_id.strip():
            raise InputError("a partner account needs --org (the registered organisation it belongs to)")
        return org_id.strip()[:200]
    if org_id:
        raise InputError(f"--org is for partner accounts only, not {role}")
    return None


def one_time_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def _find(ctx: Context, username: str) -> User:
    with ctx.session() as s:
        u = s.scalar(select(User).where(User.username == username.strip().lower()))
    if u is None:
        raise InputError(f"user {username!r}: no such user")
    return u


def get_user(ctx: Context, user: int | str) -> UserView:
    """One account by id or name."""
    if isinstance(user, int):
        with ctx.session() as s:
            u = s.get(User, user)
        if u is None:
            raise InputError(f"user #{user}: no such user")
        return _view(u)
    return _view(_find(ctx, user))


def create_user(ctx: Context, username: str, role: str | Role, *, org_id: str | None = None,
                actor: Principal | None = None, lang: str = "en") -> tuple[UserView, str]:
    """A new account with a one-time password (returned once, never stored)."""
    if actor is not None:
        require(actor, "users.manage")
    name = username.strip().lower()
    if not _NAME.match(name):
        raise InputError(f"user name {username!r}: 2..64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")
    r = _role(role)
    org = _check_org(r, org_id)
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: one of {', '.join(LANGS)}")
    password = one_time_password()
    with ctx.session() as s, s.begin():
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise InputError(f"user {name!r} already exists")
        u = User(username=name, role=r.value, org_id=org, password_hash=_hasher.hash(password),
                 must_change_password=True, lang=lang)
        s.add(u)
        s.flush()
        audit.record(ctx, actor, "user.create", f"user:{name}", detail={"role": r.value, "org": org},
                     actor=None if actor else "system", session=s)
    return _view(u), password


def list_users(ctx: Context, actor: Principal | None = None) -> list[UserView]:
    if actor is not None:
        require(actor, "users.manage")
    with ctx.session() as s:
        return [_view(u) for u in s.scalars(select(User).order_by(User.username))]


def _active_admins(ctx: Context) -> int:
    with ctx.session() as s:
        return int(s.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.disabled.is_(False))) or 0)


def _end_sessions(s: Session, user_id: int, now: datetime) -> None:
    s.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
              .values(revoked_at=now))


def disable_user(ctx: Context, username: str, *, actor: Principal | None, enable: bool = False) -> UserView:
    """Disable (or re-enable) an account; disabling ends its sessions and revokes its API tokens."""
    if actor is not None:
        require(actor, "users.manage")
    u = _find(ctx, username)
    if not enable and u.role == Role.ADMIN and not u.disabled and _active_admins(ctx) <= 1:
        raise InputError(f"{u.username} is the last active admin: make another admin first")
    now = datetime.now(UTC)
    with ctx.session() as s, s.begin():
        row = s.get(User, u.id)
        assert row is not None
        row.disabled, row.updated_at = not enable, now
        if not enable:
            _end_sessions(s, u.id, now)
            s.execute(update(ApiToken).where(ApiToken.user_id == u.id, ApiToken.revoked_at.is_(None))
                      .values(revoked_at=now))
        u = row
        audit.record(ctx, actor, "user.enable" if enable else "user.disable", f"user:{u.username}", session=s)
    return _view(u)


def reset_password(ctx: Context, username: str, *, actor: Principal | None, reset_totp: bool = False) -> str:
    """A new one-time password (the user must change it at the next login); ends the user's sessions."""
    if actor is not None:
        require(actor, "users.manage")
    u = _find(ctx, username)
    password = one_time_password()
    now = datetime.now(UTC)
    with ctx.session() as s, s.begin():
        row = s.get(User, u.id)
        assert row is not None
        row.password_hash, row.must_change_password, row.updated_at = _hasher.hash(password), True, now
        if reset_totp:
            row.totp_sealed, row.totp_confirmed, row.totp_last_step = None, False, None
        _end_sessions(s, u.id, now)
        audit.record(ctx, actor, "user.reset", f"user:{u.username}", detail={"totp_reset": reset_totp}, session=s)
    return password


def set_role(ctx: Context, username: str, role: str | Role, *, actor: Principal | None,
             org_id: str | None = None) -> UserView:
    """Change an account's role (partners need their organisation); ends its sessions so the new role applies."""
    if actor is not None:
        require(actor, "users.manage")
    r = _role(role)
    org = _check_org(r, org_id)
    u = _find(ctx, username)
    if u.role == Role.ADMIN and r is not Role.ADMIN and not u.disabled and _active_admins(ctx) <= 1:
        raise InputError(f"{u.username} is the last active admin: make another admin first")
    old = u.role
    now = datetime.now(UTC)
    with ctx.session() as s, s.begin():
        row = s.get(User, u.id)
        assert row is not None
        row.role, row.org_id, row.updated_at = r.value, org, now
        _end_sessions(s, u.id, now)
        u = row
        audit.record(ctx, actor, "user.role", f"user:{u.username}", detail={"from": old, "to": r.value, "org": org},
                     session=s)
    return _view(u)


def set_lang(ctx: Context, principal: Principal, lang: str) -> None:
    """The principal's own interface language (en or zh)."""
    if lang not in LANGS:
        raise InputError(f"language {lang!r}: one of {', '.join(LANGS)}")
    with ctx.session() as s, s.begin():
        s.execute(update(User).where(User.id == principal.user_id).values(lang=lang))


def enroll_totp(ctx: Context, user: int | str) -> TotpEnrollment:
    """A fresh TOTP seed for an account that has none confirmed; the first accepted code confirms it.

    Call it only for a user who has just proved the password (the login
    answered `TotpEnrollmentRequired`) or by an admin for a reset account.
    """
    u = _find(ctx, user) if isinstance(user, str) else None
    uid = u.id if u is not None else int(user)
    with ctx.session() as s, s.begin():
        row = s.get(User, uid)
        if row is None:
            raise InputError(f"user {user!r}: no such user")
        if row.totp_confirmed:
            raise InputError(f"{row.username} already has TOTP; an admin resets it with 'users reset --totp'")
        secret = totp.new_secret()
        row.totp_sealed, row.totp_last_step = totp.seal(ctx.keyring, row.id, secret), None
        name = row.username
        audit.record(ctx, None, "user.totp_enroll", f"user:{name}", actor=name, session=s)
    return TotpEnrollment(totp.provisioning_uri(secret, name), secret)


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def _password_ok(u: User | None, password: str) -> bool:
    """Argon2 verification; for a missing account a dummy one, so timing does not tell names apart."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(u.password_hash if u is not None else _dummy_hash(), password) and u is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _fail(ctx: Context, name: str, u: User | None, client: str, why: str) -> LoginFailed:
    lock = throttle.failure(ctx, name, client)
    detail: dict[str, object] = {"why": why}
    if lock:
        detail["locked_s"] = lock
    if u is None:  # never the typed text: people type passwords and phone numbers into the name field
        detail["name_hash"] = ctx.hasher.hash_normalised("login_name", name)
    audit.record(ctx, None, "login.failed", f"user:{u.username}" if u else "user:?", client=client,
                 actor=u.username if u else "unknown", detail=detail)
    return LoginFailed("wrong user name, password or one-time code")


def _second_factor(ctx: Context, u: User, totp_code: str | None, client: str, name: str) -> int | None:
    """The accepted TOTP step, None when the role needs no TOTP; raises when a code is due or wrong."""
    if Role(u.role) not in TOTP_ROLES and not u.totp_confirmed:
        return None
    if u.totp_sealed is None or (not u.totp_confirmed and not totp_code):
        # never set up, or set up but not yet confirmed by a code: (re-)enroll, the QR code is shown again
        raise TotpEnrollmentRequired(f"{u.username} must set up TOTP (role {u.role}) before logging in")
    if not totp_code:
        raise TotpRequired("enter the one-time code from your authenticator app")
    step = totp.accepted_step(totp.unseal(ctx.keyring, u.id, u.totp_sealed), totp_code, u.totp_last_step)
    if step is None:
        raise _fail(ctx, name, u, client, "totp")
    return step


def _verify_login(ctx: Context, username: str, password: str, totp_code: str | None,
                  client: str) -> tuple[User, int | None]:
    name = username.strip().lower()[:64]
    try:
        throttle.check(ctx, name, client)
    except LoginThrottled as exc:  # a refused attempt is a failed login too: audited, password never checked
        with ctx.session() as s:
            known = s.scalar(select(User.username).where(User.username == name))
        audit.record(ctx, None, "login.throttled", f"user:{known}" if known else "user:?", client=client,
                     actor=known or "unknown", detail={"retry_after": exc.retry_after, **(
                         {} if known else {"name_hash": ctx.hasher.hash_normalised("login_name", name)})})
        raise
    with ctx.session() as s:
        u = s.scalar(select(User).where(User.username == name))
    if not _password_ok(u, password):
        raise _fail(ctx, name, u, client, "password" if u is not None else "unknown")
    assert u is not None
    if u.disabled:
        raise _fail(ctx, name, u, client, "disabled")
    return u, _second_factor(ctx, u, totp_code, client, name)


def _logged_in(ctx: Context, u: User, step: int | None, client: str, password: str,
               new_hash: str | None = None) -> Principal:
    with ctx.session() as s, s.begin():
        row = s.get(User, u.id)
        assert row is not None
        if step is not None:
            row.totp_last_step, row.totp_confirmed = step, True
        if new_hash is not None:
            row.password_hash, row.must_change_password, row.updated_at = new_hash, False, datetime.now(UTC)
            _end_sessions(s, u.id, datetime.now(UTC))  # a new password logs out whoever had the old one
        elif _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        p = principal_of(u, None, client)
        audit.record(ctx, p, "login.password_change" if new_hash else "login.ok", f"user:{u.username}",
                     detail={"totp": step is not None}, session=s)
    throttle.success(ctx, u.username, client)
    return p


def authenticate(ctx: Context, username: str, password: str, totp_code: str | None, client: str) -> Principal:
    """The principal for a correct password (and TOTP code where the role needs one).

    Raises LoginThrottled while this account is locked out for this client,
    LoginFailed for a wrong name, password or code or a disabled account,
    TotpEnrollmentRequired / TotpRequired when a code is due, and
    PasswordChangeRequired when the password was a one-time one.
    """
    u, step = _verify_login(ctx, username, password, totp_code, client)
    if u.must_change_password:
        if step is not None:  # the code was good: spend it, so the change form needs a fresh one
            with ctx.session() as s, s.begin():
                s.execute(update(User).where(User.id == u.id).values(totp_last_step=step, totp_confirmed=True))
        raise PasswordChangeRequired(f"{u.username} logged in with a one-time password: choose a new one")
    return _logged_in(ctx, u, step, client, password)


def check_new_password(password: str, username: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(f"a password needs {MIN_PASSWORD}..{MAX_PASSWORD} characters")
    if username.lower() in password.lower():
        raise InputError("a password must not contain the user name")


def change_password(ctx: Context, username: str, old_password: str, new_password: str,
                    totp_code: str | None, client: str) -> Principal:
    """Replace the password (the one-time one after a reset, or any time); logs the user in."""
    check_new_password(new_password, username.strip().lower())
    if new_password == old_password:
        raise InputError("the new password must differ from the old one")
    u, step = _verify_login(ctx, username, old_password, totp_code, client)
    return _logged_in(ctx, u, step, client, new_password, new_hash=_hasher.hash(new_password))


def ensure_first_admin(ctx: Context) -> str | None:
    """On a store with no account, create `admin` and return its one-time password; else None."""
    with ctx.session() as s:
        if s.scalar(select(func.count()).select_from(User)):
            return None
    try:
        _, password = create_user(ctx, "admin", Role.ADMIN)
    except InputError:  # another process created it first
        return None
    return password

