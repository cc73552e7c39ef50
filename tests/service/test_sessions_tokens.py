"""Sessions (idle timeout, revocation) and API tokens (scopes, expiry, revocation), stored only as digests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import access, accounts, sessions, tokens
from leaktrace.service.access import Principal, Role
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import ApiToken, UserSession

from .conftest import NEW_PASSWORD, make_user


def _login(ctx: Context, name: str, client: str = "10.0.0.1") -> tuple[str, Principal]:
    p = accounts.authenticate(ctx, name, NEW_PASSWORD, None, client)
    return sessions.open_session(ctx, p), p


def test_session_token_is_stored_only_as_a_digest(ctx: Context) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    token, _ = _login(ctx, "ana")
    with ctx.session() as s:
        row = s.scalar(select(UserSession))
    assert row is not None and token not in (row.token_digest, row.public_id)
    p = sessions.principal_for_session(ctx, token, "10.0.0.1")
    assert p is not None and (p.username, p.session_id) == ("ana", row.public_id)
    assert sessions.principal_for_session(ctx, token + "x", "10.0.0.1") is None
    assert sessions.principal_for_session(ctx, row.token_digest, "10.0.0.1") is None


def test_idle_timeout_and_touch(ctx: Context) -> None:
    ctx.settings.session_idle_minutes = 10
    make_user(ctx, "ana", Role.ANALYST)
    token, _ = _login(ctx, "ana")
    now = datetime.now(UTC)
    assert sessions.principal_for_session(ctx, token, "c", now=now + timedelta(minutes=9)) is not None
    # that request touched it: idle time counts from there
    assert sessions.principal_for_session(ctx, token, "c", now=now + timedelta(minutes=18)) is not None
    assert sessions.principal_for_session(ctx, token, "c", now=now + timedelta(minutes=29)) is None


def test_absolute_lifetime(ctx: Context) -> None:
    ctx.settings.session_max_hours = 1
    make_user(ctx, "ana", Role.ANALYST)
    token, _ = _login(ctx, "ana")
    now = datetime.now(UTC)
    for minutes in (20, 40, 59):
        assert sessions.principal_for_session(ctx, token, "c", now=now + timedelta(minutes=minutes)) is not None
    assert sessions.principal_for_session(ctx, token, "c", now=now + timedelta(minutes=61)) is None


def test_revoked_session_is_logged_out(ctx: Context, shell: Principal) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    make_user(ctx, "ben", Role.ANALYST)
    t1, _ = _login(ctx, "ana", "laptop")
    t2, _ = _login(ctx, "ana", "phone")
    tb, _ = _login(ctx, "ben")
    me = sessions.principal_for_session(ctx, t1, "laptop")
    assert me is not None
    listed = sessions.list_sessions(ctx, me)
    assert [v.client for v in listed] == ["phone", "laptop"] and [v.current for v in listed] == [False, True]
    phone = listed[0].session_id
    sessions.revoke_session(ctx, me, phone)
    assert sessions.principal_for_session(ctx, t2, "phone") is None
    assert sessions.principal_for_session(ctx, t1, "laptop") is not None
    ben = sessions.principal_for_session(ctx, tb, "c")
    assert ben is not None
    with pytest.raises(PermissionDenied, match="admin"):
        sessions.revoke_session(ctx, ben, me.session_id or "")
    sessions.revoke_session(ctx, shell, ben.session_id or "")  # an admin revokes anyone's
    assert sessions.principal_for_session(ctx, tb, "c") is None
    with pytest.raises(PermissionDenied):
        sessions.list_sessions(ctx, me, everyone=True)


def test_disable_and_role_change_end_sessions(ctx: Context, shell: Principal) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    t1, _ = _login(ctx, "ana")
    accounts.set_role(ctx, "ana", "auditor", actor=shell)
    assert sessions.principal_for_session(ctx, t1, "c") is None
    t2, p = _login(ctx, "ana")
    assert p.role is Role.AUDITOR
    accounts.disable_user(ctx, "ana", actor=shell)
    assert sessions.principal_for_session(ctx, t2, "c") is None


def test_token_scope_expiry_and_revocation(ctx: Context, shell: Principal) -> None:
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    tok = tokens.issue_token(ctx, ana, ana.user_id, ["feed", "search.text"])
    with ctx.session() as s:
        row = s.scalar(select(ApiToken))
    assert row is not None and tok not in (row.token_digest, row.public_id)
    p = tokens.principal_for_token(ctx, tok, "api-client")
    assert p is not None and p.scopes == frozenset({"feed", "search.text"}) and p.session_id is None
    access.require(p, "feed.view")
    access.require(p, "search.text")
    with pytest.raises(PermissionDenied, match="scopes"):
        access.require(p, "search.person")
    with pytest.raises(InputError, match="unknown scope"):
        tokens.issue_token(ctx, ana, ana.user_id, ["feeds"])
    ben, _ = make_user(ctx, "ben", Role.ANALYST)
    with pytest.raises(PermissionDenied):  # not for someone else, unless admin
        tokens.issue_token(ctx, ana, ben.user_id, ["feed"])
    short = tokens.issue_token(ctx, shell, ben.user_id, ["feed"], expires=datetime.now(UTC) + timedelta(hours=1))
    assert tokens.principal_for_token(ctx, short, "c") is not None
    assert tokens.principal_for_token(ctx, short, "c", now=datetime.now(UTC) + timedelta(hours=2)) is None
    [view] = tokens.list_tokens(ctx, ana)
    assert view.scopes == ("feed", "search.text") and not view.revoked
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(ctx, ben, view.token_id)
    tokens.revoke_token(ctx, ana, view.token_id)
    assert tokens.principal_for_token(ctx, tok, "c") is None
    assert tokens.list_tokens(ctx, ana)[0].revoked


def test_disabled_user_tokens_stop_working(ctx: Context, shell: Principal) -> None:
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    tok = tokens.issue_token(ctx, ana, ana.user_id, ["feed"])
    accounts.disable_user(ctx, "ana", actor=shell)
    assert tokens.principal_for_token(ctx, tok, "c") is None
    accounts.disable_user(ctx, "ana", actor=shell, enable=True)
    assert tokens.principal_for_token(ctx, tok, "c") is None  # revoked when disabled, not revived


def test_partner_tokens_carry_their_organisation_and_quota(ctx: Context, shell: Principal) -> None:
    acme, _ = make_user(ctx, "acme", Role.PARTNER, org="ACME")
    tok = tokens.issue_token(ctx, shell, acme.user_id, ["exposure"], daily_quota=500)
    p = tokens.principal_for_token(ctx, tok, "c")
    assert p is not None and p.org_id == "ACME"
    access.require(p, "exposure.check")
    access.require(p, "exposure.fingerprint")
    with pytest.raises(PermissionDenied):
        access.require_download(p, "hashset", org_id="ACME")
    assert tokens.org_quotas(ctx) == {"ACME": 500}


def test_password_change_ends_other_sessions(ctx: Context) -> None:
    make_user(ctx, "ana", Role.ANALYST)
    old, _ = _login(ctx, "ana")
    accounts.change_password(ctx, "ana", NEW_PASSWORD, NEW_PASSWORD + " two", None, "c")
    assert sessions.principal_for_session(ctx, old, "c") is None
