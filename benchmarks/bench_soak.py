"""Soak: live simulated markets under the scheduler and workers for --minutes; every version captured once?

    .venv/bin/python benchmarks/bench_soak.py --sources 3 --minutes 10

Serves the simulated markets in live mode (a change every --tick seconds:
new listings, edits, deletions, sites down and back), puts --sources of them
under inspection (interval --interval s) and runs the inspection service
(elected scheduler + --workers worker threads) in this process on a fresh
SQLite data directory (or --database-url). At the end it checks the store
against the changelog: every listing version that stayed up for a full
--stay seconds recorded exactly once, none twice; and prints pages/min,
capture-to-version latency (change on the site -> its snapshot in the
store: median, p95, max) and RSS growth over the second half of the run.
Exit status 1 when a version was missed or recorded twice.

The world has three markets, so --sources is at most 3 (`--scale` sets the
listings per market). There is no peer figure to compare against here; the
ratio printed is RSS growth in the second half against the RSS at half time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=3, choices=(1, 2, 3))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--scale", type=int, default=30, help="listings per market")
    ap.add_argument("--tick", type=float, default=2.0, help="seconds between changes on the sites")
    ap.add_argument("--interval", type=int, default=10, help="seconds between runs of a source")
    ap.add_argument("--stay", type=float, default=None, help="seconds a version must stay up to be due "
                    "(default: the longest gap between a source's run starts plus the longest run)")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="lt-soak-"))
    os.environ["LEAKTRACE_DATA_DIR"] = str(work / "data")
    if args.database_url:
        os.environ["LEAKTRACE_DATABASE_URL"] = args.database_url
    if "LEAKTRACE_KEYRING" not in os.environ:
        from leaktrace.core.keyring import Keyring

        os.environ["LEAKTRACE_KEYRING"] = Keyring.generate().to_env()
    logging_quiet()

    from leaktrace.pipeline.context import open_context
    from leaktrace.service import sources as svc
    from leaktrace.service.access import local_operator
    from leaktrace.service.inspection import InspectionService, longest_cycle
    from leaktrace.simulate.serve import Behaviour, LiveConfig, running_world
    from leaktrace.simulate.serve.live import check_versions, read_changelog
    from leaktrace.simulate.social import generate_social
    from leaktrace.store.models import Job, ListingSnapshot, Post
    from leaktrace.store.types import utcnow

    generate_social(work / "world", seed=args.seed, scale=1000, sample_rows=[], victim_org="优选商城",
                    claimed_records=2_000_000, members=3, listings_per_market=args.scale)
    log = work / "changelog.jsonl"
    live = LiveConfig(log, tick_s=args.tick, seed=args.seed, weights=(3.0, 4.0, 1.0, 0.2, 0.0, 0.0), down_ticks=5)
    markets = ["m1", "m2", "m3"][: args.sources]
    seconds = args.minutes * 60
    samples: list[tuple[float, float]] = []
    with running_world(work / "world", behaviour=Behaviour(rate_per_s=0, error_rate=0.01, seed=args.seed),
                       live=live) as w, open_context() as ctx:
        me = local_operator("soak")
        for m in markets:
            url = w.url(m)
            host = url.split("/")[2]
            os.environ[f"LT_SOAK_{m.upper()}"] = w.credentials[host]["password"]
            svc.add(ctx, me, m, source_kind="market", legal_basis="soak test", owner="bench", kind="crawl",
                    profile="simulated-market", start_urls=[url], interval_s=args.interval, proxy=w.proxy_url,
                    delay_s=0, concurrency=4, username=w.credentials[host]["username"],
                    password_env=f"LT_SOAK_{m.upper()}")
        service = InspectionService(ctx, workers=args.workers, poll_s=0.2, lease_s=30).start()
        t0 = time.monotonic()
        stop = threading.Event()
        while not stop.wait(5.0) and time.monotonic() - t0 < seconds:
            samples.append((time.monotonic() - t0, rss_mb()))
            print(f"\r{time.monotonic() - t0:6.0f} s  rss {samples[-1][1]:6.1f} MB", end="", file=sys.stderr)
        service.stop()
        print(file=sys.stderr)
        until = utcnow()
        samples.append((time.monotonic() - t0, rss_mb()))
        hosts = {mid: h for h, mid in w.hosts.items()}
        with ctx.sessions() as s:
            results = s.scalars(select(Job.result).where(Job.kind == "crawl_run", Job.state == "done")).all()
            failed = s.scalars(select(Job.last_error).where(Job.kind == "crawl_run", Job.state == "failed")).all()
            urls = {p.id: p.url for p in s.scalars(select(Post).where(Post.url.like("%/listing/%")))}
            seen: dict[str, list] = {}
            for snap in s.scalars(select(ListingSnapshot).order_by(ListingSnapshot.seen_at)):
                if snap.post_id in urls:
                    seen.setdefault(urls[snap.post_id], []).append(snap.seen_at)
        cycle = longest_cycle(ctx, args.interval)  # (a loaded machine stretches rounds past --interval)
    stay = timedelta(seconds=args.stay) if args.stay is not None else cycle
    check = check_versions(read_changelog(log), hosts, seen, stay=stay, until=until, markets=set(markets))
    pages = sum(int((r or {}).get("pages", 0)) for r in results)
    half = min(samples, key=lambda x: abs(x[0] - seconds / 2))[1]
    end = samples[-1][1]
    lat = sorted(check.latencies_s)
    print(f"sources {args.sources}, {args.minutes:g} min, tick {args.tick:g} s, interval {args.interval} s, "
          f"{args.scale} listings per market, {args.workers} workers")
    print(f"runs: {len(results)} ok, {len(failed)} failed (site or proxy down); pages/min: {pages / args.minutes:.0f}; "
          f"longest cycle (run-start gap + run) {cycle.total_seconds():.1f} s")
    print(f"versions: {check.versions} in the changelog, {check.due} stayed up >= {stay.total_seconds():.0f} s; "
          f"missed {len(check.missing)}, recorded twice {len(check.duplicated)}")
    if lat:
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(f"capture-to-version latency: median {statistics.median(lat):.1f} s, p95 {p95:.1f} s, max {lat[-1]:.1f} s")
    print(f"RSS: {half:.1f} MB at half time, {end:.1f} MB at the end: growth {end - half:+.1f} MB "
          f"({(end - half) / half * 100:+.1f}%) over the second half")
    for v in check.missing[:5] + check.duplicated[:5]:
        print(f"  {v}", file=sys.stderr)
    return 0 if check.ok else 1


def logging_quiet() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)


if __name__ == "__main__":
    raise SystemExit(main())
