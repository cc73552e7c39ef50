"""Cases in the database: create, add items, notes and events, and read a case back as content.

Every write goes through the pydantic types in `model`, so what the tables
hold has already passed the minimisation checks. Reading assembles a
:class:`CaseContent`, the one input of reports and exports.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaktrace.cases.model import (
    ITEM_KINDS,
    CaseContent,
    CaseInfo,
    Note,
    TimelineEvent,
    item_key,
    parse_item,
)
from leaktrace.core.errors import InputError
from leaktrace.store.models import Case, CaseEvent, CaseItem, CaseNote
from leaktrace.store.repo._common import check_aware
from leaktrace.store.repo.case_terms import set_item_terms

# \Z, not $: `$` also matches before a trailing newline, and "C7\n" was stored and never found again.
_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
TLP_LEVELS = ("clear", "green", "amber", "amber+strict", "red")


def _now() -> datetime:
    return datetime.now(UTC)


def create_case(
    session: Session,
    title: str,
    *,
    ref: str | None = None,
    tlp: str = "amber",
    description: str | None = None,
    created_by: str = "",
) -> Case:
    """A new open case; `ref` defaults to LT-<year>-<number>."""
    title = title.strip()
    if not title or len(title) > 500:
        raise InputError("field 'title': must be 1..500 characters")
    if tlp not in TLP_LEVELS:
        raise InputError(f"field 'tlp': {tlp!r} is not one of {', '.join(TLP_LEVELS)}")
    if ref is not None and not _REF_RE.fullmatch(ref):
        raise InputError(f"field 'ref': {ref!r} must be 1..64 letters, digits, '.', '_' or '-'")
    if ref is not None and session.scalar(select(Case.id).where(Case.ref == ref)) is not None:
        raise InputError(f"case {ref!r} already exists")
    now = _now()
    case = Case(ref=ref or f"tmp-{now.timestamp()}", title=title, tlp=tlp, description=description,
                created_by=created_by, created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    if ref is None:
        case.ref = f"LT-{now.year}-{case.id:04d}"
    session.add(CaseEvent(case_id=case.id, at=now, kind="case", text=f"case opened: {title}", ref=case.ref))
    session.flush()
    return case


def get_case(session: Session, ref: str) -> Case:
    """A case by its ref (or its number); InputError naming it when there is none."""
    case = session.scalar(select(Case).where(Case.ref == ref))
    if case is None and ref.isdigit():
        case = session.get(Case, int(ref))
    if case is None:
        raise InputError(f"case {ref!r}: no such case (see 'leaktrace case show')")
    return case


def list_cases(session: Session) -> list[tuple[Case, int]]:
    counts = (
        select(CaseItem.case_id, func.count().label("n")).group_by(CaseItem.case_id).subquery()
    )
    rows = session.execute(
        select(Case, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.case_id == Case.id).order_by(Case.id)
    )
    return [(c, int(n)) for c, n in rows]


def add_item(session: Session, case: Case, kind: str, doc: Any, *, added_by: str = "", label: str = "item") -> tuple[str, bool]:
    """Validate and store one item; returns (key, replaced). Re-adding a key replaces its payload."""
    if kind not in ITEM_KINDS:
        raise InputError(f"{label}: kind {kind!r} is not one of {', '.join(ITEM_KINDS)}")
    try:
        item = parse_item(kind, doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or kind
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise InputError(f"{label}: field {where!r}: {msg}") from exc
    key = item_key(kind, item)[:200]
    payload = item.model_dump(mode="json")
    row = session.scalar(
        select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.kind == kind, CaseItem.key == key)
    )
    now = _now()
    replaced = row is not None
    if row is None:
        row = CaseItem(case_id=case.id, kind=kind, key=key, payload=payload, added_by=added_by, added_at=now)
        session.add(row)
        session.flush()
    else:
        row.payload = payload
        row.added_by = added_by
        row.added_at = now
    set_item_terms(session, row.id, payload)  # what the identifier pivot looks the item up by
    case.updated_at = now
    verb = "updated" if replaced else "added"
    session.add(CaseEvent(case_id=case.id, at=now, kind="item", text=f"{kind} {key} {verb}", ref=key))
    session.flush()
    return key, replaced


def add_note(session: Session, case: Case, text: str, *, author: str) -> CaseNote:
    text = text.strip()
    if not text:
        raise InputError("note: empty text")
    note = Note(at=_now(), author=author or "unknown", text=text)  # validates length
    row = CaseNote(case_id=case.id, author=note.author, text=note.text, created_at=note.at)
    session.add(row)
    case.updated_at = note.at
    session.flush()
    return row


def add_event(session: Session, case: Case, at: datetime, text: str, *, kind: str = "event", ref: str | None = None) -> CaseEvent:
    """An investigator's timeline entry (a dated fact: 'seller contacted', 'dump seized')."""
    check_aware(at, "at")
    ev = TimelineEvent(at=at, kind=kind, text=text, ref=ref)
    row = CaseEvent(case_id=case.id, at=ev.at, kind=ev.kind, text=ev.text, ref=ev.ref)
    session.add(row)
    session.flush()
    return row


def load_content(session: Session, case: Case) -> CaseContent:
    """The case as one typed document: items by kind, notes, and the timeline in time order."""
    info = CaseInfo(ref=case.ref, title=case.title, tlp=case.tlp, status=case.status,  # type: ignore[arg-type]
                    description=case.description, created_at=case.created_at, updated_at=case.updated_at,
                    signed_off_by=case.signed_off_by, signed_off_at=case.signed_off_at)
    by_kind: dict[str, list[BaseModel]] = {k: [] for k in ITEM_KINDS}
    for row in session.scalars(select(CaseItem).where(CaseItem.case_id == case.id).order_by(CaseItem.id)):
        by_kind[row.kind].append(parse_item(row.kind, row.payload))
    notes = [Note(at=n.created_at, author=n.author, text=n.text)
             for n in session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))]
    events = [TimelineEvent(at=e.at, kind=e.kind, text=e.text, ref=e.ref)
              for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.at, CaseEvent.id))]
    return CaseContent(
        info=info,
        listings=by_kind["listing"],  # type: ignore[arg-type]
        actors=by_kind["actor"],  # type: ignore[arg-type]
        groups=by_kind["group"],  # type: ignore[arg-type]
        dumps=by_kind["dump"],  # type: ignore[arg-type]
        attributions=by_kind["attribution"],  # type: ignore[arg-type]
        captures=by_kind["capture"],  # type: ignore[arg-type]
        wallets=by_kind["wallet"],  # type: ignore[arg-type]
        timeline=events,
        notes=notes,
    )
