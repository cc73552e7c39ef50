"""A case as the console shows it, to its members and supervisors only (access.require_case)."""

from __future__ import annotations

from typing import Any

from leaktrace.pipeline.case_items import CaseSummary, case_ref, case_summary
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, require_case

CASE_ACTION = "case.view"


def case_view(ctx: Context, principal: Principal, ref: str) -> CaseSummary:
    with ctx.session() as s:
        canonical = case_ref(s, ref)
    require_case(ctx, principal, canonical, CASE_ACTION)
    with ctx.session() as s:
        return case_summary(s, canonical)


def case_dict(view: CaseSummary) -> dict[str, Any]:
    return dict(view.__dict__)
