"""Actor pages and link review on PostgreSQL: the verdict and its audit entry in one transaction, then the build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from console_world import fill_world
from graph_fixtures import first_pending, graph_ready

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, Role
from leaktrace.service.actor_view import actor_view
from leaktrace.service.audit import query
from leaktrace.service.group_view import group_view
from leaktrace.service.link_review import decide

pytestmark = pytest.mark.postgres


def test_actor_group_and_a_decision_on_postgresql(tmp_path: Path, pg_new_schema_url: Callable[[], str]) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        fill_world(ctx, tmp_path / "world", listings_per_market=8)
        result = graph_ready(ctx)
        analyst = Principal(1, "pg-analyst", Role.ANALYST, None, None, "tests")
        boss = Principal(2, "pg-super", Role.SUPERVISOR, None, None, "tests")
        lead = first_pending(result)
        aid = next(a.actor for a in result.accounts if a.key == lead.a)
        v = actor_view(ctx, analyst, aid)
        assert v.timeline and lead.id in {p.id for p in v.pending}
        assert group_view(ctx, analyst, result.groups[0].id).flows
        decide(ctx, boss, lead.id, None, "confirm", "postgres check")
        assert any(e.target == f"link:{lead.id}" for e in query(ctx, action="link.confirm", limit=5))
        assert next(lk for lk in graph_access.rebuild(ctx).links if lk.id == lead.id).basis == "confirmed"
    finally:
        ctx.close()
