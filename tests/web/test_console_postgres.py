"""The feed, search index and identifier lookup on PostgreSQL (the same queries as on SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.intel_stage import analyse_stored
from leaktrace.pipeline.worldload import load_world
from leaktrace.service.access import Principal, Role
from leaktrace.service.feed import feed
from leaktrace.service.search import search
from leaktrace.service.triage import dismiss
from leaktrace.simulate.social import generate_social
from leaktrace.store.models import Post
from leaktrace.store.repo.post_queries import PostFilter

pytestmark = pytest.mark.postgres


def test_feed_and_search_on_postgresql(tmp_path: Path, pg_new_schema_url: Callable[[], str]) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        generate_social(tmp_path / "w", seed=5, scale=100, sample_rows=[], victim_org="某某电商",
                        claimed_records=1000, listings_per_market=6)
        with ctx.session() as s:
            load_world(s, tmp_path / "w" / "social", ctx.hasher)
            s.commit()
        analyse_stored(ctx)
        p = Principal(1, "pg-analyst", Role.ANALYST, None, None, "tests")
        page = feed(ctx, p, PostFilter(sort="score"), limit=20)
        assert [r.score for r in page.rows] == sorted((r.score for r in page.rows), reverse=True)
        hits = search(ctx, p, "开房").rows
        with ctx.session() as s:
            texts = {i: f"{t}{b}" for i, t, b in s.execute(select(Post.id, Post.title, Post.body))}
        assert hits and all("开房" in texts[r.post_id] for r in hits)
        assert len(hits) == sum("开房" in t for t in texts.values())
        dismiss(ctx, p, hits[0].post_id, "postgres check")
        assert feed(ctx, p, PostFilter(), limit=1).counts["dismissed"] == 1
        assert hits[0].post_id in [r.post_id for r in feed(ctx, p, PostFilter(triage="dismissed")).rows]
        assert hits[0].post_id not in [r.post_id for r in feed(ctx, p, PostFilter(triage="new"), limit=500).rows]
    finally:
        ctx.close()
