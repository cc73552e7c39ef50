"""Is the scanner linear in the input whatever its density (issue 16 #24)? MB/s per size, dense and sparse.

Three kinds of one-line text, each scanned at three sizes by a fresh cold
scanner (prefix caches cleared), all detectors on:

- `dense-mobile`: nothing but space-separated valid mobiles of random
  prefixes (every allocated 7-digit prefix is met as the text grows);
- `dense-id`: nothing but space-separated resident IDs (real region codes,
  real dates, 80% right check characters);
- `sparse`: the synthetic scan corpus (listings, chat, logs, prose) with 40
  times its usual share of records without PII (a hit every ~300 bytes),
  newlines made spaces, 2 MB of it repeated to size.

For each it prints CPU seconds (this process: one core, other jobs on the
machine do not count), MB/s, the per-MB cost of each size against the
smallest (1.00 = linear), and each dense kind's per-MB cost against sparse.

    python benchmarks/bench_scan_dense.py --scale 128      # 8, 32, 128 MB
    python benchmarks/bench_scan_dense.py --scale 200 --kinds dense-mobile sparse

`--scale S` scans S/16, S/4 and S MB. Run it against an older checkout
(`PYTHONPATH=../old/src`) for the before column: it uses only what both have.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
from collections.abc import Callable

import numpy as np

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner

MB = 1_000_000


def _rows_to_text(rows: np.ndarray) -> str:
    return rows.astype(np.uint8).tobytes().decode("ascii")


def dense_mobile(mb: float, rng: np.random.Generator) -> str:
    """Space-separated 11-digit mobiles in allocated segments, random prefixes (12 bytes each)."""
    from leaktrace.pii.detectors.cn_mobile import mobile_segments

    segs = np.array([[ord(c) for c in s] for s in sorted(mobile_segments())], dtype=np.uint8)
    n = int(mb * MB) // 12
    rows = np.empty((n, 12), dtype=np.uint8)
    rows[:, :3] = segs[rng.integers(0, len(segs), n)]
    rows[:, 3:11] = rng.integers(48, 58, (n, 8), dtype=np.uint8)
    rows[:, 11] = 32
    return _rows_to_text(rows)


def dense_id(mb: float, rng: np.random.Generator) -> str:
    """Space-separated 18-character resident IDs (19 bytes each), a fifth with a wrong check character."""
    from leaktrace.pii.regions import region_table

    codes = np.array([[ord(c) for c in k] for k in sorted(region_table())], dtype=np.uint8)
    day0 = dt.date(1950, 1, 1)
    dates = np.array([[ord(c) for c in (day0 + dt.timedelta(days=d)).strftime("%Y%m%d")]
                      for d in range(0, 365 * 55)], dtype=np.uint8)
    n = int(mb * MB) // 19
    rows = np.empty((n, 19), dtype=np.uint8)
    rows[:, :6] = codes[rng.integers(0, len(codes), n)]
    rows[:, 6:14] = dates[rng.integers(0, len(dates), n)]
    rows[:, 14:17] = rng.integers(48, 58, (n, 3), dtype=np.uint8)
    total = ((rows[:, :17].astype(np.int64) - 48) * np.array(WEIGHTS)).sum(axis=1) % 11
    check = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[total]
    wrong = rng.random(n) < 0.2
    check[wrong] = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[(total[wrong] + 1 + rng.integers(0, 10, int(wrong.sum()))) % 11]
    rows[:, 17] = check
    rows[:, 18] = 32
    return _rows_to_text(rows)


_SPARSE_UNIT: list[str] = []


def sparse(mb: float, rng: np.random.Generator) -> str:
    """The scan corpus, mostly records without PII, one line, repeated to size."""
    if not _SPARSE_UNIT:
        from leaktrace.simulate.pii_corpus import generate_corpus

        _SPARSE_UNIT.append(generate_corpus(2 * MB, seed=11, filler_weight=40).text.replace("\n", " "))
    unit = _SPARSE_UNIT[0]
    unit_bytes = len(unit.encode("utf-8"))
    reps = max(1, round(mb * MB / unit_bytes))
    return unit * reps


KINDS: dict[str, Callable[[float, np.random.Generator], str]] = {
    "dense-mobile": dense_mobile, "dense-id": dense_id, "sparse": sparse}


def clear_caches() -> None:
    """A cold process's state: no prefix cached, no segment table (older checkouts: the cache only)."""
    import leaktrace.pii.detectors.cn_mobile as m

    clear = getattr(m, "clear_prefix_caches", None)
    if clear is not None:
        clear()
    else:
        m.prefix_attrs.cache_clear()


def scan_cpu(text: str) -> tuple[int, float]:
    clear_caches()
    gc.collect()
    scanner = Scanner(default_registry())
    t0 = time.process_time()
    hits = sum(1 for _ in scanner.scan_stream(iter([text]), 1 << 18))
    return hits, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=128, help="largest size in MB; also scans scale/16 and scale/4")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    ap.add_argument("--repeats", type=int, default=1, help="runs per size (median CPU time)")
    args = ap.parse_args()
    sizes = [args.scale / 16, args.scale / 4, args.scale]
    per_mb: dict[str, dict[float, float]] = {}
    Scanner(default_registry()).scan("手机13800138000 身份证11010519491231002X")  # imports, table loads
    for kind in args.kinds:
        per_mb[kind] = {}
        for mb in sizes:
            text = KINDS[kind](mb, np.random.default_rng(1))
            size_mb = len(text.encode("utf-8")) / MB
            runs = sorted(scan_cpu(text) for _ in range(args.repeats))
            hits, cpu = runs[len(runs) // 2]
            del text
            per_mb[kind][mb] = cpu / size_mb
            first = per_mb[kind][sizes[0]]
            print(f"{kind:>12} {size_mb:7.1f} MB: {hits:>11,} hits, {cpu:7.1f} CPU-s, {size_mb / cpu:6.2f} MB/s, "
                  f"per-MB cost vs {sizes[0]:g} MB {per_mb[kind][mb] / first:.2f}", flush=True)
    if "sparse" in per_mb:
        for kind in per_mb:
            if kind != "sparse":
                print(f"{kind} / sparse, per-MB cost: " + ", ".join(
                    f"{mb:g} MB {per_mb[kind][mb] / per_mb['sparse'][mb]:.1f}x" for mb in sizes))


if __name__ == "__main__":
    main()
