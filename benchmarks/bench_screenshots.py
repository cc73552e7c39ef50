"""Screenshots per second beside the plain capture rate, against the simulated markets.

    .venv/bin/python benchmarks/bench_screenshots.py --scale 100

Generates a world with `--scale` listings per market and serves it (no
throttling, no injected errors). Crawls market m1 twice, each into a fresh
data directory, through the SOCKS5h proxy with login: once plain (the peer:
capture only), once with `--screenshots`. With screenshots on, the crawl
only queues a "render" job per listing and vendor page (its capture's
custody entry announces it); `leaktrace crawl` then drains the queue with
`--media-workers` threads sharing one headless Chromium (PNG, resources
WARC and custody entries written). Each crawl runs in a child process.
Prints the plain capture rate, the crawl's own page rate with screenshots
on (target: about the plain rate, since nothing renders during the crawl),
and the render throughput of the drain (target: >= 2 listing pages/s on 2
cores), with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _crawl(cmd: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"crawl failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(rows: list[dict], key: str) -> dict:
    """The run with the median `key` (seconds, or the drain's seconds)."""
    def val(r: dict) -> float:
        return float(r[key]["seconds"]) if key == "media_drain" else float(r[key])

    return sorted(rows, key=val)[len(rows) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=100, help="listings per market (m1's listing pages)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--media-workers", type=int, default=2, help="render threads (tabs of one Chromium)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="crawl pairs, alternating plain/screenshots; medians printed (a loaded machine is noisy)")
    args = ap.parse_args()

    from leaktrace.core.keyring import Keyring
    from leaktrace.simulate.serve import Behaviour, running_world
    from leaktrace.simulate.social import generate_social

    work = Path(tempfile.mkdtemp(prefix="bench-shots-"))
    t = time.perf_counter()
    generate_social(work / "world", seed=args.seed, scale=1000, sample_rows=[], victim_org="优选商城",
                    claimed_records=10_000_000, listings_per_market=args.scale)
    print(f"world: {args.scale} listings per market in {time.perf_counter() - t:.1f} s ({work})")
    ring = Keyring.generate().to_env()
    runs: dict[str, list[dict]] = {"plain": [], "screenshots": []}
    with running_world(work / "world", behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        creds = w.credentials[url.split("/")[2]]
        for rep in range(args.repeat):
            for name, extra in (("plain", []), ("screenshots", ["--screenshots"])):
                env = {**os.environ, "LEAKTRACE_DATA_DIR": str(work / f"data-{name}-{rep}"), "LEAKTRACE_KEYRING": ring,
                       "BENCH_PW": creds["password"]}
                cmd = [sys.executable, "-m", "leaktrace.cli.crawl", "simulated-market", "--url", url, "--source",
                       "m1", "--legal-basis", "benchmark", "--owner", "bench", "--proxy", w.proxy_url, "--username",
                       creds["username"], "--password-env", "BENCH_PW", "--delay", "0", "--concurrency",
                       str(args.concurrency), "--media-workers", str(args.media_workers), "--json", *extra]
                runs[name].append(_crawl(cmd, env))
    plain = _median(runs["plain"], "seconds")
    shots = _median(runs["screenshots"], "seconds")
    drain = _median(runs["screenshots"], "media_drain")["media_drain"] or {}
    render_jobs = drain.get("jobs", {}).get("render", {})
    plain_rate = plain["fetched"] / plain["seconds"]
    crawl_rate = shots["fetched"] / shots["seconds"]
    if args.repeat > 1:
        print(f"crawl seconds, plain: {[r['seconds'] for r in runs['plain']]}; with screenshots: "
              f"{[r['seconds'] for r in runs['screenshots']]} (medians below)")
    print(f"load average (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"plain capture:        {plain['fetched']} pages in {plain['seconds']:.1f} s = {plain_rate:.1f} pages/s")
    print(f"with screenshots on:  {shots['fetched']} pages in {shots['seconds']:.1f} s = {crawl_rate:.1f} pages/s "
          f"(the crawl itself; {shots['media']['render_queued']} render jobs queued, none run during it)")
    best = min(r["seconds"] for r in runs["plain"]) / min(r["seconds"] for r in runs["screenshots"])
    print(f"ratio crawl rate with/without screenshots: {crawl_rate / plain_rate:.2f} of medians, {best:.2f} of "
          "the fastest runs (target ~1)")
    print(f"render drain:         {render_jobs} in {drain.get('seconds', 0):.1f} s = "
          f"{drain.get('render_per_s', 0):.2f} listing/vendor pages/s with {args.media_workers} workers "
          f"(target >= 2 pages/s on 2 cores)")


if __name__ == "__main__":
    main()
