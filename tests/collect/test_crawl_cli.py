"""`leaktrace crawl` as a user runs it: a failed login leaves no source behind; an idle rerun says why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaktrace.cli.app import main
from leaktrace.pipeline.context import Context
from leaktrace.simulate.serve import Behaviour, ServedWorld, running_world
from leaktrace.store.models import Capture, FrontierItem, Source


def _args(w: ServedWorld, market: str, source: str, user: str, *extra: str) -> list[str]:
    return ["crawl", "simulated-market", "--url", w.url(market), "--source", source, "--proxy", w.proxy_url,
            "--username", user, "--password-env", "LT_TEST_PW", "--delay", "0", "--concurrency", "4", *extra]


def _sources(ctx: Context) -> dict[str, int]:
    with ctx.sessions() as s:
        names = {n: i for i, n in s.execute(select(Source.id, Source.name)).all()}
        return {n: s.scalar(select(func.count()).select_from(FrontierItem).where(FrontierItem.source_id == i)) or 0
                for n, i in names.items()}


def test_failed_login_leaves_no_half_registered_source(ctx: Context, sim_world: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    register = ["--legal-basis", "warrant 7", "--owner", "unit 3"]
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        host = w.url("m2").split("/")[2]
        monkeypatch.setenv("LT_TEST_PW", "wrong")
        assert main(_args(w, "m2", "m2new", "nobody", *register)) == 3
        err = capsys.readouterr().err
        assert "login failed" in err and "m2new" in err and "not registered" in err
        # no source row, no queued start URL: the same command with the right password starts afresh
        assert "m2new" not in _sources(ctx)
        creds = w.credentials[host]
        monkeypatch.setenv("LT_TEST_PW", creds["password"])
        assert main(_args(w, "m2", "m2new", creds["username"], *register, "--max-pages", "3")) == 0
    assert _sources(ctx)["m2new"] > 0
    with ctx.sessions() as s:
        src = s.scalar(select(Source).where(Source.name == "m2new"))
        assert src is not None and src.legal_basis == "warrant 7" and src.owner == "unit 3"


def test_failed_login_keeps_a_source_registered_before(ctx: Context, sim_world: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what this run registered is undone: an existing source (and its frontier) stays."""
    from _crawl_sources import add_source

    add_source(ctx, "m1")
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        monkeypatch.setenv("LT_TEST_PW", "wrong")
        assert main(_args(w, "m1", "m1", "nobody")) == 3
    assert "m1" in _sources(ctx)


def test_second_run_says_why_it_found_nothing(ctx: Context, sim_world: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        creds = w.credentials[w.url("m3").split("/")[2]]
        monkeypatch.setenv("LT_TEST_PW", creds["password"])
        args = _args(w, "m3", "m3", creds["username"], "--legal-basis", "warrant 7", "--owner", "unit 3")
        assert main(args) == 0
        first = capsys.readouterr().out
        assert "0 new pages" not in first
        assert main(args) == 0
        second = capsys.readouterr().out
    with ctx.sessions() as s:
        captured = s.scalar(select(func.count()).select_from(Capture))
    lines = [x for x in second.splitlines() if x.startswith("0 new pages")]
    assert len(lines) == 1, second
    m = re.search(r"all (\d+) pages of source 'm3' were captured before \(last (\S+ \S+ \S+)\)", lines[0])
    assert m is not None, lines[0]
    assert int(m.group(1)) == captured
    assert "--watch" in lines[0]


@pytest.mark.parametrize(("fetched", "frontier", "expected"), [
    (5, {"done": 5}, None),                       # it fetched something: nothing to explain
    (0, {"queued": 3, "done": 2}, None),          # work left (page limit): not an idle run
    (0, {"done": 4, "failed": 1}, "all 4 pages of source 'm9' were captured before (last 2026-12-06 13:02 UTC), "
                                  "1 given up after retries"),
    (0, {}, "nothing in scope was found from the start URL(s)"),
])
def test_idle_reason(fetched: int, frontier: dict[str, int], expected: str | None) -> None:
    from datetime import UTC, datetime

    from leaktrace.collect.crawler import CrawlStats
    from leaktrace.pipeline.crawl import CrawlReport, idle_reason

    report = CrawlReport("m9", 1, 0.1, CrawlStats(fetched=fetched), frontier, {})
    reason = idle_reason(report, datetime(2026, 12, 6, 13, 2, tzinfo=UTC))
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and reason.startswith("0 new pages: ") and expected in reason
        assert "\n" not in reason
