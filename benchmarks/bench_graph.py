"""Alias linking, groups, roles and build time of the seller graph.

    python benchmarks/bench_graph.py --seeds 100 --build-size 200000

1. Generated worlds (seeds 100.. by default; the style threshold was set on
   seeds 0-14): pairwise alias precision/recall of actors built from strong
   identifiers, of actors with inferred leads merged too (>= 0.5), and of
   style+handle leads alone by post count; Leiden group ARI; share of worlds
   whose supplier is right; share of gang accounts whose actor has its
   member's role (supplier, wholesaler, agent); the recall ceiling of any
   identifier rule (pairs joined in the world's truth by a chain of
   identifiers that only one member shows). The peer is the correlation
   rule of AIL-style tools (any identifier two accounts share makes one entity); its figures
   and the precision ratio are printed in the same run.
2. Real listings (../shared/eval, skipped when absent): each vendor with
   enough titles is split into two pseudo-accounts (alternate titles); the
   cosine of same-vendor pairs against different-vendor pairs gives an AUC
   and precision/recall at the shipped threshold. A measurement only.
3. Build time for `--build-size` listings (one loaded world copied under
   new site names to that size, in-memory SQLite), per stage, at size/4 and
   size; extrapolated to 1 M listings two ways: linearly from the larger
   run's rate, and by the power law t = c * n^k fitted through the two runs
   (k > 1 shows super-linear stages).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "graph"))

from simworld import correlation_baseline, identifier_ceiling, score, world_store  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from leaktrace.graph.build import BuildConfig, build_graph  # noqa: E402
from leaktrace.graph.style import StyleConfig, similar_pairs, vectors  # noqa: E402

EVAL = REPO.parent / "shared" / "eval"


def _pr(c: np.ndarray) -> str:
    tp, fp, fn = c
    return f"P={tp / max(1, tp + fp):.3f} R={tp / max(1, tp + fn):.3f} (tp {int(tp)}, fp {int(fp)}, fn {int(fn)})"


def worlds(start: int, n: int) -> None:
    tot: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    aris, sup = [], []
    roles = np.zeros(2)
    ceiling = np.zeros(2)
    t0 = time.perf_counter()
    for seed in range(start, start + n):
        with world_store(seed) as w, w.sessions() as s:
            g = build_graph(s, w.hasher)
            gi = build_graph(s, w.hasher, BuildConfig(merge_inferred=0.5))
        sc = score(g, w.truth)
        tot["strong identifiers (actors)"] += sc["actors"]
        tot["strong + inferred >= 0.5"] += score(gi, w.truth)["actors"]
        tot["style+handles, both 25+ posts"] += sc["style25"]
        tot["style+handles, both 10-24 posts"] += sc["style10"]
        tot["peer: any shared identifier"] += correlation_baseline(g, w.truth)
        aris.append(sc["ari"])
        sup.append(sc["supplier"])
        roles += sc["roles"]
        ceiling += identifier_ceiling(w.truth)
    print(f"== generated worlds: seeds {start}..{start + n - 1} ({time.perf_counter() - t0:.0f} s)")
    for name, c in tot.items():
        print(f"  alias pairs, {name:34s} {_pr(c)}")
    ours, peer = tot["strong identifiers (actors)"], tot["peer: any shared identifier"]
    p_ours = ours[0] / max(1, ours[0] + ours[1])
    p_peer = peer[0] / max(1, peer[0] + peer[1])
    print(f"  precision ratio ours/peer: {p_ours / max(1e-9, p_peer):.1f}x")
    print(f"  group ARI: mean {np.mean(aris):.3f}, min {np.min(aris):.3f}, worlds >= 0.9: {np.mean(np.array(aris) >= 0.9):.0%}")
    print(f"  supplier right: {np.mean(sup):.0%} of worlds")
    print(f"  roles right (gang accounts whose actor has its member's role): {roles[0] / max(1, roles[1]):.1%} "
          f"({int(roles[0])} of {int(roles[1])})")
    print(f"  recall ceiling of any identifier rule (identifiers only one member shows, from truth): "
          f"{ceiling[0] / max(1, ceiling[1]):.3f} ({int(ceiling[0])} of {int(ceiling[1])} pairs)")


def _split_vendors(rows: list[tuple[str, str]], min_titles: int, cap: int, hard: bool
                   ) -> tuple[list[list[str]], list[str]]:
    """Two pseudo-accounts per vendor: alternate titles, or (hard) the alphabetical halves of its
    distinct titles, so near-duplicate reposts of one product stay on one side."""
    by: dict[str, list[str]] = defaultdict(list)
    for vendor, title in rows:
        if vendor and title:
            by[vendor].append(title)
    docs, owner = [], []
    for vendor, titles in sorted(by.items()):
        if hard:
            titles = sorted(set(titles), key=str.lower)
        if len(titles) >= min_titles:
            if hard:
                half = len(titles) // 2
                docs += [titles[:half][:cap], titles[half:][-cap:]]
            else:
                docs += [titles[0::2][:cap], titles[1::2][:cap]]
            owner += [vendor, vendor]
    return docs, owner


def real_style(name: str, rows: list[tuple[str, str]], min_titles: int, cap: int = 25, hard: bool = False) -> None:
    docs, owner = _split_vendors(rows, min_titles, cap, hard)
    name += ", alphabetical halves of distinct titles" if hard else ", alternate titles"
    if len(docs) < 4:
        print(f"  {name}: too few vendors with {min_titles}+ titles")
        return
    m = vectors(docs)
    found = similar_pairs(m, [list(range(len(docs)))], -1.0)
    sims = [(i, j, x) for (i, j), x in found.items()]
    y = np.array([owner[i] == owner[j] for i, j, _ in sims])
    s = np.array([x for _, _, x in sims])
    thr = StyleConfig().threshold
    tp, fp = int(((s >= thr) & y).sum()), int(((s >= thr) & ~y).sum())
    print(f"  {name}: {len(docs) // 2} vendors with {min_titles}+ titles, {int(y.sum())} same / {int((~y).sum())} "
          f"different pairs: AUC {roc_auc_score(y, s):.3f}; at threshold {thr}: P={tp / max(1, tp + fp):.3f} "
          f"R={tp / max(1, int(y.sum())):.3f}")


def real(min_en: int) -> None:
    print("== stylometry on real listing titles (same vendor split in two vs different vendors)")
    en = EVAL / "listings-en" / "dnm2017_dev.csv"
    cn = EVAL / "listings-cn" / "cn2018_dev.csv"
    if not en.is_file() and not cn.is_file():
        print("  ../shared/eval absent: skipped")
        return
    if en.is_file():
        with en.open(encoding="utf-8") as f:
            rows = [(r["vendor"], r["title"]) for r in csv.DictReader(f)]
        real_style("listings-en (2017)", rows, min_en)
        real_style("listings-en (2017)", rows, min_en, hard=True)
        real_style("listings-en (2017), 50+ titles", rows, 50, hard=True)
    if cn.is_file():
        with cn.open(encoding="utf-8") as f:
            rows = [(r["seller"], r["title"]) for r in csv.DictReader(f)]
        real_style("listings-cn (2018)", rows, 8)
        real_style("listings-cn (2018)", rows, 8, hard=True)


def _clone(s: Session, base: dict[str, int], first: int, last: int) -> None:
    """Grow the store by copies of the loaded world under new site names (pure SQL, no re-analysis).

    Each copy gets its own sites, captures, posts and identifiers (hash
    suffixed), so it is an independent world: the build meets many gangs
    and many unrelated sellers, as a large deployment would.
    """
    for k in range(first, last + 1):
        po, io, co, ro = (base[t] * k for t in ("posts", "identifiers", "captures", "intel_results"))
        s.execute(text(f"INSERT INTO captures SELECT id+{co}, source_id, url||'#{k}', substr(url_key, 1, 54)||printf('~%09d', {k}), "
                       "sha256, fetched_at, "
                       f"status, content_type, size, recorded_at FROM captures WHERE id <= {base['captures']}"))
        s.execute(text(f"INSERT INTO posts SELECT id+{po}, site||'~{k}', url, url_key, source_id, capture_id+{co}, "
                       f"author_handle||'~{k}', title, body, language, posted_at, price_amount, price_currency, volume_records, "
                       f"status, first_seen_at, last_seen_at FROM posts WHERE id <= {base['posts']}"))
        s.execute(text(f"INSERT INTO intel_results SELECT id+{ro}, post_id+{po}, model_version, trafficking, score, "
                       f"categories, facts, created_at FROM intel_results WHERE id <= {base['intel_results']}"))
        s.execute(text(f"INSERT INTO identifiers SELECT id+{io}, type, value_hash||'~{k}', value_masked, value_norm, "
                       f"first_seen_at FROM identifiers WHERE id <= {base['identifiers']}"))
        s.execute(text(f"INSERT INTO post_identifiers SELECT post_id+{po}, identifier_id+{io}, role, count "
                       f"FROM post_identifiers WHERE post_id <= {base['posts']}"))


def scale(listings: int) -> None:
    print("== build time: one loaded world copied under new site names to the size asked "
          "(in-memory SQLite; CPU seconds of this process, the machine is shared)")
    rates, points = [], []
    with world_store(4242, listings_per_market=1000) as w:
        with w.sessions.begin() as s:
            one = s.execute(text("SELECT count(*) FROM posts")).scalar() or 1
            base = {t: s.execute(text(f"SELECT max(id) FROM {t}")).scalar() or 0
                    for t in ("posts", "identifiers", "captures", "intel_results")}
        done = 1
        for n in (max(one, listings // 4), listings):
            copies = max(1, round(n / one))
            if copies > done:
                with w.sessions.begin() as s:
                    _clone(s, base, done, copies - 1)
                done = copies
            with w.sessions() as s:
                c0, t0 = time.process_time(), time.perf_counter()
                g = build_graph(s, w.hasher)
                cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            c = g.counts
            posts = sum(a.posts for a in g.accounts)
            rates.append(posts / cpu)
            points.append((posts, cpu))
            print(f"  {posts:,} posts, {c.accounts:,} accounts, {c.groups:,} groups, {c.links:,} links: "
                  f"{cpu:.1f} CPU s, {wall:.1f} wall s ({posts / cpu:,.0f} posts per CPU s); "
                  f"stages (wall s) {g.timings}")
    print(f"  1 M posts at the larger run's rate (linear): ~{1e6 / rates[-1] / 60:.1f} CPU min (target < 5 min)")
    if len(points) == 2 and points[1][0] > points[0][0]:
        (n1, t1), (n2, t2) = points
        k = float(np.log(t2 / t1) / np.log(n2 / n1))
        power = t2 * (1e6 / n2) ** k
        print(f"  power law through both runs: t ~ n^{k:.2f}; 1 M posts: ~{power / 60:.1f} CPU min; estimate (the "
              f"larger of the two; k < 1 means the smaller run still compared all style pairs): "
              f"~{max(power, 1e6 / rates[-1]) / 60:.1f} CPU min")
    print("  copies write identically, so style leads join their gangs: group counts here say nothing")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--seed-start", type=int, default=100)
    ap.add_argument("--build-size", "--scale", dest="build_size", type=int, default=30_000,
                    help="posts for the build-time run (0: skip); --scale is the older name")
    ap.add_argument("--min-titles", type=int, default=20, help="titles a real vendor needs to be measured")
    args = ap.parse_args()
    if args.seeds:
        worlds(args.seed_start, args.seeds)
    real(args.min_titles)
    if args.build_size:
        scale(args.build_size)


if __name__ == "__main__":
    main()
