"""The graph built from PostgreSQL equals the graph built from SQLite, world for world.

The store supports both backends by setting; the graph reads it with bulk
SELECTs (JSON facts, timestamps, outer joins, imported wallet transfers,
people's verdicts) whose results must not depend on the backend. The PostgreSQL case skips on a user's machine without a
server and fails under CI=true (see tests/graph/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from simworld import world_store

from leaktrace.core.graph_types import GraphResult
from leaktrace.graph.build import build_graph
from leaktrace.graph.feedback import record_verdict
from leaktrace.graph.money import import_transfers
from leaktrace.pipeline.worldload import load_world
from leaktrace.store import session_factory, upgrade


def _comparable(data: GraphResult) -> dict[str, Any]:
    return data.model_dump(mode="json", exclude={"timings"})


@pytest.mark.postgres
def test_graph_on_postgresql_equals_sqlite(pg_schema_engine: Callable[..., Any]) -> None:
    with world_store(3) as w:
        with w.sessions() as s:
            strong = next(lk for lk in build_graph(s, w.hasher).links if lk.basis == "strong")
        engine = pg_schema_engine()
        upgrade(engine)
        pg = session_factory(engine)
        with pg.begin() as s:
            load_world(s, w.social, w.hasher, fast=True)
        for sessions in (w.sessions, pg):  # transfers, and a verdict against evidence, on both
            with sessions.begin() as s:
                assert import_transfers(s, w.social / "wallet_transactions.csv")[0] > 0
                record_verdict(s, strong.a, strong.b, "reject", note="informant says different people")
        with w.sessions() as s:
            lite = build_graph(s, w.hasher)
        with pg() as s:
            post = build_graph(s, w.hasher)
    assert post.counts.accounts > 20 and post.counts.strong_links > 0 and post.groups
    assert any("rejected" in c for c in post.conflicts)
    assert any(wl.received > 0 for a in post.actors for wl in a.wallets)
    assert _comparable(post) == _comparable(lite)
