"""End to end against the simulated dark web: SOCKS5h proxy, login, 429/503, GBK forum, refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from _crawl_sources import add_source
from sqlalchemy import func, select

from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import Profile
from leaktrace.core.errors import ConfigError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
from leaktrace.simulate.serve import Behaviour, ServedWorld, running_world
from leaktrace.store.models import Capture, FrontierItem, Post


def _opts(w: ServedWorld, market: str, profile: Profile, **kw: object) -> CrawlOptions:
    url = w.url(market)
    host = url.split("/")[2]
    creds = w.credentials[host]
    base = dict(profile=profile, source=market, start_urls=[url], proxy=w.proxy_url,
                credentials={host: Credentials(creds["username"], creds["password"])}, delay_s=0.0, concurrency=4,
                backoff_s=0.05)
    base.update(kw)
    return CrawlOptions(**base)  # type: ignore[arg-type]


def _truth(world: Path, market: str) -> dict[int, dict]:
    rows = [json.loads(x) for x in (world / "social" / "listings.jsonl").read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r for r in rows if r["market"] == market}


def test_crawls_every_listing_through_the_proxy_with_login(ctx: Context, sim_world: Path, sim_profile: Profile) -> None:
    add_source(ctx, "m3")
    # throttled (429 with Retry-After past a burst) and failing (503) like a loaded hidden service
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=60, burst=8, error_rate=0.05, seed=2)) as w:
        report = run_crawl(_opts(w, "m3", sim_profile), ctx)
        again = run_crawl(_opts(w, "m3", sim_profile), ctx)
    truth = _truth(sim_world, "m3")
    with ctx.sessions() as s:
        posts = {int(p.url.rsplit("/", 1)[1]): p for p in s.scalars(select(Post).where(Post.url.contains("/listing/")))}
        captures = s.scalar(select(func.count()).select_from(Capture))
        states = dict(s.execute(select(FrontierItem.state, func.count()).group_by(FrontierItem.state)).all())
    assert set(posts) == set(truth)
    for lid, row in truth.items():  # the GBK forum: titles, sellers and times read right
        assert posts[lid].title == row["title"]
        assert posts[lid].author_handle == row["seller"]
        assert posts[lid].posted_at is not None and posts[lid].posted_at.strftime("%Y-%m-%d %H:%M") == row["posted"]
    assert states == {"done": captures}
    assert report.stats.fetched == captures and report.stats.logins == 1 and report.stats.failed == 0
    # a rerun of a finished crawl fetches nothing and records nothing
    assert again.stats.fetched == 0
    verdict = ctx.evidence.verify()
    assert verdict.ok and verdict.entries == captures


def test_refuses_source_without_legal_basis(ctx: Context, sim_world: Path, sim_profile: Profile) -> None:
    add_source(ctx, "m1", legal=False)
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w, \
            pytest.raises(ConfigError, match="legal basis"):
        run_crawl(_opts(w, "m1", sim_profile), ctx)
    assert not list(ctx.evidence.entries())


def test_refuses_to_run_without_a_socks5h_proxy(ctx: Context, sim_profile: Profile,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    add_source(ctx, "m1")
    url = "http://abc.onion/"
    # no --proxy: Tor's port is tried (here a port where nothing listens) and the crawl refuses to start
    monkeypatch.setattr("leaktrace.collect.proxy.DEFAULT_PROXY", "socks5h://127.0.0.1:1")
    with pytest.raises(ConfigError, match="refusing to crawl without a proxy"):
        run_crawl(CrawlOptions(profile=sim_profile, source="m1", start_urls=[url]), ctx)
    with pytest.raises(ConfigError, match="socks5h"):  # local DNS resolution would leak lookups
        run_crawl(CrawlOptions(profile=sim_profile, source="m1", start_urls=[url], proxy="socks5://127.0.0.1:9050"),
                  ctx)
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1:1 is not reachable"):
        run_crawl(CrawlOptions(profile=sim_profile, source="m1", start_urls=[url], proxy="socks5h://127.0.0.1:1"), ctx)


def test_wrong_password_stops_with_a_clear_error(ctx: Context, sim_world: Path, sim_profile: Profile) -> None:
    add_source(ctx, "m2")
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        host = w.url("m2").split("/")[2]
        opts = _opts(w, "m2", sim_profile, credentials={host: Credentials("nobody", "wrong")})
        with pytest.raises(ConfigError, match="login failed"):
            run_crawl(opts, ctx)


@pytest.mark.postgres
def test_the_same_crawl_on_postgresql(sim_world: Path, sim_profile: Profile, monkeypatch: pytest.MonkeyPatch,
                                      pg_new_schema_url: Callable[[], str]) -> None:
    """The frontier (SKIP LOCKED claims), three sink threads and the store on PostgreSQL, by setting only."""
    from leaktrace.core.settings import get_settings
    from leaktrace.pipeline.context import open_context

    try:
        monkeypatch.setenv("LEAKTRACE_DATABASE_URL", pg_new_schema_url())
        get_settings.cache_clear()
        with open_context() as pg, running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0.05)) as w:
            assert pg.engine.dialect.name == "postgresql"
            add_source(pg, "m2")
            report = run_crawl(_opts(w, "m2", sim_profile), pg)
            again = run_crawl(_opts(w, "m2", sim_profile), pg)
            with pg.sessions() as s:
                titles = {int(p.url.rsplit("/", 1)[1]): p.title
                          for p in s.scalars(select(Post).where(Post.url.contains("/listing/")))}
                captures = s.scalar(select(func.count()).select_from(Capture))
            assert titles == {lid: row["title"] for lid, row in _truth(sim_world, "m2").items()}
            assert report.stats.fetched == captures and again.stats.fetched == 0
            assert pg.evidence.verify().ok
    finally:
        get_settings.cache_clear()
