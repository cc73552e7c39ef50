"""Working a case in the console: the filtered list, the case page, notes, status, assignee and sign-off.

Visibility follows `access`: supervisors and admins see every case, others
only the cases they are members of. A sign-off is a supervisor's (or an
admin's) act on a case somebody else opened: the author never signs off
their own case. It is written to the case (`signed_off_by`/`signed_off_at`,
which the report prints), to its timeline and to the audit log, in one
transaction. The CLI (`leaktrace case signoff`) calls the same function.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.case_items import TLP_LEVELS, get_case
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, allowed, can_view_case, require, require_case
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.tlp import mark_items
from leaktrace.store.models import Case, CaseEvent, CaseItem, CaseMember, CaseNote, User

STATUSES = ("open", "in_review", "closed")
MAX_LISTED = 50  # a page of the case list, the most recently changed first; filters narrow, `page` goes on
MAX_ITEMS_SHOWN = 50  # a page of items, newest first (`items_page`); all counted by kind, all in the report and exports
MAX_EVENTS_SHOWN = 100  # a page of the timeline; older pages by `events_page`
MAX_NOTE = 10_000


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    assignee: str | None = None
    tlp: str | None = None

    @classmethod
    def parse(cls, status: str | None, assignee: str | None, tlp: str | None) -> CaseFilter:
        status = (status or "").strip() or None
        tlp = (tlp or "").strip().lower() or None
        if status is not None and status not in STATUSES:
            raise InputError(f"field 'status': {status[:20]!r} is not one of {', '.join(STATUSES)}")
        if tlp is not None and tlp not in TLP_LEVELS:
            raise InputError(f"field 'tlp': {tlp[:20]!r} is not one of {', '.join(TLP_LEVELS)}")
        return cls(status, (assignee or "").strip()[:200] or None, tlp)


@dataclass(frozen=True)
class CaseRow:
    ref: str
    title: str
    tlp: str
    status: str
    assignee: str | None
    created_by: str
    items: int
    updated_at: datetime
    signed_off_by: str | None


@dataclass
class CasePage:
    """The case page: the case, its items, notes, timeline (and its per-day counts for the chart), members."""

    ref: str
    title: str
    tlp: str
    status: str
    description: str
    created_by: str
    created_at: datetime
    assignee: str | None
    signed_off_by: str | None
    signed_off_at: datetime | None
    items: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    members: list[str]
    may_edit: bool
    may_sign_off: bool
    sign_off_refusal: str | None
    may_manage_members: bool
    may_export: bool
    item_counts: dict[str, int] = field(default_factory=dict)
    events: int = 0
    per_day: list[dict[str, Any]] = field(default_factory=list)
    items_page: int = 0  # pages of MAX_ITEMS_SHOWN items / MAX_EVENTS_SHOWN entries, 0 the newest
    events_page: int = 0

    @property
    def items_more(self) -> bool:
        return (self.items_page + 1) * MAX_ITEMS_SHOWN < sum(self.item_counts.values())

    @property
    def events_more(self) -> bool:
        return (self.events_page + 1) * MAX_EVENTS_SHOWN < self.events

    def chart_data(self) -> dict[str, Any]:
        kinds = sorted({k for d in self.per_day for k in d["kinds"]})
        return {"days": [d["day"] for d in self.per_day],
                "series": [{"name": k, "values": [d["kinds"].get(k, 0) for d in self.per_day]} for k in kinds]}


def same_person(author: str, username: str) -> bool:
    """Whether the case's recorded author and an account are one person (the CLI records `shell:NAME` or NAME)."""
    def norm(name: str) -> str:
        return name.strip().removeprefix("shell:").casefold()

    return bool(author.strip()) and norm(author) == norm(username)


def list_cases(ctx: Context, principal: Principal, f: CaseFilter | None = None, *,
               page: int | str | None = 0) -> list[CaseRow]:
    """Cases the principal may see, newest change first, filtered by status, assignee and TLP; page `page` of
    MAX_LISTED (a full page means there may be more)."""
    require(principal, "case.view")
    n = page_number(page, "page")
    f = f or CaseFilter()
    q = select(Case)
    if principal.role not in (Role.ADMIN, Role.SUPERVISOR):
        q = q.where(Case.id.in_(select(CaseMember.case_id).where(CaseMember.user_id == principal.user_id)))
    if f.status:
        q = q.where(Case.status == f.status)
    if f.assignee:
        q = q.where(Case.assignee == f.assignee)
    if f.tlp:
        q = q.where(Case.tlp == f.tlp)
    with ctx.session() as s:
        cases = s.scalars(q.order_by(Case.updated_at.desc(), Case.id.desc())
                             .offset(n * MAX_LISTED).limit(MAX_LISTED)).all()
        # Items counted for the listed cases only (the (case, kind, key) index), not for the whole table.
        counts = dict(s.execute(select(CaseItem.case_id, func.count()).where(CaseItem.case_id.in_([c.id for c in cases]))
                                .group_by(CaseItem.case_id)).all()) if cases else {}
    # Titles are masked when written (`case new`, `create_case` below): shown with visible codes, not scanned again.
    return [CaseRow(c.ref, display_text(c.title, 300, masked=False), c.tlp, c.status, c.assignee, c.created_by,
                    int(counts.get(c.id, 0)), c.updated_at, c.signed_off_by) for c in cases]


def assignees(ctx: Context, principal: Principal) -> list[str]:
    """Names to offer in the assignee filter: staff accounts."""
    require(principal, "case.view")
    with ctx.session() as s:
        return sorted(s.scalars(select(User.username).where(
            User.role.in_([Role.ANALYST.value, Role.SUPERVISOR.value, Role.ADMIN.value]), User.disabled.is_(False))))


def _refusal(principal: Principal, case: Case) -> str | None:
    """Why the principal may not sign this case off (None: it may)."""
    if not allowed(principal, "case.signoff"):
        return "only a supervisor or an admin signs a case off"
    if same_person(case.created_by, principal.username):
        return f"{principal.username} opened this case: its author cannot sign it off"
    if case.signed_off_by:
        return f"already signed off by {case.signed_off_by}"
    return None


def _case(s: Any, ref: str) -> Case:
    return get_case(s, ref.strip())


def _items(s: Any, case_id: int, page: int = 0) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One page of items, newest first (titles masked), and how many of each kind the case holds.

    Both are walks of one index: the counts of (case_id, kind, key), the page
    of (case_id, id) (migration 0020); a case of 5,000 items reads 100 rows.
    """
    counts = dict(s.execute(select(CaseItem.kind, func.count()).where(CaseItem.case_id == case_id)
                            .group_by(CaseItem.kind)).all())
    rows = s.execute(select(CaseItem.id, CaseItem.kind, CaseItem.key, CaseItem.payload, CaseItem.added_by,
                            CaseItem.added_at)
                     .where(CaseItem.case_id == case_id).order_by(CaseItem.id.desc())
                     .offset(page * MAX_ITEMS_SHOWN).limit(MAX_ITEMS_SHOWN)).all()
    # `tlp` and `org_id` as the payload has them: service.tlp.mark_items decides what the reader may see
    items = [{"id": i, "kind": k, "key": display_text(key, 200, masked=False),
              "title": display_text(str((p or {}).get("title") or (p or {}).get("name") or ""), 300),
              "added_by": by, "added_at": at, "tlp": (p or {}).get("tlp"), "own_tlp": (p or {}).get("tlp") or "",
              "org_id": o if isinstance(o := (p or {}).get("org_id"), str) else None}
             for i, k, key, p, by, at in rows]
    return items, {str(k): int(n) for k, n in sorted(counts.items())}


def _per_day(s: Any, case_id: int) -> list[dict[str, Any]]:
    """Timeline entries per UTC day and kind, counted by the database (a case may hold 10^4 entries).

    The grouping reads every entry of the case (16 ms for 10^4 on PostgreSQL);
    it is kept per process, keyed by the case's newest entry id and entry
    count (one walk of the (case_id, at) index), so it is counted again only
    when the timeline changed.
    """
    newest, n = s.execute(select(func.max(CaseEvent.id), func.count()).where(CaseEvent.case_id == case_id)).one()
    key = (str(s.bind.url), case_id, newest, n)  # the URL as text: SQLAlchemy masks its password
    hit = _PER_DAY.get(key)
    if hit is None:
        hit = _count_per_day(s, case_id)
        with _PER_DAY_LOCK:  # request threads share it
            while len(_PER_DAY) >= _PER_DAY_MAX:
                _PER_DAY.pop(next(iter(_PER_DAY)))
            _PER_DAY[key] = hit
    return [{"day": d["day"], "kinds": dict(d["kinds"]), "total": d["total"]} for d in hit]


_PER_DAY: dict[tuple[str, int, int | None, int], list[dict[str, Any]]] = {}
_PER_DAY_LOCK = threading.Lock()
_PER_DAY_MAX = 256


def _count_per_day(s: Any, case_id: int) -> list[dict[str, Any]]:
    at = CaseEvent.at
    day = func.date(func.timezone("UTC", at)) if s.bind.dialect.name == "postgresql" else func.date(at)
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for d, kind, n in s.execute(select(day, CaseEvent.kind, func.count()).where(CaseEvent.case_id == case_id)
                                .group_by(day, CaseEvent.kind)):
        days[str(d)[:10]][kind] += int(n)
    return [{"day": d, "kinds": dict(c), "total": sum(c.values())} for d, c in sorted(days.items())]


def page_number(value: int | str | None, field_name: str) -> int:
    """A page number from a query parameter (0 when empty); InputError naming the field otherwise."""
    try:
        n = int(value or 0)
    except ValueError:
        raise InputError(f"field '{field_name}': {str(value)[:20]!r} is not a page number") from None
    if not 0 <= n <= 10_000:
        raise InputError(f"field '{field_name}': {n} is not a page number (0-10000)")
    return n


def case_page(ctx: Context, principal: Principal, ref: str, *, items_page: int | str | None = 0,
              events_page: int | str | None = 0) -> CasePage:
    """The case page's content, its items and timeline entries a page at a time (`items_page`, `events_page`,
    from 0: the newest). Timeline texts are written by leaktrace from masked titles and keys, so they are
    shown with visible codes only; item titles and notes, which people and sellers wrote, pass the masking again.
    """
    items_page, events_page = page_number(items_page, "items_page"), page_number(events_page, "events_page")
    return _case_page(ctx, principal, ref, items_page, events_page)


def _case_page(ctx: Context, principal: Principal, ref: str, items_page: int, events_page: int) -> CasePage:
    """The case page's content. Timeline texts are written by leaktrace from masked titles and keys, so they are
    shown with visible codes only; item titles and notes, which people and sellers wrote, pass the masking again."""
    with ctx.session() as s:
        canonical = _case(s, ref).ref
    require_case(ctx, principal, canonical, "case.view")
    with ctx.session() as s:
        case = _case(s, canonical)
        items, item_counts = _items(s, case.id, items_page)
        items = mark_items(ctx, principal, case.id, case.tlp, items)  # TLP: what this reader may see, badged
        notes = [{"author": n.author, "text": display_text(n.text, MAX_NOTE), "at": n.created_at}
                 for n in s.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))]
        per_day = _per_day(s, case.id)
        recent = s.execute(select(CaseEvent.at, CaseEvent.kind, CaseEvent.text).where(CaseEvent.case_id == case.id)
                           .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
                           .offset(events_page * MAX_EVENTS_SHOWN).limit(MAX_EVENTS_SHOWN)).all()
        members = sorted(s.scalars(select(User.username).join(CaseMember, CaseMember.user_id == User.id)
                                   .where(CaseMember.case_id == case.id)))
        refusal = _refusal(principal, case)
        page = CasePage(
            ref=case.ref, title=display_text(case.title, 500), tlp=case.tlp, status=case.status,
            description=display_text(case.description, 5000), created_by=case.created_by, created_at=case.created_at,
            assignee=case.assignee, signed_off_by=case.signed_off_by, signed_off_at=case.signed_off_at,
            items=items, notes=notes,
            timeline=[{"at": at, "kind": k, "text": display_text(t, 500, masked=False)} for at, k, t in reversed(recent)],
            members=members, may_edit=allowed(principal, "case.edit"), may_sign_off=refusal is None,
            sign_off_refusal=refusal, may_manage_members=allowed(principal, "case.members"),
            may_export=allowed(principal, "export.download"), item_counts=item_counts,
            events=sum(d["total"] for d in per_day), per_day=per_day, items_page=items_page,
            events_page=events_page)
    return page


def create_case(ctx: Context, principal: Principal, title: str, *, tlp: str = "amber",
                description: str | None = None) -> str:
    """Open a case as `principal` (its author, and its first member); returns its ref. Audited."""
    from leaktrace.pipeline.case_items import create_case as create
    from leaktrace.pipeline.case_items import masked_free_text

    require(principal, "case.create")
    tlp = tlp.strip().lower()
    with ctx.session() as s, s.begin():
        case = create(s, masked_free_text(title), tlp=tlp, created_by=principal.username,
                      description=masked_free_text(description) if description else None)
        if principal.user_id:
            s.add(CaseMember(case_id=case.id, user_id=principal.user_id, added_by=principal.username))
        ref = case.ref
        audit.record(ctx, principal, "case.create", f"case:{ref}", detail={"tlp": tlp}, session=s)
    return ref


def add_note(ctx: Context, principal: Principal, ref: str, text: str) -> None:
    """An investigator's note (personal data in it masked before it is stored)."""
    from leaktrace.pipeline.case_items import add_note as add
    from leaktrace.pipeline.case_items import masked_free_text

    with ctx.session() as s:
        canonical = _case(s, ref).ref
    require_case(ctx, principal, canonical, "case.edit")
    if len(text) > MAX_NOTE:
        raise InputError(f"field 'text': {len(text):,} characters, at most {MAX_NOTE:,}")
    with ctx.session() as s, s.begin():
        add(s, _case(s, canonical), masked_free_text(text), author=principal.username)


def set_status(ctx: Context, principal: Principal, ref: str, status: str) -> None:
    """Move the case to `status` (open, in_review, closed); audited and put on its timeline."""
    if status not in STATUSES:
        raise InputError(f"field 'status': {status[:20]!r} is not one of {', '.join(STATUSES)}")
    with ctx.session() as s:
        canonical = _case(s, ref).ref
    require_case(ctx, principal, canonical, "case.edit")
    with ctx.session() as s, s.begin():
        case = _case(s, canonical)
        if case.status == status:
            return
        before, case.status = case.status, status
        now = datetime.now(UTC)
        case.updated_at = now
        s.add(CaseEvent(case_id=case.id, at=now, kind="status", text=f"status {before} → {status}", ref=case.ref))
        audit.record(ctx, principal, "case.status", f"case:{canonical}", detail={"from": before, "to": status},
                     session=s)


def set_assignee(ctx: Context, principal: Principal, ref: str, username: str | None) -> None:
    """Make `username` (a staff account, made a member too) the case's assignee; None clears it. Audited."""
    from leaktrace.service.access import add_member

    with ctx.session() as s:
        canonical = _case(s, ref).ref
    require_case(ctx, principal, canonical, "case.members")
    name = (username or "").strip() or None
    if name is not None:
        with ctx.session() as s:
            role = s.scalar(select(User.role).where(User.username == name))
        if role is None:
            raise InputError(f"user {name[:64]!r}: no such user")
        if role not in (Role.ANALYST.value, Role.SUPERVISOR.value, Role.ADMIN.value):
            raise InputError(f"user {name[:64]!r}: a {role} account cannot be a case's assignee")
        add_member(ctx, principal, canonical, name)
    with ctx.session() as s, s.begin():
        case = _case(s, canonical)
        case.assignee = name
        case.updated_at = datetime.now(UTC)
        audit.record(ctx, principal, "case.assign", f"case:{canonical}", detail={"assignee": name}, session=s)


def sign_off(ctx: Context, principal: Principal, ref: str, *, note: str | None = None) -> datetime:
    """A supervisor's sign-off of a case somebody else opened; returns its time.

    Refused (PermissionDenied) to anyone without `case.signoff`, to the
    case's author, and for a case already signed off. The case, its timeline
    and the audit log record it in one transaction.
    """
    with ctx.session() as s:
        canonical = _case(s, ref).ref
    require(principal, "case.signoff")
    if not can_view_case(ctx, principal, canonical):
        raise PermissionDenied("case.signoff", (Role.ADMIN, Role.SUPERVISOR), f"not a member of case {canonical}")
    with ctx.session() as s, s.begin():
        case = _case(s, canonical)
        refusal = _refusal(principal, case)
        if refusal is not None:
            raise PermissionDenied("case.signoff", (Role.SUPERVISOR,), refusal)
        now = datetime.now(UTC)
        case.signed_off_by, case.signed_off_at, case.updated_at = principal.username, now, now
        s.add(CaseEvent(case_id=case.id, at=now, kind="signoff", text=f"signed off by {principal.username}",
                        ref=case.ref))
        detail = {"author": case.created_by}
        audit.record(ctx, principal, "case.signoff", f"case:{canonical}", reason=(note or "").strip()[:500] or None,
                     detail=detail, session=s)
    return now
