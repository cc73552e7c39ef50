"""Logins: passwords, TOTP for admins and supervisors, one-time passwords, throttling per account and client."""

from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select, update

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import accounts, audit
from leaktrace.service.access import Principal, Role
from leaktrace.service.errors import (
    LoginFailed,
    LoginThrottled,
    PasswordChangeRequired,
    PermissionDenied,
    TotpEnrollmentRequired,
    TotpRequired,
)
from leaktrace.store.models import User

from .conftest import NEW_PASSWORD, make_user


def _forget_last_code(ctx: Context, name: str) -> None:
    """Let the next test login reuse the current TOTP step (real users wait 30 s)."""
    with ctx.session() as s, s.begin():
        s.execute(update(User).where(User.username == name).values(totp_last_step=None))


def test_password_is_argon2id_and_wrong_password_fails(ctx: Context) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    with ctx.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "ana"))
    assert stored is not None and stored.startswith("$argon2id$") and NEW_PASSWORD not in stored
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "ana", NEW_PASSWORD + "x", None, "10.0.0.1")
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "nobody", NEW_PASSWORD, None, "10.0.0.1")
    p = accounts.authenticate(ctx, "ANA", NEW_PASSWORD, None, "10.0.0.1")
    assert (p.username, p.role, p.client) == ("ana", Role.ANALYST, "10.0.0.1")
    actions = [e.action for e in audit.query(ctx, newest_first=False)]
    assert actions.count("login.failed") == 2 and actions[-1] == "login.ok"


def test_failed_login_of_an_unknown_name_keeps_only_a_keyed_hash(ctx: Context) -> None:
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "13812345678", "whatever-password", None, "10.0.0.1")
    [e] = audit.query(ctx, action="login.failed")
    assert "13812345678" not in str(e.to_json())
    assert e.actor == "unknown" and e.detail["name_hash"].startswith("k1.")


def test_one_time_password_must_be_changed(ctx: Context, shell: Principal) -> None:
    _, otp = accounts.create_user(ctx, "bob", "analyst", actor=shell)
    with pytest.raises(PasswordChangeRequired):
        accounts.authenticate(ctx, "bob", otp, None, "c")
    with pytest.raises(InputError, match="12"):
        accounts.change_password(ctx, "bob", otp, "short", None, "c")
    p = accounts.change_password(ctx, "bob", otp, NEW_PASSWORD, None, "c")
    assert p.username == "bob"
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "bob", otp, None, "c")
    assert accounts.authenticate(ctx, "bob", NEW_PASSWORD, None, "c").role is Role.ANALYST
    new_otp = accounts.reset_password(ctx, "bob", actor=shell)
    with pytest.raises(PasswordChangeRequired):
        accounts.authenticate(ctx, "bob", new_otp, None, "c")
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "bob", NEW_PASSWORD, None, "c")


def test_totp_is_mandatory_for_admin_and_supervisor(ctx: Context, shell: Principal) -> None:
    _, otp = accounts.create_user(ctx, "sup", "supervisor", actor=shell)
    with pytest.raises(TotpEnrollmentRequired):
        accounts.authenticate(ctx, "sup", otp, None, "c")
    enrollment = accounts.enroll_totp(ctx, "sup")
    assert enrollment.uri.startswith("otpauth://totp/") and enrollment.secret in enrollment.uri
    with ctx.session() as s:
        sealed = s.scalar(select(User.totp_sealed).where(User.username == "sup"))
    assert sealed and enrollment.secret not in sealed  # sealed under the keyring, never in clear
    with pytest.raises(TotpEnrollmentRequired):  # not confirmed by a code yet: the QR code is shown again
        accounts.authenticate(ctx, "sup", otp, None, "c")
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "sup", otp, "000000" if pyotp.TOTP(enrollment.secret).now() != "000000"
                              else "111111", "c")
    code = pyotp.TOTP(enrollment.secret).now()
    with pytest.raises(PasswordChangeRequired):
        accounts.authenticate(ctx, "sup", otp, code, "c")
    with pytest.raises(LoginFailed):  # the code was spent: a replay is refused
        accounts.change_password(ctx, "sup", otp, NEW_PASSWORD, code, "c")
    nxt = pyotp.TOTP(enrollment.secret).at(time.time() + 30)
    p = accounts.change_password(ctx, "sup", otp, NEW_PASSWORD, nxt, "c")
    assert p.role is Role.SUPERVISOR
    with pytest.raises(TotpRequired) as due:
        accounts.authenticate(ctx, "sup", NEW_PASSWORD, None, "c")
    assert type(due.value) is TotpRequired  # confirmed: a code is asked for, no new seed
    with pytest.raises(InputError, match="already has TOTP"):
        accounts.enroll_totp(ctx, "sup")


def test_analyst_needs_no_totp_and_admin_does(ctx: Context) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    assert accounts.authenticate(ctx, "ana", NEW_PASSWORD, None, "c").role is Role.ANALYST
    _, seed = make_user(ctx, "root", Role.ADMIN)
    assert seed is not None
    _forget_last_code(ctx, "root")
    with pytest.raises(TotpRequired) as due:
        accounts.authenticate(ctx, "root", NEW_PASSWORD, None, "c")
    assert type(due.value) is TotpRequired
    assert accounts.authenticate(ctx, "root", NEW_PASSWORD, pyotp.TOTP(seed).now(), "c").role is Role.ADMIN


def test_lockout_is_per_account_and_client(ctx: Context) -> None:
    ctx.settings.login_lockout_threshold = 3
    ctx.settings.login_lockout_seconds = 60
    make_user(ctx, "ana", Role.ANALYST)
    make_user(ctx, "ben", Role.ANALYST)
    for _ in range(3):
        with pytest.raises(LoginFailed):
            accounts.authenticate(ctx, "ana", "wrong-password!", None, "203.0.113.7")
    with pytest.raises(LoginThrottled) as locked:  # even the right password, from that client
        accounts.authenticate(ctx, "ana", NEW_PASSWORD, None, "203.0.113.7")
    assert 0 < locked.value.retry_after <= 60
    # the owner elsewhere, and another account behind the attacker's NAT, are not locked out
    assert accounts.authenticate(ctx, "ana", NEW_PASSWORD, None, "198.51.100.2").username == "ana"
    assert accounts.authenticate(ctx, "ben", NEW_PASSWORD, None, "203.0.113.7").username == "ben"
    assert any(e.detail.get("locked_s") == 60 for e in audit.query(ctx, action="login.failed"))
    [refused] = audit.query(ctx, action="login.throttled")
    assert (refused.actor, refused.client) == ("ana", "203.0.113.7") and 0 < refused.detail["retry_after"] <= 60


def test_lockout_backs_off_exponentially(ctx: Context) -> None:
    ctx.settings.login_lockout_threshold = 2
    ctx.settings.login_lockout_seconds = 10
    ctx.settings.login_lockout_max_seconds = 35
    from leaktrace.service import throttle

    got = [throttle.failure(ctx, "x", "c") for _ in range(6)]
    assert got == [0, 10, 20, 35, 35, 35]
    throttle.success(ctx, "x", "c")
    throttle.check(ctx, "x", "c")  # cleared


def test_disabled_account_cannot_log_in_and_last_admin_stays(ctx: Context, shell: Principal) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    accounts.disable_user(ctx, "ana", actor=shell)
    with pytest.raises(LoginFailed):
        accounts.authenticate(ctx, "ana", NEW_PASSWORD, None, "c")
    make_user(ctx, "root", Role.ADMIN)
    with pytest.raises(InputError, match="last active admin"):
        accounts.disable_user(ctx, "root", actor=shell)
    with pytest.raises(InputError, match="last active admin"):
        accounts.set_role(ctx, "root", "analyst", actor=shell)


def test_only_admins_manage_users(ctx: Context) -> None:
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    with pytest.raises(PermissionDenied, match="needs the role admin") as denied:
        accounts.create_user(ctx, "eve", "admin", actor=ana)
    assert denied.value.needed == ("admin",)


def test_partner_needs_an_organisation(ctx: Context, shell: Principal) -> None:
    with pytest.raises(InputError, match="--org"):
        accounts.create_user(ctx, "acme", "partner", actor=shell)
    with pytest.raises(InputError, match="partner accounts only"):
        accounts.create_user(ctx, "ana", "analyst", org_id="ACME", actor=shell)
    view, _ = accounts.create_user(ctx, "acme", "partner", org_id="ACME", actor=shell)
    assert (view.role, view.org_id) == (Role.PARTNER, "ACME")


def test_first_admin_only_on_an_empty_store(ctx: Context) -> None:
    pw = accounts.ensure_first_admin(ctx)
    assert pw and len(pw) >= 16
    assert accounts.ensure_first_admin(ctx) is None
    [admin] = accounts.list_users(ctx)
    assert (admin.username, admin.role, admin.must_change_password) == ("admin", Role.ADMIN, True)
    with pytest.raises(TotpEnrollmentRequired):
        accounts.authenticate(ctx, "admin", pw, None, "c")


def test_role_change_is_audited(ctx: Context, shell: Principal) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    accounts.set_role(ctx, "ana", "auditor", actor=shell)
    [e] = audit.query(ctx, action="user.role")
    assert (e.actor, e.target, e.detail["from"], e.detail["to"]) == ("shell:tester", "user:ana", "analyst", "auditor")
