"""The case page a page at a time: items and timeline entries paged newest first, counts of all, the per-day
counts kept until the timeline changes; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from leaktrace.core.errors import InputError
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.case_items import get_case
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, Role, local_operator
from leaktrace.service.accounts import create_user
from leaktrace.service.case_work import (
    MAX_EVENTS_SHOWN,
    MAX_ITEMS_SHOWN,
    MAX_LISTED,
    CaseFilter,
    case_page,
    create_case,
    list_cases,
)
from leaktrace.store.models import CaseEvent, CaseItem

N_ITEMS, N_EVENTS = 2 * MAX_ITEMS_SHOWN + 50, 2 * MAX_EVENTS_SHOWN + 50
T0 = datetime(2026, 1, 1, 8, tzinfo=UTC)


def _check(ctx: Context) -> None:
    view, _ = create_user(ctx, "sup", "supervisor", actor=local_operator("tests"))
    sup = Principal(view.id, "sup", Role.SUPERVISOR, None, None, "tests")
    ref = create_case(ctx, sup, "paged case")
    with ctx.session() as s:
        cid = get_case(s, ref).id
        s.execute(insert(CaseItem), [{"case_id": cid, "kind": "listing" if k % 5 else "capture", "key": f"k{k}",
                                      "payload": {"title": f"item {k}"}, "added_by": "t", "added_at": T0}
                                     for k in range(N_ITEMS)])
        s.execute(insert(CaseEvent), [{"case_id": cid, "at": T0 + timedelta(hours=k), "kind": "item",
                                       "text": f"event {k}", "ref": f"k{k}"} for k in range(N_EVENTS)])
        s.commit()

    first = case_page(ctx, sup, ref)
    assert sum(first.item_counts.values()) == N_ITEMS and first.item_counts["capture"] == N_ITEMS // 5
    assert [i["key"] for i in first.items][:2] == [f"k{N_ITEMS - 1}", f"k{N_ITEMS - 2}"]
    assert len(first.items) == MAX_ITEMS_SHOWN and first.items_more
    last = case_page(ctx, sup, ref, items_page=2, events_page="2")
    assert [i["key"] for i in last.items] == [f"k{k}" for k in range(49, -1, -1)] and not last.items_more
    # plus the case's own "opened" entry (now, the newest): the third page holds the 51 oldest, oldest first
    assert first.events == N_EVENTS + 1 and len(first.timeline) == MAX_EVENTS_SHOWN and first.events_more
    assert first.timeline[-1]["kind"] == "case" and first.timeline[-2]["text"] == f"event {N_EVENTS - 1}"
    assert [e["text"] for e in last.timeline] == [f"event {k}" for k in range(51)] and not last.events_more
    assert sum(d["total"] for d in first.per_day) == N_EVENTS + 1

    with ctx.session() as s:  # the per-day counts follow a new entry
        s.add(CaseEvent(case_id=cid, at=T0 - timedelta(days=3), kind="note", text="early"))
        s.commit()
    again = case_page(ctx, sup, ref)
    assert again.events == N_EVENTS + 2 and again.per_day[0]["kinds"] == {"note": 1}
    for bad in ("x", "-1", "10001"):
        with pytest.raises(InputError, match="items_page"):
            case_page(ctx, sup, ref, items_page=bad)

    more = [create_case(ctx, sup, f"listed {k}", tlp="red" if k % 2 else "green") for k in range(MAX_LISTED + 5)]
    first_page, second = list_cases(ctx, sup), list_cases(ctx, sup, page=1)
    assert [c.ref for c in first_page] == more[::-1][:MAX_LISTED]  # newest change first
    assert [c.ref for c in second] == [*more[::-1][MAX_LISTED:], ref] and second[-1].items == N_ITEMS
    reds = list_cases(ctx, sup, CaseFilter.parse(None, None, "red"))
    assert [c.ref for c in reds] == [r for k, r in enumerate(more) if k % 2][::-1]
    with pytest.raises(InputError, match="page"):
        list_cases(ctx, sup, page="next")


def test_case_page_pages_on_sqlite(tmp_path: Path) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data"), keyring=Keyring.generate())
    try:
        _check(ctx)
    finally:
        ctx.close()


@pytest.mark.postgres
def test_case_page_pages_on_postgresql(tmp_path: Path, pg_new_schema_url: Callable[[], str]) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        _check(ctx)
    finally:
        ctx.close()
