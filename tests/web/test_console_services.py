"""The service functions behind the console's pages and API, over a generated world (SQLite)."""

from __future__ import annotations

import pytest
from console_world import ConsoleWorld
from sqlalchemy import func, select

from leaktrace.core.errors import InputError
from leaktrace.core.search_terms import terms
from leaktrace.pipeline.intel_stage import analyse_item
from leaktrace.service.audit import query
from leaktrace.service.errors import PermissionDenied, RateLimited, ReasonRequired
from leaktrace.service.feed import feed, model_version
from leaktrace.service.listing_view import listing, unmask
from leaktrace.service.pivot import pivot
from leaktrace.service.search import search
from leaktrace.service.triage import add_to_case, dismiss, watch_seller
from leaktrace.store.models import Identifier, Post, PostIdentifier, SearchTerm
from leaktrace.store.repo import PostSighting, upsert_post
from leaktrace.store.repo.post_queries import PostFilter


def _add_post(w: ConsoleWorld, title: str, body: str, url: str) -> int:
    """A post stored and analysed the way a crawl stores it (so it is indexed at ingest)."""
    from datetime import UTC, datetime

    ctx = w.ctx
    with ctx.session() as s:
        pid = upsert_post(s, PostSighting(site="extra", url=url, author_handle="tester", title=title, body=body),
                          seen_at=datetime.now(UTC)).post_id
        analyse_item(s, pid, title, body, ctx.hasher, version=model_version(ctx), model=ctx.intel_model(),
                     lexicon=ctx.lexicon())
        s.commit()
    return pid


def test_terms_are_cjk_bigrams_and_words() -> None:
    assert terms("出售社工料子 USDT-Order") == ["出售", "售社", "社工", "工料", "料子", "usdt", "order"]
    assert terms("库") == ["库"]


def test_feed_sorts_by_score_and_filters_on_facts(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst1"]
    page = feed(w.ctx, p, PostFilter(sort="score"), limit=30)
    scores = [r.score for r in page.rows]
    assert scores == sorted(scores, reverse=True) and scores[0] is not None
    assert sum(page.counts.values()) >= len(page.rows)
    big = feed(w.ctx, p, PostFilter(min_records=1_000_000), limit=50).rows
    assert big and all(r.records is not None and r.records >= 1_000_000 for r in big)
    prov = next(r.provinces[0] for r in feed(w.ctx, p, PostFilter(), limit=500).rows if r.provinces)
    named = feed(w.ctx, p, PostFilter(province=prov), limit=50).rows
    assert named and all(any(prov in x or x in prov for x in r.provinces) for r in named)
    cheap = feed(w.ctx, p, PostFilter(max_price=100), limit=50).rows
    assert all(r.price is None or r.price["amount"] <= 100 for r in cheap)


def test_chinese_two_character_terms_found_through_the_postings(console_world: ConsoleWorld) -> None:
    w = console_world
    pid = _add_post(w, "出售社工库料子 开房记录", "料子新鲜，联系QQ 1234567890", "http://extra.example/1")
    with w.ctx.session() as s:
        for term in ("料子", "社工", "开房"):
            assert s.scalar(select(func.count()).select_from(SearchTerm)
                            .where(SearchTerm.term == term, SearchTerm.post_id == pid)) == 1
        assert s.scalar(select(func.count()).select_from(SearchTerm).where(SearchTerm.term == "1234567890")) == 0
    p = w.accounts.principals["analyst1"]
    for q in ("料子", "社工", "开房"):
        assert pid in [r.post_id for r in search(w.ctx, p, q).rows], q
    assert pid not in [r.post_id for r in search(w.ctx, p, "料子 不存在的词").rows]


def test_index_holds_masked_text_only(console_world: ConsoleWorld) -> None:
    w = console_world
    phone, cn_id = "13912345678", "11010519491231002X"
    pid = _add_post(w, "样本 手机 " + phone, "身份证 " + cn_id, "http://extra.example/2")
    with w.ctx.session() as s:
        held = set(s.scalars(select(SearchTerm.term).where(SearchTerm.post_id == pid)))
    assert not any(phone in t or cn_id.lower() in t or "12345" in t for t in held), held


def test_identifier_in_any_written_form_needs_a_reason_and_is_audited(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst2"]
    pid = _add_post(w, "卖数据 联系手机", "手机 13987654321 微信同号", "http://extra.example/3")
    with pytest.raises(ReasonRequired):
        search(w.ctx, p, "+86 139 8765 4321")
    for form in ("+86 139 8765 4321", "13987654321", "0086-139-8765-4321"):
        r = search(w.ctx, p, form, reason="case LT-9 lead check")
        assert r.person_identifier and pid in [x.post_id for x in r.rows], form
    entries = query(w.ctx, actor="analyst2", action="search.person")
    assert len(entries) >= 3 and all("13987654321" not in str(e.to_json()) for e in entries)


def test_person_search_is_rate_limited(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst1"]
    limit = w.ctx.settings.person_search_per_minute
    with pytest.raises(RateLimited):
        for _ in range(limit + 1):
            search(w.ctx, p, "13900001111", reason="rate limit test")


def test_wallet_search_needs_no_reason_and_pivot_lists_listings(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst1"]
    with w.ctx.session() as s:
        ident = s.scalars(select(Identifier).where(Identifier.value_norm.is_not(None))).first()
    assert ident is not None and ident.value_norm
    r = search(w.ctx, p, ident.value_norm)
    assert not r.person_identifier and ident.id in [i.id for i in r.identifiers]
    v = pivot(w.ctx, p, ident.id)
    assert v.listings and v.accounts and v.shown == ident.value_norm


def test_triage_dismiss_watch_and_case_membership(console_world: ConsoleWorld) -> None:
    w = console_world
    a1, a2 = w.accounts.principals["analyst1"], w.accounts.principals["analyst2"]
    rows = feed(w.ctx, a1, PostFilter(triage="new", sort="score"), limit=3).rows
    with pytest.raises(InputError):
        dismiss(w.ctx, a1, rows[0].post_id, "")
    dismiss(w.ctx, a1, rows[0].post_id, "not personal data")
    watch_seller(w.ctx, a1, rows[1].post_id)
    add_to_case(w.ctx, a1, rows[2].post_id, "LT-MEMBERS")
    with pytest.raises(PermissionDenied):
        add_to_case(w.ctx, a1, rows[2].post_id, "LT-OTHER")
    states = {r.post_id: r.triage for r in feed(w.ctx, a2, PostFilter(), limit=500).rows}
    assert [states[r.post_id] for r in rows] == ["dismissed", "watched", "in_case"]
    dismissed = feed(w.ctx, a2, PostFilter(triage="dismissed"), limit=50).rows
    assert rows[0].post_id in [r.post_id for r in dismissed]
    assert feed(w.ctx, a2, PostFilter(), limit=1).counts["in_case"] >= 1


def test_unmask_needs_reason_and_is_audited(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst1"]
    pid = _add_post(w, "样本", "手机 13811112222", "http://extra.example/4")
    assert "13811112222" not in listing(w.ctx, p, pid).body
    with pytest.raises(ReasonRequired):
        unmask(w.ctx, p, pid, "  ")
    clear = unmask(w.ctx, p, pid, "verify sample for case")
    assert "13811112222" in clear.body
    assert any(e.target == f"post:{pid}" and e.reason == "verify sample for case"
               for e in query(w.ctx, actor="analyst1", action="unmask"))


@pytest.mark.parametrize("role", ["auditor1", "partner1"])
def test_roles_without_the_feed_are_refused_naming_the_role(console_world: ConsoleWorld, role: str) -> None:
    w = console_world
    with pytest.raises(PermissionDenied) as err:
        feed(w.ctx, w.accounts.principals[role], PostFilter())
    assert "analyst" in str(err.value) and "analyst" in err.value.needed


def test_reindex_rebuilds_the_same_postings(console_world: ConsoleWorld) -> None:
    from leaktrace.pipeline.search_index import reindex

    w = console_world
    with w.ctx.session() as s:
        before = s.scalar(select(func.count()).select_from(SearchTerm))
        posts = s.scalar(select(func.count()).select_from(Post))
    assert reindex(w.ctx, full=True) == posts
    with w.ctx.session() as s:
        assert s.scalar(select(func.count()).select_from(SearchTerm)) == before


def test_pivot_names_the_dumps_whose_hash_sets_hold_the_identifier(console_world: ConsoleWorld) -> None:
    import duckdb

    w = console_world
    pid = _add_post(w, "手机样本", "手机 13822223333 出售", "http://extra.example/5")
    with w.ctx.session() as s:
        ident = s.scalars(select(Identifier).join(PostIdentifier, PostIdentifier.identifier_id == Identifier.id)
                          .where(PostIdentifier.post_id == pid, Identifier.type == "cn_mobile")).first()
    assert ident is not None
    sha = "ab" * 32
    folder = w.ctx.data_dir / "dumps" / sha
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT ? AS hash, '44' AS province UNION ALL SELECT 'k.00', '11') TO '{folder / 'phones.parquet'}'",
                [ident.value_hash])
    con.close()
    v = pivot(w.ctx, w.accounts.principals["analyst1"], ident.id)
    assert v.dumps == [sha] and pid in [r.post_id for r in v.listings]
    assert "13822223333" not in v.shown


def test_search_applies_the_feed_filters(console_world: ConsoleWorld) -> None:
    w = console_world
    p = w.accounts.principals["analyst1"]
    everything = search(w.ctx, p, "开房", limit=200).rows
    big = search(w.ctx, p, "开房", PostFilter(min_records=100_000), limit=200).rows
    assert big and len(big) < len(everything)
    assert all(r.records is not None and r.records >= 100_000 for r in big)


def test_feed_shows_the_stored_masked_title_only_while_it_matches(console_world: ConsoleWorld) -> None:
    from datetime import UTC, datetime

    w = console_world
    p = w.accounts.principals["analyst1"]
    pid = _add_post(w, "手机 13855556666 出售", "正文", "http://extra.example/6")
    row = next(r for r in feed(w.ctx, p, PostFilter(seller="tester"), limit=50).rows if r.post_id == pid)
    assert "13855556666" not in row.title and row.title.startswith("手机 13")
    with w.ctx.session() as s:  # a new sighting changes the title; the intel stage has not run again yet
        upsert_post(s, PostSighting(site="extra", url="http://extra.example/6", author_handle="tester",
                                    title="新标题 13877778888", body="正文"), seen_at=datetime.now(UTC))
        s.commit()
    row = next(r for r in feed(w.ctx, p, PostFilter(seller="tester"), limit=50).rows if r.post_id == pid)
    assert row.title.startswith("新标题") and "13877778888" not in row.title


def test_pivot_names_the_cases_holding_the_identifier_to_members_only(console_world: ConsoleWorld) -> None:
    """A listing added to a case makes the case appear on its identifiers' pivot, by the items' indexed terms;
    a user who is not a member sees it counted, not named."""
    from leaktrace.store.models import PostIdentifier

    w = console_world
    a1, a2 = w.accounts.principals["analyst1"], w.accounts.principals["analyst2"]
    with w.ctx.session() as s:
        ident_id, post_id = s.execute(
            select(Identifier.id, PostIdentifier.post_id).join(PostIdentifier, PostIdentifier.identifier_id ==
                                                                Identifier.id)
            .where(Identifier.value_norm.is_not(None)).order_by(Identifier.id.desc())).first()  # type: ignore[misc]
    before = pivot(w.ctx, a1, ident_id)
    other_before = pivot(w.ctx, a2, ident_id)  # other tests sharing the world may hold it in their cases
    add_to_case(w.ctx, a1, post_id, "LT-MEMBERS")
    after = pivot(w.ctx, a1, ident_id)
    assert "LT-MEMBERS" not in before.cases and "LT-MEMBERS" in after.cases
    other = pivot(w.ctx, a2, ident_id)
    assert "LT-MEMBERS" not in other.cases and other.hidden_cases == other_before.hidden_cases + 1
