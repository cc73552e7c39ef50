"""How fast `leaktrace simulate` writes the leaked dump, against row-by-row Faker.

    python benchmarks/bench_simulate.py --scale 10000000

Ours: the whole world generator (leak CSV, row labels, earlier dump, orgs,
truth.json; social half off) at --scale rows, rows/s of the leak and peak
RSS. Peer: the usual way such data is made, Faker zh_CN called per row
(name, ssn, phone number, address, date time), timed on a sample and
extrapolated as rows/s. Medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def faker_rows_per_s(n: int, repeats: int) -> float:
    from faker import Faker

    rates = []
    for r in range(repeats):
        fake = Faker("zh_CN")
        fake.seed_instance(r)
        t = time.perf_counter()
        for _ in range(n):
            ",".join((fake.numerify("####################"), str(fake.date_time()), fake.name(), fake.ssn(),
                      fake.phone_number(), fake.address(), fake.word(), f"{fake.pyfloat(2, 2, True):.2f}"))
        rates.append(n / (time.perf_counter() - t))
    return statistics.median(rates)


def ours(scale: int, repeats: int, formats: list[str]) -> tuple[float, float]:
    from leaktrace.simulate.world import generate_world

    times = []
    for r in range(repeats):
        root = Path(tempfile.mkdtemp(prefix="bench_simulate_"))
        try:
            t = time.perf_counter()
            generate_world(root / "w", scale=scale, seed=r, orgs=8, formats=formats, social=False)
            times.append(time.perf_counter() - t)
            size = sum(p.stat().st_size for p in (root / "w").rglob("*") if p.is_file())
        finally:
            shutil.rmtree(root, ignore_errors=True)
    print(f"  output size: {size / 1e6:,.1f} MB (last run)")
    return statistics.median(times), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1_000_000, help="leak rows (default 1,000,000)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--formats", default="csv")
    ap.add_argument("--faker-rows", type=int, default=3000, help="rows to time the Faker peer on")
    args = ap.parse_args(argv)
    peer = faker_rows_per_s(args.faker_rows, max(3, args.repeats))
    wall, rss = ours(args.scale, args.repeats, args.formats.split(","))
    rate = args.scale / wall
    print(f"peer  Faker zh_CN row by row : {peer:12,.0f} rows/s")
    print(f"ours  leaktrace simulate     : {rate:12,.0f} rows/s  ({args.scale:,} rows in {wall:.1f} s, "
          f"formats {args.formats}, peak RSS {rss:,.0f} MiB)")
    print(f"ratio ours / peer            : {rate / peer:12,.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
