"""Stage results as case items: listings, captures, actors, groups, wallets, dumps, attributions.

`cases` takes typed documents only (cases/model.py) and never reads other
stages' tables; this module is the join: it reads the store (posts with
their verdicts, identifiers and captures), the graph snapshot (a typed
`GraphResult`), a DumpReport and an attribution `Match` (all from `core`),
and returns item documents for `cases.store.add_item`.

What reaches a case follows issue 8's rule: accounts merged on shared
strong identifiers are aliases of one actor; roles and style/handle links
are inferred, so they enter only marked as unconfirmed leads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from leaktrace.cases import provinces
from leaktrace.core.disclosure import Role, may_hold_clear
from leaktrace.core.dump_types import DumpReport
from leaktrace.core.graph_types import GraphResult
from leaktrace.core.match_types import Match
from leaktrace.pii.redact import masked_text
from leaktrace.store.models import Capture, Identifier, IntelResult, Post, PostIdentifier, Source

MAX_LISTINGS = 1000
MAX_IDENTS = 40
SAMPLE_TYPE = "sample_row"


# Intel's identifier type names where the case model knows them by another name.
CASE_TYPE = {"tron": "trx"}


def clear_values(session: Session) -> dict[str, str]:
    """Keyed hash -> clear value of the identifiers the store keeps in clear (wallets, keys, sellers' contacts)."""
    rows = session.execute(select(Identifier.value_hash, Identifier.value_norm)
                           .where(Identifier.value_norm.is_not(None), Identifier.victim_seen_at.is_(None)))
    return {h: v for h, v in rows if v}


def _ident(kind: str, masked: str, value_hash: str, clear: str | None, role: Role = "suspect") -> dict[str, Any]:
    """A case identifier: the clear value where `core.disclosure` lets the investigator's copy hold it."""
    kind = CASE_TYPE.get(kind, kind)
    if clear and may_hold_clear(kind, role):
        return {"type": kind, "value": clear, "hash": value_hash, "role": role}
    return {"type": kind, "masked": masked, "hash": value_hash, "role": role}


def listing_items(session: Session, version: str, site_names: dict[str, str], limit: int = MAX_LISTINGS, *,
                  post_ids: Collection[int] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(listing documents, capture documents) of the posts the classifier marked as trafficking.

    With `post_ids`, exactly those posts, whatever their verdict: an investigator who
    picks a listing by hand has judged it, and one not analysed yet still enters the
    case (without a score) rather than silently not at all. Their authors are sellers: what
    they post as contact is a suspect's (victims' values were never kept in clear, see
    `store.repo.intel`).
    """
    verdict_on = and_(IntelResult.post_id == Post.id, IntelResult.model_version == version)
    query = (select(Post, IntelResult, Capture, Source.name)
             .outerjoin(Capture, Capture.id == Post.capture_id)
             .outerjoin(Source, Source.id == Post.source_id))
    if post_ids is None:
        # A vendor's profile page offers nothing by itself: its contacts reach the case through
        # the graph, never as a listing (one picked by hand with `post_ids` is the investigator's call).
        query = query.join(IntelResult, verdict_on).where(IntelResult.trafficking.is_(True),
                                                          or_(Post.kind.is_(None), Post.kind != "profile"))
    else:
        query = query.outerjoin(IntelResult, verdict_on).where(Post.id.in_(list(post_ids)))
    rows = session.execute(query.order_by(Post.posted_at, Post.id).limit(limit)).all()
    ids = [p.id for p, *_ in rows]
    idents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        for pid, ident in session.execute(
            select(PostIdentifier.post_id, Identifier)
            .join(Identifier, Identifier.id == PostIdentifier.identifier_id)
            .where(PostIdentifier.post_id.in_(ids), Identifier.type != SAMPLE_TYPE)
        ):
            if len(idents[pid]) < MAX_IDENTS:
                victim = ident.victim_seen_at is not None
                idents[pid].append(_ident(ident.type, ident.value_masked, ident.value_hash,
                                          None if victim else ident.value_norm, "victim" if victim else "suspect"))

    listings, captures = [], {}
    for post, verdict, cap, source in rows:
        facts = (verdict.facts if verdict is not None else None) or {}
        price = facts.get("price") or None
        doc: dict[str, Any] = {
            "id": f"post-{post.id}",
            "market": site_names.get(post.site, post.site),
            "url": post.url,
            "title": masked_text((post.title or "")[:2000]),
            "seller": (post.author_handle or None)
            and masked_text(f"{site_names.get(post.site, post.site)}:{post.author_handle}"[:200]),
            "category": ((verdict.categories if verdict is not None else None) or [None])[0],
            "claimed_records": facts.get("records"),
            "price": {"amount": float(price["amount"]), "currency": str(price["currency"])[:12]}
            if price and price.get("amount") is not None and price["amount"] >= 0 else None,
            "sold": facts.get("sold") if isinstance(facts.get("sold"), int) else None,
            "first_seen": (post.posted_at or post.first_seen_at).isoformat(),
            "trafficking_score": round(float(verdict.score), 4) if verdict is not None else None,
            "captures": [cap.sha256] if cap is not None else [],
            "identifiers": idents.get(post.id, []),
        }
        listings.append(doc)
        if cap is not None:
            captures[cap.sha256] = {"sha256": cap.sha256, "url": cap.url, "fetched_at": cap.fetched_at.isoformat(),
                                    "media_type": cap.content_type, "source": source, "size": cap.size}
    return listings, list(captures.values())


def dump_id(sha256: str) -> str:
    """A dump's id in a case: the same file gets the same id whichever command added it."""
    return f"dump-{sha256[:16]}"


def dump_item(report: DumpReport, sha256: str, name: str, claimed: int | None) -> dict[str, Any]:
    """A DumpReport as the case's dump summary (counts only)."""
    pad = report.padding
    return {
        "id": dump_id(sha256),
        "name": name,
        "sha256": sha256,
        "claimed_records": claimed,
        "rows": report.rows,
        "distinct_victims": report.distinct_valid_ids,
        "valid_ids": report.distinct_valid_ids,
        "fabricated_rows": pad.estimate if pad else 0,
        "duplicate_rows": report.duplicate_rows,
        "recycled_ids": report.novelty.persons_seen_before,
        "new_ids": report.novelty.persons_new,
        "by_province": {p.code: p.persons for p in report.provinces_by_id},
        "fabricated_by_detail": {
            "invalid_id": pad.invalid_id_rows, "geo_conflict": pad.geo_conflict_rows,
            "impossible_history": pad.impossible_history_rows,
        } if pad else {},
    }


def attribution_item(att: Match, dump_id: str, org_ids: dict[str, str]) -> dict[str, Any] | None:
    """The leading organisation as a lead with its evidence; None when the answer is 'unknown'."""
    if att.verdict != "lead" or not att.org:
        return None
    top = att.ranking[0]
    evidence = [f"{len(top.canary_hits)} canary hit(s) from partner copy {', '.join(top.partners)}"] \
        if top.canary_hits else []
    for kind, k in sorted(top.kinds.items()):
        evidence.append(f"{kind}: " + ", ".join(f"{a}={b:.3g}" for a, b in sorted(k.model_dump().items())))
    evidence.append(f"false-attribution probability {att.false_attribution_probability:.2g}")
    return {
        "id": f"att-{dump_id}",
        "dump_id": dump_id,
        "org_name": att.org,
        "org_id": org_ids.get(att.org),
        "confidence": round(max(0.0, min(1.0, float(att.confidence))), 6),
        "method": "canaries + keyed record/person containment (OPRF fingerprints)",
        "partner": att.partner,
        "evidence": [e[:2000] for e in evidence][:20],
    }


def graph_items(graph: GraphResult, site_names: dict[str, str], clear: dict[str, str] | None = None,
                min_accounts: int = 2) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(actors, groups, wallets) from a graph snapshot; inferred roles and links marked as leads."""
    from leaktrace.cases.model import WALLET_TYPES

    def alias(key: str) -> str:
        site, _, handle = key.partition(":")
        return f"{site_names.get(site, site)}:{handle}"[:200]

    accounts = {a.key: a for a in graph.accounts}
    grouped = {a for g in graph.groups for a in g.actors}
    actors, wallets = [], {}
    for a in graph.actors:
        if a.hub or (len(a.accounts) < min_accounts and a.id not in grouped):
            continue
        idents: dict[str, dict[str, Any]] = {}
        for k in a.accounts:
            acc = accounts.get(k)
            for i in acc.identifiers if acc else []:
                if i.kind == "hub":
                    continue
                value = (clear or {}).get(i.hash)
                idents.setdefault(i.hash, _ident(i.type, i.masked, i.hash, value))
        actors.append({
            "id": a.id,
            "name": masked_text(alias(a.accounts[0])),
            "role": f"{a.role} (inferred lead)" if a.role else None,
            "aliases": [masked_text(alias(k)) for k in a.accounts],
            "identifiers": list(idents.values())[:MAX_IDENTS],
            "group": a.group,
            # Where the graph places the actor (a lead): only when it names one province.
            "province_code": provinces.code_of(a.provinces[0]) if len(a.provinces) == 1 else None,
        })
        for w in a.wallets:
            if not w.address:
                continue
            chain = CASE_TYPE.get(w.type or "wallet", w.type or "wallet")
            chain = chain if chain in WALLET_TYPES else "wallet"
            entry = wallets.setdefault(w.address, {"address": w.address, "chain": chain[:40], "actors": []})
            entry["actors"].append(a.id)
            n = w.n_in + w.n_out
            if n:
                entry["tx_count"] = n
                # The unit the graph counted the transfers in (their token, else the chain's coin).
                entry["received"] = {"amount": float(w.received), "currency": (w.currency or chain.upper())[:12]}
    kept = {a["id"] for a in actors}
    groups = []
    for g in graph.groups:
        members = [a for a in g.actors if a in kept]
        if len(members) < 2:
            continue
        groups.append({"id": g.id, "name": f"group {g.id}", "members": members,
                       "links": _group_links(graph, g.accounts, {a["id"] for a in actors if a["id"] in members},
                                             alias)})
    return actors, groups, list(wallets.values())


# Order in a case's link table: what a person confirmed or hard evidence backs first.
_BASIS_ORDER = {"confirmed": 0, "strong": 1, "inferred": 2, "group": 3}
MAX_LINKS = 200


def _group_links(graph: GraphResult, accounts: list[str], members: set[str],
                 alias: Callable[[str], str]) -> list[dict[str, Any]]:
    """The group's links as case links: between members first (the chart's edges), then inside one member.

    Why: a group is held together by links *between* its members (shared team
    identifiers, sample rows, promotion, inferred style); the strong links
    inside one actor only say which accounts are one person. Taking only the
    latter left the group chart without a single edge. Each link keeps its
    basis, so a report can tell proven links from leads; rejected ones stay out.
    """
    actor_of = {acc.key: acc.actor for acc in graph.accounts}
    inside = set(accounts)
    between, within = [], []
    for lk in graph.links:
        if lk.basis not in _BASIS_ORDER or lk.a not in inside or lk.b not in inside:
            continue
        x, y = actor_of.get(lk.a), actor_of.get(lk.b)
        if x not in members or y not in members:
            continue
        reasons = "; ".join(r.detail for r in lk.reasons)[:1500]
        kinds = ", ".join(sorted({r.kind for r in lk.reasons})) or lk.basis
        doc = {"source": alias(lk.a), "target": alias(lk.b), "kind": kinds[:60], "basis": lk.basis,
               "evidence": f"{reasons} (captures: {', '.join(e[:12] for e in lk.evidence[:5])})"[:2000]}
        (within if x == y else between).append((_BASIS_ORDER[lk.basis], -lk.confidence - lk.group_weight, doc))
    ordered = sorted(between, key=lambda t: t[:2]) + sorted(within, key=lambda t: t[:2])
    return [doc for *_, doc in ordered][:MAX_LINKS]
