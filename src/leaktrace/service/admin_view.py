"""The admin page: accounts with their roles and case memberships, collection sources with their legal basis and
owner, and the settings in force (read-only, secrets redacted exactly as `config show` does).

Settings come from the environment, the TOML file or defaults; the console
never writes them (a deployment's configuration belongs to whoever runs
it), so each row says where its value came from and whether the
environment pins it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.core.settings import SettingRow, describe_settings
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, add_member, remove_member, require
from leaktrace.service.accounts import UserView, list_users
from leaktrace.store.models import Case, CaseMember, Source, User

ACTION = "admin.view"


@dataclass(frozen=True)
class AdminPage:
    users: list[UserView]
    memberships: dict[str, list[str]]  # username -> case refs
    sources: list[dict[str, Any]]
    settings: list[SettingRow]


def admin_page(ctx: Context, principal: Principal, *, environ: dict[str, str] | None = None) -> AdminPage:
    require(principal, ACTION)
    users = list_users(ctx, principal)
    memberships: dict[str, list[str]] = {}
    with ctx.session() as s:
        for name, ref in s.execute(select(User.username, Case.ref).join(CaseMember, CaseMember.user_id == User.id)
                                   .join(Case, Case.id == CaseMember.case_id).order_by(User.username, Case.ref)):
            memberships.setdefault(name, []).append(ref)
        sources = [{"name": display_text(r.name, 200, masked=False), "kind": r.kind,
                    "base_url": display_text(r.base_url, 300, masked=False),
                    "legal_basis": display_text(r.legal_basis, 1000, masked=False) or None,
                    "owner": display_text(r.owner, 200, masked=False) or None, "created_at": r.created_at}
                   for r in s.scalars(select(Source).order_by(Source.name))]
    return AdminPage(users, memberships, sources, describe_settings(ctx.settings, environ))


def change_membership(ctx: Context, principal: Principal, case_ref: str, username: str, action: str) -> None:
    """Add (`add`) or remove (`remove`) a case member: the admin page's, the case page's and the API's one
    entry to `access.add_member` / `remove_member` (what `leaktrace case` calls; audited there)."""
    name = username.strip()[:64]
    if action not in ("add", "remove"):
        raise InputError(f"field 'action': {action[:20]!r} is not add or remove")
    if not name:
        raise InputError("field 'username': empty")
    (add_member if action == "add" else remove_member)(ctx, principal, case_ref, name)
