"""After the fast world loader wrote its own ids on PostgreSQL, ordinary inserts still get free ids.

The loader inserts captures, posts, intel and identifiers with explicit
primary keys; PostgreSQL's sequences do not follow by themselves, and the
next capture a crawler recorded used to collide with the loader's first one.
The case skips without a server on a user's machine and fails under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social
from leaktrace.store import session_factory, upgrade
from leaktrace.store.repo import (
    PostSighting,
    add_source,
    attach_identifier,
    record_capture,
    record_intel,
    upsert_post,
)


@pytest.mark.postgres
def test_ordinary_inserts_after_fast_load_on_postgresql(pg_schema_engine: Callable[[], Any], tmp_path: Path) -> None:
    generate_social(tmp_path, seed=5, scale=1000, sample_rows=[], victim_org="某某电商",
                    claimed_records=900_000_000, listings_per_market=4)
    hasher = KeyedHasher(Keyring.generate())
    engine = pg_schema_engine()
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions.begin() as s:
        assert load_world(s, tmp_path / "social", hasher, fast=True, limit=10) == 10
    now = datetime(2026, 1, 2, tzinfo=UTC)
    with sessions.begin() as s:  # what a crawler and the intel stage write next, each without an id of its own
        src = add_source(s, "later-market", "market", legal_basis="test", owner="tests").id
        cap = record_capture(s, "ab" * 32, "http://later.onion/p/1", now, 200, src)
        post = upsert_post(s, PostSighting(site="later-market", url="http://later.onion/p/1", author_handle="x",
                                           title="t", body="b"), seen_at=now, source_id=src, capture_id=cap.id)
        record_intel(s, post.post_id, "later-1", trafficking=False, score=0.1, facts={})
        attach_identifier(s, post.post_id, "email", "new-seller@example.org", hasher, role="contact",
                          person="suspect")
    assert cap.id > 10 and post.post_id > 10
