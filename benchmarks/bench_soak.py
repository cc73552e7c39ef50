"""Soak: live simulated markets under the scheduler and workers for --minutes; every version captured once?

    .venv/bin/python benchmarks/bench_soak.py --sources 10 --minutes 30

Serves --sources simulated markets in live mode (the world's three, then
copies of them under new onion names, each changing on its own: a change
every --tick seconds, new listings, edits, deletions, sites down and back;
a share --watch-share of new listings carry the watched term in their
title) and puts each under inspection as its own source (interval
--interval s, with renderings queued for every listing/seller page unless
--no-screenshots). The inspection service (elected scheduler, --workers
worker threads, one render/OCR thread) runs in this process on a fresh
SQLite data directory (or --database-url), with one tracker on the watched
term. At the end it checks the store against the changelog (the issue's
checks, each printed PASS or FAIL):

- every listing version that stayed up a full cycle recorded exactly once,
  none twice;
- every alert the truth calls for (one per watched listing and seller)
  raised exactly once, and none it does not call for;
- RSS growth < 10% over the second half;
- capture-to-alert p95 <= 60 s, and listing-appearance-to-alert <=
  --interval + 60 s for every alert (measured while the renderings run;
  how many were queued and done is printed);
- pages >= --min-pages (10,000 for the issue's 30-minute run).

Exit status 1 when any check fails. Peers: the issue's targets, printed as
ours / target.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "inspection"))

from soak import SoakConfig, print_progress, run_soak


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=3, help="markets served and inspected (copies beyond 3)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--scale", type=int, default=30, help="listings per market")
    ap.add_argument("--tick", type=float, default=2.0, help="seconds between changes on the sites")
    ap.add_argument("--changes-per-tick", type=int, default=1, help="changes each tick (on random markets)")
    ap.add_argument("--interval", type=int, default=10, help="seconds between runs of a source")
    ap.add_argument("--stay", type=float, default=None, help="seconds a version must stay up to be due "
                    "(default: the longest gap between a source's run starts plus the longest run)")
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--watch-share", type=float, default=0.5, help="share of new listings carrying the term")
    ap.add_argument("--no-screenshots", action="store_true", help="queue no renderings")
    ap.add_argument("--min-pages", type=int, default=0, help="fail below this many pages (10000 for 30 min)")
    args = ap.parse_args(argv)
    if args.sources < 1:
        ap.error("--sources: at least 1")

    work = Path(tempfile.mkdtemp(prefix="lt-soak-"))
    os.environ["LEAKTRACE_DATA_DIR"] = str(work / "data")
    if args.database_url:
        os.environ["LEAKTRACE_DATABASE_URL"] = args.database_url
    if "LEAKTRACE_KEYRING" not in os.environ:
        from leaktrace.core.keyring import Keyring

        os.environ["LEAKTRACE_KEYRING"] = Keyring.generate().to_env()
    logging_quiet()

    from leaktrace.simulate.social import generate_social

    generate_social(work / "world", seed=args.seed, scale=1000, sample_rows=[], victim_org="优选商城",
                    claimed_records=2_000_000, members=3, listings_per_market=args.scale)
    cfg = SoakConfig(sources=args.sources, minutes=args.minutes, scale=args.scale, tick_s=args.tick,
                     changes_per_tick=args.changes_per_tick, interval_s=args.interval, workers=args.workers,
                     seed=args.seed, watch_share=args.watch_share, screenshots=not args.no_screenshots,
                     stay_s=args.stay)
    res = run_soak(work / "world", work, cfg, progress=print_progress)
    print(file=sys.stderr)
    for line in res.lines():
        print(line)
    checks = res.checks(min_pages=args.min_pages)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    for v in (res.missed[:5] + res.twice[:5] + res.alerts_missing[:5] + res.alerts_unexpected[:5]):
        print(f"  {v}", file=sys.stderr)
    return 0 if all(checks.values()) else 1


def logging_quiet() -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)


if __name__ == "__main__":
    raise SystemExit(main())
