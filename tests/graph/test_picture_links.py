"""Accounts posting the same sample picture (reposted, cropped, re-compressed) are linked: a lead to confirm."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from sqlalchemy.pool import StaticPool

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.graph.build import build_graph
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.fonts import find_cjk_font
from leaktrace.simulate.social import generate_social
from leaktrace.store import make_engine, session_factory, upgrade

SHIPPED = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))


def test_reposted_pictures_link_their_accounts_and_nothing_else() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        truth = generate_social(out, seed=4, scale=1000, sample_rows=[], victim_org="某某电商",
                                claimed_records=900_000_000, listings_per_market=60, pictures=9,
                                font=find_cjk_font([]) or SHIPPED)
        engine = make_engine(url="sqlite://", poolclass=StaticPool)
        upgrade(engine)
        hasher = KeyedHasher(Keyring.generate())
        sessions = session_factory(engine)
        with sessions.begin() as s:
            load_world(s, out / "social", hasher)
        with sessions() as s:
            g = build_graph(s, hasher)
        engine.dispose()
    pics = truth["pictures"]["pictures"]
    seller = {n: p["seller"] for n, p in pics.items()}
    want = {tuple(sorted((seller[n], seller[p["repost_of"]]))) for n, p in pics.items() if p["repost_of"]}
    assert want
    got = {(lk.a, lk.b): lk for lk in g.links if any(r.kind == "picture" for r in lk.reasons)}
    assert set(got) == want
    for lk in got.values():
        reason = next(r for r in lk.reasons if r.kind == "picture")
        assert reason.confidence == 0.5 and len(reason.evidence) == 2
        assert lk.basis in {"inferred", "strong"}  # a lead unless a personal identifier also backs it
