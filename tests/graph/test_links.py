"""Alias links, hubs, missing evidence and people's verdicts on small hand-built stores."""

from __future__ import annotations

import pytest
from graphstore import Builder

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphLink, GraphResult
from leaktrace.graph.build import build_graph
from leaktrace.graph.feedback import record_verdict

PGP = "0123456789ABCDEF0123456789ABCDEF01234567"
WALLET = "TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq"


def _build(store: Builder) -> GraphResult:
    with store.sessions() as s:
        return build_graph(s, store.hasher)


def _link(g: GraphResult, a: str, b: str) -> GraphLink | None:
    a, b = sorted((a, b))
    return next((x for x in g.links if x.a == a and x.b == b), None)


def _actor(g: GraphResult, key: str) -> str:
    return next(a.actor for a in g.accounts if a.key == key)


def test_personal_identifier_across_sites_is_a_strong_link_with_evidence(store: Builder) -> None:
    store.post("m1", "alpha", ids=(("pgp_fingerprint", PGP),))
    store.post("m2", "omega", ids=(("pgp_fingerprint", PGP),))
    store.post("m2", "bystander", ids=(("qq", "12345678"),))
    g = _build(store)
    link = _link(g, "m1:alpha", "m2:omega")
    assert link is not None and link.basis == "strong" and link.confidence >= 0.99
    assert len(link.evidence) == 2 and all(len(e) == 64 for e in link.evidence)
    assert PGP not in str(link)  # the masked form, never the value, in reasons
    assert _actor(g, "m1:alpha") == _actor(g, "m2:omega") != _actor(g, "m2:bystander")


def test_identifier_on_two_accounts_of_one_site_is_team_evidence_not_alias(store: Builder) -> None:
    store.post("m1", "a1", ids=(("tron", WALLET),))
    store.post("m1", "a2", ids=(("tron", WALLET),))
    store.post("m2", "a3", ids=(("tron", WALLET),))
    g = _build(store)
    link = _link(g, "m1:a1", "m2:a3")
    assert link is not None and link.basis == "group" and link.confidence == 0
    assert "team" in link.reasons[0].detail
    assert len({_actor(g, k) for k in ("m1:a1", "m1:a2", "m2:a3")}) == 3
    assert g.groups and len(g.groups[0].actors) == 3


def test_escrow_wallet_on_many_accounts_is_a_hub_and_links_nothing(store: Builder) -> None:
    for i in range(35):
        store.post(f"m{i % 3}", f"seller{i}", ids=(("tron", WALLET), ("qq", f"{10_000_000 + i}")))
    g = _build(store)
    assert [h.accounts for h in g.hubs] == [35]
    assert "hub" in g.hubs[0].reason
    assert g.links == [] and g.counts.actors == 35 and g.groups == []


def test_account_with_thousands_of_identifiers_is_a_hub_account(store: Builder) -> None:
    pid = store.post("m1", "directory")
    store.many_identifiers(pid, "qq", [str(20_000_000 + i) for i in range(3000)])
    store.post("m2", "real", ids=(("qq", "20000007"),))
    g = _build(store)
    acc = next(a for a in g.accounts if a.key == "m1:directory")
    assert acc.hub and "3000 distinct identifiers" in (acc.hub_reason or "")
    assert len(acc.identifiers) == 500  # the snapshot lists a bounded number per account
    assert _link(g, "m1:directory", "m2:real") is None


def test_link_without_capture_is_a_lead_not_a_merge(store: Builder) -> None:
    store.post("m1", "seen", ids=(("wechat", "wx_dragon88"),))
    store.post("m2", "hearsay", ids=(("wechat", "wx_dragon88"),), capture=False)
    g = _build(store)
    link = _link(g, "m1:seen", "m2:hearsay")
    assert link is not None and link.basis == "inferred"
    assert "no capture" in link.reasons[0].detail
    assert _actor(g, "m1:seen") != _actor(g, "m2:hearsay")


def test_verdicts_persist_and_win_over_evidence_with_an_explanation(store: Builder) -> None:
    store.post("m1", "a", ids=(("pgp_fingerprint", PGP),))
    store.post("m2", "b", ids=(("pgp_fingerprint", PGP),))
    store.post("m3", "c", ids=(("qq", "55555555"),))
    store.post("m2", "d", ids=(("qq", "55555555"),))
    with store.sessions.begin() as s:
        record_verdict(s, "m2:b", "m1:a", "reject", note="different people per informant", decided_by="inv1")
        record_verdict(s, "m3:c", "m1:a", "confirm", decided_by="inv1")
    for _ in range(2):  # the verdicts hold on every rebuild
        g = _build(store)
        link = _link(g, "m1:a", "m2:b")
        assert link is not None and link.basis == "rejected"
        assert _actor(g, "m1:a") != _actor(g, "m2:b")
        assert _actor(g, "m1:a") == _actor(g, "m3:c") == _actor(g, "m2:d")
        assert any("rejected by inv1 although both show pgp_fingerprint" in c for c in g.conflicts)


def test_strong_link_that_would_join_rejected_accounts_is_refused_and_explained(store: Builder) -> None:
    store.post("m1", "a", ids=(("qq", "11111111"),))
    store.post("m2", "b", ids=(("qq", "11111111"),))
    store.post("m3", "c", ids=(("wechat", "wx_cccccc"),))
    store.post("m2", "x", ids=(("wechat", "wx_cccccc"),))
    with store.sessions.begin() as s:
        record_verdict(s, "m1:a", "m3:c", "confirm")
        record_verdict(s, "m2:b", "m3:c", "reject")
    g = _build(store)
    assert _actor(g, "m1:a") == _actor(g, "m3:c") != _actor(g, "m2:b")
    assert any("which a person rejected" in c for c in g.conflicts)


def test_posts_without_author_are_counted_not_attributed(store: Builder) -> None:
    store.post("m1", None, ids=(("qq", "11111111"),))
    store.post("m1", "  ", ids=(("qq", "11111111"),))
    store.post("m2", "someone", ids=(("qq", "11111111"),))
    g = _build(store)
    assert g.counts.posts_without_author == 2 and g.counts.accounts == 1


def test_verdict_for_unknown_account_is_refused_and_an_old_one_explained(store: Builder) -> None:
    from leaktrace.store.models import LinkFeedback

    store.post("m1", "a")
    with store.sessions.begin() as s, pytest.raises(InputError, match=r"m9:ghost.*no such account"):
        record_verdict(s, "m1:a", "m9:ghost", "confirm")
    with store.sessions.begin() as s:  # recorded before its posts were removed, say
        s.add(LinkFeedback(account_a="m1:a", account_b="m9:ghost", decision="confirm"))
    g = _build(store)
    assert any("m9:ghost is not in the store" in c for c in g.conflicts)


def test_near_identical_handles_across_markets_are_a_lead(store: Builder) -> None:
    store.post("m1", "Dragon_King88")
    store.post("m2", "dragonking88")
    store.post("m3", "dragonkin88")
    store.post("m2", "seller1")
    store.post("m3", "seller12")
    g = _build(store)
    lead = _link(g, "m1:Dragon_King88", "m2:dragonking88")
    assert lead is not None and lead.basis == "inferred" and 0 < lead.confidence < 0.9
    assert "near-identical handles" in lead.reasons[0].detail
    assert _link(g, "m2:dragonking88", "m3:dragonkin88") is not None  # one edit apart
    assert _link(g, "m2:seller1", "m3:seller12") is None
    assert _actor(g, "m1:Dragon_King88") != _actor(g, "m2:dragonking88")  # leads never merge by default


def test_strong_link_between_accounts_that_write_nothing_alike_is_flagged(store: Builder) -> None:
    for i in range(26):
        store.post("m1", "zh_writer", f"【老板们好】出身份证实名数据{i}万条！！🔥\n价格{i}块\n先款后货，不议价",
                   ids=(("qq", "31415926"),))
        store.post("m2", "en_writer", f"Hello buyers, fresh US fullz batch {i} :)\nPrice: {i} USD\nEscrow ok.",
                   ids=(("qq", "31415926"),))
    g = _build(store)
    link = _link(g, "m1:zh_writer", "m2:en_writer")
    assert link is not None and link.basis == "strong"
    assert link.warnings and "writing differs strongly" in link.warnings[0]


def test_market_key_on_most_vendor_pages_of_a_site_is_a_hub(store: Builder) -> None:
    for i in range(24):  # under the 30-account mark, but on 14 of the site's 24 vendor pages
        store.post("m1", f"vendor{i}", ids=((("pgp_fingerprint", PGP),) if i < 14 else ()) + (("qq", f"{40_000_000 + i}"),))
    store.post("m2", "elsewhere", ids=(("pgp_fingerprint", PGP),))
    g = _build(store)
    (hub,) = g.hubs
    assert hub.accounts == 15 and "14/24 of m1" in hub.reason
    assert not any(r.kind in ("identifier", "shared_identifier") for lk in g.links for r in lk.reasons)
    assert g.groups == []


def test_escrow_address_among_sellers_sharing_nothing_else_is_a_hub(store: Builder) -> None:
    for i in range(8):  # 8 unrelated sellers over 3 sites paste one escrow deposit address
        store.post(f"m{i % 3}", f"shop{i}", ids=(("tron", WALLET), ("qq", f"{50_000_000 + i}")))
    store.post("m2", "shop0_alt", ids=(("qq", "50000000"),))  # one of them also sells on m2
    g = _build(store)
    (hub,) = g.hubs
    assert hub.accounts == 8 and "only 0 share anything else" in hub.reason
    assert g.groups == []  # the escrow joins nobody into a gang
    assert _actor(g, "m0:shop0") == _actor(g, "m2:shop0_alt")  # the personal QQ still links


def test_escrow_pasting_two_addresses_is_still_a_hub(store: Builder) -> None:
    """Addresses that always travel together cannot vouch for each other."""
    btc = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"
    for i in range(8):
        store.post(f"m{i % 3}", f"shop{i}", ids=(("tron", WALLET), ("btc", btc), ("qq", f"{50_000_000 + i}")))
    g = _build(store)
    assert len(g.hubs) == 2 and g.groups == []
    assert not any(r.kind in ("identifier", "shared_identifier") for lk in g.links for r in lk.reasons)


def test_team_wallet_among_accounts_sharing_samples_stays_team_evidence(store: Builder) -> None:
    rows = ("姓名:张三 手机:138****0001", "姓名:李四 手机:139****0002", "姓名:王五 手机:137****0003")
    for i in range(6):
        store.post(f"m{i % 3}", f"member{i}", ids=(("tron", WALLET), ("qq", f"{60_000_000 + i}")), samples=rows)
    g = _build(store)
    assert g.hubs == []
    assert len(g.groups) == 1 and len(g.groups[0].actors) == 6


def test_escrow_address_is_a_hub_even_where_a_market_key_ties_every_vendor(store: Builder) -> None:
    market_key = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
    for i in range(22):  # every vendor page of m1 quotes the market's key; 8 vendors paste one escrow address
        ids = (("pgp_fingerprint", market_key), ("qq", f"{70_000_000 + i}"))
        store.post("m1", f"v{i}", ids=ids + ((("tron", WALLET),) if i < 8 else ()))
    g = _build(store)
    reasons = {h.type: h.reason for h in g.hubs}
    assert "22/22 of m1" in reasons["pgp_fingerprint"]
    assert "only 0 share anything else" in reasons["tron"]
    assert g.groups == [] and g.links == []
