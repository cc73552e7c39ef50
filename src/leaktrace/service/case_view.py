"""A case as the console shows it, to its members and supervisors only (access.can_view_case)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, can_view_case
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.text_view import display_text

CASE_ACTION = "case.view"


@dataclass(frozen=True)
class CaseView:
    ref: str
    title: str
    tlp: str
    status: str
    items: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def case_view(ctx: Context, principal: Principal, ref: str) -> CaseView:
    from leaktrace.cases.case_records import get_case
    from leaktrace.store.models import CaseItem

    with ctx.session() as s:
        case = get_case(s, ref)
        if not can_view_case(ctx, principal, case.ref):
            raise PermissionDenied(CASE_ACTION, ("supervisor",),
                                   why=f"case {case.ref}: open to its members and supervisors only")
        items = [{"kind": i.kind, "key": display_text(i.key, 200),
                  "title": display_text(str(i.payload.get("title") or i.payload.get("name") or ""), 300),
                  "added_by": i.added_by, "added_at": i.added_at.isoformat()}
                 for i in s.query(CaseItem).filter(CaseItem.case_id == case.id).order_by(CaseItem.id).limit(500)]
        return CaseView(case.ref, display_text(case.title, 500), case.tlp, case.status, items)
