"""What a registered organisation's partner account sees: its own attribution results, exposure notices, alerts.

A partner sees only items naming its organisation (`org_id`) and marked no
stricter than `access.may_see_tlp` lets a partner see (never TLP:RED).
Another organisation's result answers exactly as a missing one does
("no such attribution result"), so guessing numbers tells a partner nothing.
Nothing here carries a capture, sample row, bundle, hash set or a dump's
SHA-256: a partner downloads none of them (`access.require_download`).
Staff may open the same view for any organisation (`org`), to see what the
partner sees.

The page is a list of sections, each filled by one provider
(`SECTIONS`); alerts have a section whose provider returns none until the
alert stage stores them, so adding alerts is adding a provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, allowed, may_see_tlp, require_org
from leaktrace.service.tlp import item_tlp
from leaktrace.store.models import Case, CaseItem

VIEW_ACTION = "attribution.view"
MAX_EVIDENCE = 20


@dataclass(frozen=True)
class AttributionResult:
    """One attribution of a dump to the organisation, without the case it sits in."""

    id: int
    dump_id: str | None
    org_id: str
    org_name: str
    confidence: float
    method: str
    evidence: list[str]
    tlp: str
    added_at: str


@dataclass(frozen=True)
class ExposureNotice:
    """A dump holding the organisation's customers, in counts only (never a row, never the file's hash)."""

    dump_id: str
    attribution_id: int
    confidence: float
    rows: int | None
    distinct_persons: int | None
    claimed_records: int | None
    recycled_persons: int | None
    new_persons: int | None
    by_province: dict[str, int]
    tlp: str


@dataclass(frozen=True)
class PartnerView:
    org_id: str
    sections: dict[str, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"org_id": self.org_id,
                "sections": {k: [dict(v.__dict__) for v in rows] for k, rows in self.sections.items()}}


def _org(principal: Principal, org: str | None) -> str:
    """The organisation asked about: a partner's own, whatever it asks; staff name one."""
    chosen = principal.org_id if principal.is_partner else (org or "").strip() or None
    if not chosen:
        raise InputError("field 'org': name the organisation whose results to show")
    require_org(principal, chosen, VIEW_ACTION)
    return chosen


def _visible(principal: Principal, tlp: str, org_id: str) -> bool:
    # A partner is never a case member; staff opening this view see what the partner would.
    return may_see_tlp(principal, tlp, member=False, org_id=org_id)


def _result(row: CaseItem, case_tlp: str, org_id: str) -> AttributionResult:
    p = row.payload or {}
    return AttributionResult(
        id=row.id, dump_id=p.get("dump_id"), org_id=org_id, org_name=display_text(str(p.get("org_name") or ""), 300),
        confidence=float(p.get("confidence") or 0.0), method=display_text(str(p.get("method") or ""), 200),
        evidence=[display_text(str(e), 2000) for e in (p.get("evidence") or [])[:MAX_EVIDENCE]],
        tlp=item_tlp(p, case_tlp), added_at=row.added_at.isoformat())


def _attribution_rows(ctx: Context, org_id: str) -> list[tuple[CaseItem, str]]:
    """(attribution item, its case's TLP) of the organisation, newest first (org filtered in Python: the
    payload is JSON, queried alike on SQLite and PostgreSQL)."""
    with ctx.session() as s:
        rows = s.execute(select(CaseItem, Case.tlp).join(Case, Case.id == CaseItem.case_id)
                         .where(CaseItem.kind == "attribution").order_by(CaseItem.added_at.desc(), CaseItem.id.desc())
                         ).all()
    return [(item, tlp) for item, tlp in rows if (item.payload or {}).get("org_id") == org_id]


def attributions(ctx: Context, principal: Principal, org_id: str) -> list[AttributionResult]:
    out = [_result(item, tlp, org_id) for item, tlp in _attribution_rows(ctx, org_id)]
    return [r for r in out if _visible(principal, r.tlp, org_id)]


def notices(ctx: Context, principal: Principal, org_id: str) -> list[ExposureNotice]:
    """One notice per dump attributed to the organisation: the dump summary of the same case, counts only."""
    found: list[ExposureNotice] = []
    seen: set[str] = set()
    with ctx.session() as s:
        for item, case_tlp in _attribution_rows(ctx, org_id):
            p = item.payload or {}
            dump = p.get("dump_id")
            if not dump or dump in seen or not _visible(principal, item_tlp(p, case_tlp), org_id):
                continue
            d = s.scalar(select(CaseItem).where(CaseItem.case_id == item.case_id, CaseItem.kind == "dump",
                                                CaseItem.key == dump))
            if d is None:
                continue
            dp = d.payload or {}
            tlp = item_tlp(dp, case_tlp)
            if not _visible(principal, tlp, org_id):
                continue
            seen.add(dump)
            found.append(ExposureNotice(
                dump_id=str(dump), attribution_id=item.id, confidence=float(p.get("confidence") or 0.0),
                rows=dp.get("rows"), distinct_persons=dp.get("distinct_victims"),
                claimed_records=dp.get("claimed_records"), recycled_persons=dp.get("recycled_ids"),
                new_persons=dp.get("new_ids"),
                by_province={str(k): int(v) for k, v in (dp.get("by_province") or {}).items()}, tlp=tlp))
    return found


def alerts(ctx: Context, principal: Principal, org_id: str) -> list[Any]:
    """Alerts for the organisation: none are stored yet (the alert stage will fill this section)."""
    return []


# section -> (the action that shows it, the function that fills it)
SECTIONS: dict[str, tuple[str, Callable[[Context, Principal, str], list[Any]]]] = {
    "attributions": (VIEW_ACTION, attributions),
    "notices": ("notice.view", notices),
    "alerts": ("alert.view", alerts),
}


def partner_view(ctx: Context, principal: Principal, org: str | None = None) -> PartnerView:
    """The sections the principal's role and token scopes allow, for the organisation (a partner's own;
    staff name `org`)."""
    org_id = _org(principal, org)
    return PartnerView(org_id, {name: fill(ctx, principal, org_id) for name, (action, fill) in SECTIONS.items()
                                if allowed(principal, action)})


def attribution_result(ctx: Context, principal: Principal, item_id: int, org: str | None = None) -> AttributionResult:
    """One attribution result; another organisation's, or one marked beyond the viewer, reads as missing."""
    org_id = _org(principal, org) if principal.is_partner or org else None
    with ctx.session() as s:
        row = s.execute(select(CaseItem, Case.tlp).join(Case, Case.id == CaseItem.case_id)
                        .where(CaseItem.id == item_id, CaseItem.kind == "attribution")).first()
    owner = None if row is None else (row[0].payload or {}).get("org_id")
    if row is None or not owner or (org_id is not None and owner != org_id):
        raise InputError(f"attribution result {item_id}: no such attribution result")
    require_org(principal, owner, VIEW_ACTION)
    result = _result(row[0], row[1], owner)
    if not _visible(principal, result.tlp, owner):
        raise InputError(f"attribution result {item_id}: no such attribution result")
    return result
