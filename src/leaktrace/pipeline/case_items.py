"""A stored post into a case, and a case's items read back: the console's join of store, intel and cases.

The listing document is the one `case_build.listing_items` makes for `case
build` (one rule for what a listing item holds: masked title, identifiers
as keyed hash or clear seller identifier, the capture's hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.cases.case_records import TLP_LEVELS, add_note, create_case, get_case
from leaktrace.core.errors import InputError
from leaktrace.pipeline.case_assembly import source_site_names
from leaktrace.pipeline.case_build import listing_items
from leaktrace.pipeline.text_view import display_text
from leaktrace.store.models import CaseItem

MAX_ITEMS_SHOWN = 500
__all__ = ["TLP_LEVELS", "CaseSummary", "add_note", "add_post_to_case", "case_ref", "case_summary", "create_case",
           "get_case", "masked_free_text"]


def masked_free_text(text: str) -> str:
    """Free text people type into a case (a title, a note) with personal values masked, as `case note` stores it."""
    from leaktrace.pii.redact import masked_text

    return masked_text(text)


@dataclass(frozen=True)
class CaseSummary:
    ref: str
    title: str
    tlp: str
    status: str
    items: list[dict[str, Any]]


def case_ref(session: Session, ref: str) -> str:
    """The canonical ref of case `ref` (or its number); InputError naming it when there is none."""
    from leaktrace.cases.case_records import get_case

    return get_case(session, ref.strip()).ref


def add_post_to_case(session: Session, version: str, post_id: int, ref: str, *, added_by: str) -> str:
    """Add the post (and its capture) to case `ref` as items; returns the listing item's key."""
    from leaktrace.cases.case_records import add_item, get_case

    case = get_case(session, ref)
    listings, captures = listing_items(session, version, source_site_names(session), post_ids=[post_id])
    if not listings:
        raise InputError(f"post {post_id}: not analysed yet (run `leaktrace analyze`)")
    key, _ = add_item(session, case, "listing", listings[0], added_by=added_by, label=f"post {post_id}")
    for cap in captures:
        add_item(session, case, "capture", cap, added_by=added_by, label=f"post {post_id} capture")
    return key


def case_summary(session: Session, ref: str) -> CaseSummary:
    from leaktrace.cases.case_records import get_case

    case = get_case(session, ref)
    items = [{"id": i.id, "kind": i.kind, "key": display_text(i.key, 200),
              "tlp": i.payload.get("tlp") if isinstance(i.payload.get("tlp"), str) else None,
              "org_id": i.payload.get("org_id") if isinstance(i.payload.get("org_id"), str) else None,
              "title": display_text(str(i.payload.get("title") or i.payload.get("name") or ""), 300),
              "added_by": i.added_by, "added_at": i.added_at.isoformat()}
             for i in session.scalars(select(CaseItem).where(CaseItem.case_id == case.id).order_by(CaseItem.id)
                                      .limit(MAX_ITEMS_SHOWN))]
    return CaseSummary(case.ref, display_text(case.title, 500), case.tlp, case.status, items)


def find_item(session: Session, case_id: int, case_ref_: str, item: str) -> CaseItem:
    """A case item by its number (as the case page lists it) or as KIND:KEY; InputError naming it otherwise."""
    q = select(CaseItem).where(CaseItem.case_id == case_id)
    text = item.strip()
    if text.isdigit():
        row = session.scalar(q.where(CaseItem.id == int(text)))
    else:
        kind, sep, key = text.partition(":")
        row = session.scalar(q.where(CaseItem.kind == kind, CaseItem.key == key)) if sep else None
    if row is None:
        raise InputError(f"case {case_ref_}: item {item[:200]!r}: no such item (give its number or KIND:KEY)")
    return row


def mark_item(session: Session, ref: str, item: str, tlp: str | None) -> tuple[CaseItem, str | None, str]:
    """Set one item's own TLP (None: back to the case's), validated as the item model validates it, with a
    timeline entry; returns (item, its old own marking, the case's marking). The caller commits."""
    from leaktrace.cases.case_records import get_case
    from leaktrace.cases.model import parse_item
    from leaktrace.store.models import CaseEvent
    from leaktrace.store.types import utcnow

    case = get_case(session, ref)
    row = find_item(session, case.id, case.ref, item)
    payload = dict(row.payload or {})
    old = payload.get("tlp")
    if tlp is None:
        payload.pop("tlp", None)
    else:
        payload["tlp"] = tlp
    row.payload = parse_item(row.kind, payload).model_dump(mode="json")
    now = utcnow()
    case.updated_at = now
    session.add(CaseEvent(case_id=case.id, at=now, kind="item", ref=row.key[:200],
                          text=f"{row.kind} {row.key[:150]} marked TLP:{(tlp or case.tlp).upper()}"))
    session.flush()
    return row, old, case.tlp
