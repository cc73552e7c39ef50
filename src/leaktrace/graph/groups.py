"""Groups of actors (Leiden) and the roles inside each: supplier, wholesaler, agent.

Actors are linked by group evidence between their accounts: team
identifiers (a common wallet or PGP key), shared supply (sample rows in
common), cross-promotion, and, at half weight, inferred alias leads.
Leiden (leidenalg over igraph, fixed seed) splits that graph into groups;
an actor with no group evidence stays alone.

Roles follow how this trade works: the supplier holds the records first
(earliest post showing rows the group shares), wholesalers later offer the
whole lot, agents later resell subsets, usually naming a province. The lot
an actor offers is the median volume of its posts showing shared rows (one
odd post does not decide); at least half the supplier's lot is "the whole
lot". A lot more than twice the supplier's cannot be a resale of the same
records (a padded claim, or a figure misread from a wallet or key): the
volume then says nothing, and naming a province in those posts decides.
Roles are leads, never facts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

import igraph as ig
import leidenalg

from leaktrace.graph.actors import Merged
from leaktrace.graph.corpus import Corpus
from leaktrace.graph.links import Link

WHOLESALE_SHARE = 0.5
LOT_MAX_RATIO = 2.0  # a resold lot larger than this many times the supplier's is not the same records


@dataclass(frozen=True)
class GroupConfig:
    resolution: float = 0.05
    min_weight: float = 0.5  # total evidence weight below which two actors are not joined
    seed: int = 0


@dataclass
class Group:
    id: str
    actors: list[str]
    roles: dict[str, str] = field(default_factory=dict)  # actor -> role
    role_reasons: dict[str, str] = field(default_factory=dict)
    shared_samples: int = 0


def actor_edges(merged: Merged, links: dict[tuple[str, str], Link]) -> dict[tuple[str, str], float]:
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for link in links.values():
        if link.basis == "rejected":
            continue
        x, y = merged.actor_of.get(link.a), merged.actor_of.get(link.b)
        if x is None or y is None or x == y:
            continue
        w = link.group_weight + (0.5 * link.confidence if link.basis in ("inferred", "confirmed", "strong") else 0)
        if w > 0:
            weights[(x, y) if x < y else (y, x)] += w
    return weights


def find_groups(merged: Merged, links: dict[tuple[str, str], Link], cfg: GroupConfig) -> list[list[str]]:
    """Lists of actor ids with two or more actors, largest first."""
    edges = {k: w for k, w in actor_edges(merged, links).items() if w >= cfg.min_weight}
    if not edges:
        return []
    names = sorted({a for k in edges for a in k})
    index = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in edges], directed=False)
    g.es["weight"] = list(edges.values())
    part = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, weights="weight",
                                    resolution_parameter=cfg.resolution, seed=cfg.seed)
    groups = [sorted(names[i] for i in comm) for comm in part if len(comm) > 1]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


@dataclass
class ActorFacts:
    first_seen: datetime | None
    last_seen: datetime | None
    first_shared: datetime | None  # earliest post showing a sample row the group shares
    max_volume: int | None
    shared_volume: int | None  # median volume claimed in the posts showing shared rows: the lot offered
    regions: list[str]
    samples: set[int]
    shared_regions: list[str] = field(default_factory=list)  # provinces named in the posts showing shared rows


def actor_facts(corpus: Corpus, accounts: list[str], shared: set[int] | None = None) -> ActorFacts:
    posts = [p for k in accounts for p in corpus.accounts[k].posts]
    dates = [p.posted_at for p in posts if p.posted_at]
    samples: set[int] = set()
    for k in accounts:
        samples |= set(corpus.accounts[k].samples)
    first_shared: datetime | None = None
    shared_volume: int | None = None
    regions: Counter[str] = Counter()
    shared_regions: Counter[str] = Counter()
    if shared:
        post_samples: dict[int, set[int]] = defaultdict(set)
        by_id = {p.id: p for p in posts}
        for k in accounts:
            acc = corpus.accounts[k]
            for sid, shas in acc.samples.items():
                if sid in shared:
                    for p in acc.posts:
                        if p.capture_sha256 in shas:
                            post_samples[p.id].add(sid)
        lot: list[int] = []
        for pid in post_samples:
            p = by_id[pid]
            if p.posted_at and (first_shared is None or p.posted_at < first_shared):
                first_shared = p.posted_at
            if p.volume:
                lot.append(p.volume)
            shared_regions.update(p.regions)
        shared_volume = int(median(lot)) if lot else None
    for p in posts:
        if p.trafficking:
            regions.update(p.regions)
    vols = [p.volume for p in posts if p.trafficking and p.volume]
    return ActorFacts(min(dates) if dates else None, max(dates) if dates else None, first_shared,
                      max(vols) if vols else None, shared_volume, [r for r, _ in regions.most_common(5)], samples,
                      [r for r, _ in shared_regions.most_common(5)])


def assign_roles(group: Group, facts: dict[str, ActorFacts]) -> None:
    """Supplier, wholesalers and agents of one group, each with the reason."""
    holders: Counter[int] = Counter()
    for a in group.actors:
        holders.update(facts[a].samples)
    shared = {s for s, n in holders.items() if n > 1}
    group.shared_samples = len(shared)
    far = datetime.max.replace(tzinfo=None)

    def when(a: str) -> datetime:
        t = facts[a].first_shared if shared else None
        t = t or facts[a].first_seen
        return t.replace(tzinfo=None) if t else far

    supplier = min(group.actors, key=lambda a: (when(a), a))
    basis = "earliest post showing rows the group shares" if shared and facts[supplier].first_shared else \
        "earliest post in the group (no shared sample rows to go by)"
    group.roles[supplier] = "supplier"
    group.role_reasons[supplier] = basis
    top = facts[supplier].shared_volume or facts[supplier].max_volume
    for a in group.actors:
        if a != supplier:
            group.roles[a], group.role_reasons[a] = _later_role(facts[a], top)


def _later_role(f: ActorFacts, top: int | None) -> tuple[str, str]:
    """Wholesaler (the whole lot) or agent (a subset, usually one province) for a non-supplier."""
    vol = f.shared_volume or f.max_volume
    where = f.shared_regions or f.regions
    named = f" in {', '.join(where)}" if where else ""
    if top and vol and vol > LOT_MAX_RATIO * top:
        why = f"its {vol:,} records exceed the supplier's {top:,} (padded or misread, not comparable)"
        if f.shared_regions:
            return "agent", f"later, resells in {', '.join(f.shared_regions)}; {why}"
        return "wholesaler", f"later, names no province; {why}"
    if top and vol and vol >= WHOLESALE_SHARE * top:
        return "wholesaler", f"later, offers {vol:,} records (supplier {top:,})"
    if top and vol:
        return "agent", f"later, resells a subset ({vol:,} of {top:,} records){named}"
    if where:
        return "agent", f"later, claims {', '.join(where)}; no volume to compare"
    return "wholesaler", "later, no volume or province to tell wholesaler from agent"
