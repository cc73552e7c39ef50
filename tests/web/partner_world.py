"""Attribution results and dump summaries of two organisations in one case (LT-ATTR), made once per world.

Shared by the partner tests over pages/API and in the browser; idempotent,
so either module may run first or alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from leaktrace.pipeline.context import Context

DUMP_A, DUMP_B, DUMP_A2 = "dump-aaaaaaaaaaaaaaaa", "dump-bbbbbbbbbbbbbbbb", "dump-cccccccccccccccc"
REF = "LT-ATTR"


def ensure_attributions(ctx: Context) -> dict[str, int]:
    """Item number by key: att-a, att-a-green (org-a), att-a-red (org-a, TLP:RED), att-b (org-b), and dumps."""
    from leaktrace.cases.case_records import add_item, create_case
    from leaktrace.store.models import Case, CaseItem

    with ctx.session() as s:
        case = s.scalar(select(Case).where(Case.ref == REF))
        if case is None:
            case = create_case(s, "attribution of seized dumps", ref=REF, created_by="tests", tlp="amber")
            for dump, n in ((DUMP_A, 1200), (DUMP_B, 3400), (DUMP_A2, 99)):
                add_item(s, case, "dump", {"id": dump, "rows": n * 2, "distinct_victims": n,
                                           "claimed_records": n * 10, "by_province": {"11": n // 2, "44": n - n // 2}})
            for key, dump, org, tlp in (("att-a", DUMP_A, "org-a", None), ("att-b", DUMP_B, "org-b", None),
                                        ("att-a-red", DUMP_A2, "org-a", "red"),
                                        ("att-a-green", DUMP_A, "org-a", "green")):
                doc: dict[str, Any] = {"id": key, "dump_id": dump, "org_name": f"Org {org[-1].upper()} Ltd",
                                       "org_id": org, "confidence": 0.93, "method": "canaries",
                                       "evidence": [f"{key}: 3 canary hits"]}
                if tlp:
                    doc["tlp"] = tlp
                add_item(s, case, "attribution", doc)
            s.commit()
        return {k: i for k, i in s.execute(select(CaseItem.key, CaseItem.id).where(CaseItem.case_id == case.id))}
