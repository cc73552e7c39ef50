"""Exposure-check latency at 10 M exposed persons on loopback, under a concurrent load generator.

    python benchmarks/bench_exposure.py [--scale 10000000] [--checks 2000] [--concurrency 4] [--bulk 20000]

The exposure set holds `--scale` entries: 2,000 real PRF tags of known
test numbers plus random 64-bit words for the rest (PRF outputs are
indistinguishable from random, and the server's lookup does not depend on
which is which; computing 10 M real PRFs would take ~25 core-minutes). The
server runs under uvicorn on 127.0.0.1 in its own process; clients each perform full
checks (blind, POST /v1/evaluate, unblind, POST /v1/bucket, look up) with an
organisation token, one process per concurrent client. Prints p50/p99 per check. Peer: an HIBP-style SHA-1
prefix range lookup over the same set size, in-process — shown only for
scale, it is unsafe here (ID and phone spaces can be enumerated offline).

`--bulk N`: an organisation's breach-notice check (`HttpEvaluator.check_many`,
what `org notice-check` runs) of N values in batches of 1,000, half of them
exposed, against the same server: values per second, and the same count
done as N single checks for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import socket
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn

from leaktrace.attribution import oprf
from leaktrace.attribution.exposure import ExposureSet
from leaktrace.attribution.exposure_client import HttpEvaluator
from leaktrace.attribution.exposure_http import create_app
from leaktrace.attribution.otp import MemoryOtpHook, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.keyring import Keyring


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CLIENT: dict[str, Any] = {}


def one(i: int) -> tuple[float, bool]:
    """One full check from a load-generator process (its own connection, kept alive)."""
    if "ev" not in _CLIENT:
        _CLIENT["ev"] = HttpEvaluator(_CLIENT["url"], _CLIENT["token"], client=httpx.Client(timeout=10))
    known = _CLIENT["known"]
    value = known[i % len(known)] if i % 2 == 0 else f"137{i:08d}"
    s = time.perf_counter()
    found = _CLIENT["ev"].check("cn_mobile", value)
    return time.perf_counter() - s, found == (i % 2 == 0)


def index_prf(key: oprf.ServerKey, n: int) -> None:
    """The exposure index's PRF step (`exposure_index.index_words`): a loop of `evaluate` against
    `evaluate_many` (threads over slices of one batch), on the same values, back to back."""
    xs = [oprf.oprf_input("cn_mobile", f"138{i:08d}") for i in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    one = [key.evaluate(x) for x in xs]
    s1, c1 = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    many = key.evaluate_many(xs)
    s2, c2 = time.perf_counter() - t0, time.process_time() - c0
    assert many == one
    print(f"PRF one at a time : {n / s1:>9,.0f} values/s  ({s1 / n * 1e3:.3f} ms a value, {c1:.2f} CPU-s)")
    print(f"PRF batch (threads): {n / s2:>9,.0f} values/s  ({s2 / n * 1e3:.3f} ms a value, {c2:.2f} CPU-s, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}); ratio {s1 / s2:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, default=10_000_000)
    ap.add_argument("--checks", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--bulk", type=int, default=0, help="also time a bulk notice check of this many values")
    ap.add_argument("--index-values", type=int, default=0,
                    help="only time the exposure index's PRF over this many values: one at a time vs the batch")
    a = ap.parse_args()
    key = oprf.ServerKey.from_keyring(Keyring.generate())
    if a.index_values:
        index_prf(key, a.index_values)
        return
    known = [f"139{i:08d}" for i in range(2000)]
    real = np.array([oprf.split_output(key.evaluate(oprf.oprf_input("cn_mobile", v))) for v in known], np.uint64)
    rng = np.random.default_rng(0)
    n_rand = max(0, a.scale - len(known))
    u = np.concatenate([real[:, 0], rng.integers(0, 2**64, n_rand, dtype=np.uint64)])
    t = np.concatenate([real[:, 1], rng.integers(0, 2**64, n_rand, dtype=np.uint64)])
    t0 = time.perf_counter()
    exposure = ExposureSet.from_words(key.key_id, u, t)
    print(f"exposure set: {len(exposure.tags):,} entries, {2**exposure.bucket_bits} buckets "
          f"(~{len(exposure.tags) / 2**exposure.bucket_bits:.0f} per bucket), built in {time.perf_counter() - t0:.1f} s")
    token = "bench-org-token"
    # The file ledger `exposure serve` uses: every org evaluation is charged to disk, as in production.
    ledger = UsageLedger(Path(tempfile.mkdtemp(prefix="lt-bench-ledger-")) / "oprf-usage.jsonl")
    app = create_app(key, exposure, OtpVerifier(MemoryOtpHook()), {hashlib.sha256(token.encode()).hexdigest(): "bench"},
                     rate=1e6, burst=10**6, quotas={"bench": 10**9}, ledger=ledger)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    proc = multiprocessing.get_context("fork").Process(target=server.run, daemon=True)  # own GIL
    proc.start()
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/info", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    _CLIENT.update(url=f"http://127.0.0.1:{port}", token=token, known=known)
    # one process per client: threads would share one GIL with the client-side crypto
    with ProcessPoolExecutor(a.concurrency, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(one, range(50)))  # warm-up
        t0 = time.perf_counter()
        res = list(pool.map(one, range(a.checks), chunksize=8))
        wall = time.perf_counter() - t0
    lat = np.array([r[0] for r in res]) * 1000
    correct = sum(r[1] for r in res)
    if a.bulk:
        ev = HttpEvaluator(f"http://127.0.0.1:{port}", token, client=httpx.Client(timeout=120))
        vals = [known[i % len(known)] if i % 2 == 0 else f"137{i:08d}" for i in range(a.bulk)]
        t0 = time.perf_counter()
        found = ev.check_many("cn_mobile", vals, batch=1000)
        bulk_s = time.perf_counter() - t0
        ok = sum(f == (i % 2 == 0) for i, f in enumerate(found))
        single = a.checks / wall
        print(f"ours  bulk notice check: {a.bulk} values in {bulk_s:.1f} s = {a.bulk / bulk_s:.0f} values/s "
              f"(single checks above: {single:.0f}/s, ratio {a.bulk / bulk_s / single:.1f}x); correct {ok}/{a.bulk}")
    proc.terminate()
    proc.join(5)
    # peer: HIBP-style prefix lookup, in-process
    sha = np.sort(rng.integers(0, 2**64, a.scale, dtype=np.uint64))
    s = time.perf_counter()
    for i in range(2000):
        h = int.from_bytes(hashlib.sha1(f"137{i:08d}".encode()).digest()[:8], "big")
        lo = np.searchsorted(sha, np.uint64(h & ~((1 << 44) - 1)))
        hi = np.searchsorted(sha, np.uint64(min(2**64 - 1, (h | ((1 << 44) - 1)))))
        _ = sha[lo:hi]
    peer_ms = (time.perf_counter() - s) / 2000 * 1000
    p50, p99 = np.percentile(lat, [50, 99])
    print(f"ours  OPRF check over HTTP: {a.checks} checks, {a.concurrency} concurrent clients, {a.checks / wall:.0f} checks/s; "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms (target p99 < 20 ms); answers correct {correct}/{a.checks}")
    print(f"peer  HIBP-style SHA-1 prefix lookup, in-process (unsafe for IDs/phones): {peer_ms:.3f} ms/check")
    print(f"ratio ours p50 / peer: {p50 / peer_ms:.0f}x (the price of not being enumerable offline)")


if __name__ == "__main__":
    main()
