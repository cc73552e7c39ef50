"""Who may do what: roles, the one table of actions, case membership, TLP and partners' isolation.

Every page, API route, CLI command and job asks here (`require`,
`can_view_case`, `may_see_tlp`, `require_org`, `require_download`) instead
of testing roles itself, so the API and the pages cannot disagree.

The roles: an *admin* runs the deployment (accounts, roles) and may do
everything the investigators may; a *supervisor* sees every case and signs
cases off; an *analyst* does the daily work, and sees a case only as its
member; an *auditor* reads the audit log and nothing else; a *partner* is a
registered organisation's user and sees only that organisation's attribution
results, exposure notices and alerts, never captures, samples, bundles or
hash sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import Case, CaseMember, User

__all__ = [
    "ACTIONS",
    "DOWNLOAD_KINDS",
    "PermissionDenied",
    "Principal",
    "Role",
    "add_member",
    "allowed",
    "can_view_case",
    "is_member",
    "local_operator",
    "may_see_tlp",
    "members",
    "remove_member",
    "require",
    "require_case",
    "require_download",
    "require_org",
]


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    PARTNER = "partner"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account, its role and organisation, and through which session and client."""

    user_id: int
    username: str
    role: Role
    org_id: str | None
    session_id: str | None
    client: str
    lang: str = "en"
    scopes: frozenset[str] | None = None  # an API token's scopes; None: a console session, every action its role has

    @property
    def is_partner(self) -> bool:
        return self.role is Role.PARTNER


def local_operator(name: str, client: str = "cli") -> Principal:
    """The person at the shell: whoever holds the data directory and keyring already holds everything.

    The CLI acts as this admin, and the audit log records the shell user's
    name (`shell:NAME`) so an account change made from the command line is
    as attributable as one made in the console.
    """
    return Principal(0, f"shell:{name}", Role.ADMIN, None, None, client, "en")


_STAFF = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ANALYST})
_ALL = frozenset(Role)

# The one table: action -> roles that may do it. Case membership, TLP and organisation are checked on top.
ACTIONS: dict[str, frozenset[Role]] = {
    "feed.view": _STAFF,
    "feed.triage": _STAFF,
    "listing.view": _STAFF,
    "listing.unmask": _STAFF,
    "search.text": _STAFF,
    "search.person": _STAFF,
    "identifier.view": _STAFF,
    "case.create": _STAFF,
    "case.view": _STAFF | {Role.AUDITOR},
    "case.edit": _STAFF,
    "case.members": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "case.signoff": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "actor.view": _STAFF,
    "group.view": _STAFF,
    # An inferred link becomes one actor in every later build and in case reports: a supervisor's call.
    "link.confirm": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "import.upload": _STAFF,
    "export.download": _STAFF,
    "evidence.download": _STAFF,
    "attribution.view": _STAFF | {Role.PARTNER},
    "exposure.check": _STAFF | {Role.PARTNER},
    "exposure.fingerprint": _STAFF | {Role.PARTNER},
    "notice.view": _STAFF | {Role.PARTNER},
    "alert.view": _STAFF | {Role.PARTNER},
    "sources.view": _STAFF,
    "sources.manage": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "alert.manage": _STAFF,
    "alert.subscribe": _STAFF,
    "tracker.view": _STAFF,
    "tracker.manage": _STAFF,
    "notice.release": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "ops.metrics": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "users.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN, Role.AUDITOR}),
    "audit.export": frozenset({Role.ADMIN, Role.AUDITOR}),
    "dump.view": _STAFF | {Role.PARTNER},  # a partner: only dumps attributed to its own organisation, no rows
    "org.view": frozenset({Role.ADMIN, Role.SUPERVISOR}),
    "admin.view": frozenset({Role.ADMIN}),
    "admin.settings": frozenset({Role.ADMIN}),  # settings the environment leaves to the settings file
    "session.own": _ALL,
    "token.own": _ALL,
}

# What a partner never downloads, whatever organisation it belongs to.
DOWNLOAD_KINDS = ("capture", "sample", "bundle", "hashset", "export", "notice", "attribution")
_PARTNER_NEVER = frozenset({"capture", "sample", "bundle", "hashset"})


def in_scope(scopes: frozenset[str] | None, action: str) -> bool:
    """Whether token scopes cover `action`: a scope is an action (`feed.view`) or its area (`feed`)."""
    return scopes is None or action in scopes or action.partition(".")[0] in scopes


def known_scope(scope: str) -> bool:
    return scope in ACTIONS or any(a.partition(".")[0] == scope for a in ACTIONS)


def allowed(principal: Principal, action: str) -> bool:
    """Whether the role (and token scopes) allow `action` at all (an unknown action is refused to everyone)."""
    return principal.role in ACTIONS.get(action, frozenset()) and in_scope(principal.scopes, action)


# The console's pages and the actions each one's service function requires (all of them): the nav shows a link
# only where `allowed` says the page would open, so a partner is not offered staff pages that then refuse it.
PAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "/feed": ("feed.view",),
    "/search": ("search.text",),
    "/actors": ("actor.view",),
    "/sources": ("sources.view",),
    "/sessions": ("session.own",),
    "/audit": ("audit.view",),
    "/upload": ("import.upload",),
    "/alerts": ("alert.view", "alert.manage"),  # the unit's alerts; a partner's are on /partner (alerts._staff)
    "/trackers": ("tracker.view",),
    "/notices": ("notice.view",),
    "/notifications": ("alert.subscribe",),
    "/dumps": ("dump.view",),
    "/cases": ("case.view",),
    "/orgs": ("org.view",),
    "/admin": ("admin.view",),
}


def may_open(principal: Principal, page: str) -> bool:
    """Whether the console page at `page` (a key of PAGE_ACTIONS) opens for the principal; unknown pages: no."""
    actions = PAGE_ACTIONS.get(page)
    return actions is not None and all(allowed(principal, a) for a in actions)


def require(principal: Principal, action: str) -> None:
    """PermissionDenied naming the roles needed, unless the principal's role and token scopes allow `action`."""
    roles = ACTIONS.get(action)
    if roles is None:
        raise PermissionDenied(action, (), "unknown action")
    if principal.role not in roles:
        raise PermissionDenied(action, roles)
    if not in_scope(principal.scopes, action):
        raise PermissionDenied(action, roles, "this API token's scopes do not include it")


# -- partners ------------------------------------------------------------------------------

def require_org(principal: Principal, org_id: str | None, action: str = "attribution.view") -> None:
    """A partner may see an attribution result, exposure notice or alert only of its own organisation."""
    require(principal, action)
    if principal.is_partner and (principal.org_id is None or org_id != principal.org_id):
        raise PermissionDenied(action, ACTIONS[action] - {Role.PARTNER},
                               "this belongs to another organisation")


def require_download(principal: Principal, kind: str, *, org_id: str | None = None) -> None:
    """Downloads: partners never get captures, samples, bundles or hash sets; others by role."""
    if kind not in DOWNLOAD_KINDS:
        raise PermissionDenied(f"download.{kind}", (), "unknown download")
    if principal.is_partner:
        if kind in _PARTNER_NEVER:
            raise PermissionDenied(f"download.{kind}", _STAFF, "partners never download this")
        require_org(principal, org_id, "notice.view")
        return
    require(principal, "evidence.download" if kind in _PARTNER_NEVER else "export.download")


# -- TLP -----------------------------------------------------------------------------------

TLP_ORDER = {"clear": 0, "white": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}


def may_see_tlp(principal: Principal, tlp: str, *, member: bool = False, org_id: str | None = None) -> bool:
    """Whether the principal may see an item marked `tlp` (FIRST TLP 2.0; TLP:WHITE reads as CLEAR).

    CLEAR: anyone. GREEN: any account, partners included. AMBER and
    AMBER+STRICT: the unit's staff and auditors; a partner only for an item
    of its own organisation (`org_id`). RED: named recipients only, i.e. the
    members of the item's case (`member`), supervisors and admins. An unknown
    marking is treated as RED.
    """
    level = TLP_ORDER.get(tlp.strip().lower(), TLP_ORDER["red"])
    if level <= TLP_ORDER["green"]:
        return True
    if level == TLP_ORDER["red"]:
        return principal.role in (Role.ADMIN, Role.SUPERVISOR) or (member and not principal.is_partner)
    if principal.is_partner:
        return principal.org_id is not None and org_id == principal.org_id
    return True


# -- case membership -----------------------------------------------------------------------

def _case_id(ctx: Context, case_ref: str) -> int:
    with ctx.session() as s:
        cid = s.scalar(select(Case.id).where(Case.ref == case_ref))
    if cid is None:
        raise InputError(f"case {case_ref!r}: no such case")
    return cid


def _user(ctx: Context, username: str) -> User:
    with ctx.session() as s:
        user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise InputError(f"user {username!r}: no such user")
    return user


def is_member(ctx: Context, case_ref: str, user_id: int) -> bool:
    cid = _case_id(ctx, case_ref)
    with ctx.session() as s:
        return s.scalar(select(CaseMember.id).where(CaseMember.case_id == cid, CaseMember.user_id == user_id)) is not None


def members(ctx: Context, case_ref: str) -> list[str]:
    """User names of the case's members, sorted."""
    cid = _case_id(ctx, case_ref)
    with ctx.session() as s:
        return sorted(s.scalars(select(User.username).join(CaseMember, CaseMember.user_id == User.id)
                                .where(CaseMember.case_id == cid)))


def add_member(ctx: Context, actor: Principal, case_ref: str, username: str) -> bool:
    """Make `username` a member of the case (audited); False when it already was. Partners cannot be members."""
    require(actor, "case.members")
    cid = _case_id(ctx, case_ref)
    user = _user(ctx, username)
    if user.role == Role.PARTNER:
        raise PermissionDenied("case.members", _STAFF | {Role.AUDITOR}, f"{username} is a partner account")
    with ctx.session() as s, s.begin():
        if s.scalar(select(CaseMember.id).where(CaseMember.case_id == cid, CaseMember.user_id == user.id)):
            return False
        s.add(CaseMember(case_id=cid, user_id=user.id, added_by=actor.username))
        s.flush()
        audit.record(ctx, actor, "case.member_add", f"case:{case_ref}", detail={"user": username}, session=s)
    return True


def remove_member(ctx: Context, actor: Principal, case_ref: str, username: str) -> bool:
    """Remove `username` from the case (audited); False when it was not a member."""
    require(actor, "case.members")
    cid = _case_id(ctx, case_ref)
    user = _user(ctx, username)
    with ctx.session() as s, s.begin():
        n = s.execute(delete(CaseMember).where(CaseMember.case_id == cid, CaseMember.user_id == user.id)).rowcount
        if n:
            audit.record(ctx, actor, "case.member_remove", f"case:{case_ref}", detail={"user": username}, session=s)
    return bool(n)


def can_view_case(ctx: Context, principal: Principal, case_ref: str) -> bool:
    """Members see a case; supervisors and admins see every case; partners none."""
    if not allowed(principal, "case.view"):
        return False
    if principal.role in (Role.ADMIN, Role.SUPERVISOR):
        _case_id(ctx, case_ref)  # an unknown case is still an error, not a quiet True
        return True
    return is_member(ctx, case_ref, principal.user_id)


def require_case(ctx: Context, principal: Principal, case_ref: str, action: str = "case.view") -> None:
    """PermissionDenied unless the principal may do `action` on this case (role, then membership)."""
    require(principal, action)
    if not can_view_case(ctx, principal, case_ref):
        raise PermissionDenied(action, (Role.ADMIN, Role.SUPERVISOR), f"not a member of case {case_ref}")
