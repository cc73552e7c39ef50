"""Post upserts: new, changed (with a listing snapshot) and unchanged sightings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.store import make_engine, session_factory
from leaktrace.store.models import Base, ListingSnapshot, Post, url_key
from leaktrace.store.repo import PostSighting, upsert_post

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://shop7xyz.onion/listing/42"
BODY = "出售 某电商 订单数据 9亿条 样本: 张三 13800138000"


def listing(**kw: object) -> PostSighting:
    base: dict[str, object] = {
        "site": "shop7xyz", "url": URL, "author_handle": "dataking", "title": "订单数据 9亿条",
        "body": BODY, "language": "zh", "posted_at": T0 - timedelta(days=2),
        "price_amount": 1200.0, "price_currency": "USDT", "volume_records": 900_000_000,
        "status": "active",
    }
    base.update(kw)
    return PostSighting(**base)  # type: ignore[arg-type]


def snapshots(s: Session, post_id: int) -> list[ListingSnapshot]:
    stmt = select(ListingSnapshot).where(ListingSnapshot.post_id == post_id).order_by(ListingSnapshot.id)
    return list(s.scalars(stmt))


def test_new_then_changed_then_unchanged(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        new = upsert_post(s, listing(), seen_at=T0)
    with sessions.begin() as s:
        changed = upsert_post(s, listing(price_amount=950.5, status="sold"), seen_at=T0 + timedelta(days=1))
    with sessions.begin() as s:
        same = upsert_post(s, listing(price_amount=950.5, status="sold"), seen_at=T0 + timedelta(days=2))
    assert new.state == "new" and changed.state == "changed" and same.state == "unchanged"
    assert new.post_id == changed.post_id == same.post_id
    assert set(changed.changed) == {"price_amount", "status"} and same.changed == ()
    with sessions() as s:
        snaps = snapshots(s, new.post_id)
        post = s.get(Post, new.post_id)
    assert [x.kind for x in snaps] == ["new", "changed"]
    assert snaps[1].changes == {"price_amount": [1200.0, 950.5], "status": ["active", "sold"]}
    assert (snaps[0].price_amount, snaps[1].price_amount, snaps[1].status) == (1200.0, 950.5, "sold")
    assert post is not None and post.last_seen_at == T0 + timedelta(days=2)
    assert post.first_seen_at == T0 and post.volume_records == 900_000_000


def test_snapshot_never_copies_text(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        r = upsert_post(s, listing(), seen_at=T0)
        upsert_post(s, listing(body=BODY + " 更新"), seen_at=T0 + timedelta(hours=1))
        snaps = snapshots(s, r.post_id)
    assert snaps[1].changes.keys() == {"body"}
    assert all("13800138000" not in repr(x.changes) and "张三" not in repr(x.changes) for x in snaps)
    old, new = snaps[1].changes["body"]
    assert old != new and len(old) == len(new) == 16


def test_missing_field_is_not_observed_not_withdrawn(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        r = upsert_post(s, listing(), seen_at=T0)
        again = upsert_post(s, listing(price_amount=None, status=None), seen_at=T0 + timedelta(hours=1))
        post = s.get(Post, r.post_id)
    assert again.state == "unchanged"
    assert post is not None and post.price_amount == 1200.0 and post.status == "active"


def test_same_instant_in_another_zone_is_unchanged(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_post(s, listing(), seen_at=T0)
        shifted = (T0 - timedelta(days=2)).astimezone(timezone(timedelta(hours=8)))
        assert upsert_post(s, listing(posted_at=shifted), seen_at=T0).state == "unchanged"


def test_site_url_unique_constraint(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        upsert_post(s, listing(), seen_at=T0)
        upsert_post(s, listing(site="othermarket"), seen_at=T0)
        assert s.scalar(select(func.count()).select_from(Post)) == 2
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(Post(site="shop7xyz", url=URL, url_key=url_key(URL)))
        s.flush()


@pytest.mark.parametrize(("kw", "problem"), [
    ({"site": " "}, "'site' is empty"),
    ({"posted_at": datetime(2025, 1, 1)}, "'posted_at'"),
    ({"volume_records": -5}, "negative"),
    ({"url": "http://x.onion/" + "q" * 9000}, "exceeds"),
])
def test_bad_sighting_names_the_field(sessions: sessionmaker[Session], kw: dict[str, object], problem: str) -> None:
    with sessions.begin() as s, pytest.raises(InputError, match=problem):
        upsert_post(s, listing(**kw), seen_at=T0)


SIGHTINGS = st.lists(
    st.fixed_dictionaries({
        "price_amount": st.none() | st.sampled_from([10.0, 12.5, 0.12345678]),
        "status": st.none() | st.sampled_from(["active", "sold", "removed"]),
        "volume_records": st.none() | st.integers(0, 10**10),
        "title": st.none() | st.sampled_from(["a", "b"]),
    }),
    min_size=1, max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(seq=SIGHTINGS)
def test_snapshots_follow_a_model_of_the_listing(seq: list[dict[str, object]]) -> None:
    """Property (in-memory SQLite): one snapshot for the first sighting plus one per change."""
    engine = make_engine(url="sqlite://")
    Base.metadata.create_all(engine)
    sessions = session_factory(engine)
    state: dict[str, object] = {}
    expected = 0
    with sessions.begin() as s:
        for i, kw in enumerate(seq):
            r = upsert_post(s, PostSighting(site="m", url=URL, **kw), seen_at=T0 + timedelta(minutes=i))  # type: ignore[arg-type]
            observed = {k: v for k, v in kw.items() if v is not None}
            diff = {k for k, v in observed.items() if state.get(k) != v}
            expected += 1 if i == 0 or diff else 0
            assert r.state == ("new" if i == 0 else "changed" if diff else "unchanged")
            assert i == 0 or set(r.changed) == diff
            state.update(observed)
        post = s.scalar(select(Post))
        assert post is not None
        assert {k: getattr(post, k) for k in state} == state
        assert len(snapshots(s, post.id)) == expected
    engine.dispose()


def test_a_deep_page_is_the_page_the_plain_query_gives(sessions: sessionmaker[Session],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """From `_PAGE_BY_IDS_FROM` on, find_posts walks the offset over ids alone, then reads the page's rows:
    the same rows, verdicts, triage and order as the one query, for each sort and with filters (a search's
    terms; highest score first with only verdict filters, which walks the verdicts' score index alone, past
    another model's verdicts and posts without one)."""
    import leaktrace.store.repo.post_queries as q
    from leaktrace.store.models import IntelResult, SearchTerm, Triage

    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with sessions() as s:
        for i in range(60):
            pid = upsert_post(s, PostSighting(site="m", url=f"http://m/{i}", author_handle=f"s{i % 3}",
                                              title=f"t{i}"), seen_at=t0 + timedelta(minutes=(i * 7) % 13)).post_id
            if i % 4:
                s.add(IntelResult(post_id=pid, model_version="v1", score=(i % 5) / 5, trafficking=i % 2 == 0,
                                  categories=[], facts={}))
            if i % 5 != 1:  # another model's verdict, with scores that would order the page otherwise
                s.add(IntelResult(post_id=pid, model_version="v0", score=1 - (i % 7) / 7, trafficking=True,
                                  categories=[], facts={}))
            if i % 6 == 0:
                s.add(Triage(post_id=pid, state="dismissed", reason="no", actor="t", updated_at=t0))
            s.add_all([SearchTerm(term=t, post_id=pid) for t in ("ab", "bc")[: 1 + i % 2] if i % 3])
        s.commit()
        pages = 0
        filters = [q.PostFilter(), q.PostFilter(sort="score"), q.PostFilter(triage="new"),
                   q.PostFilter(min_score=0.4, seller="S1"), q.PostFilter(triage="dismissed", sort="score"),
                   q.PostFilter(sort="score", min_score=0.4), q.PostFilter(sort="score", trafficking=False),
                   q.PostFilter(terms=("ab",)), q.PostFilter(terms=("ab", "bc")),
                   q.PostFilter(terms=("bc",), sort="score"), q.PostFilter(trafficking=True)]
        for f in filters:
            for offset in (0, 3, 11, 40, 59, 80):
                monkeypatch.setattr(q, "_PAGE_BY_IDS_FROM", 0)
                deep = q.find_posts(s, "v1", f, limit=7, offset=offset)
                monkeypatch.setattr(q, "_PAGE_BY_IDS_FROM", 10**9)
                monkeypatch.setattr(q, "_SEARCH_BY_IDS", False)
                plain = q.find_posts(s, "v1", f, limit=7, offset=offset)
                monkeypatch.setattr(q, "_SEARCH_BY_IDS", True)
                assert [(r.post.id, r.source, r.verdict and r.verdict.id, r.triage_state) for r in deep] == \
                       [(r.post.id, r.source, r.verdict and r.verdict.id, r.triage_state) for r in plain], (f, offset)
                pages += bool(plain)
        assert pages >= 30  # most pages hold rows: the comparison is not of empty lists
