"""Graph snapshots for the actor pages: the generated world's own build, and made-up ones of any size or malice.

`graph_ready` builds the console world's graph and imports wallet transfers
for one group's wallets (so the money-flow chart has something to draw);
`synthetic_graph` makes a snapshot of `nodes` accounts and `edges` links
around actor `A0` (the benchmark's 500 x 2,000, the 5,001-node star), with
hostile handles when asked.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from leaktrace.core.graph_types import (
    GraphAccount,
    GraphActor,
    GraphCounts,
    GraphGroup,
    GraphLink,
    GraphResult,
    LinkReason,
)
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.store.models import WalletTransfer

HOSTILE = [
    '<img src=x onerror="document.title=\'pwned\'">',
    "<script>document.title='pwned'</script>",
    "x" * 10_000,
    "\u202egnp.exe",  # right-to-left override
    "بائع_البيانات",  # Arabic (RTL) text
    "a\u200b\u200bb",
]


def graph_ready(ctx: Context) -> GraphResult:
    """Build the world's graph; give the first group's clear wallets some USDT transfers; build again."""
    result = graph_access.rebuild(ctx)
    wallets = [w.address for g in result.groups for a in result.actors if a.id in g.actors for w in a.wallets
               if w.address and w.type == "tron"]
    if wallets:
        rng = random.Random(5)
        t0 = datetime(2024, 6, 1, tzinfo=UTC)
        with ctx.session() as s:
            for n in range(40):
                own = wallets[n % len(wallets)]
                other = "T" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ123456789") for _ in range(33))
                sender, receiver = (other, own) if n % 3 else (own, other)
                if s.query(WalletTransfer).filter_by(tx_hash=f"tx{n:04d}").first() is None:
                    s.add(WalletTransfer(chain="tron", tx_hash=f"tx{n:04d}", sent_at=t0 + timedelta(days=n),
                                         sender=sender, receiver=receiver, amount=100.0 + 37 * n, token="USDT"))
            s.commit()
        result = graph_access.rebuild(ctx)
    return result


def first_pending(result: GraphResult) -> GraphLink:
    """The strongest inferred link: what a supervisor is asked to decide first."""
    return next(lk for lk in result.links if lk.basis == "inferred")


_REASONS = [
    ("identifier", "both show tron TR******************************Lt", 0.97),
    ("identifier", "both show pgp_fingerprint 0F************************************55", 0.99),
    ("identifier", "both show telegram li******17", 0.95),
    ("style", "writing alike (cosine 0.71 over 25+ posts each)", 0.6),
    ("picture", "both posted the same picture (3 of 1024 hash bits apart)", 0.8),
    ("samples", "5 sample rows in common (keyed hashes): shared supply", 0.0),
]
_BASES = ["strong", "strong", "inferred", "group", "confirmed"]
_ROLES = ["supplier", "wholesaler", "agent", None]


def synthetic_graph(nodes: int, edges: int, *, seed: int = 1, hostile: bool = False, star: bool = True) -> GraphResult:
    """`nodes` accounts (site `bench`), actor `A0` holding account 0, linked to every other account when `star`,
    the remaining links drawn at random; with `hostile`, the first handles are `HOSTILE`."""
    rng = random.Random(seed)
    handles = [f"seller{i:05d}" for i in range(nodes)]
    if hostile:
        for i, h in enumerate(HOSTILE[: nodes - 1]):
            handles[i + 1] = h
    keys = [f"bench:{h}" for h in handles]
    t = "2024-05-01T10:00:00+00:00"
    accounts = [GraphAccount(key=k, site="bench", handle=h, host="bench.onion", actor=f"A{i}", posts=3,
                             trafficking_posts=2, first_seen=t, last_seen=t, hub=False, hub_reason=None,
                             identifiers=[], samples=0) for i, (k, h) in enumerate(zip(keys, handles, strict=True))]
    pairs: set[tuple[int, int]] = set()
    if star:
        pairs |= {(0, j) for j in range(1, nodes)}
    want = max(min(edges, nodes * (nodes - 1) // 2), len(pairs))
    while len(pairs) < want:
        a, b = sorted(rng.sample(range(nodes), 2))
        pairs.add((a, b))
    links = []
    for n, (a, b) in enumerate(sorted(pairs)):
        kind, detail, conf = _REASONS[n % len(_REASONS)]
        links.append(GraphLink(id=f"L{n:07d}", a=keys[a], b=keys[b], basis=_BASES[n % len(_BASES)], confidence=conf,
                               group_weight=0.5, same_actor=False,
                               reasons=[LinkReason(kind=kind, detail=detail, confidence=conf)]))
    actors = [GraphActor(id=f"A{i}", accounts=[k], sites=["bench"], basis="strong", hub=False,
                         group="G1" if i < 50 else None, role=_ROLES[i % 4] if i < 50 else None,
                         role_reason="synthetic" if i < 50 and i % 4 != 3 else None,
                         role_basis="inferred" if i < 50 and i % 4 != 3 else None, provinces=["广东省"],
                         first_seen=t, last_seen=t, posts=3, revenue_usd_estimate=0.0, revenue_posts=0)
              for i, k in enumerate(keys)]
    group = GraphGroup(id="G1", actors=[f"A{i}" for i in range(min(50, nodes))], accounts=keys[:50],
                       roles={f"A{i}": r for i in range(min(50, nodes)) if (r := _ROLES[i % 4])},
                       shared_samples=0, revenue_usd_estimate=0.0, provinces=["广东省"], first_seen=t, last_seen=t)
    from leaktrace.graph.build import SNAPSHOT_VERSION

    return GraphResult(version=SNAPSHOT_VERSION,
                       counts=GraphCounts(accounts=nodes, actors=nodes, groups=1, links=len(links),
                                          strong_links=sum(x.basis == "strong" for x in links),
                                          inferred_links=sum(x.basis == "inferred" for x in links),
                                          posts_without_author=0),
                       accounts=accounts, actors=actors, groups=[group], links=links)
