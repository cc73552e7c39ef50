"""Resident-ID validation: agreement with the published vectors, and speed.

Three validators over the same generated IDs, in one run:
* python-stdnum's `cn.ric.is_valid` in a Python loop (the peer; it raises
  KeyError on some codes, caught and counted as invalid);
* leaktrace's scalar rule `check_cn_id` in a Python loop;
* leaktrace's DuckDB SQL twin (`pii.sql.cn_id_valid_sql`) with a distinct
  count of valid IDs per province, as the dump engine runs it.
The IDs mix valid numbers built from real region codes, wrong check
characters, impossible dates, unknown codes, lower-case x and full-width
digits. Agreement with ../shared/eval/cn-id (when present) is printed per
mode, with the rows strict mode cannot decide and the disputed labels.

    python benchmarks/bench_cn_id.py --scale 2   # 200 k IDs
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from leaktrace.core.cn_id_rule import check_char
from leaktrace.pii.detectors.cn_id import check_cn_id
from leaktrace.pii.id_vectors import STRICT_DISPUTES, VECTORS_FILE, load_vectors, score
from leaktrace.pii.regions import region_table
from leaktrace.pii.sql import cn_id_normalized_sql, cn_id_valid_sql, register_region_tables

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "cn-id"
FULLWIDTH = str.maketrans("0123456789xX", "０１２３４５６７８９ｘＸ")


def make_ids(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    codes = sorted(region_table())
    out = []
    for _ in range(n):
        kind = rng.random()
        code = rng.choice(codes) if kind > 0.05 else f"{rng.randint(100000, 999999)}"
        year, month, day = rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28)
        if rng.random() < 0.03:
            month, day = 2, 30
        body = f"{code}{year:04d}{month:02d}{day:02d}{rng.randint(0, 999):03d}"
        check = check_char(body) if rng.random() < 0.7 else rng.choice("0123456789X")
        value = body + check
        r = rng.random()
        if r < 0.03:
            value = value.lower()
        elif r < 0.05:
            value = value.translate(FULLWIDTH)
        out.append(value)
    return out


def bench_stdnum(ids: list[str]) -> tuple[float, int, int]:
    from stdnum.cn import ric

    valid = crashes = 0
    t = time.process_time()
    for v in ids:
        try:
            valid += ric.is_valid(v)
        except Exception:  # KeyError on prefecture-level codes (see ARCHITECTURE.md)
            crashes += 1
    return time.process_time() - t, valid, crashes


def bench_scalar(ids: list[str], mode: str) -> tuple[float, int]:
    t = time.process_time()
    valid = sum(1 for v in ids if check_cn_id(v, mode)[0])  # type: ignore[arg-type]
    return time.process_time() - t, valid


def bench_sql(ids: list[str], mode: str) -> tuple[float, int, int]:
    """CPU seconds (all DuckDB threads, here one), valid IDs, provinces seen.

    One query: the rule as a filter, then distinct valid IDs per province on
    the canonical form (as the dump engine counts victims).
    """
    con = duckdb.connect()
    con.execute("SET threads = 1")  # per core, as the loops
    register_region_tables(con)
    con.register("t", pa.table({"id": ids}))
    norm = cn_id_normalized_sql("id")
    t = time.process_time()
    rows = con.execute(
        f"SELECT substr(nid, 1, 2) p, count(DISTINCT nid) FROM "
        f"(SELECT {norm} AS nid FROM t WHERE {cn_id_valid_sql('id', mode)}) GROUP BY p"  # type: ignore[arg-type]
    ).fetchall()
    elapsed = time.process_time() - t
    con.close()
    return elapsed, sum(r[1] for r in rows), len(rows)


def report_vectors() -> None:
    path = EVAL / VECTORS_FILE
    if not path.is_file():
        print(f"vectors: {path} not present, agreement not measured")
        return
    vectors = load_vectors(path)
    for mode in ("lenient", "strict"):
        res = score(vectors, mode, lambda v, m=mode: check_cn_id(v, m)[0])  # type: ignore[misc]
        print(f"vectors {mode:7s}: {res.agree}/{res.checked} agree ({res.percent:.1f}%); "
              f"unlabelled {len(res.unlabelled)}; no validity dates for the code (undecidable) "
              f"{len(res.undecidable)}; disputed {len(res.disputed)}; mismatches {res.mismatches}")
    for id_number, why in STRICT_DISPUTES.items():
        print(f"  disputed strict label {id_number[:2]}****: {why}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="100 k IDs per unit")
    args = ap.parse_args()
    n = int(100_000 * args.scale)
    report_vectors()
    ids = make_ids(n)
    check_cn_id(ids[0])  # load the region table outside the timings
    t_std, v_std, crashes = bench_stdnum(ids)
    print(f"python-stdnum loop : {n / t_std / 1e3:8.1f} k IDs/s  valid {v_std}  crashed on {crashes}")
    for mode in ("lenient", "strict"):
        t_sc, v_sc = bench_scalar(ids, mode)
        t_sql, v_sql, n_prov = bench_sql(ids, mode)
        print(f"leaktrace {mode:7s} scalar: {n / t_sc / 1e3:8.1f} k IDs/s  valid {v_sc}  "
              f"(x{t_std / t_sc:.2f} stdnum)")
        print(f"leaktrace {mode:7s} SQL   : {n / t_sql / 1e3:8.1f} k IDs/s  valid {v_sql}  "
              f"provinces {n_prov}  (x{t_std / t_sql:.1f} stdnum, x{t_sc / t_sql:.1f} scalar)  "
              f"scalar==SQL: {v_sc == v_sql}")
    ours = [check_cn_id(v, "lenient")[0] for v in ids]
    from stdnum.cn import ric

    def std(v: str) -> bool | None:
        try:
            return bool(ric.is_valid(v))
        except Exception:
            return None

    theirs = [std(v) for v in ids]
    answered = [(a, b) for a, b in zip(ours, theirs, strict=True) if b is not None]
    same = sum(a == b for a, b in answered)
    print(f"agreement with python-stdnum (lenient) where it answers: {same}/{len(answered)} "
          f"({100 * same / max(1, len(answered)):.1f}%)")
    ours_strict = [check_cn_id(v, "strict")[0] for v in ids]
    answered = [(a, b) for a, b in zip(ours_strict, theirs, strict=True) if b is not None]
    same = sum(a == b for a, b in answered)
    print(f"agreement with python-stdnum (strict) where it answers: {same}/{len(answered)} "
          f"({100 * same / max(1, len(answered)):.1f}%); python-stdnum does not fold full-width "
          "digits, misses historic codes and accepts future births, so it is a speed peer, not a truth")


if __name__ == "__main__":
    main()
