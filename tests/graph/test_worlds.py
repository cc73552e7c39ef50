"""On generated worlds with a known gang: aliases, the group, the supplier; both loaders agree."""

from __future__ import annotations

import pytest
from simworld import correlation_baseline, score, world_store
from sqlalchemy import select

from leaktrace.graph.build import BuildConfig, build_graph
from leaktrace.store.models import Capture, Identifier, IntelResult, Post, PostIdentifier


@pytest.mark.parametrize("seed", [3, 11])
def test_world_aliases_group_and_supplier(seed: int) -> None:
    with world_store(seed) as w, w.sessions() as s:
        g = build_graph(s, w.hasher)
        gi = build_graph(s, w.hasher, BuildConfig(merge_inferred=0.5))
    sc = score(g, w.truth)
    tp, fp, fn = sc["actors"]
    assert fp == 0 and tp / (tp + fn) >= 0.75  # strong identifiers alone
    tpi, fpi, _fni = score(gi, w.truth)["actors"]
    assert fpi <= 0.02 * (tpi + fpi) and tpi >= tp  # inferred leads add recall, not errors
    assert sc["ari"] >= 0.9
    assert sc["supplier"]
    _ptp, pfp, _ = correlation_baseline(g, w.truth)
    assert pfp > 10 * max(1, fp)  # "any shared identifier" merges the gang's members into one person
    gang = g.groups[0]
    assert sorted(set(gang.roles.values())) == ["agent", "supplier", "wholesaler"]
    assert gang.shared_samples >= 3 and gang.provinces
    for link in g.links:
        if link.basis == "strong":
            assert link.evidence and all(len(e) == 64 for e in link.evidence)


def _dump(s) -> dict[str, object]:  # type: ignore[no-untyped-def]
    idents = {i.id: (i.type, i.value_hash, i.value_masked, i.value_norm) for i in s.scalars(select(Identifier))}
    posts = {p.id: (p.site, p.url, p.author_handle, p.title, p.body, p.posted_at, p.price_amount, p.price_currency,
                    p.volume_records) for p in s.scalars(select(Post))}
    caps = {c.id: (c.url, c.sha256) for c in s.scalars(select(Capture))}
    return {
        "idents": sorted(idents.values(), key=str),
        "posts": sorted(posts.values(), key=str),
        "captures": sorted(caps.values()),
        "links": sorted((posts[x.post_id][1], idents[x.identifier_id][:2], x.role)
                        for x in s.scalars(select(PostIdentifier))),
        "intel": sorted((posts[r.post_id][1], r.trafficking, r.score, str(r.facts))
                        for r in s.scalars(select(IntelResult))),
    }


def test_fast_loader_writes_what_the_repositories_write(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leaktrace.pipeline.worldload import load_world
    from leaktrace.store import make_engine, session_factory, upgrade

    with world_store(5) as w:
        dumps = []
        for fast in (True, False):
            engine = make_engine(url=f"sqlite:///{tmp_path}/{fast}.sqlite")
            upgrade(engine)
            with session_factory(engine).begin() as s:
                load_world(s, w.social, w.hasher, fast=fast, limit=60)
            with session_factory(engine)() as s:
                dumps.append(_dump(s))
            engine.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["posts"]) == 60 and dumps[0]["links"]
