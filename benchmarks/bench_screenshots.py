"""Screenshots per second beside the plain capture rate, against the simulated markets.

    .venv/bin/python benchmarks/bench_screenshots.py --scale 100

Generates a world with `--scale` listings per market and serves it (no
throttling, no injected errors). Crawls market m1 twice, each into a fresh
data directory, through the SOCKS5h proxy with login: once plain (the peer:
capture only), once with `--screenshots` (every listing and vendor page also
rendered in headless Chromium, each subresource fetched by the crawler,
PNG and custody entries written). Each crawl runs in a child process.
Prints the plain capture rate, the crawl's own page rate with screenshots on
(before it waits for the last renders), and screenshots per second over the
whole run (target: >= 2 listing pages/s on 2 cores).
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=100, help="listings per market (m1's listing pages)")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
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
    runs = {}
    with running_world(work / "world", behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        creds = w.credentials[url.split("/")[2]]
        for name, extra in (("plain", []), ("screenshots", ["--screenshots"])):
            env = {**os.environ, "LEAKTRACE_DATA_DIR": str(work / f"data-{name}"), "LEAKTRACE_KEYRING": ring,
                   "BENCH_PW": creds["password"]}
            cmd = [sys.executable, "-m", "leaktrace.cli.crawl", "simulated-market", "--url", url, "--source", "m1",
                   "--legal-basis", "benchmark", "--owner", "bench", "--proxy", w.proxy_url, "--username",
                   creds["username"], "--password-env", "BENCH_PW", "--delay", "0", "--concurrency",
                   str(args.concurrency), "--json", *extra]
            runs[name] = _crawl(cmd, env)
    plain, shots = runs["plain"], runs["screenshots"]
    s = shots["screenshots"]
    plain_rate = plain["fetched"] / plain["seconds"]
    crawl_rate = shots["fetched"] / s["crawl_seconds"]
    shot_rate = s["rendered"] / shots["seconds"]
    print(f"plain capture:        {plain['fetched']} pages in {plain['seconds']:.1f} s = {plain_rate:.1f} pages/s")
    print(f"with screenshots on:  {shots['fetched']} pages in {s['crawl_seconds']:.1f} s = {crawl_rate:.1f} pages/s "
          f"(the crawl's own rate; then {s['drain_seconds']:.1f} s waiting for the last renders)")
    print(f"screenshots:          {s['rendered']} listing/vendor pages rendered in {shots['seconds']:.1f} s = "
          f"{shot_rate:.2f} pages/s; {s['failed']} failed (target >= 2 pages/s on 2 cores)")
    print(f"ratio crawl rate with/without screenshots: {crawl_rate / plain_rate:.2f}")


if __name__ == "__main__":
    main()
