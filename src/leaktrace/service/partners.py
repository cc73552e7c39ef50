"""Registered organisations' accounts: the partner account behind an organisation's API tokens,
and the one lookup the exposure server makes for a bearer token.

The exposure server (attribution/exposure_service.py) keeps no token list
of its own: it asks `exposure_org` which organisation a token belongs to,
which answers through `tokens.principal_for_token`, so a token revoked or
an account disabled in the console stops working there at the next request.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import accounts, tokens
from leaktrace.service.access import Principal, Role, allowed
from leaktrace.store.models import User

EXPOSURE_SCOPE = "exposure"


def partner_account(ctx: Context, actor: Principal, org: str) -> accounts.UserView:
    """The organisation's partner account (the oldest, when it has several), created if it has none."""
    org = org.strip()
    if not org:
        raise InputError("--org: an organisation id is required")
    with ctx.session() as s:
        uid = s.scalar(select(User.id).where(User.role == Role.PARTNER.value, User.org_id == org).order_by(User.id))
    if uid is not None:
        return accounts.get_user(ctx, uid)
    base = ("partner-" + re.sub(r"[^a-z0-9._-]+", "-", org.lower())).strip("-._")[:56]
    name, n = base, 1
    while True:
        with ctx.session() as s:
            if s.scalar(select(User.id).where(User.username == name)) is None:
                break
        n += 1
        name = f"{base}-{n}"
    view, _ = accounts.create_user(ctx, name, Role.PARTNER, org_id=org, actor=actor)
    return view


def issue_org_token(ctx: Context, actor: Principal, org: str, *, daily_quota: int | None = None) -> tuple[str, str]:
    """A new exposure-service token for the organisation's partner account: (token, account name)."""
    user = partner_account(ctx, actor, org)
    token = tokens.issue_token(ctx, actor, user.id, [EXPOSURE_SCOPE], name="exposure service",
                               daily_quota=daily_quota or None)
    return token, user.username


def import_org_token(ctx: Context, actor: Principal, org: str, token_digest: str,
                     daily_quota: int | None = None) -> str:
    """Bring one entry of an old exposure-server token file into the store; returns the token's id."""
    user = partner_account(ctx, actor, org)
    return tokens.import_digest(ctx, actor, user.id, token_digest, [EXPOSURE_SCOPE], daily_quota=daily_quota)


def exposure_org(ctx: Context, token: str, client: str) -> str | None:
    """The organisation an exposure-service bearer token acts for, or None (not a live partner token in scope)."""
    p = tokens.principal_for_token(ctx, token, client)
    if p is None or not p.is_partner or not p.org_id or not allowed(p, "exposure.check"):
        return None
    return p.org_id


def exposure_lookup(ctx: Context) -> Callable[[str, str], str | None]:
    """`exposure_org` bound to a context: what the exposure server is given as its token lookup."""
    return lambda token, client: exposure_org(ctx, token, client)
