"""The case pages' queries on PostgreSQL (per-day timeline counts, filters, sign-off), as on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.case_items import add_note, get_case
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, Role, local_operator
from leaktrace.service.accounts import create_user
from leaktrace.service.case_work import (
    CaseFilter,
    case_page,
    create_case,
    list_cases,
    set_status,
    sign_off,
)
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import CaseEvent

pytestmark = pytest.mark.postgres


def test_case_pages_on_postgresql(tmp_path: Path, pg_new_schema_url: Callable[[], str]) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        shell = local_operator("tests")
        views = {name: create_user(ctx, name, role, actor=shell)[0]
                 for name, role in (("sup-a", "supervisor"), ("sup-b", "supervisor"))}
        a, b = (Principal(views[n].id, n, Role.SUPERVISOR, None, None, "tests") for n in ("sup-a", "sup-b"))
        ref = create_case(ctx, a, "pg case", tlp="red")
        late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 23:30 UTC is the next day in +08:00: counted on 03-01
        with ctx.session() as s:
            case = get_case(s, ref)
            s.add_all([CaseEvent(case_id=case.id, at=late + timedelta(minutes=k), kind="event", text=f"e{k}")
                       for k in range(3)])
            add_note(s, case, "pg note", author="sup-a")
            s.commit()
        set_status(ctx, a, ref, "in_review")
        page = case_page(ctx, a, ref)
        days = {d["day"]: d["kinds"] for d in page.per_day}
        assert days["2026-03-01"] == {"event": 3} and page.events == sum(d["total"] for d in page.per_day)
        assert [c.ref for c in list_cases(ctx, a, CaseFilter.parse("in_review", None, "red"))] == [ref]
        assert list_cases(ctx, a, CaseFilter.parse("closed", None, None)) == []
        with pytest.raises(PermissionDenied):
            sign_off(ctx, a, ref)
        sign_off(ctx, b, ref)
        assert case_page(ctx, a, ref).signed_off_by == "sup-b"
    finally:
        ctx.close()
