"""Hostile pages: each is skipped with a reason or decoded right, and store and custody stay sound."""

from __future__ import annotations

from urllib.parse import urlsplit

from _crawl_fakesite import HOST, HUGE_BYTES, serve
from _crawl_sources import add_source
from sqlalchemy import select

from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import Profile
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
from leaktrace.store.models import Capture, FrontierItem, Post


def test_hostile_pages_are_limited_skipped_or_decoded(ctx: Context, site_state, fake_profile: Profile) -> None:
    site_state.listings = {1: {"title": "优选商城 会员数据 10万条", "body": "样本私聊", "price": "300 USDT",
                               "seller": "ace"}}
    add_source(ctx, "fake")
    with serve(site_state) as srv:
        opts = CrawlOptions(profile=fake_profile, source="fake", start_urls=[f"http://{HOST}/"],
                            proxy=srv.proxy_url, credentials={HOST: Credentials("inv", "pw")}, backoff_s=0.01)
        report = run_crawl(opts, ctx)

    with ctx.sessions() as s:
        frontier = {urlsplit(r.url).path: (r.state, r.last_error or "") for r in s.scalars(select(FrontierItem))}
        captured = {urlsplit(c.url).path for c in s.scalars(select(Capture))}
        posts = {urlsplit(p.url).path: p for p in s.scalars(select(Post))}

    def failed(path: str, why: str) -> None:
        state, error = frontier[path]
        assert state == "failed" and why in error, (path, state, error)

    failed("/huge", "exceeds the limit")
    failed("/huge-declared", "exceeds the limit")
    failed("/loop1", "redirect loop")
    failed("/bomb", "decompression bomb")
    failed("/offsite", "outside the configured hosts")
    failed("/binary", "content type")
    # never left the configured host: the off-site link was not even queued, the redirect not followed
    assert "/outside" not in frontier and "/landing" not in frontier and "/outside" not in site_state.hits
    assert site_state.hits["/huge"] == 1 and site_state.hits["/bomb"] == 1  # permanent: not retried
    assert captured == {"/", "/ok", "/malformed", "/gbk", "/gbk-meta", "/flaky", "/members", "/listing/1"}
    assert frontier["/flaky"][0] == "done" and site_state.hits["/flaky"] == 3  # 503, 429, then gzip 200
    assert posts["/flaky"].title == "Flaky page"
    # GBK without any charset declaration, and GB2312 declared only in <meta>
    assert posts["/gbk"].title == "出售学籍数据" and posts["/gbk"].body == "正宗一手，量大从优"
    assert posts["/gbk-meta"].title == "出售快递单号"
    # malformed HTML still yields what it has; the script is text, never run
    assert posts["/malformed"].title is not None and posts["/malformed"].title.startswith("Broken")
    assert posts["/malformed"].price_amount == 12 and posts["/malformed"].price_currency == "USDT"
    assert posts["/listing/1"].volume_records == 100_000 and posts["/listing/1"].author_handle == "ace"
    assert posts["/members"].title == "Members area" and report.stats.logins == 1
    assert report.stats.bytes < 10 * fake_profile.limits.max_bytes < HUGE_BYTES
    verdict = ctx.evidence.verify()
    assert verdict.ok, verdict.to_json()
    assert verdict.entries == len(captured)
