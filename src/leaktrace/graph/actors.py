"""Actors: accounts merged by strong or confirmed links, with people's verdicts respected.

Merging is union-find with cannot-links. Confirmed links merge first, then
strong links by confidence, then (only when asked) inferred links above a
threshold. A merge is refused, and the refusal explained, when it would put
two accounts a person rejected into one actor, or (for links nobody
confirmed) two accounts of the same site, which a personal identifier never
does on its own. A rejected strong link stays apart: the person decides,
and the conflict with the evidence is listed for review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from leaktrace.graph.links import Link, pair


@dataclass(frozen=True)
class Verdict:
    decision: str  # confirm, reject
    note: str | None = None
    decided_by: str | None = None


@dataclass
class Actor:
    id: str
    accounts: list[str]
    basis: str  # strong (every merge backed by evidence or a person), inferred (an inferred merge inside)
    hub: bool = False


@dataclass
class Merged:
    actors: dict[str, Actor]
    actor_of: dict[str, str]
    conflicts: list[str] = field(default_factory=list)


def apply_feedback(links: dict[tuple[str, str], Link], verdicts: dict[tuple[str, str], Verdict],
                   accounts: set[str]) -> list[str]:
    """Turn verdicts into link bases; returns explanations of verdicts that contradict evidence."""
    from leaktrace.graph.links import Reason

    notes: list[str] = []
    for key, v in sorted(verdicts.items()):
        missing = [k for k in key if k not in accounts]
        if missing:
            notes.append(f"verdict {v.decision} {key[0]} ~ {key[1]}: account {missing[0]} is not in the store "
                         "(kept, applies when it appears)")
            continue
        link = links.get(key)
        if link is None:
            link = links[key] = Link(*key)
        by = f" by {v.decided_by}" if v.decided_by else ""
        link.reasons.append(Reason("user", f"{v.decision}ed{by}" + (f": {v.note}" if v.note else ""), 0.0))
        if v.decision == "reject":
            if link.basis == "strong":
                strong = "; ".join(r.detail for r in link.reasons if r.kind == "identifier")
                notes.append(f"link {link.id} {key[0]} ~ {key[1]} rejected{by} although {strong}: kept apart as "
                             "decided; a shared identifier this strong usually means one actor or a team, review")
            link.basis = "rejected"
        else:
            link.basis = "confirmed"
    return notes


def _actor_id(accounts: list[str]) -> str:
    return "A" + hashlib.sha256(min(accounts).encode()).hexdigest()[:10]


def merge(accounts: dict[str, str], links: dict[tuple[str, str], Link], *, hub_accounts: set[str],
          merge_inferred: float | None = None) -> Merged:
    """Actors over `accounts` (key -> site)."""
    parent = {k: k for k in accounts}
    members = {k: {k} for k in accounts}
    cannot: dict[str, set[str]] = {k: set() for k in accounts}
    inferred_root: set[str] = set()
    conflicts: list[str] = []
    for (a, b), link in links.items():
        if link.basis == "rejected" and a in cannot and b in cannot:
            cannot[a].add(b)
            cannot[b].add(a)

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(link: Link, checked_site: bool) -> None:
        ra, rb = find(link.a), find(link.b)
        if ra == rb:
            return
        small, big = (ra, rb) if len(members[ra]) < len(members[rb]) else (rb, ra)
        for k in members[small]:
            clash = cannot[k] & members[big]
            if clash:
                conflicts.append(f"link {link.id} {link.a} ~ {link.b} ({link.basis}) not merged: it would join "
                                 f"{k} and {min(clash)}, which a person rejected")
                return
        if checked_site:
            sites_big = {accounts[k] for k in members[big]}
            both = sorted({accounts[k] for k in members[small]} & sites_big)
            if both:
                conflicts.append(f"link {link.id} {link.a} ~ {link.b} ({link.basis}) not merged: the actor would "
                                 f"hold two accounts on {both[0]}; confirm the link to merge anyway")
                return
        parent[small] = big
        members[big] |= members.pop(small)
        if link.basis == "inferred" or small in inferred_root:
            inferred_root.add(big)

    usable = [lk for lk in links.values() if lk.a in parent and lk.b in parent
              and not ({lk.a, lk.b} & hub_accounts and lk.basis != "confirmed")]
    for link in sorted((lk for lk in usable if lk.basis == "confirmed"), key=lambda lk: (lk.a, lk.b)):
        union(link, checked_site=False)
    for link in sorted((lk for lk in usable if lk.basis == "strong"), key=lambda lk: (-lk.confidence, lk.a, lk.b)):
        union(link, checked_site=True)
    if merge_inferred is not None:
        for link in sorted((lk for lk in usable if lk.basis == "inferred" and lk.confidence >= merge_inferred),
                           key=lambda lk: (-lk.confidence, lk.a, lk.b)):
            union(link, checked_site=True)
    actors: dict[str, Actor] = {}
    actor_of: dict[str, str] = {}
    for root, keys in members.items():
        ks = sorted(keys)
        actor = Actor(_actor_id(ks), ks, "inferred" if find(root) in inferred_root else "strong",
                      hub=any(k in hub_accounts for k in ks))
        actors[actor.id] = actor
        for k in ks:
            actor_of[k] = actor.id
    return Merged(actors, actor_of, conflicts)


def same_actor(merged: Merged, a: str, b: str) -> bool:
    return merged.actor_of.get(a) is not None and merged.actor_of.get(a) == merged.actor_of.get(b)


__all__ = ["Actor", "Merged", "Verdict", "apply_feedback", "merge", "pair", "same_actor"]
