"""The typed GraphResult keeps the snapshot's JSON shape: field names, order and value types, on a built world."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from simworld import world_store

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphResult
from leaktrace.graph.build import (
    SNAPSHOT_VERSION,
    build_graph,
    load_snapshot,
    save_snapshot,
    snapshot_path,
)

# The snapshot's shape as `graph/graph.json` and `leaktrace graph ... --json` have always printed it.
TOP = ["version", "counts", "accounts", "actors", "groups", "links", "hubs", "conflicts", "timings"]
COUNTS = ["accounts", "actors", "groups", "links", "strong_links", "inferred_links", "posts_without_author"]
ACCOUNT = ["key", "site", "handle", "host", "actor", "posts", "trafficking_posts", "first_seen", "last_seen", "hub",
           "hub_reason", "identifiers", "samples"]
IDENT = ["id", "type", "masked", "hash", "kind", "evidence"]
ACTOR = ["id", "accounts", "sites", "basis", "hub", "group", "role", "role_reason", "role_basis", "provinces",
         "first_seen", "last_seen", "posts", "wallets", "revenue_usd_estimate", "revenue_posts"]
WALLET = ["id", "type", "masked", "address", "received", "sent", "n_in", "n_out", "counterparties", "currency"]
LINK = ["id", "a", "b", "basis", "confidence", "group_weight", "same_actor", "reasons", "evidence", "warnings"]
REASON = ["kind", "detail", "confidence", "evidence"]
GROUP = ["id", "actors", "accounts", "roles", "role_reasons", "shared_samples", "wallets", "revenue_usd_estimate",
         "provinces", "first_seen", "last_seen"]
HUB = ["id", "type", "masked", "accounts", "reason"]


def _types(row: dict[str, Any], floats: tuple[str, ...], ints: tuple[str, ...]) -> None:
    for k in floats:
        assert type(row[k]) is float, (k, row[k])
    for k in ints:
        assert type(row[k]) is int, (k, row[k])


@pytest.fixture(scope="module")
def built() -> GraphResult:
    with world_store(3) as w, w.sessions() as s:
        return build_graph(s, w.hasher)


def test_model_dump_has_the_snapshot_shape(built: GraphResult) -> None:
    d = built.model_dump(mode="json")
    assert d == built.to_dict()
    assert list(d) == TOP and d["version"] == SNAPSHOT_VERSION
    assert list(d["counts"]) == COUNTS
    assert d["counts"]["accounts"] == len(d["accounts"]) and d["counts"]["links"] == len(d["links"])
    assert d["accounts"] and d["actors"] and d["groups"] and d["links"]  # this world has no hubs
    for acc in d["accounts"]:
        assert list(acc) == ACCOUNT
        _types(acc, (), ("posts", "trafficking_posts", "samples"))
        for ident in acc["identifiers"]:
            assert list(ident) == IDENT and type(ident["id"]) is int
    for actor in d["actors"]:
        assert list(actor) == ACTOR
        _types(actor, ("revenue_usd_estimate",), ("posts", "revenue_posts"))
        for wallet in actor["wallets"]:
            assert list(wallet) == WALLET
            _types(wallet, ("received", "sent"), ("id", "n_in", "n_out"))
    assert any(a["wallets"] for a in d["actors"]) and any(a["role"] for a in d["actors"])
    for link in d["links"]:
        assert list(link) == LINK
        _types(link, ("confidence", "group_weight"), ())
        for reason in link["reasons"]:
            assert list(reason) == REASON and type(reason["confidence"]) is float
    for group in d["groups"]:
        assert list(group) == GROUP
        _types(group, ("revenue_usd_estimate",), ("shared_samples",))
        assert set(group["roles"]) == set(group["actors"])
    for hub in d["hubs"]:
        assert list(hub) == HUB and type(hub["accounts"]) is int
    assert all(type(v) is float for v in d["timings"].values()) and "assemble" in d["timings"]


def test_snapshot_round_trips_byte_for_byte(built: GraphResult, tmp_path: Path) -> None:
    path = save_snapshot(built, tmp_path)
    first = path.read_bytes()
    assert json.loads(first) == built.to_dict()
    loaded = load_snapshot(tmp_path)
    assert loaded == built
    save_snapshot(loaded, tmp_path)
    assert path.read_bytes() == first


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d.update(version=0), "snapshot version 0"),
    (lambda d: d["actors"][0].pop("accounts"), "field actors.0.accounts"),
    (lambda d: d["links"][0].update(confidence="high"), "field links.0.confidence"),
    (lambda d: d.update(extra=1), "field extra"),
])
def test_bad_snapshot_is_one_clear_line(built: GraphResult, tmp_path: Path, change: Any, says: str) -> None:
    data = built.to_dict()
    change(data)
    path = snapshot_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_snapshot(tmp_path)
    message = str(exc.value)
    assert says in message and "run 'leaktrace graph build' again" in message and "\n" not in message


def test_snapshot_that_is_not_an_object(tmp_path: Path) -> None:
    path = snapshot_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(InputError, match="snapshot version None"):
        load_snapshot(tmp_path)
