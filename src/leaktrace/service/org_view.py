"""The organisations page: each registered organisation with its partner accounts, tokens and daily allowance,
its fingerprint's age and its canaries' status (supervisors and admins).

An organisation known only from a partner account (no fingerprint yet) is
listed too, so an admin sees accounts waiting for their registration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.org_status import OrgStatus, org_statuses
from leaktrace.service.access import Principal, Role, require
from leaktrace.service.tokens import org_quotas
from leaktrace.store.models import ApiToken, User

ACTION = "org.view"
STALE_DAYS = 180  # a fingerprint older than this no longer describes the organisation's customers well


@dataclass
class OrgRow:
    org: str
    status: OrgStatus | None
    users: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    daily_quota: int | None = None
    age_days: int | None = None

    @property
    def fresh(self) -> str:
        """'fresh', 'stale' or 'none' (no fingerprint registered)."""
        if self.status is None or not self.status.fingerprint or self.age_days is None:
            return "none"
        return "fresh" if self.age_days <= STALE_DAYS else "stale"

    @property
    def canary(self) -> str:
        """'none' (no canaries registered), 'quiet' (registered, never found) or 'hit' (found in a dump)."""
        if self.status is None or not self.status.canary_tags:
            return "none"
        return "hit" if self.status.canary_hits else "quiet"


def organisations(ctx: Context, principal: Principal, *, now: datetime | None = None) -> list[OrgRow]:
    require(principal, ACTION)
    now = now or datetime.now(UTC)
    rows = {s.org: OrgRow(s.org, s) for s in org_statuses(ctx)}
    issued = org_quotas(ctx)
    with ctx.session() as s:
        users = s.execute(select(User).where(User.role == Role.PARTNER.value).order_by(User.username)).scalars().all()
        tokens = s.execute(select(ApiToken, User.org_id, User.username).join(User, User.id == ApiToken.user_id)
                           .where(User.role == Role.PARTNER.value).order_by(ApiToken.created_at.desc())).all()
    for u in users:
        row = rows.setdefault(u.org_id or "", OrgRow(u.org_id or "", None))
        row.users.append({"username": u.username, "disabled": u.disabled})
    for t, org, username in tokens:
        row = rows.setdefault(org or "", OrgRow(org or "", None))
        live = t.revoked_at is None and (t.expires_at is None or t.expires_at > now)
        row.tokens.append({"token_id": t.public_id, "username": username, "scopes": list(t.scopes),
                           "daily_quota": t.daily_quota, "live": live, "last_used": t.last_used,
                           "created_at": t.created_at})
    for row in rows.values():
        st = row.status
        row.daily_quota = issued.get(row.org) or (st.computed_quota if st else None)
        if st is not None and st.registered is not None:
            row.age_days = max(0, (now - st.registered).days)
    return sorted(rows.values(), key=lambda r: r.org)
