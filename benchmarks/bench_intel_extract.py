"""Facts + identifiers: throughput on generated posts and record-count accuracy.

    python benchmarks/bench_intel_extract.py --scale 2000

Prints posts/s for `analyse_post` (clean + facts + identifiers) on one core
(this process's CPU time, as bench_intel_classify measures, so other jobs on a
shared machine do not count) against the issue's target (2,000 posts/s for classify + facts +
identifiers together), and, when ../shared/eval/listings-cn is present, the
exact-match rate of the claimed record count on titles that state one
(a measurement only: rules are never tuned to those rows).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "intel"))

from gen_identifiers import generate_posts  # noqa: E402

from leaktrace.intel.extract import analyse_post  # noqa: E402

TARGET_POSTS_PER_S = 2000.0


def throughput(posts: list[str], repeats: int) -> float:
    for p in posts[:50]:  # warm-up: lexicon, suffix list, caches
        analyse_post(p)
    rates = []
    for _ in range(repeats):
        t0 = time.process_time()
        for p in posts:
            analyse_post(p)
        rates.append(len(posts) / max(time.process_time() - t0, 1e-9))
    return statistics.median(rates)


def records_exact_match(path: Path) -> tuple[int, int, int, int]:
    """(stated, exact, titles without a count, of which we claimed one)."""
    stated = exact = unstated = spurious = 0
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            got = analyse_post(row["title"]).facts.records
            if row["records"].strip():
                stated += 1
                exact += got == int(float(row["records"]))
            else:
                unstated += 1
                spurious += got is not None
    return stated, exact, unstated, spurious


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2000, help="posts per timing run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    posts = [p.text for p in generate_posts(random.Random(args.seed), args.scale)]
    mean_chars = statistics.mean(len(p) for p in posts)
    rate = throughput(posts, args.repeats)
    print(f"posts: {len(posts)} generated, mean {mean_chars:.0f} chars")
    print(f"target (issue): {TARGET_POSTS_PER_S:,.0f} posts/s classify+facts+identifiers")
    print(f"ours: {rate:,.0f} posts/s facts+identifiers ({1e3 / rate:.3f} ms/post), "
          f"ratio ours/target {rate / TARGET_POSTS_PER_S:.2f}")
    gold = REPO.parent / "shared" / "eval" / "listings-cn" / "cn2018_dev.csv"
    if gold.exists():
        stated, exact, unstated, spurious = records_exact_match(gold)
        print(f"records exact match (cn2018_dev, count stated): {exact}/{stated} = {exact / stated:.3f} "
              f"(target 0.95)")
        print(f"records claimed where gold has none: {spurious}/{unstated} = {spurious / unstated:.3f}")
    else:
        print("records exact match: skipped (no ../shared/eval/listings-cn)")


if __name__ == "__main__":
    main()
