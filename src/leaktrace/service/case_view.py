"""A case as the console shows it, to its members and supervisors only (access.require_case)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from leaktrace.pipeline.case_items import CaseSummary, case_ref, case_summary
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, require_case
from leaktrace.service.tlp import mark_items
from leaktrace.store.models import Case

CASE_ACTION = "case.view"


def case_view(ctx: Context, principal: Principal, ref: str) -> CaseSummary:
    """The case with the items the principal may see under their TLP marking, each with its badge."""
    with ctx.session() as s:
        canonical = case_ref(s, ref)
    require_case(ctx, principal, canonical, CASE_ACTION)
    with ctx.session() as s:
        view = case_summary(s, canonical)
        case_id = s.scalar(select(Case.id).where(Case.ref == canonical))
    return replace(view, items=mark_items(ctx, principal, int(case_id or 0), view.tlp, view.items))


def case_dict(view: CaseSummary) -> dict[str, Any]:
    return dict(view.__dict__)
