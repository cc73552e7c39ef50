"""TLP marks, partner views and an upload on PostgreSQL (the same service functions as on SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from partner_world import DUMP_A, ensure_attributions
from sqlalchemy import func, select
from test_console_uploads import SOURCE, simulated_warc

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.case_items import add_post_to_case
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.intel_stage import analyse_stored
from leaktrace.pipeline.worldload import load_world
from leaktrace.service.access import Principal, Role
from leaktrace.service.feed import feed, model_version
from leaktrace.service.partner_view import partner_view
from leaktrace.service.tlp import set_item_tlp
from leaktrace.service.uploads import UploadOptions, upload
from leaktrace.simulate.social import generate_social
from leaktrace.store.models import Post
from leaktrace.store.repo.post_queries import PostFilter

pytestmark = pytest.mark.postgres


def test_tlp_partner_view_and_upload_on_postgresql(tmp_path: Path, pg_new_schema_url: Callable[[], str]) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        generate_social(tmp_path / "world", seed=5, scale=100, sample_rows=[], victim_org="某某电商",
                        claimed_records=1000, listings_per_market=4)
        with ctx.session() as s:
            load_world(s, tmp_path / "world" / "social", ctx.hasher)
            s.commit()
        analyse_stored(ctx)
        boss = Principal(1, "pg-super", Role.SUPERVISOR, None, None, "tests")
        analyst = Principal(2, "pg-analyst", Role.ANALYST, None, None, "tests")
        pid = feed(ctx, boss, PostFilter(sort="score"), limit=1).rows[0].post_id
        from leaktrace.cases.case_records import create_case

        with ctx.session() as s:
            create_case(s, "pg case", ref="LT-PG", created_by="tests")
            add_post_to_case(s, model_version(ctx), pid, "LT-PG", added_by="tests")
            s.commit()
        only = PostFilter(post_ids=(pid,))
        assert [r.tlp for r in feed(ctx, analyst, only).rows] == ["amber"]
        set_item_tlp(ctx, boss, "LT-PG", f"listing:post-{pid}", "red")
        assert feed(ctx, analyst, only).rows == [] and [r.tlp for r in feed(ctx, boss, only).rows] == ["red"]

        ids = ensure_attributions(ctx)
        view = partner_view(ctx, Principal(3, "pg-partner", Role.PARTNER, "org-a", None, "tests"))
        assert {r.id for r in view.sections["attributions"]} == {ids["att-a"], ids["att-a-green"]}
        assert [n.dump_id for n in view.sections["notices"]] == [DUMP_A]

    finally:
        ctx.close()
    # (load_world writes rows with their ids: the upload's own store is a fresh schema)
    ctx = Context(Settings(data_dir=tmp_path / "data2", database_url=pg_new_schema_url()), keyring=Keyring.generate())
    try:
        data = simulated_warc(tmp_path, "PGWARC", n=2)
        res = upload(ctx, boss, "warc", "pg.warc.gz", iter([data]), UploadOptions(**SOURCE))
        with ctx.session() as s:
            assert s.scalar(select(func.count()).select_from(Post).where(Post.title.contains("PGWARC"))) == 2
        assert ctx.evidence.has(res.sha256)
    finally:
        ctx.close()
