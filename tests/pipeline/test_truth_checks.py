"""The scoring the demo is judged by, on small hand-made graphs whose right answers are obvious."""

from __future__ import annotations

from typing import Any

from leaktrace.core.graph_types import (
    GraphAccount,
    GraphActor,
    GraphCounts,
    GraphGroup,
    GraphResult,
)
from leaktrace.pipeline.truth_checks import Check, gang_group, gang_recovery

SOCIAL: dict[str, Any] = {
    "markets": [{"onion": "aaaa.onion", "id": "m1"}, {"onion": "bbbb.onion", "id": "m2"}],
    "accounts": {"m1:a": {"posts": 3}, "m2:a2": {"posts": 2}, "m1:b": {"posts": 4}, "m2:quiet": {"posts": 0},
                 "m1:other": {"posts": 5}},
    "gang": {"members": [
        {"id": "M1", "accounts": ["m1:a", "m2:a2", "m2:quiet"], "role": "supplier", "province": "x"},
        {"id": "M2", "accounts": ["m1:b"], "role": "agent", "province": "y"},
    ]},
}


def _actor(aid: str, accounts: list[str], role: str | None = None, group: str | None = None) -> GraphActor:
    return GraphActor(id=aid, accounts=accounts, sites=[], basis="strong", hub=False, group=group, role=role,
                      role_reason=None, role_basis="inferred" if role else None, provinces=[], first_seen=None,
                      last_seen=None, posts=1, revenue_usd_estimate=0.0, revenue_posts=0)


def _graph(actors: list[GraphActor], groups: list[GraphGroup] = ()) -> GraphResult:  # type: ignore[assignment]
    counts = GraphCounts(accounts=0, actors=len(actors), groups=len(groups), links=0, strong_links=0,
                         inferred_links=0, posts_without_author=0)
    return GraphResult(version=1, counts=counts, actors=actors, groups=list(groups))


def test_members_identified_and_pairs_linked_on_site_names() -> None:
    g = _graph([_actor("A1", ["aaaa.onion:a", "bbbb.onion:a2"], "supplier"), _actor("A2", ["aaaa.onion:b"]),
                _actor("A3", ["aaaa.onion:other"])])
    rec = gang_recovery(g, SOCIAL)
    assert rec.identified == {"M1": "A1", "M2": "A2"}
    assert (rec.pairs, rec.linked, rec.mixed) == (1, 1, 0)  # the account that never posted is not counted
    assert rec.role_of["A1"] == "supplier"


def test_an_actor_mixing_two_sellers_is_caught_and_identifies_no_one() -> None:
    g = _graph([_actor("A1", ["aaaa.onion:a", "aaaa.onion:b"]), _actor("A2", ["bbbb.onion:a2"])])
    rec = gang_recovery(g, SOCIAL)
    assert rec.mixed == 1
    assert "M2" not in rec.identified and rec.identified.get("M1") == "A2"
    assert rec.linked == 0


def test_gang_group_is_the_one_holding_most_members() -> None:
    actors = [_actor("A1", ["aaaa.onion:a", "bbbb.onion:a2"], group="G2"), _actor("A2", ["aaaa.onion:b"], group="G2"),
              _actor("A3", ["aaaa.onion:other"], group="G1")]
    groups = [GraphGroup(id=gid, actors=[a.id for a in actors if a.group == gid], accounts=[], shared_samples=0,
                         revenue_usd_estimate=0.0, provinces=[], first_seen=None, last_seen=None)
              for gid in ("G1", "G2")]
    g = _graph(actors, groups)
    group, n = gang_group(g, gang_recovery(g, SOCIAL))
    assert group is not None and group.id == "G2" and n == 2
    assert gang_group(_graph(actors[2:]), gang_recovery(_graph(actors[2:]), SOCIAL)) == (None, 0)


def test_check_compares_found_with_truth() -> None:
    assert Check("x", {"a": 1}, {"a": 1}).ok and not Check("x", 2, 3).ok


def test_source_named_accounts_are_matched_by_their_host() -> None:
    """The graph names accounts by source (`market-a:a`); the world by market id: the host joins them."""
    def acc(key: str, host: str) -> GraphAccount:
        site, _, handle = key.partition(":")
        return GraphAccount(key=key, site=site, handle=handle, host=host, actor="A1", posts=1, trafficking_posts=1,
                            first_seen=None, last_seen=None, hub=False, hub_reason=None, samples=0)

    g = _graph([_actor("A1", ["market-a:a", "market-b:a2"])])
    g.accounts = [acc("market-a:a", "aaaa.onion"), acc("market-b:a2", "bbbb.onion")]
    rec = gang_recovery(g, SOCIAL)
    assert rec.identified == {"M1": "A1"} and rec.linked == 1
