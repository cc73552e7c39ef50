"""Scoring stage results against a synthetic world's truth (`truth.json` from `leaktrace simulate`).

The demo narrates the story; this module is what it is judged by, kept apart
so tests and benchmarks score their own runs with the same rules: the dump
report against the leak's known rows, the attribution against the victim
company and the leaking partner, and the graph against the gang's members,
their accounts and roles. Every function is pure: typed results and the
truth's dictionaries in, `Check`s and figures out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leaktrace.core.dump_types import DumpReport
from leaktrace.core.graph_types import GraphResult
from leaktrace.core.match_types import Match


@dataclass
class Check:
    """One finding compared with the world's truth."""

    what: str
    found: Any
    truth: Any

    @property
    def ok(self) -> bool:
        return bool(self.found == self.truth)


# --------------------------------------------------------------------------- dump


def dump_checks(report: DumpReport, leak: dict[str, Any]) -> list[Check]:
    """Victims, their provinces, duplicates, padding bound and novelty against `truth["leak"]`."""
    pad = report.padding
    fabricated = leak["rows_by_kind"]["fabricated_invalid"] + leak["rows_by_kind"]["fabricated_valid"]
    return [
        Check("distinct victims (valid ID numbers)", report.distinct_valid_ids, leak["distinct_valid_ids"]),
        Check("victims per province", {p.code: p.persons for p in report.provinces_by_id},
              leak["distinct_valid_ids_by_province"]),
        Check("duplicate rows", report.duplicate_rows, leak["duplicate_rows"]),
        Check("fabricated rows inside the padding estimate's bound",
              pad is not None and pad.low <= fabricated <= pad.high, True),
        Check("persons already in the earlier dump", report.novelty.persons_seen_before,
              leak["distinct_ids_also_in_earlier_dump"]),
    ]


# --------------------------------------------------------------------------- attribution


def attribution_checks(match: Match, truth: dict[str, Any], org_names: dict[str, str]) -> list[Check]:
    """The victim ranked first and the leaking partner named, against `truth["attribution"]`."""
    top = match.ranking[0] if match.ranking else None
    return [
        Check("victim company ranked first", top.org if top else None, org_names[truth["victim_org"]]),
        Check("leaking partner copy named by canaries", match.partner, truth["leaking_partner"]),
    ]


# --------------------------------------------------------------------------- graph


@dataclass
class GangRecovery:
    """How a built graph recovers the gang: members identified, alias pairs linked, sellers mixed up."""

    identified: dict[str, str]  # member id -> the actor made only of that member's accounts
    pairs: int  # same-member pairs of accounts that posted
    linked: int  # of those, pairs in one actor
    mixed: int  # actors holding accounts of two different sellers
    actor_of: dict[str, str] = field(default_factory=dict)  # truth account key -> actor id
    accounts_of: dict[str, set[str]] = field(default_factory=dict)  # actor id -> truth account keys
    role_of: dict[str, str | None] = field(default_factory=dict)  # actor id -> role (a lead)


def posted_accounts(social: dict[str, Any]) -> set[str]:
    """Accounts of the world that posted anything (the others cannot be seen, so not linked)."""
    return {k for k, v in social["accounts"].items() if v.get("posts", 0) > 0}


def gang_recovery(graph: GraphResult, social: dict[str, Any]) -> GangRecovery:
    """Score `graph` against `truth["social"]`, matching accounts by host and handle (the graph names them by source)."""
    site_id = {m["onion"]: m["id"] for m in social["markets"]}
    host_of = {a.key: a.host for a in graph.accounts}

    def truth_key(account: str) -> str:
        """The world's name of a graph account: its host's market id and its handle."""
        site, _, handle = account.partition(":")
        host = host_of.get(account, site)
        return f"{site_id.get(host, host)}:{handle}"

    posted = posted_accounts(social)
    members = social["gang"]["members"]
    accounts_of = {a.id: {truth_key(k) for k in a.accounts} for a in graph.actors}
    actor_of = {acc: aid for aid, accs in accounts_of.items() for acc in accs}
    member_of = {acc: m["id"] for m in members for acc in m["accounts"]}
    identified: dict[str, str] = {}
    pairs = linked = 0
    for m in members:
        accs = sorted(a for a in m["accounts"] if a in posted)
        owners = [actor_of[a] for a in accs if a in actor_of]
        pure = [o for o in dict.fromkeys(owners) if all(member_of.get(x) == m["id"] for x in accounts_of[o])]
        if pure:
            identified[m["id"]] = max(pure, key=lambda o: len(accounts_of[o]))
        for i, x in enumerate(accs):
            for y in accs[i + 1:]:
                pairs += 1
                linked += int(actor_of.get(x) is not None and actor_of.get(x) == actor_of.get(y))
    mixed = sum(1 for accs in accounts_of.values()
                if len({member_of.get(x, x) for x in accs}) > 1 and any(x in member_of for x in accs))
    return GangRecovery(identified, pairs, linked, mixed, actor_of, accounts_of,
                        {a.id: a.role for a in graph.actors})


def joinable_linked(rec: GangRecovery, social: dict[str, Any]) -> tuple[int, int]:
    """(pairs the identifiers on show can join that `rec` linked, such pairs): see simulate's alias_truth."""
    from leaktrace.simulate.social.alias_truth import alias_pairs

    joinable, _ = alias_pairs(social, posted_accounts(social))
    joined = sum(1 for a, b in joinable if rec.actor_of.get(a) is not None and rec.actor_of.get(a) == rec.actor_of.get(b))
    return joined, len(joinable)


def gang_group(graph: GraphResult, rec: GangRecovery) -> tuple[Any, int]:
    """The group holding most identified members, and how many it holds (None, 0 when none)."""
    gang_actors = set(rec.identified.values())
    groups = [g for g in graph.groups if set(g.actors) & gang_actors]
    if not groups:
        return None, 0
    g = max(groups, key=lambda g: len(set(g.actors) & gang_actors))
    return g, len(set(g.actors) & gang_actors)


def graph_checks(graph: GraphResult, social: dict[str, Any], rec: GangRecovery | None = None) -> list[Check]:
    """Members identified, joinable pairs linked, no seller mixed up, one group, the supplier named.

    `rec` is `gang_recovery(graph, social)` when the caller has it already.
    """
    rec = rec or gang_recovery(graph, social)
    members = social["gang"]["members"]
    joined, joinable = joinable_linked(rec, social)
    _group, in_group = gang_group(graph, rec)
    supplier = next(m for m in members if m["role"] == "supplier")
    sup_actor = rec.identified.get(supplier["id"])
    return [
        Check("gang members identified, each as an actor of their own accounts", len(rec.identified), len(members)),
        Check("gang alias pairs that the identifiers on show can join, linked", joined, joinable),
        Check("actors that mix up two sellers", rec.mixed, 0),
        Check("gang members in one group", in_group, len(members)),
        Check("the supplier named as supplier (lead)", rec.role_of.get(sup_actor) if sup_actor else None,
              "supplier"),
    ]


def gang_revenue_usd(social: dict[str, Any]) -> float:
    """Price × units sold over the gang's listings in the world's truth, at the graph's USD rates."""
    from leaktrace.core.money import USD_PER

    total = 0.0
    for item in social["listings"].values():
        price = item.get("price") or {}
        if item.get("member") and item.get("sold") and price.get("currency") in USD_PER:
            total += float(price["amount"]) * USD_PER[price["currency"]] * int(item["sold"])
    return total
