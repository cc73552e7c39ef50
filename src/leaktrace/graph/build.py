"""`build_graph`: store -> accounts -> links -> actors -> groups and roles -> money, as one result.

The result is a typed `GraphResult` (core.graph_types: later stages read it
without depending on `graph`), saved as a snapshot in the data directory so
`graph actors|links|export` answer without recomputing, and rebuilt whole
each time: verdicts people gave live in the store and are applied again on
every build.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import (
    AccountIdentifier,
    GraphAccount,
    GraphActor,
    GraphCounts,
    GraphGroup,
    GraphHub,
    GraphLink,
    GraphResult,
    LinkReason,
    WalletFlow,
)
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.private_files import private_dir, write_private_text
from leaktrace.graph.actors import Merged, apply_feedback, merge
from leaktrace.graph.corpus import Corpus, load_corpus
from leaktrace.graph.feedback import load_verdicts
from leaktrace.graph.groups import Group, GroupConfig, actor_facts, assign_roles, find_groups
from leaktrace.graph.identifiers import WALLET_TYPES, Classified, HubConfig, classify
from leaktrace.graph.links import (
    LinkSet,
    identifier_links,
    picture_links,
    promotion_links,
    sample_links,
    style_and_handle_links,
)
from leaktrace.graph.money import WalletSummary, revenue_usd, wallet_summaries
from leaktrace.graph.style import StyleConfig

# The on-disk shape of `graph.json` (the fields of core.graph_types.GraphResult):
# bump it when that shape changes, so an old snapshot asks for a rebuild.
SNAPSHOT_VERSION = 3  # 2: accounts are source:handle, with their host; 3: wallets name their currency

__all__ = ["SNAPSHOT_VERSION", "BuildConfig", "GraphResult", "build_graph", "load_snapshot", "save_snapshot",
           "snapshot_path"]


@dataclass(frozen=True)
class BuildConfig:
    hubs: HubConfig = field(default_factory=HubConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    groups: GroupConfig = field(default_factory=GroupConfig)
    # None: actors are merged on strong and confirmed links only; a number
    # also merges inferred links at or above that confidence (for analysis).
    merge_inferred: float | None = None


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def build_graph(session: Session, hasher: KeyedHasher | None = None, cfg: BuildConfig | None = None,
                corpus: Corpus | None = None, on_stage: Callable[[str], None] | None = None) -> GraphResult:
    """The whole graph from what the store holds now; `on_stage(name)` is told each stage as it ends."""
    cfg = cfg or BuildConfig()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        t0 = now
        if on_stage is not None:
            on_stage(name)

    corpus = corpus or load_corpus(session)
    lap("load")
    classified = classify(corpus, cfg.hubs)
    links = LinkSet()
    identifier_links(corpus, classified, links)
    sample_links(corpus, links, cfg.hubs.hub_accounts)
    picture_links(corpus, links, cfg.hubs.hub_accounts)
    promotion_links(corpus, links)
    lap("identifier_links")
    style_and_handle_links(corpus, links, cfg.style)
    lap("style")
    for link in links.links.values():
        link.settle()
    notes = apply_feedback(links.links, load_verdicts(session), set(corpus.accounts))
    merged = merge({k: a.site for k, a in corpus.accounts.items()}, links.links,
                   hub_accounts=set(classified.hub_accounts), merge_inferred=cfg.merge_inferred)
    lap("actors")
    groups: list[Group] = []
    group_of: dict[str, str] = {}
    for n, members in enumerate(find_groups(merged, links.links, cfg.groups), start=1):
        g = Group(f"G{n}", members)
        facts = {a: actor_facts(corpus, merged.actors[a].accounts) for a in members}
        assign_roles(g, facts)
        shared = {s for s in set().union(*(f.samples for f in facts.values()))
                  if sum(s in f.samples for f in facts.values()) > 1}
        for a in members:
            facts[a] = actor_facts(corpus, merged.actors[a].accounts, shared)
        g.roles.clear()
        g.role_reasons.clear()
        assign_roles(g, facts)
        groups.append(g)
        for a in members:
            group_of[a] = g.id
    lap("groups")
    wallet_ids = {i for acc in corpus.accounts.values() for i in acc.identifiers
                  if corpus.identifiers[i].type in WALLET_TYPES}
    wallets = wallet_summaries(session, corpus, hasher, wallet_ids)
    lap("money")
    result = _assemble(corpus, classified, links, merged, groups, group_of, wallets, notes + merged.conflicts)
    lap("assemble")
    result.timings = timings  # after the last lap, so the snapshot's timings include assembling it
    return result


def _assemble(corpus: Corpus, classified: Classified, links: LinkSet, merged: Merged, groups: list[Group],
              group_of: dict[str, str], wallets: dict[int, WalletSummary], conflicts: list[str]) -> GraphResult:
    role_of = {a: (g.roles.get(a), g.role_reasons.get(a)) for g in groups for a in g.actors}
    uses = classified.uses
    accounts = []
    for key, acc in sorted(corpus.accounts.items()):
        accounts.append(GraphAccount(
            key=key, site=acc.site, handle=acc.handle, host=acc.host or acc.site, actor=merged.actor_of[key],
            posts=len(acc.posts), trafficking_posts=sum(p.trafficking for p in acc.posts),
            first_seen=_iso(acc.first_seen), last_seen=_iso(acc.last_seen),
            hub=key in classified.hub_accounts, hub_reason=classified.hub_accounts.get(key),
            identifiers=[AccountIdentifier(id=i, type=corpus.identifiers[i].type, masked=corpus.identifiers[i].masked,
                                           hash=corpus.identifiers[i].value_hash,
                                           kind=uses[i].kind if i in uses else "ignored",
                                           evidence=sorted(s for s in shas if s))
                         for i, shas in sorted(acc.identifiers.items())[:500]],  # a hub account shows thousands
            samples=len(acc.samples),
        ))
    actors = []
    for aid, actor in sorted(merged.actors.items()):
        accs = actor.accounts
        posts = [p for k in accs for p in corpus.accounts[k].posts]
        dates = [p.posted_at for p in posts if p.posted_at]
        wallet_ids = sorted({i for k in accs for i in corpus.accounts[k].identifiers if i in wallets})
        rev, counted = revenue_usd(corpus, accs)
        regions: dict[str, int] = {}
        for p in posts:
            if p.trafficking:
                for r in p.regions:
                    regions[r] = regions.get(r, 0) + 1
        role, why = role_of.get(aid, (None, None))
        actors.append(GraphActor(
            id=aid, accounts=accs, sites=sorted({corpus.accounts[k].site for k in accs}),
            basis=actor.basis, hub=actor.hub, group=group_of.get(aid), role=role, role_reason=why,
            role_basis="inferred" if role else None,
            provinces=sorted(regions, key=lambda r: (-regions[r], r))[:10],
            first_seen=_iso(min(dates) if dates else None), last_seen=_iso(max(dates) if dates else None),
            posts=len(posts), wallets=[_wallet(wallets[i]) for i in wallet_ids],
            revenue_usd_estimate=rev, revenue_posts=counted,
        ))
    link_rows = []
    for link in sorted(links.links.values(), key=lambda lk: (-lk.confidence, lk.a, lk.b)):
        link_rows.append(GraphLink(
            id=link.id, a=link.a, b=link.b, basis=link.basis, confidence=link.confidence,
            group_weight=round(link.group_weight, 3),
            same_actor=merged.actor_of.get(link.a) == merged.actor_of.get(link.b),
            reasons=[LinkReason(kind=r.kind, detail=r.detail, confidence=r.confidence, evidence=r.evidence[:50])
                     for r in link.reasons],
            evidence=link.evidence[:100], warnings=link.warnings,
        ))
    actor_rows = {a.id: a for a in actors}
    group_rows = []
    for g in groups:
        accs = [k for a in g.actors for k in merged.actors[a].accounts]
        rev, _ = revenue_usd(corpus, accs)
        members = [actor_rows[a] for a in g.actors]
        firsts = [m.first_seen for m in members if m.first_seen]
        lasts = [m.last_seen for m in members if m.last_seen]
        group_rows.append(GraphGroup(
            id=g.id, actors=g.actors, accounts=sorted(accs), roles=g.roles, role_reasons=g.role_reasons,
            shared_samples=g.shared_samples, wallets=sorted({w.masked for m in members for w in m.wallets}),
            revenue_usd_estimate=rev, provinces=sorted({p for m in members for p in m.provinces}),
            first_seen=min(firsts) if firsts else None, last_seen=max(lasts) if lasts else None,
        ))
    hubs = [GraphHub(id=u.id, type=u.type, masked=corpus.identifiers[u.id].masked, accounts=len(u.accounts),
                     reason=u.reason) for u in uses.values() if u.kind == "hub"]
    return GraphResult(
        version=SNAPSHOT_VERSION,
        counts=GraphCounts(accounts=len(accounts), actors=len(actors), groups=len(group_rows), links=len(link_rows),
                           strong_links=sum(1 for x in link_rows if x.basis == "strong"),
                           inferred_links=sum(1 for x in link_rows if x.basis == "inferred"),
                           posts_without_author=corpus.skipped_posts),
        accounts=accounts, actors=actors, groups=group_rows, links=link_rows,
        hubs=sorted(hubs, key=lambda h: -h.accounts), conflicts=conflicts,
    )


def _wallet(w: WalletSummary) -> WalletFlow:
    return WalletFlow(id=w.identifier, type=w.type, masked=w.masked, address=w.address,
                      received=round(w.received, 2), sent=round(w.sent, 2), n_in=w.n_in, n_out=w.n_out,
                      counterparties=w.counterparties or {}, currency=w.currency)


def snapshot_path(data_dir: Path) -> Path:
    return data_dir / "graph" / "graph.json"


def save_snapshot(result: GraphResult, data_dir: Path) -> Path:
    """Write atomically and owner-only (0600, folder 0700): a crash leaves the previous snapshot, never half of one.

    The snapshot names the seller network (accounts, wallets, contacts): it is
    case material, not for other users of the machine.
    """
    path = snapshot_path(data_dir)
    private_dir(path.parent)
    write_private_text(path, json.dumps(result.to_dict(), ensure_ascii=False))
    return path


def load_snapshot(data_dir: Path) -> GraphResult:
    """The last build, validated: a missing, unreadable, old or altered snapshot is one `InputError` line."""
    path = snapshot_path(data_dir)
    if not path.is_file():
        raise InputError(f"{path}: no graph built yet; run 'leaktrace graph build' first")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: unreadable graph snapshot ({exc}); run 'leaktrace graph build' again") from exc
    version = data.get("version") if isinstance(data, dict) else None
    if version != SNAPSHOT_VERSION:
        raise InputError(f"{path}: snapshot version {version!r}; run 'leaktrace graph build' again")
    try:
        return GraphResult.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "snapshot"
        raise InputError(f"{path}: graph snapshot field {where}: {first['msg']} ({exc.error_count()} problem(s)); "
                         "run 'leaktrace graph build' again") from exc
