"""TLP on the console: each listing's and case item's marking, who may see it, and setting it (audited).

A post's marking comes from the cases that hold it: the listing item's own
`tlp` (cases/model.py `_Marked`), else its case's. A post in several cases
is shown only to someone who passes every marking (`access.may_see_tlp`,
with membership of that marking's case), and its badge shows the strictest.
A post in no case is TLP:AMBER, the default a case gets (`DEFAULT_TLP`):
the unit's own material, staff only.

The feed, listing, search and pivot service functions filter their rows
here (`mark_rows`, `require_post`), and the case page its items
(`mark_items`), so the pages and the API show the same. `set_item_tlp` is
what the case page's control and `leaktrace case tlp` call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.pipeline.case_items import case_ref as canonical_ref
from leaktrace.pipeline.case_items import mark_item
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import TLP_ORDER, Principal, Role, may_see_tlp, require_case
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import Case, CaseItem, CaseMember

DEFAULT_TLP = "amber"
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")
LISTING_KEY = "post-{}"
SET_ACTION = "case.edit"
R = TypeVar("R")


def check_tlp(value: str) -> str:
    """A TLP level as given by a user (`TLP:RED`, `red`, `White`): one of TLP_LEVELS, or an InputError."""
    v = (value or "").strip().lower().removeprefix("tlp:")
    v = "clear" if v == "white" else v
    if v not in TLP_LEVELS:
        raise InputError(f"field 'tlp': {value[:30]!r} is not one of {', '.join(TLP_LEVELS)}")
    return v


def strictest(levels: Iterable[str]) -> str:
    """The strictest of `levels` (an unknown one counts as RED, as `may_see_tlp` reads it)."""
    return max(levels, key=lambda t: TLP_ORDER.get(t, TLP_ORDER["red"]), default=DEFAULT_TLP)


def item_tlp(payload: dict[str, Any] | None, case_tlp: str) -> str:
    own = (payload or {}).get("tlp")
    return own if isinstance(own, str) and own else case_tlp


def _post_markings(session: Session, post_ids: Sequence[int]) -> dict[int, list[tuple[int, str]]]:
    """post id -> [(case id, marking)] for every case holding the post as a listing item."""
    keys = {LISTING_KEY.format(p): p for p in post_ids}
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not keys:
        return out
    rows = session.execute(select(CaseItem.key, CaseItem.payload, Case.id, Case.tlp)
                           .join(Case, Case.id == CaseItem.case_id)
                           .where(CaseItem.kind == "listing", CaseItem.key.in_(list(keys)))).all()
    for key, payload, case_id, case_tlp in rows:
        out[keys[key]].append((case_id, item_tlp(payload, case_tlp)))
    return out


def _member_cases(session: Session, principal: Principal) -> set[int]:
    return set(session.scalars(select(CaseMember.case_id).where(CaseMember.user_id == principal.user_id)))


def post_badges(ctx: Context, principal: Principal, post_ids: Sequence[int]) -> dict[int, str]:
    """post id -> its badge (strictest marking), for the posts `principal` may see; the others are left out."""
    with ctx.session() as s:
        marks = _post_markings(s, post_ids)
        mine = _member_cases(s, principal) if marks else set()
    out: dict[int, str] = {}
    for pid in post_ids:
        held = marks.get(pid) or [(None, DEFAULT_TLP)]
        if all(may_see_tlp(principal, tlp, member=case_id in mine) for case_id, tlp in held):
            out[pid] = strictest(t for _, t in held)
    return out


def mark_rows(ctx: Context, principal: Principal, rows: Sequence[R]) -> list[R]:
    """Feed rows (anything with `post_id` and `tlp`) the principal may see, each with its badge set."""
    badges = post_badges(ctx, principal, [r.post_id for r in rows])  # type: ignore[attr-defined]
    return [replace(r, tlp=badges[r.post_id]) for r in rows if r.post_id in badges]  # type: ignore[attr-defined,type-var]


def require_post(ctx: Context, principal: Principal, post_id: int, action: str = "listing.view") -> str:
    """The post's badge, or PermissionDenied naming the marking when the principal may not see it."""
    badge = post_badges(ctx, principal, [post_id]).get(post_id)
    if badge is None:
        with ctx.session() as s:
            held = _post_markings(s, [post_id]).get(post_id) or []
        level = strictest(t for _, t in held).upper()
        raise PermissionDenied(action, (Role.ADMIN, Role.SUPERVISOR),
                               f"post {post_id} is marked TLP:{level}: only the members of its case may see it")
    return badge


def mark_items(ctx: Context, principal: Principal, case_id: int, case_tlp: str,
               items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A case's items (each with `tlp` from its payload) the principal may see, with their badges."""
    with ctx.session() as s:
        member = s.scalar(select(CaseMember.id).where(CaseMember.case_id == case_id,
                                                      CaseMember.user_id == principal.user_id)) is not None
    out = []
    for item in items:
        tlp = item.get("tlp") or case_tlp
        if may_see_tlp(principal, tlp, member=member, org_id=item.get("org_id")):
            out.append({**item, "tlp": tlp})
    return out


def set_item_tlp(ctx: Context, principal: Principal, case_ref: str, item: str, tlp: str | None) -> dict[str, Any]:
    """Mark one item of the case `tlp` (None or '': back to the case's marking); audited with old and new."""
    level = check_tlp(tlp) if tlp else None
    with ctx.session() as s:
        ref = canonical_ref(s, case_ref)
    require_case(ctx, principal, ref, SET_ACTION)
    with ctx.session() as s, s.begin():
        row, old, case_tlp = mark_item(s, ref, item, level)
        audit.record(ctx, principal, "case.item_tlp", f"case:{ref}",
                     detail={"item": row.id, "kind": row.kind, "key": row.key[:200], "old": old, "new": level},
                     session=s)
        return {"case": ref, "item": row.id, "kind": row.kind, "key": row.key, "tlp": level or case_tlp,
                "own": level is not None}
