"""`leaktrace case build`: from captures to a case file with commands only (the path the demo takes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _import_helpers import approved, cli

from leaktrace.cases.case_records import get_case, load_content
from leaktrace.pipeline.context import Context


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out.splitlines()[-1])


def _small_dump(tmp_path: Path) -> Path:
    from leaktrace.simulate.world import generate_world

    out = tmp_path / "w"
    truth = generate_world(out, scale=600, seed=3, orgs=2, formats=["csv"], social=False)
    return out / truth["leak"]["files"]["csv"]


def test_case_build_gathers_listings_network_and_dump(ctx: Context, sim_world: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = approved(ctx, "tg")
    assert cli("import", "telegram", str(sim_world / "social" / "telegram" / "result.json"), "--source", src) == 0
    assert cli("case", "new", "Order data sold on a channel", "--ref", "LT-T-1") == 0
    capsys.readouterr()

    assert cli("case", "build", "LT-T-1", "--json") == 0
    first = _json(capsys)
    assert first["items"]["listing"]["added"] > 0 and first["items"]["capture"]["added"] > 0
    assert any("no graph built yet" in n for n in first["notes"])  # said, not silently empty

    assert cli("graph", "build") == 0
    dump = _small_dump(tmp_path)
    capsys.readouterr()
    assert cli("case", "build", "LT-T-1", "--dump", str(dump), "--claimed-records", "5000", "--json") == 0
    second = _json(capsys)
    items = second["items"]
    assert items["listing"]["added"] == 0 and items["listing"]["updated"] == first["items"]["listing"]["added"]
    assert items["actor"]["added"] > 0 and items["dump"]["added"] == 1
    assert any("not attributed" in n for n in second["notes"])  # no organisation registered here

    with ctx.session() as s:
        content = load_content(s, get_case(s, "LT-T-1"))
    assert len(content.listings) == first["items"]["listing"]["added"]  # rebuilt in place, never doubled
    assert content.dumps[0].claimed_records == 5000
    # Accounts carry the source's name, not the host they were collected from.
    assert all(a.startswith("tg:") for actor in content.actors for a in actor.aliases)


def test_case_build_refuses_unknown_case_and_missing_dump(ctx: Context, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("case", "build", "LT-NOPE") == 2
    assert "LT-NOPE" in capsys.readouterr().err
    assert cli("case", "new", "x", "--ref", "LT-T-2") == 0
    assert cli("case", "build", "LT-T-2", "--dump", str(tmp_path / "missing.csv")) == 2
    assert "no such file" in capsys.readouterr().err


def test_vendor_profile_pages_are_kept_as_profiles_not_listed_as_listings(
        ctx: Context, sim_world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A vendor's page is crawled (its bio names contacts) and stored, marked as a profile by the site
    profile's rule; the classifier may judge its bio as trading data, but the case lists offers only."""
    from _crawl_sources import add_source
    from sqlalchemy import select

    from leaktrace.collect.login import Credentials
    from leaktrace.collect.profile import load_profile
    from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
    from leaktrace.simulate.serve import Behaviour, running_world
    from leaktrace.store.models import IntelResult, Post

    add_source(ctx, "m1")
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        host = url.split("/")[2]
        creds = w.credentials[host]
        run_crawl(CrawlOptions(profile=load_profile("simulated-market"), source="m1", start_urls=[url],
                               proxy=w.proxy_url, credentials={host: Credentials(creds["username"], creds["password"])},
                               delay_s=0.0, concurrency=4, backoff_s=0.05), ctx)
    with ctx.session() as s:
        kinds = {p.url.split("/")[3]: p.kind for p in s.scalars(select(Post))}
        judged = s.scalars(select(Post.url).join(IntelResult, IntelResult.post_id == Post.id)
                           .where(IntelResult.trafficking.is_(True), Post.kind == "profile")).all()
    assert kinds["vendor"] == "profile" and kinds["listing"] == "listing"
    assert judged  # vendor bios read as trading data: the page kind, not the verdict, keeps them out

    assert cli("case", "new", "Market m1", "--ref", "LT-T-3") == 0
    assert cli("case", "build", "LT-T-3", "--no-graph", "--json") == 0
    capsys.readouterr()
    with ctx.session() as s:
        content = load_content(s, get_case(s, "LT-T-3"))
    assert content.listings and all("/listing/" in (x.url or "") for x in content.listings)
    assert not [x.url for x in content.listings if "/vendor/" in (x.url or "")]
