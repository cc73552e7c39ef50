"""Roles inside a group: supplier first, wholesalers with the whole lot, agents with subsets."""

from __future__ import annotations

from typing import Any

from graphstore import Builder

from leaktrace.graph.build import build_graph
from leaktrace.store.repo import record_intel

ROWS = tuple(f"姓名:张{i} 手机:138****000{i} 地址:某省某市" for i in range(5))


def _post(store: Builder, site: str, who: str, day: int, volume: int, rows: tuple[str, ...],
          regions: list[str] | None = None) -> None:
    pid = store.post(site, who, f"出订单数据 {who} {day}", samples=rows, day=day, volume=volume)
    with store.sessions.begin() as s:
        record_intel(s, pid, "t", trafficking=True, score=0.9, facts={"regions": regions or []})


def _roles(store: Builder) -> dict[str, tuple[str, str]]:
    with store.sessions() as s:
        g = build_graph(s, store.hasher)
    (group,) = g.groups
    key_of = {a.id: a.accounts[0] for a in g.actors}
    return {key_of[a]: (group.roles[a], group.role_reasons[a]) for a in group.actors}


def test_roles_follow_the_lot_each_actor_offers(store: Builder) -> None:
    _post(store, "m1", "sup", 0, 900_000_000, ROWS[:4])
    _post(store, "m2", "whole", 10, 900_000_000, ROWS[:3])
    _post(store, "m2", "whole", 50, 30_000_000, ROWS[1:3])  # one smaller repost: the median lot stays whole
    _post(store, "m2", "whole", 60, 900_000_000, ROWS[2:4])
    _post(store, "m3", "agent", 30, 50_000, ROWS[1:3], ["广东省"])
    _post(store, "m3", "agent", 70, 40_000, ROWS[3:5], ["广东省"])
    _post(store, "m3", "agent", 80, 900_000_000, ROWS[1:3])  # one odd figure does not make a wholesaler
    roles = _roles(store)
    assert roles["m1:sup"][0] == "supplier" and "earliest post showing rows" in roles["m1:sup"][1]
    assert roles["m2:whole"][0] == "wholesaler"
    assert roles["m3:agent"] == ("agent", "later, resells a subset (50,000 of 900,000,000 records) in 广东省")


def test_a_lot_larger_than_the_suppliers_is_not_taken_as_wholesale(store: Builder) -> None:
    # "1万 ... PGP: 4B21..." read as 4 billion records: no resale of a 900 M lot can be that big
    _post(store, "m1", "sup", 0, 900_000_000, ROWS[:4])
    _post(store, "m2", "misread", 20, 4_000_000_000, ROWS[:2], ["北京市"])
    _post(store, "m3", "padded", 25, 4_000_000_000, ROWS[2:4])
    roles: dict[str, Any] = _roles(store)
    assert roles["m2:misread"][0] == "agent" and "exceed the supplier's" in roles["m2:misread"][1]
    assert "北京市" in roles["m2:misread"][1]
    assert roles["m3:padded"][0] == "wholesaler" and "names no province" in roles["m3:padded"][1]
