"""Sources one run at a time: mirrors proposed and held back, a site down raising its alert once, the
Telegram inbox, pause/resume/run now, and the CLI over the same service functions."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from _inspect import schedule
from sqlalchemy import select, update

from leaktrace.cli.app import main
from leaktrace.core.errors import ConfigError
from leaktrace.pipeline.context import Context, open_context
from leaktrace.pipeline.inspection import isolated_proxy, run_source
from leaktrace.service import sources as svc
from leaktrace.service.access import local_operator
from leaktrace.simulate.serve import Behaviour, LiveConfig, running_world
from leaktrace.store.models import Capture, Job, Post, Source, SourceSchedule

QUIET = Behaviour(rate_per_s=0, error_rate=0)
ME = local_operator("tester")


def _id(ctx: Context, name: str) -> int:
    with ctx.sessions() as s:
        got = s.scalar(select(Source.id).where(Source.name == name))
        assert got is not None
        return got


def test_mirror_is_proposed_and_not_crawled_until_accepted(ctx: Context, small_world: Path, tmp_path: Path) -> None:
    live = LiveConfig(tmp_path / "log.jsonl", tick_s=0.2, seed=1, weights=(0, 0, 0, 0, 0, 1.0))
    with running_world(small_world, behaviour=QUIET, live=live) as w:
        deadline = time.monotonic() + 30
        while '"mirror", "market": "m1"' not in live.changelog.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # until m1 announced its mirror
        schedule(ctx, w, "m1")
        assert run_source(ctx, _id(ctx, "m1")).status == "ok"
        proposed = svc.sources(ctx, ME, ["proposed"])
        mirror = next(h for h, mid in w.mirrors.items() if mid == "m1")
        assert [(v.proposed_from, v.start_urls) for v in proposed] == [("m1", [f"http://{mirror}/"])]
        name = proposed[0].name
        report = run_source(ctx, _id(ctx, name))  # even run by hand: no legal basis, nothing fetched
        assert report.status == "failed" and "collection refused" in (report.error or "")
        with ctx.sessions() as s:
            assert s.scalar(select(Capture.id).where(Capture.source_id == _id(ctx, name))) is None
        view = svc.act(ctx, ME, name, "accept")
        assert (view.state, view.legal_basis) == ("active", "test warrant")
        assert run_source(ctx, _id(ctx, name)).status == "ok"
        with ctx.sessions() as s:
            assert s.scalar(select(Capture.id).where(Capture.source_id == _id(ctx, name))) is not None
        assert run_source(ctx, _id(ctx, "m1")).status == "ok"
        assert len(svc.sources(ctx, ME)) == 2  # known mirrors are not proposed again


def test_site_down_backs_off_and_alerts_once(ctx: Context, small_world: Path, tmp_path: Path) -> None:
    live = LiveConfig(tmp_path / "log.jsonl", tick_s=0.2, seed=1, weights=(0, 0, 0, 1.0, 0, 0), down_ticks=10_000)
    with running_world(small_world, behaviour=QUIET, live=live) as w:
        deadline = time.monotonic() + 30
        while '"down", "market": "m3"' not in live.changelog.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)  # until m3 went down (for good: down_ticks)
        schedule(ctx, w, "m3", interval=600)
        sid = _id(ctx, "m3")
        with ctx.sessions.begin() as s:
            s.execute(update(SourceSchedule).values(down_after_s=0))
        first = run_source(ctx, sid)
        assert (first.status, first.pages, first.down_alert) == ("site_down", 0, True)
        assert "HTTP 503" in (first.error or "")
        second = run_source(ctx, sid)
        assert second.status == "site_down" and not second.down_alert  # one alert per outage
    with ctx.sessions() as s:
        row = s.get(SourceSchedule, sid)
        assert row is not None and row.failures == 2 and row.down_alerted
        gap = (row.next_run_at - row.last_finished_at).total_seconds()  # type: ignore[operator]
        assert 50 < gap <= 60  # back-off 30 s, then 60 s: sooner than the 600 s interval
        alerts = s.scalars(select(Job).where(Job.kind == "source_down")).all()
        assert [a.payload["source_id"] for a in alerts] == [sid]


def test_telegram_inbox_imports_each_export_once(ctx: Context, small_world: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    svc.add(ctx, ME, "tg", source_kind="chat_export", legal_basis="test warrant", owner="tester",
            kind="telegram_inbox", inbox=str(inbox), interval_s=60)
    assert run_source(ctx, _id(ctx, "tg")).pages == 0
    shutil.copy(small_world / "social" / "telegram" / "result.json", inbox / "result.json")
    report = run_source(ctx, _id(ctx, "tg"))
    assert (report.status, report.pages, report.new_captures) == ("ok", 1, 1) and report.new_posts > 5
    assert not (inbox / "result.json").exists() and (inbox / "imported" / "result.json").is_file()
    with ctx.sessions() as s:
        posts = s.scalars(select(Post.id).where(Post.source_id == _id(ctx, "tg"))).all()
        tracks = set(s.scalars(select(Job.key).where(Job.kind == "track")))
    assert {f"post:{p}:v1" for p in posts} <= tracks  # each new post version goes to the trackers


def test_pause_resume_run_now_and_refusals(ctx: Context) -> None:
    svc.add(ctx, ME, "f1", source_kind="forum", legal_basis="test warrant", owner="tester", kind="crawl",
            profile="generic-forum", start_urls=["https://forum.example/"], cron="*/15 * * * *", no_proxy=True)
    assert svc.act(ctx, ME, "f1", "pause").state == "paused"
    with ctx.sessions() as s:
        sid = s.scalar(select(Source.id).where(Source.name == "f1"))
    assert run_source(ctx, sid).status == "skipped"  # a run queued before the pause is dropped
    assert svc.sources(ctx, ME)[0].last_run_at is None
    with pytest.raises(ConfigError, match="not active"):
        svc.act(ctx, ME, "f1", "pause")
    view = svc.act(ctx, ME, "f1", "resume")
    assert view.state == "active" and view.schedule == "cron */15 * * * *" and view.proxy is None
    with pytest.raises(Exception, match="cron"):
        svc.add(ctx, ME, "f1", source_kind="forum", legal_basis=None, owner=None, cron="every day")
    with pytest.raises(Exception, match="legal-basis"):
        svc.add(ctx, ME, "f2", source_kind="forum", legal_basis=None, owner=None, kind="crawl",
                profile="generic-forum", start_urls=["https://x.example/"], interval_s=60)


def test_isolation_gives_each_source_its_own_socks_login() -> None:
    a, b = Source(id=1, name="m1"), Source(id=2, name="m2")
    pa, pb = (isolated_proxy("socks5h://127.0.0.1:9050", s, True) for s in (a, b))
    assert pa != pb and pa.startswith("socks5h://src1:") and pa.endswith("@127.0.0.1:9050")  # type: ignore[union-attr]
    assert isolated_proxy("socks5h://127.0.0.1:9050", a, True) == pa  # stable: one circuit per site
    assert isolated_proxy("socks5h://127.0.0.1:9050", a, False) == "socks5h://127.0.0.1:9050"


def test_cli_sources_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sources", "add", "f1", "--profile", "generic-forum", "--url", "https://forum.example/",
                 "--interval", "600", "--no-proxy", "--legal-basis", "test warrant", "--owner", "tester"])
    assert code == 0 and "source f1: active, every 600 s" in capsys.readouterr().out
    assert main(["sources", "add", "f1", "--screenshots"]) == 0  # renderings on: a change of the schedule only
    with open_context() as ctx, ctx.sessions() as s:
        row = s.scalar(select(SourceSchedule))
        assert row is not None and row.screenshots is True and row.interval_s == 600 and row.no_proxy is True
    capsys.readouterr()
    assert main(["sources", "pause", "f1"]) == 0
    assert main(["sources", "list"]) == 0
    out = capsys.readouterr().out
    assert "f1  paused  every 600 s" in out and "; screenshots" in out  # renderings on shows in the list
    assert main(["sources", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["screenshots"] is True
    assert main(["sources", "run", "f1"]) == 3  # paused: resume first
    assert "resume or accept it first" in capsys.readouterr().err
    assert main(["sources", "add", "f2", "--profile", "generic-forum", "--url", "https://x.example/",
                 "--cron", "61 * * * *", "--legal-basis", "b", "--owner", "o"]) != 0
    assert "field 'cron'" in capsys.readouterr().err
