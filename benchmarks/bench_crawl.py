"""Crawler throughput against the simulated market, and the ceiling: a plain httpx loop over the same URLs.

    .venv/bin/python benchmarks/bench_crawl.py --scale 5000

Generates a world with `--scale` listings per market, serves it (no throttling,
no injected errors), crawls market m1 end to end through the SOCKS5h proxy
with login into a fresh data directory (evidence + custody + store), then
fetches exactly the URLs the crawl fetched with a bare `httpx.AsyncClient`
loop (same proxy, same concurrency, nothing stored). Both clients run in a
child process so each has its own interpreter; peak memory is the child's
max RSS. Prints pages/s of both and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def ceiling(urls_file: Path, proxy: str, login_url: str, user: str, password: str, concurrency: int) -> None:
    """Child: GET every URL once through the proxy, after logging in; print pages/s."""
    import httpx

    urls = urls_file.read_text(encoding="utf-8").split()

    async def go() -> float:
        async with httpx.AsyncClient(proxy=proxy, trust_env=False, timeout=60) as client:
            await client.post(login_url, data={"username": user, "password": password})
            queue = list(reversed(urls))
            t0 = time.perf_counter()

            async def worker() -> None:
                while queue:
                    url = queue.pop()
                    resp = await client.get(url)
                    resp.raise_for_status()

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - t0

    seconds = asyncio.run(go())
    print(json.dumps({"pages": len(urls), "seconds": seconds}))


def _child(cmd: list[str], env: dict[str, str]) -> tuple[dict, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child failed ({out.returncode}): {out.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(out.stdout.strip().splitlines()[-1]), max(peak_kb, before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=5000, help="listings per market (m1's listing pages)")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ceiling", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.ceiling:
        f, proxy, login, user, pw, conc = args.ceiling
        ceiling(Path(f), proxy, login, user, pw, int(conc))
        return

    from leaktrace.core.keyring import Keyring
    from leaktrace.simulate.serve import Behaviour, running_world
    from leaktrace.simulate.social import generate_social

    work = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    t = time.perf_counter()
    generate_social(work / "world", seed=args.seed, scale=1000, sample_rows=[], victim_org="优选商城",
                    claimed_records=10_000_000, listings_per_market=args.scale)
    print(f"world: {args.scale} listings per market in {time.perf_counter() - t:.1f} s ({work})")
    env = {**os.environ, "LEAKTRACE_DATA_DIR": str(work / "data"), "LEAKTRACE_KEYRING": Keyring.generate().to_env()}
    with running_world(work / "world", behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        creds = w.credentials[url.split("/")[2]]
        env["BENCH_PW"] = creds["password"]
        crawl_cmd = [sys.executable, "-m", "leaktrace.cli.crawl", "simulated-market", "--url", url, "--source", "m1",
                     "--legal-basis", "benchmark", "--owner", "bench", "--proxy", w.proxy_url, "--username",
                     creds["username"], "--password-env", "BENCH_PW", "--delay", "0", "--concurrency",
                     str(args.concurrency), "--json"]
        ours, ours_kb = _child(crawl_cmd, env)
        db = sqlite3.connect(work / "data" / "leaktrace.sqlite")
        urls = [r[0] for r in db.execute("SELECT url FROM crawl_frontier WHERE state = 'done' ORDER BY id")]
        listing_pages = sum("/listing/" in u for u in urls)
        db.close()
        (work / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        base, _peak = _child([sys.executable, __file__, "--ceiling", str(work / "urls.txt"), w.proxy_url,
                                w.url("m1", "/login"), creds["username"], creds["password"], str(args.concurrency)],
                               env)
    ours_rate = ours["fetched"] / ours["seconds"]
    base_rate = base["pages"] / base["seconds"]
    print(f"leaktrace crawl: {ours['fetched']} pages ({listing_pages} listing pages) in {ours['seconds']:.1f} s = "
          f"{ours_rate:.1f} pages/s; captures {ours['new_captures']}, posts {ours['new_posts']}, "
          f"failed {ours['failed']}; peak RSS {ours_kb / 1024:.0f} MB")
    print(f"plain httpx loop: {base['pages']} pages in {base['seconds']:.1f} s = {base_rate:.1f} pages/s "
          f"(fetch only, nothing stored)")
    print(f"ratio crawler/ceiling: {ours_rate / base_rate:.2f}")
    if listing_pages < args.scale:
        print(f"WARNING: only {listing_pages} of {args.scale} listing pages were reached")


if __name__ == "__main__":
    main()
