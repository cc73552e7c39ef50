"""An actor as its console page shows it: aliases, identifiers in clear, posts over time, prices and volumes.

The actor comes from the last graph build; its posts, facts and identifier
values from the store. Suspects' contacts (seller handles, QQ, WeChat,
wallets, PGP) are shown in clear to investigators (ARCHITECTURE.md: masking
follows the person); a value the store masks (never kept, or since seen as
a victim's data) stays masked. Each view that shows a clear value leaves a
`view.unmasked` audit entry naming the actor and how many values it showed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphActor, GraphResult, WalletFlow
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.service.feed import feed_rows, model_version
from leaktrace.service.link_review import Pending, may_decide, pending
from leaktrace.service.listing_view import shown_clear
from leaktrace.store.models import Identifier
from leaktrace.store.repo.post_queries import PostFilter, find_posts

VIEW_ACTION = "actor.view"
POSTS_PER_ACCOUNT = 200
MAX_TIMELINE = 1000
MAX_IDENTIFIERS = 500


@dataclass(frozen=True)
class Alias:
    key: str  # source:handle, as links and verdicts name it
    shown: str
    site: str
    host: str
    posts: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class ActorIdentifier:
    id: int
    type: str
    shown: str
    clear: bool
    kind: str  # personal, shared, weak, single, hub (graph.identifiers)
    accounts: list[str]


@dataclass(frozen=True)
class TimelinePost:
    post_id: int
    at: str  # posted, else last seen (ISO)
    account: str
    title: str
    records: int | None
    price: float | None
    currency: str | None
    trafficking: bool | None


@dataclass(frozen=True)
class ActorView:
    id: str
    group: str | None
    role: str | None
    role_reason: str | None
    basis: str
    provinces: list[str]
    first_seen: str | None
    last_seen: str | None
    posts: int
    revenue_usd_estimate: float
    aliases: list[Alias]
    identifiers: list[ActorIdentifier]
    timeline: list[TimelinePost]
    wallets: list[WalletFlow]
    pending: list[Pending]
    may_decide: bool
    clear_shown: int = 0
    series: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k not in ("aliases", "identifiers", "timeline", "wallets",
                                                                 "pending")}
        d["aliases"] = [a.__dict__ for a in self.aliases]
        d["identifiers"] = [i.__dict__ for i in self.identifiers]
        d["timeline"] = [t.__dict__ for t in self.timeline]
        d["wallets"] = [w.model_dump(mode="json") for w in self.wallets]
        d["pending"] = [p.as_dict() for p in self.pending]
        return d


def find_actor(result: GraphResult, actor_id: str) -> GraphActor:
    for a in result.actors:
        if a.id == actor_id:
            return a
    raise InputError(f"actor {actor_id[:40]!r}: no such actor in the last graph build")


def _identifiers(ctx: Context, result: GraphResult, keys: list[str]) -> list[ActorIdentifier]:
    wanted = set(keys)
    seen: dict[int, tuple[str, str, list[str]]] = {}
    for acc in result.accounts:
        if acc.key not in wanted:
            continue
        for i in acc.identifiers:
            if i.kind != "ignored":
                seen.setdefault(i.id, (i.type, i.kind, []))[2].append(acc.key)
    ids = sorted(seen)[:MAX_IDENTIFIERS]
    with ctx.session() as s:
        rows = {r.id: r for r in s.scalars(select(Identifier).where(Identifier.id.in_(ids)))} if ids else {}
    out = []
    for iid in ids:
        ident_type, kind, accounts = seen[iid]
        row = rows.get(iid)
        clear = row is not None and shown_clear(row)
        value = (row.value_norm if clear else row.value_masked) if row is not None else "?"
        out.append(ActorIdentifier(iid, ident_type, display_text(value, 300, masked=False), clear, kind,
                                   [display_text(k, 200, masked=False) for k in accounts]))
    out.sort(key=lambda i: (i.kind == "hub", i.type, i.shown))
    return out


def _timeline(ctx: Context, keys: list[str]) -> list[TimelinePost]:
    version = model_version(ctx)
    out: list[TimelinePost] = []
    with ctx.session() as s:
        for key in keys:
            site, _, handle = key.partition(":")
            try:
                rows = find_posts(s, version, PostFilter(source=site, seller=handle), limit=POSTS_PER_ACCOUNT)
            except InputError:  # an account of posts without a source (`host:handle`): none to list by source
                continue
            for r, row in zip(rows, feed_rows(s, rows), strict=True):
                at: datetime = r.post.posted_at or r.post.last_seen_at
                price = row.price or {}
                amount = price.get("amount")
                out.append(TimelinePost(row.post_id, at.isoformat(), display_text(key, 200, masked=False), row.title,
                                        row.records, float(amount) if isinstance(amount, int | float) else None,
                                        str(price.get("currency"))[:12] if price.get("currency") else None,
                                        row.trafficking))
    out.sort(key=lambda t: (t.at, t.post_id))
    return out[-MAX_TIMELINE:]


def series(timeline: list[TimelinePost]) -> dict[str, Any]:
    """What the price and volume chart draws: one line of prices per currency, claimed records over time."""
    prices: dict[str, list[list[Any]]] = {}
    for t in timeline:
        if t.price is not None and t.currency:
            prices.setdefault(t.currency, []).append([t.at[:10], t.price, t.post_id])
    records = [[t.at[:10], t.records, t.post_id] for t in timeline if t.records]
    posts: dict[str, int] = {}
    for t in timeline:
        posts[t.at[:10]] = posts.get(t.at[:10], 0) + 1
    return {"prices": prices, "records": records, "posts": sorted(posts.items())}


def actor_view(ctx: Context, principal: Principal, actor_id: str) -> ActorView:
    """The actor page's content; audited when it shows any identifier in clear."""
    require(principal, VIEW_ACTION)
    result = graph_access.snapshot(ctx)
    actor = find_actor(result, actor_id)
    accounts = {a.key: a for a in result.accounts}
    aliases = [Alias(k, display_text(k, 300, masked=False), accounts[k].site if k in accounts else k.partition(":")[0],
                     display_text(accounts[k].host, 200, masked=False) if k in accounts else "",
                     accounts[k].posts if k in accounts else 0,
                     accounts[k].first_seen if k in accounts else None,
                     accounts[k].last_seen if k in accounts else None) for k in actor.accounts]
    identifiers = _identifiers(ctx, result, actor.accounts)
    timeline = _timeline(ctx, actor.accounts)
    clear = sum(i.clear for i in identifiers)
    if clear:
        # The same entry `personal_data.viewed_unmasked` writes; its role gate is `actor.view` here (the
        # same staff roles), so an API token scoped to actors is not refused for lacking `listing`.
        audit.record(ctx, principal, "view.unmasked", f"actor:{actor.id}",
                     detail={"identifiers_in_clear": clear, "why": "suspect contacts"})
    return ActorView(actor.id, actor.group, actor.role, actor.role_reason, actor.basis, actor.provinces,
                     actor.first_seen, actor.last_seen, actor.posts, actor.revenue_usd_estimate, aliases, identifiers,
                     timeline, actor.wallets, pending(ctx, principal, set(actor.accounts)), may_decide(principal),
                     clear, series(timeline))


@dataclass(frozen=True)
class ActorRow:
    id: str
    accounts: list[str]  # shown (display_text), at most 10
    group: str | None
    role: str | None
    posts: int
    last_seen: str | None
    keys: tuple[str, ...] = ()  # every account as links name it (source:handle)


def actor_list(ctx: Context, principal: Principal, q: str | None = None, limit: int = 500) -> list[ActorRow]:
    """Actors of the last build, those with most accounts first; `q` keeps actors with an account containing it."""
    require(principal, VIEW_ACTION)
    result = graph_access.snapshot(ctx)
    needle = (q or "").strip().lower()[:200]
    rows = [a for a in result.actors if not needle or any(needle in k.lower() for k in a.accounts)
            or needle == a.id.lower()]
    rows.sort(key=lambda a: (-len(a.accounts), -a.posts, a.id))
    return [ActorRow(a.id, [display_text(k, 120, masked=False) for k in a.accounts[:10]], a.group, a.role, a.posts,
                     a.last_seen, tuple(a.accounts)) for a in rows[:limit]]
