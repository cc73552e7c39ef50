"""Watch mode (changed listings become snapshots, watch-list hits reach a webhook) and CAPTCHA logins."""

from __future__ import annotations

import pytest
from _crawl_fakesite import CAPTCHA_ANSWER, HOST, PNG, serve
from _crawl_sources import add_source
from sqlalchemy import select

from leaktrace.collect.captcha import CaptchaChallenge
from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import Profile
from leaktrace.core.errors import ConfigError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl, watch
from leaktrace.store.models import Capture, ListingSnapshot, Post


def _opts(srv, profile: Profile, **kw: object) -> CrawlOptions:
    base = dict(profile=profile, source="fake", start_urls=[f"http://{HOST}/"], proxy=srv.proxy_url,
                credentials={HOST: Credentials("inv", "pw")}, backoff_s=0.01)
    base.update(kw)
    return CrawlOptions(**base)  # type: ignore[arg-type]


def test_watch_records_changes_and_alerts_on_terms(ctx: Context, site_state, fake_profile: Profile) -> None:
    site_state.listings = {
        1: {"title": "优选商城 会员数据 10万条", "body": "一手", "price": "300 USDT", "seller": "ace"},
        2: {"title": "VPN accounts", "body": "fresh", "price": "5 USDT", "seller": "bob"},
    }

    def between_rounds(_seconds: float) -> None:
        site_state.listings[1] = {**site_state.listings[1], "price": "250 USDT", "status": "sold out"}
        del site_state.listings[2]  # taken down: 404 from now on
        site_state.listings[3] = {"title": "ＹＯＵＸＵＡＮ mall orders", "body": "2万条", "price": "80 USDT",
                                  "seller": "ace"}

    add_source(ctx, "fake")
    with serve(site_state) as srv:
        opts = _opts(srv, fake_profile, terms=["优选商城", "youxuan"], webhook=srv.webhook)
        reports = watch(opts, interval_s=0, rounds=2, sleep=between_rounds, ctx=ctx)
        hooks = list(site_state.hooks)
    assert [len(r.alerts) for r in reports] == [1, 2]
    assert reports[0].stats.new_posts >= 2 and reports[1].stats.new_posts == 1
    assert reports[1].stats.changed_posts == 2  # listing 1 repriced, listing 2 removed; the rest unchanged
    assert [h["round"] for h in hooks] == [1, 2]
    second = {a["url"].rsplit("/", 1)[1]: a for a in hooks[1]["alerts"]}
    assert second["1"]["state"] == "changed" and set(second["1"]["changed"]) >= {"price_amount", "status"}
    assert second["1"]["price_amount"] == 250 and second["3"]["state"] == "new"
    assert second["3"]["terms"] == ["youxuan"]  # full-width letters fold to the term
    assert all("body" not in a for h in hooks for a in h["alerts"])  # bodies may quote personal data
    with ctx.sessions() as s:
        post = s.scalar(select(Post).where(Post.url == f"http://{HOST}/listing/1"))
        assert post is not None and post.price_amount == 250 and post.status == "sold out"
        snaps = s.scalars(select(ListingSnapshot).where(ListingSnapshot.post_id == post.id)
                          .order_by(ListingSnapshot.id)).all()
        assert [x.kind for x in snaps] == ["new", "changed"]
        assert snaps[1].changes["price_amount"] == [300, 250]
        gone = s.scalar(select(Post).where(Post.url == f"http://{HOST}/listing/2"))
        assert gone is not None and gone.status == "removed" and gone.title == "VPN accounts"
        unchanged = s.scalars(select(Capture).where(Capture.url == f"http://{HOST}/listing/2")).all()
        assert len(unchanged) == 1  # same bytes on the second round: no second capture
    assert ctx.evidence.verify().ok


def test_captcha_login_waits_for_a_person(ctx: Context, site_state, fake_profile: Profile) -> None:
    site_state.captcha = True
    asked: list[CaptchaChallenge] = []

    async def person(ch: CaptchaChallenge) -> str | None:
        asked.append(ch)
        return CAPTCHA_ANSWER

    add_source(ctx, "fake")
    with serve(site_state) as srv:
        report = run_crawl(_opts(srv, fake_profile, captcha=person), ctx)
    assert len(asked) == 1 and asked[0].image == PNG and asked[0].host == HOST
    assert report.stats.logins == 1
    with ctx.sessions() as s:
        assert s.scalar(select(Post.title).where(Post.url == f"http://{HOST}/members")) == "Members area"


def test_captcha_without_a_person_stops_the_crawl(ctx: Context, site_state, fake_profile: Profile) -> None:
    site_state.captcha = True
    add_source(ctx, "fake")
    with serve(site_state) as srv, pytest.raises(ConfigError, match="CAPTCHA"):
        run_crawl(_opts(srv, fake_profile), ctx)
