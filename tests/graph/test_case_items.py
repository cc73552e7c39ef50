"""A built graph as case items, drawn: the group chart has edges between members and a legend; wallets name units.

Built on a generated world (tests/graph/simworld.py), through the same
functions `case build` and the demo use (pipeline.case_build.graph_items,
cases.charts.gang_graph).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from simworld import world_store

from leaktrace.cases.charts import gang_graph, member_edges
from leaktrace.cases.model import Actor, Group, Wallet
from leaktrace.graph.build import build_graph
from leaktrace.graph.money import import_transfers
from leaktrace.pipeline.case_build import graph_items

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def items() -> tuple[list[Actor], list[Group], list[Wallet]]:
    with world_store(3) as w, w.sessions() as s:
        assert import_transfers(s, w.social / "wallet_transactions.csv")[0] > 0
        s.commit()
        graph = build_graph(s, w.hasher)
    actors, groups, wallets = graph_items(graph, {})
    return ([Actor.model_validate(a) for a in actors], [Group.model_validate(g) for g in groups],
            [Wallet.model_validate(x) for x in wallets])


def _ids(svg: str, prefix: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith(prefix)]


def test_group_links_join_members_and_carry_their_basis(items: tuple[list[Actor], list[Group], list[Wallet]]) -> None:
    actors, groups, _ = items
    gang = max(groups, key=lambda g: len(g.members))
    members = [a for a in actors if a.id in gang.members]
    edges = member_edges(members, [gang])
    # Every member is tied to the rest by at least one link between members, not only alias links.
    touched = {i for pair in edges for i in pair}
    assert len(members) >= 5 and touched == set(range(len(members)))
    assert all(lk.basis in {"strong", "confirmed", "inferred", "group"} for lk in gang.links)
    assert {lk.basis for links in edges.values() for lk in links} & {"group", "inferred", "strong"}


def test_group_chart_draws_edges_nodes_by_role_and_a_legend(items: tuple[list[Actor], list[Group], list[Wallet]]) -> None:
    actors, groups, _ = items
    gang = max(groups, key=lambda g: len(g.members))
    members = [a for a in actors if a.id in gang.members]
    svg = gang_graph(members, [gang], "en")
    edges = _ids(svg, "lt-edge-")
    assert len(edges) == len(member_edges(members, [gang])) > 0
    # Each edge is a drawn path, styled by the basis of its best-proven link.
    assert all(e.find(f"{SVG}path") is not None for e in edges)
    nodes = _ids(svg, "lt-node-")
    assert len(nodes) == len(members)
    fills = set(re.findall(r"fill: ?(#[0-9a-f]{6})", " ".join(ET.tostring(n, encoding="unicode") for n in nodes)))
    assert len(fills) >= 2  # members of different roles get different colours ("(inferred lead)" is no other role)
    legend = _ids(svg, "lt-legend")
    assert legend
    text = "".join(ET.tostring(legend[0], encoding="unicode", method="text"))
    assert "Legend" in text and "supplier" in text and "link" in text
    zh = gang_graph(members, [gang], "zh")
    legend_zh = "".join(ET.tostring(_ids(zh, "lt-legend")[0], encoding="unicode", method="text"))
    assert "图例" in legend_zh and "供货人" in legend_zh


def test_wallet_amounts_name_their_currency(items: tuple[list[Actor], list[Group], list[Wallet]]) -> None:
    _, _, wallets = items
    received = [w for w in wallets if w.received is not None]
    assert received
    # The world's transfers are USDT on TRON: the unit is the token the explorer named, never "units".
    assert {w.received.currency for w in received if w.chain == "trx"} == {"USDT"}  # type: ignore[union-attr]
    assert all(w.received.currency not in ("units", "") for w in received)  # type: ignore[union-attr]


def test_link_table_has_one_row_per_pair_of_members(items: tuple[list[Actor], list[Group], list[Wallet]]) -> None:
    """Hundreds of account links between members read as one row per pair, not one each (30 PDF pages)."""
    from leaktrace.cases.report import MAX_LINK_ROWS, link_rows

    actors, groups, _ = items
    gang = max(groups, key=lambda g: len(g.members))
    members = [a for a in actors if a.id in gang.members]
    pairs = member_edges(members, [gang])
    rows = link_rows(members, gang)
    between = rows[:len(pairs)]
    assert len(rows) <= MAX_LINK_ROWS and len(gang.links) > len(rows)
    assert {frozenset((r["a"], r["b"])) for r in between} == {
        frozenset((members[a].name, members[b].name)) for a, b in pairs}
    assert sum(r["n"] for r in between) == sum(len(v) for v in pairs.values())
    assert all(r["basis"] in {"strong", "confirmed", "inferred", "group"} for r in rows)


def test_members_carry_the_province_the_graph_places_them_in(
        items: tuple[list[Actor], list[Group], list[Wallet]]) -> None:
    from leaktrace.cases import provinces
    from leaktrace.cases.model import CaseContent, CaseInfo
    from leaktrace.cases.summary import summary

    actors, groups, _ = items
    gang = max(groups, key=lambda g: len(g.members))
    members = [a for a in actors if a.id in gang.members]
    placed = [a.province_code for a in members if a.province_code]
    assert len(placed) >= len(members) // 2 and all(c in provinces.TILES for c in placed)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    content = CaseContent(info=CaseInfo(ref="T-1", title="t", created_at=now, updated_at=now),
                          actors=members, groups=[gang])
    where = next(line.text for line in summary(content, "en") if line.key == "where")
    assert all(provinces.name(c, "en") in where for c in placed)
