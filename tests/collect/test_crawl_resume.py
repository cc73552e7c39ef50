"""kill -9 in the middle of a crawl, rerun: store and custody chain equal an uninterrupted crawl's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from child_process import child_process
from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import load_profile
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
from leaktrace.pipeline.sources import ensure_source
from leaktrace.simulate.serve import Behaviour, ServedWorld, running_world
from leaktrace.store.models import FrontierItem, ListingSnapshot, Post

KILL_AFTER_ENTRIES = 25


def _cmd(w: ServedWorld, market: str) -> list[str]:
    url = w.url(market)
    user = w.credentials[url.split("/")[2]]["username"]
    return [sys.executable, "-m", "leaktrace.cli.crawl", "simulated-market", "--url", url,
            "--source", market, "--legal-basis", "test warrant", "--owner", "tester", "--proxy", w.proxy_url,
            "--username", user, "--password-env", "CRAWL_PW", "--delay", "0", "--concurrency", "4", "--json"]


def _env(w: ServedWorld, market: str, data: Path) -> dict[str, str]:
    pw = w.credentials[w.url(market).split("/")[2]]["password"]
    return {**os.environ, "LEAKTRACE_DATA_DIR": str(data), "CRAWL_PW": pw}


def _custody_lines(data: Path) -> int:
    try:
        return (data / "evidence" / "custody.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _snapshot(data: Path, monkeypatch: Any) -> dict[str, Any]:
    """What must be equal: rows and custody content, not times or blob names (WARCs carry fetch dates)."""
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(data))
    get_settings.cache_clear()
    with open_context() as ctx, ctx.sessions() as s:
        posts = sorted((p.site, p.url, p.title, p.body, p.author_handle, p.price_amount, p.price_currency,
                        p.posted_at, p.volume_records, p.status) for p in s.scalars(select(Post)))
        urls = {p.id: p.url for p in s.scalars(select(Post))}
        snaps = sorted((urls[x.post_id], x.kind, repr(sorted(x.changes.items())))
                       for x in s.scalars(select(ListingSnapshot)))
        frontier = sorted((f.url, f.state) for f in s.scalars(select(FrontierItem)))
        store = ctx.evidence
        custody = sorted((e.action, e.source_url, e.collector, e.media_type, e.meta.get("payload_sha256"),
                          e.meta.get("http_status")) for e in store.entries())
        verdict = store.verify()
    get_settings.cache_clear()
    return {"posts": posts, "snapshots": snaps, "frontier": frontier, "custody": custody, "ok": verdict.ok,
            "problems": [p.describe() for p in verdict.problems]}


def _in_process(w: ServedWorld, market: str, data: Path, monkeypatch: Any) -> None:
    """The same crawl as the CLI runs, in this process (a second interpreter start costs ~10 s here)."""
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(data))
    get_settings.cache_clear()
    url = w.url(market)
    creds = w.credentials[url.split("/")[2]]
    opts = CrawlOptions(profile=load_profile("simulated-market"), source=market, start_urls=[url],
                        proxy=w.proxy_url, credentials={url.split("/")[2]: Credentials(**creds)}, delay_s=0,
                        concurrency=4)
    with open_context() as ctx:
        ensure_source(ctx.sessions, market, kind="market", base_url=url, legal_basis="test warrant", owner="tester")
        run_crawl(opts, ctx)
    get_settings.cache_clear()


def test_kill_mid_crawl_then_rerun_equals_uninterrupted(sim_world: Path, tmp_path: Path, monkeypatch: Any) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0.02, seed=4)) as w:
        _in_process(w, "m1", whole, monkeypatch)
        total = _custody_lines(whole)
        assert total > 2 * KILL_AFTER_ENTRIES

        with child_process(_cmd(w, "m1"), env=_env(w, "m1", killed), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) as proc:
            deadline = time.monotonic() + 120
            while _custody_lines(killed) < KILL_AFTER_ENTRIES and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        assert KILL_AFTER_ENTRIES <= _custody_lines(killed) < total

        _in_process(w, "m1", killed, monkeypatch)  # the rerun: settles the dead crawler's claims, then goes on
    a, b = _snapshot(whole, monkeypatch), _snapshot(killed, monkeypatch)
    assert a["ok"] and b["ok"], (a["problems"], b["problems"])
    assert len(b["custody"]) == len(a["custody"]) == total
    for key in ("posts", "snapshots", "frontier", "custody"):
        assert a[key] == b[key], key


def test_rerun_settles_each_kind_of_orphaned_claim(ctx, site_state, fake_profile) -> None:  # type: ignore[no-untyped-def]
    """Killed after the capture was committed / after evidence only / mid-fetch: done, recorded, refetched."""
    import socket
    from datetime import UTC, datetime

    from _crawl_fakesite import HOST, page, serve
    from _crawl_sources import add_source

    from leaktrace.collect import extract
    from leaktrace.pipeline.ingest import CaptureDocument, Ingestor
    from leaktrace.store.repo import Frontier

    site_state.listings = {i: {"title": f"listing {i}", "body": "b", "price": f"{i}0 USDT", "seller": "s"}
                           for i in (1, 2, 3)}
    add_source(ctx, "fake")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    worker = f"{socket.gethostname()[:40]}:{dead.pid}:dead00"
    urls = [f"http://{HOST}/listing/{i}" for i in (1, 2, 3)]
    frontier = Frontier(ctx.sessions)
    frontier.enqueue(1, urls, depth=1)
    assert len(frontier.claim(worker, 3, source_id=1)) == 3

    def body(i: int) -> bytes:
        row = site_state.listings[i]
        extra = (f'<span class="price">{row["price"]}</span><span class="status">active</span>'
                 f'<a class="vendor" href="/vendor/s">s</a>')
        return page(row["title"], row["body"], extra).encode()

    headers = [("content-type", "text/html; charset=utf-8")]
    with ctx.sessions() as s:  # 1: everything was committed, only "done" is missing
        Ingestor(s, evidence=ctx.evidence, collector="leaktrace-crawler").capture(CaptureDocument(
            source="fake", url=urls[0], body=body(1), fetched_at=datetime.now(UTC), status=200, headers=headers,
            items=[extract.item(extract.parse_html(body(1).decode()), fake_profile.rule_for("/listing/1"), urls[0],
                                HOST, None)]))
        s.commit()
    # 2: blob and custody entry written, database rows not (killed inside the ingest)
    ctx.evidence.put_capture(url=urls[1], status=200, headers=headers, body=body(2), fetched_at=datetime.now(UTC),
                             collector="leaktrace-crawler", meta={"source": "fake"})
    # 3: killed mid-fetch: nothing at all
    with serve(site_state) as srv:
        report = run_crawl(CrawlOptions(profile=fake_profile, source="fake", start_urls=[f"http://{HOST}/"],
                                        proxy=srv.proxy_url, credentials={HOST: Credentials("inv", "pw")},
                                        backoff_s=0.01), ctx)
    assert report.recovered == {"completed": 1, "recorded_from_evidence": 1, "requeued": 1}
    assert "/listing/1" not in site_state.hits and "/listing/2" not in site_state.hits
    assert site_state.hits["/listing/3"] == 1
    with ctx.sessions() as s:
        prices = {p.url: p.price_amount for p in s.scalars(select(Post).where(Post.url.in_(urls)))}
    assert prices == {urls[0]: 10, urls[1]: 20, urls[2]: 30}
    per_url = [e.source_url for e in ctx.evidence.entries() if e.source_url in urls]
    assert sorted(per_url) == urls  # one custody entry each: nothing captured twice
    assert ctx.evidence.verify().ok


def test_orphan_recovery_reads_the_custody_log_once(  # type: ignore[no-untyped-def]
        ctx, site_state, fake_profile, monkeypatch) -> None:
    """Many URLs recorded from evidence after a kill: one pass over the custody log, not one per URL."""
    import socket
    from datetime import UTC, datetime

    from _crawl_fakesite import HOST, page
    from _crawl_sources import add_source

    from leaktrace.pipeline.crawl import recover_orphans
    from leaktrace.store.repo import Frontier

    add_source(ctx, "fake")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    worker = f"{socket.gethostname()[:40]}:{dead.pid}:dead00"
    urls = [f"http://{HOST}/listing/{i}" for i in range(1, 7)]
    frontier = Frontier(ctx.sessions)
    frontier.enqueue(1, urls, depth=1)
    assert len(frontier.claim(worker, len(urls), source_id=1)) == len(urls)
    headers = [("content-type", "text/html; charset=utf-8")]
    for i, url in enumerate(urls[:5], start=1):  # evidence written, database rows not; the last: nothing
        body = page(f"listing {i}", "b", f'<span class="price">{i}0 USDT</span>').encode()
        ctx.evidence.put_capture(url=url, status=200, headers=headers, body=body, fetched_at=datetime.now(UTC),
                                 collector="leaktrace-crawler", meta={"source": "fake"})
    reads = []
    real = type(ctx.evidence.custody).entries

    def counted(self):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(self)

    monkeypatch.setattr(type(ctx.evidence.custody), "entries", counted)
    with ctx.sessions() as s:
        from leaktrace.store.repo import get_source

        source = get_source(s, "fake")
        s.expunge(source)
    got = recover_orphans(ctx, frontier, source, fake_profile, "leaktrace-crawler")
    assert got == {"completed": 0, "recorded_from_evidence": 5, "requeued": 1}
    assert len(reads) == 1
    assert frontier.counts(1) == {"done": 5, "queued": 1}
    with ctx.sessions() as s:
        prices = sorted(p.price_amount for p in s.scalars(select(Post).where(Post.url.in_(urls))))
    assert prices == [10, 20, 30, 40, 50]
    assert recover_orphans(ctx, frontier, source, fake_profile, "leaktrace-crawler") == \
        {"completed": 0, "recorded_from_evidence": 0, "requeued": 0}  # nothing left claimed
