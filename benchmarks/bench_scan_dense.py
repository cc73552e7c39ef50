"""Scanning one line made of mobiles with random prefixes (issue 16 #24): CPU seconds and MB/s per size.

Each valid mobile costs a 7-digit prefix lookup; this measures how that cost
behaves as the text grows (the cache holds every allocated prefix, so the
rate should rise with size, never fall). `--old-cache` runs the same with the
65,536-entry cache of before, for the ratio in the same run.

    python benchmarks/bench_scan_dense.py --mb 4 16 [--old-cache]
"""

from __future__ import annotations

import argparse
import functools
import random
import time

from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner


def dense_line(mb: int, segments: list[str], rng: random.Random) -> str:
    parts, size = [], 0
    while size < mb * 1_000_000:
        parts.append(rng.choice(segments) + f"{rng.randrange(10**8):08d}")
        size += 12
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, nargs="+", default=[4, 16])
    ap.add_argument("--old-cache", action="store_true", help="the 65,536-entry prefix cache of before")
    args = ap.parse_args()
    import leaktrace.pii.detectors.cn_mobile as m

    if args.old_cache:
        m.prefix_attrs = functools.lru_cache(maxsize=1 << 16)(m._prefix_attrs)  # type: ignore[assignment]
    segments = sorted(m.mobile_segments())
    rng = random.Random(1)
    scanner = Scanner(default_registry())
    for mb in args.mb:
        m.prefix_attrs.cache_clear()
        text = dense_line(mb, segments, rng)
        t0 = time.process_time()
        hits = sum(1 for _ in scanner.scan_stream(iter([text]), 1 << 18))
        cpu = time.process_time() - t0
        print(f"{'old cache' if args.old_cache else 'cache    '} {mb:>4} MB cold: {hits:,} hits, {cpu:.1f} CPU-s, "
              f"{mb / cpu:.2f} MB/s", flush=True)


if __name__ == "__main__":
    main()
