"""Record counts: exact match on the real sets where a title states one, and on the generated suite.

    python benchmarks/bench_intel_counts.py --n 4000 --seed 1

The real sets (../shared/eval, when present; high-confidence rows) are measured only. The
generated suite (tests/intel/gen_counts.py) writes a drawn count in the forms both LABELING
files name, wrapped in seller decoration and near-misses (prices, balances, years, sizes,
rates, PGP fingerprints, wallets); a fifth of its titles hold near-misses only, where the
right answer is no count. Each figure is printed with its n.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "intel"))

from gen_counts import generate_counts, score  # noqa: E402

from leaktrace.intel.evaluate import read_labels  # noqa: E402
from leaktrace.intel.extract import analyse_post  # noqa: E402

SETS = ("listings-en/dnm2017_def_dev.csv", "listings-cn/cn2018_dev.csv")
TARGET = 0.95


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    res = score(generate_counts(args.n, args.seed))
    dt = time.perf_counter() - t0
    for lang, r in res.items():
        print(f"generated {lang}: exact {r['exact']:.4f} of n={r['stated']} stated (target {TARGET}); "
              f"no claim on near-miss-only titles {r['no_claim']:.4f} of n={r['near_miss_only']}")
    print(f"({2 * args.n / dt:,.0f} analyses/s incl. generation)")
    root = REPO.parent / "shared" / "eval"
    for rel in SETS:
        path = root / rel
        if not path.exists():
            print(f"{rel}: skipped (no ../shared/eval)")
            continue
        stated = exact = spurious = unstated = 0
        for row in read_labels(path, confidence="high"):
            got = analyse_post(row.post.title, row.post.body).facts.records
            if row.records is not None:
                stated += 1
                exact += got == row.records
            else:
                unstated += 1
                spurious += got is not None
        print(f"{path.name} (high confidence): exact {exact / max(1, stated):.4f} of n={stated} stated "
              f"(target {TARGET}); a count claimed on {spurious} of {unstated} titles that state none")


if __name__ == "__main__":
    main()
