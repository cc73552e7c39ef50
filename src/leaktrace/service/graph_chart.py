"""The link chart of the actor pages: accounts as nodes, links as edges, around one actor, expandable.

What a browser is sent is drawn as text on a canvas (cytoscape.js), never as
markup; labels still pass through `display_text` (bidi overrides and
zero-width characters made visible) and are capped, so a 10,000-character
handle is a short label and a long tooltip. A chart of more than
`MAX_NODES` accounts is refused with a message that says to filter first
(a shallower depth, one basis), rather than sent to freeze the tab.

Each edge says what kind of evidence it rests on (`kinds`: wallet, pgp,
contact, style, picture, samples, other) and how far it stands (`standing`:
confirmed by a person, strong evidence, inferred, group-only, rejected); the
page filters on both and styles edges by standing.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphAccount, GraphLink, GraphResult
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, require

VIEW_ACTION = "actor.view"
MAX_NODES = 5000
MAX_DEPTH = 3
LABEL_CHARS = 60
KINDS = ("wallet", "pgp", "contact", "style", "picture", "samples", "other")
STANDINGS = ("confirmed", "strong", "inferred", "group", "rejected")
WALLET_TYPES = frozenset({"btc", "eth", "tron", "xmr"})
_IDENT_REASONS = frozenset({"identifier", "shared_identifier", "identifier_unevidenced"})
_KIND_OF_REASON = {"style": "style", "handle": "style", "picture": "picture", "samples": "samples",
                   "promotion": "contact"}


def ident_kind(ident_type: str) -> str:
    """wallet, pgp or contact: which filter a shared identifier of this type falls under."""
    if ident_type in WALLET_TYPES:
        return "wallet"
    if ident_type.startswith("pgp"):
        return "pgp"
    return "contact"


def link_kinds(link: GraphLink, a: GraphAccount | None, b: GraphAccount | None) -> list[str]:
    """The kinds of evidence a link rests on, from its reasons and the identifiers both accounts show."""
    kinds: set[str] = set()
    shared_types: set[str] = set()
    if a is not None and b is not None:
        mine = {i.id: i.type for i in a.identifiers}
        shared_types = {mine[i.id] for i in b.identifiers if i.id in mine}
    for r in link.reasons:
        if r.kind in _IDENT_REASONS:
            if shared_types:
                kinds |= {ident_kind(t) for t in shared_types}
            else:  # the snapshot keeps 500 identifiers an account: read the type the reason names
                words = r.detail.split()
                kinds.add(ident_kind(words[2]) if len(words) > 2 and words[:2] == ["both", "show"] else "other")
        else:
            kinds.add(_KIND_OF_REASON.get(r.kind, "other"))
    return sorted(kinds) or ["other"]


@dataclass
class _Index:
    """Adjacency and look-ups over one snapshot, built once per snapshot."""

    accounts: dict[str, GraphAccount]
    adjacency: dict[str, list[int]]
    role_of_actor: dict[str, str | None]
    group_of_actor: dict[str, str | None]
    actor_accounts: dict[str, list[str]]
    links: list[GraphLink] = field(default_factory=list)


_INDEX: list[tuple[GraphResult, _Index]] = []
_LOCK = threading.Lock()


def index(result: GraphResult) -> _Index:
    with _LOCK:
        for snap, idx in _INDEX:
            if snap is result:
                return idx
    adjacency: dict[str, list[int]] = {}
    for n, link in enumerate(result.links):
        adjacency.setdefault(link.a, []).append(n)
        adjacency.setdefault(link.b, []).append(n)
    idx = _Index({a.key: a for a in result.accounts}, adjacency, {a.id: a.role for a in result.actors},
                 {a.id: a.group for a in result.actors}, {a.id: a.accounts for a in result.actors}, result.links)
    with _LOCK:
        _INDEX[:] = [(result, idx)]
    return idx


@dataclass(frozen=True)
class Chart:
    """Elements for cytoscape.js, or `too_large` with the count and a message when over the limit."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    node_count: int
    edge_count: int
    limit: int
    too_large: bool = False
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "edges": self.edges, "node_count": self.node_count,
                "edge_count": self.edge_count, "limit": self.limit, "too_large": self.too_large,
                "message": self.message, "kinds": list(KINDS), "standings": list(STANDINGS)}


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """A short, inert label: visible control codes, at most `limit` characters and an ellipsis."""
    shown = display_text(text[:limit * 4], limit * 4, masked=False)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def _node(idx: _Index, key: str, focus: set[str]) -> dict[str, Any]:
    acc = idx.accounts.get(key)
    site, _, handle = key.partition(":")
    actor = acc.actor if acc else None
    role = "hub" if acc is not None and acc.hub else (idx.role_of_actor.get(actor or "") or "none")
    return {"data": {"id": key, "label": f"{label(handle, 40)}@{label(site, 20)}",
                     "title": display_text(key, 300, masked=False), "actor": actor,
                     "group": idx.group_of_actor.get(actor or ""), "role": role,
                     "posts": acc.posts if acc else 0, "focus": key in focus}}


def _edge(idx: _Index, link: GraphLink) -> dict[str, Any]:
    kinds = link_kinds(link, idx.accounts.get(link.a), idx.accounts.get(link.b))
    reasons = "; ".join(r.detail for r in link.reasons)
    return {"data": {"id": link.id, "source": link.a, "target": link.b, "standing": link.basis, "kinds": kinds,
                     "confidence": round(link.confidence, 3), "reasons": display_text(reasons, 300, masked=False)}}


def _elements(idx: _Index, keys: set[str], focus: set[str], limit: int) -> Chart:
    if len(keys) > limit:
        return Chart([], [], len(keys), 0, limit, True,
                     f"{len(keys):,} accounts: more than the {limit:,} a chart draws. Filter first "
                     "(depth 0 or 1, or expand single accounts) or export the graph as GraphML for Gephi.")
    seen: set[int] = set()
    edges = []
    for key in sorted(keys):
        for n in idx.adjacency.get(key, ()):
            link = idx.links[n]
            if n not in seen and link.a in keys and link.b in keys:
                seen.add(n)
                edges.append(_edge(idx, link))
    order = sorted(keys)
    nodes = [_node(idx, k, focus) for k in order]
    for node, (x, y) in zip(nodes, layout(order, edges), strict=True):
        node["position"] = {"x": x, "y": y}
    return Chart(nodes, edges, len(nodes), len(edges), limit)


def layout(order: list[str], edges: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """Positions computed here (igraph, Fruchterman-Reingold, seeded): the browser draws at once
    instead of running a force layout over hundreds of nodes (the benchmark's first render)."""
    import random

    import igraph as ig

    if not order:
        return []
    at = {k: i for i, k in enumerate(order)}
    g = ig.Graph(n=len(order), edges=[(at[e["data"]["source"]], at[e["data"]["target"]]) for e in edges])
    rng = random.Random(7)
    seed = [[rng.random(), rng.random()] for _ in order]
    coords = g.layout_fruchterman_reingold(niter=100, seed=seed, grid=len(order) > 1000).coords
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    size = 70.0 * max(1.0, len(order) ** 0.5)
    return [(round((x - min(xs)) / span * size, 1), round((y - min(ys)) / span * size, 1)) for x, y in coords]


def neighbourhood(idx: _Index, start: set[str], depth: int, stop_after: int) -> set[str]:
    """Accounts within `depth` links of `start` (breadth first; stops counting past `stop_after`)."""
    keys = set(start)
    frontier = deque((k, 0) for k in start)
    while frontier and len(keys) <= stop_after:
        key, d = frontier.popleft()
        if d >= depth:
            continue
        for n in idx.adjacency.get(key, ()):
            link = idx.links[n]
            other = link.b if link.a == key else link.a
            if other not in keys:
                keys.add(other)
                frontier.append((other, d + 1))
    return keys


def _depth(depth: int) -> int:
    if not 0 <= depth <= MAX_DEPTH:
        raise InputError(f"depth {depth}: between 0 and {MAX_DEPTH}")
    return depth


def actor_accounts(ctx: Context, principal: Principal, actor_id: str, depth: int = 1) -> tuple[GraphResult, set[str]]:
    """The snapshot and the accounts the actor's chart holds at `depth` (read access checked)."""
    require(principal, VIEW_ACTION)
    result = graph_access.snapshot(ctx)
    idx = index(result)
    start = set(idx.actor_accounts.get(actor_id, ()))
    if not start:
        raise InputError(f"actor {actor_id[:40]!r}: no such actor in the last graph build")
    return result, neighbourhood(idx, start, _depth(depth), MAX_NODES)


_CHARTS: dict[tuple[str, int, int], tuple[_Index, Chart]] = {}
_CHARTS_KEPT = 64


def actor_chart(ctx: Context, principal: Principal, actor_id: str, depth: int = 1,
                limit: int = MAX_NODES) -> Chart:
    """The actor's accounts and every account within `depth` links, with the links among them.

    Kept per snapshot (the layout is the costly part): the page's preload and a
    reload or a second investigator get the same chart without laying it out again.
    """
    result, keys = actor_accounts(ctx, principal, actor_id, depth)
    idx = index(result)
    key = (actor_id, depth, limit)
    with _LOCK:
        hit = _CHARTS.get(key)
    if hit is not None and hit[0] is idx:
        return hit[1]
    chart = _elements(idx, keys, set(idx.actor_accounts[actor_id]), limit)
    with _LOCK:
        if len(_CHARTS) >= _CHARTS_KEPT or any(i is not idx for i, _ in _CHARTS.values()):
            _CHARTS.clear()  # a new snapshot, or enough kept
        _CHARTS[key] = (idx, chart)
    return chart


def account_chart(ctx: Context, principal: Principal, account: str, limit: int = MAX_NODES) -> Chart:
    """One account and its direct neighbours: what "expand" adds to a chart."""
    require(principal, VIEW_ACTION)
    idx = index(graph_access.snapshot(ctx))
    if account not in idx.accounts:
        raise InputError(f"account {account[:80]!r}: no such account in the last graph build")
    return _elements(idx, neighbourhood(idx, {account}, 1, limit), {account}, limit)


def export_graphml(ctx: Context, principal: Principal, actor_id: str, depth: int = 1) -> bytes:
    """The chart's accounts as GraphML for Gephi or Maltego, audited as an export (`export.download`).

    Like `leaktrace graph export`, only what evidence shows or a person
    confirmed leaves: inferred links, groups and roles are leads and stay out.
    """
    from leaktrace.service.personal_data import exported

    result, keys = actor_accounts(ctx, principal, actor_id, depth)
    if len(keys) > MAX_NODES:
        raise InputError(f"actor {actor_id[:40]}: {len(keys):,} accounts at depth {depth}, more than {MAX_NODES:,}; "
                         "filter first (a smaller depth) or use 'leaktrace graph export'")
    data, counts = graph_access.graphml(result, keys)
    exported(ctx, principal, "export.download", f"actor:{actor_id}",
             detail={"format": "graphml", "depth": depth, **counts})
    return data
