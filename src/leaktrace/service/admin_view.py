"""The admin page: accounts with their roles and case memberships, collection sources with their legal basis and
owner, and the settings in force (secrets redacted exactly as `config show` does).

Settings come from the environment, the TOML file or defaults; each row
says where its value came from. The console changes only what the
environment leaves to the settings file (`service.settings_edit`): a
setting the environment pins, a secret, or where the data is stays
read-only here.
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
    settings_file: str | None = None  # LEAKTRACE_CONFIG: where edits are written (None: nothing is editable)
    editable: frozenset[str] = frozenset()  # settings this page may change (not pinned, not secret, a file named)


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
    from leaktrace.service.settings_edit import config_file, editable

    rows = describe_settings(ctx.settings, environ)
    path = config_file(environ)
    names = frozenset(r.name for r in rows if r.source != "environment" and editable(r.name)) if path else frozenset()
    return AdminPage(users, memberships, sources, rows, str(path) if path else None, names)


def change_membership(ctx: Context, principal: Principal, case_ref: str, username: str, action: str) -> None:
    """Add (`add`) or remove (`remove`) a case member: the admin page's, the case page's and the API's one
    entry to `access.add_member` / `remove_member` (what `leaktrace case` calls; audited there)."""
    name = username.strip()[:64]
    if action not in ("add", "remove"):
        raise InputError(f"field 'action': {action[:20]!r} is not add or remove")
    if not name:
        raise InputError("field 'username': empty")
    (add_member if action == "add" else remove_member)(ctx, principal, case_ref, name)
