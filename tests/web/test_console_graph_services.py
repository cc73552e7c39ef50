"""The service functions behind the actor, group and link-review pages, over a world of their own.

The world is generated and analysed like the console's, but in its own data
directory: these tests confirm and reject links and rebuild the graph, which
must not move the actors the page and browser tests look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import igraph as ig
import pytest
from console_world import fill_world
from graph_fixtures import HOSTILE, graph_ready, synthetic_graph
from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import AccountIdentifier, GraphAccount, GraphLink, LinkReason
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.graph.build import save_snapshot
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, Role
from leaktrace.service.actor_view import actor_list, actor_view
from leaktrace.service.audit import query
from leaktrace.service.errors import PermissionDenied, ReasonRequired
from leaktrace.service.geo import china_provinces, province_name
from leaktrace.service.graph_chart import (
    KINDS,
    MAX_NODES,
    STANDINGS,
    actor_chart,
    export_graphml,
    label,
    link_kinds,
)
from leaktrace.service.group_view import group_view
from leaktrace.service.link_review import decide, pending
from leaktrace.store.models import Identifier, WalletTransfer


def _p(role: str, name: str) -> Principal:
    return Principal(100 + len(name), name, Role(role), "org-a" if role == "partner" else None, None, "tests")


SUPER, ANALYST, AUDITOR, PARTNER = (_p("supervisor", "g-super"), _p("analyst", "g-analyst"),
                                    _p("auditor", "g-auditor"), _p("partner", "g-partner"))


@pytest.fixture(scope="module")
def gctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    root = tmp_path_factory.mktemp("graphsvc")
    ctx = Context(Settings(data_dir=root / "data"), keyring=Keyring.generate())
    try:
        fill_world(ctx, root / "world")
        graph_ready(ctx)
        yield ctx
    finally:
        ctx.close()


def _grouped_actor(ctx: Context) -> str:
    result = graph_access.snapshot(ctx)
    return max((a for a in result.actors if a.group), key=lambda a: len(a.accounts)).id


def test_actor_page_shows_aliases_and_suspect_contacts_in_clear_and_audits_it(gctx: Context) -> None:
    aid = _grouped_actor(gctx)
    actor = next(a for a in graph_access.snapshot(gctx).actors if a.id == aid)
    v = actor_view(gctx, ANALYST, aid)
    assert [a.key for a in v.aliases] == actor.accounts
    assert v.clear_shown > 0
    with gctx.session() as s:
        stored = {i.id: i for i in s.scalars(select(Identifier).where(Identifier.id.in_([i.id for i in v.identifiers])))}
    for i in v.identifiers:
        if i.clear:
            assert i.shown == stored[i.id].value_norm  # the seller's own contact, as stored
        else:
            assert i.shown == stored[i.id].value_masked
    entries = query(gctx, action="view.unmasked", limit=50)
    assert any(e.target == f"actor:{aid}" and e.actor == ANALYST.username
               and e.detail["identifiers_in_clear"] == v.clear_shown for e in entries)
    for who in (AUDITOR, PARTNER):
        with pytest.raises(PermissionDenied):
            actor_view(gctx, who, aid)


def test_a_contact_seen_as_a_victims_stays_masked(gctx: Context) -> None:
    from leaktrace.store.types import utcnow

    aid = _grouped_actor(gctx)
    first = next(i for i in actor_view(gctx, ANALYST, aid).identifiers if i.clear)
    with gctx.session() as s:
        s.get(Identifier, first.id).victim_seen_at = utcnow()
        s.commit()
    try:
        again = next(i for i in actor_view(gctx, ANALYST, aid).identifiers if i.id == first.id)
        assert not again.clear and "*" in again.shown
    finally:
        with gctx.session() as s:
            s.get(Identifier, first.id).victim_seen_at = None
            s.commit()


def test_timeline_holds_every_post_and_the_price_series_follows_it(gctx: Context) -> None:
    aid = _grouped_actor(gctx)
    v = actor_view(gctx, ANALYST, aid)
    assert len(v.timeline) == v.posts
    assert [t.at for t in v.timeline] == sorted(t.at for t in v.timeline)
    priced = [t for t in v.timeline if t.price is not None and t.currency]
    assert priced, "the generated listings name prices"
    assert sum(len(p) for p in v.series["prices"].values()) == len(priced)
    assert len(v.series["records"]) == sum(1 for t in v.timeline if t.records)
    assert sum(n for _, n in v.series["posts"]) == len(v.timeline)


def test_chart_is_the_actor_and_its_neighbours_with_typed_edges(gctx: Context) -> None:
    aid = _grouped_actor(gctx)
    result = graph_access.snapshot(gctx)
    mine = set(next(a for a in result.actors if a.id == aid).accounts)
    chart = actor_chart(gctx, ANALYST, aid, depth=1)
    ids = {n["data"]["id"] for n in chart.nodes}
    assert {n["data"]["id"] for n in chart.nodes if n["data"]["focus"]} == mine
    expected = set(mine)
    for lk in result.links:
        if lk.a in mine:
            expected.add(lk.b)
        if lk.b in mine:
            expected.add(lk.a)
    assert ids == expected
    assert chart.edges and all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in chart.edges)
    assert all(set(e["data"]["kinds"]) <= set(KINDS) and e["data"]["standing"] in STANDINGS for e in chart.edges)
    assert all("position" in n for n in chart.nodes)
    assert len(actor_chart(gctx, ANALYST, aid, depth=0).nodes) == len(mine)
    with pytest.raises(InputError):
        actor_chart(gctx, ANALYST, aid, depth=9)
    with pytest.raises(InputError):
        actor_chart(gctx, ANALYST, "Anope")


def test_link_kinds_name_wallet_pgp_contact_style_picture() -> None:
    def acc(key: str, idents: list[tuple[int, str]]) -> GraphAccount:
        return GraphAccount(key=key, site="m", handle=key, host="m", actor="A", posts=1, trafficking_posts=1,
                            first_seen=None, last_seen=None, hub=False, hub_reason=None, samples=0,
                            identifiers=[AccountIdentifier(id=i, type=t, masked="x", hash="h", kind="personal")
                                         for i, t in idents])

    a = acc("m:a", [(1, "tron"), (2, "pgp_fingerprint"), (3, "qq"), (9, "btc")])
    b = acc("m:b", [(1, "tron"), (2, "pgp_fingerprint"), (3, "qq")])
    link = GraphLink(id="x", a="m:a", b="m:b", basis="strong", confidence=0.9, group_weight=0, same_actor=True,
                     reasons=[LinkReason(kind="identifier", detail="both show tron T*", confidence=0.97),
                              LinkReason(kind="style", detail="writing alike", confidence=0.5),
                              LinkReason(kind="picture", detail="same picture", confidence=0.5)])
    assert link_kinds(link, a, b) == ["contact", "pgp", "picture", "style", "wallet"]
    only_detail = GraphLink(id="y", a="m:a", b="m:c", basis="inferred", confidence=0.5, group_weight=0,
                            same_actor=False, reasons=[LinkReason(kind="shared_identifier",
                                                                  detail="both show eth 0x**12 (team)",
                                                                  confidence=0.0)])
    assert link_kinds(only_detail, a, None) == ["wallet"]


def test_hostile_labels_are_short_and_show_their_codes() -> None:
    for text in HOSTILE:
        shown = label(text)
        assert len(shown) <= 60
    assert "U+202E" in label("\u202egnp.exe") and "\u202e" not in label("\u202egnp.exe")
    assert label("x" * 10_000).endswith("…")


def test_too_large_a_chart_says_filter_first(tmp_path: Path) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data"), keyring=Keyring.generate())
    try:
        save_snapshot(synthetic_graph(MAX_NODES + 1, MAX_NODES), ctx.data_dir)
        chart = actor_chart(ctx, ANALYST, "A0", depth=1)
        assert chart.too_large and not chart.nodes and chart.node_count == MAX_NODES + 1
        assert "Filter first" in (chart.message or "")
        assert len(actor_chart(ctx, ANALYST, "A0", depth=0).nodes) == 1
        with pytest.raises(InputError, match="filter first"):
            export_graphml(ctx, ANALYST, "A0", depth=1)
    finally:
        ctx.close()


def test_graphml_of_a_chart_is_evidence_only_and_audited(gctx: Context, tmp_path: Path) -> None:
    aid = _grouped_actor(gctx)
    data = export_graphml(gctx, ANALYST, aid, depth=1)
    path = tmp_path / "c.graphml"
    path.write_bytes(data)
    g = ig.Graph.Read_GraphML(str(path))
    chart_ids = {n["data"]["id"] for n in actor_chart(gctx, ANALYST, aid, depth=1).nodes}
    accounts = {v["node_id"].removeprefix("account:") for v in g.vs if v["kind"] == "account"}
    assert accounts == chart_ids
    assert all(e["basis"] in ("strong", "confirmed", "evidence") for e in g.es)
    entries = query(gctx, action="export.download", limit=20)
    assert any(e.target == f"actor:{aid}" and e.detail.get("format") == "graphml" for e in entries)


def test_only_supervisors_decide_with_a_reason_and_the_next_build_applies_it(gctx: Context) -> None:
    leads = pending(gctx, ANALYST)
    assert leads, "a generated world always has style leads"
    lead = leads[0]
    with pytest.raises(PermissionDenied) as denied:
        decide(gctx, ANALYST, lead.id, None, "confirm", "looks the same")
    assert "supervisor" in str(denied.value.message)
    with pytest.raises(ReasonRequired):
        decide(gctx, SUPER, lead.id, None, "confirm", " ")
    with pytest.raises(InputError):
        decide(gctx, SUPER, lead.id, None, "maybe", "a reason")
    d = decide(gctx, SUPER, lead.id, None, "confirm", "same PGP-signed message on both")
    assert (d.a, d.b, d.decision, d.previous) == (min(lead.a, lead.b), max(lead.a, lead.b), "confirm", None)
    assert next(p for p in pending(gctx, ANALYST) if p.id == lead.id).decided == "confirm"
    entry = next(e for e in query(gctx, action="link.confirm", limit=10) if e.target == f"link:{lead.id}")
    assert entry.actor == SUPER.username and entry.reason == "same PGP-signed message on both"
    rebuilt = graph_access.rebuild(gctx)
    link = next(lk for lk in rebuilt.links if {lk.a, lk.b} == {lead.a, lead.b})
    assert link.basis == "confirmed"
    actor_of = {a.key: a.actor for a in rebuilt.accounts}
    assert actor_of[lead.a] == actor_of[lead.b]
    assert all(p.id != lead.id for p in pending(gctx, ANALYST))


def test_a_pair_of_accounts_can_be_decided_and_a_typo_is_refused(gctx: Context) -> None:
    result = graph_access.snapshot(gctx)
    a, b = result.accounts[0].key, result.accounts[-1].key
    d = decide(gctx, SUPER, a, b, "reject", "informant: two people")
    assert d.decision == "reject"
    with pytest.raises(InputError, match="no such account"):
        decide(gctx, SUPER, a, "m9:ghost", "reject", "typo check")
    assert not [e for e in query(gctx, action="link.reject", limit=20) if "m9:ghost" in json.dumps(e.detail)]


def test_group_page_members_map_and_money_flows(gctx: Context) -> None:
    result = graph_access.snapshot(gctx)
    g = result.groups[0]
    v = group_view(gctx, ANALYST, g.id)
    assert sorted(m.actor for m in v.members) == sorted(g.actors)
    assert {m.actor: m.role for m in v.members} == {a: g.roles.get(a) for a in g.actors}
    names = {f["properties"]["name"] for f in china_provinces()["features"]}
    assert set(v.provinces) <= names and v.provinces
    assert v.flows, "graph_ready imported transfers for the group's wallets"
    own = {w.address for w in v.wallets if w.address}
    for f in v.flows:
        assert (f.source.startswith("in:") and f.target.startswith("wallet:")) or (
            f.source.startswith("wallet:") and f.target.startswith("out:"))
        assert f.target.removeprefix("wallet:") in own or f.source.removeprefix("wallet:") in own
    with gctx.session() as s:
        rows = s.execute(select(WalletTransfer.sender, WalletTransfer.receiver, WalletTransfer.amount)).all()
    touching = sum(amount for sender, receiver, amount in rows if sender in own or receiver in own)
    assert sum(f.amount for f in v.flows) == pytest.approx(touching)
    with pytest.raises(PermissionDenied):
        group_view(gctx, PARTNER, g.id)


def test_actor_list_filters_by_account(gctx: Context) -> None:
    rows = actor_list(gctx, ANALYST)
    assert len(rows) == len(graph_access.snapshot(gctx).actors)
    some = rows[0].accounts[0]
    assert all(any(some.lower() in k.lower() for k in r.accounts) for r in actor_list(gctx, ANALYST, some))


def test_province_map_file_and_names() -> None:
    geo = china_provinces()
    props = [f["properties"] for f in geo["features"]]
    assert len(props) == 34 and len({p["name"] for p in props}) == 34 and len({p["code"] for p in props}) == 34
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in geo["features"])
    here = Path(__file__).resolve().parents[2] / "src" / "leaktrace" / "web" / "static" / "geo"
    assert "Natural Earth" in (here / "LICENSE").read_text(encoding="utf-8")
    assert province_name("广东") == "广东省" and province_name("新疆") == "新疆维吾尔自治区"
    assert province_name("44") == "广东省" and province_name("香港") == "香港特别行政区"
    assert province_name("<script>") is None
