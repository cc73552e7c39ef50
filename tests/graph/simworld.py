"""Generated worlds in a store, and scoring a built graph against the world's truth.

Shared by tests/graph and benchmarks/bench_graph.py: generate the social
world, fill a fresh store with it (graph.worldload, the crawler's stand-in),
build, and compare with truth.json's "social" section.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from leaktrace.core.graph_types import GraphResult
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social
from leaktrace.store import make_engine, session_factory, upgrade


@dataclass
class World:
    seed: int
    truth: dict[str, Any]
    social: Path
    sessions: sessionmaker[Session]
    hasher: KeyedHasher


@contextmanager
def world_store(seed: int, *, listings_per_market: int | None = None, workdir: Path | None = None,
                fast: bool = True) -> Iterator[World]:
    """A generated world loaded into a fresh in-memory SQLite store."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        out = Path(tmp)
        truth = generate_social(out, seed=seed, scale=1000, sample_rows=[], victim_org="某某电商",
                                claimed_records=900_000_000, listings_per_market=listings_per_market)
        engine = make_engine(url="sqlite://", poolclass=StaticPool)
        upgrade(engine)
        hasher = KeyedHasher(Keyring.generate())
        sessions = session_factory(engine)
        with sessions.begin() as s:
            load_world(s, out / "social", hasher, fast=fast)
        try:
            yield World(seed, truth, out / "social", sessions, hasher)
        finally:
            engine.dispose()


def _pr(pred: set[tuple[str, str]], true: set[tuple[str, str]]) -> tuple[int, int, int]:
    return len(pred & true), len(pred - true), len(true - pred)


def score(graph: GraphResult, truth: dict[str, Any], min_posts: int = 25) -> dict[str, Any]:
    """Pairwise alias counts, group ARI and supplier correctness for one world."""
    acc_truth = truth["accounts"]
    member = {k: a["member"] for k, a in acc_truth.items()}
    keys = sorted(a.key for a in graph.accounts)
    posts = {a.key: a.posts for a in graph.accounts}
    actor = {a.key: a.actor for a in graph.accounts}
    true_pairs = {(a, b) for a, b in itertools.combinations(keys, 2)
                  if member.get(a) and member.get(a) == member.get(b)}
    actor_pairs = {(a, b) for a, b in itertools.combinations(keys, 2) if actor[a] == actor[b]}
    style_pairs = set()
    for link in graph.links:
        kinds = {r.kind for r in link.reasons}
        conf = 1.0
        for r in link.reasons:
            if r.kind in ("style", "handle"):
                conf *= 1 - r.confidence
        if kinds & {"style", "handle"} and 1 - conf >= 0.5:
            style_pairs.add(tuple(sorted((link.a, link.b))))
    deep = {k for k in keys if posts[k] >= min_posts}
    true_deep = {p for p in true_pairs if p[0] in deep and p[1] in deep}
    style_deep = {p for p in style_pairs if p[0] in deep and p[1] in deep}
    mid = {k for k in keys if 10 <= posts[k] < min_posts}
    true_mid = {p for p in true_pairs if {p[0], p[1]} <= mid}
    style_mid = {p for p in style_pairs if {p[0], p[1]} <= mid}
    group = {a.id: a.group for a in graph.actors}
    gang = {k for k, m in member.items() if m}
    labels_true = ["gang" if k in gang else k for k in keys]
    labels_pred = [group[actor[k]] or actor[k] for k in keys]
    supplier_member = next(m["id"] for m in truth["gang"]["members"] if m["role"] == "supplier")
    suppliers = [a for a in graph.actors if a.role == "supplier"]
    right = False
    for s in suppliers:
        ms = [member.get(k) for k in s.accounts]
        if ms and max(set(ms), key=ms.count) == supplier_member:
            right = True
    role_of = {m["id"]: m["role"] for m in truth["gang"]["members"]}
    actor_role = {a.id: a.role for a in graph.actors}
    gang_keys = [k for k in keys if member.get(k)]
    roles_right = sum(actor_role.get(actor[k]) == role_of[member[k]] for k in gang_keys)
    return {"actors": _pr(actor_pairs, true_pairs), "style25": _pr(style_deep, true_deep),
            "style10": _pr(style_mid, true_mid), "ari": adjusted_rand_score(labels_true, labels_pred),
            "supplier": right and len(suppliers) == 1, "roles": (roles_right, len(gang_keys))}


def identifier_ceiling(truth: dict[str, Any]) -> tuple[int, int]:
    """(same-member pairs any identifier rule could join, all same-member pairs); see simulate's alias_truth."""
    from leaktrace.simulate.social.alias_truth import alias_pairs

    joinable, same = alias_pairs(truth)
    return len(joinable), len(same)


def correlation_baseline(graph: GraphResult, truth: dict[str, Any]) -> tuple[int, int, int]:
    """The peer's rule (AIL-style correlation): any identifier two accounts share makes them one."""
    member = {k: a["member"] for k, a in truth["accounts"].items()}
    keys = sorted(a.key for a in graph.accounts)
    parent = {k: k for k in keys}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    holders: dict[int, list[str]] = {}
    for a in graph.accounts:
        for i in a.identifiers:
            holders.setdefault(i.id, []).append(a.key)
    for ks in holders.values():
        for k in ks[1:]:
            parent[find(k)] = find(ks[0])
    pred = {(a, b) for a, b in itertools.combinations(keys, 2) if find(a) == find(b)}
    true = {(a, b) for a, b in itertools.combinations(keys, 2) if member.get(a) and member.get(a) == member.get(b)}
    return _pr(pred, true)
