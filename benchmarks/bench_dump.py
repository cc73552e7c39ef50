"""`dump analyze` speed and memory on a 6-column order CSV, UTF-8 and GB18030, with its peers.

    python benchmarks/bench_dump.py [--scale 1000000 [10000000 ...]] [--loop-rows 50000] [--threads 2]
                                    [--spark-rows N [--spark-cluster]] [--memory-limit 3GB] [--work DIR]
                                    [--skip-gb18030] [--skip-sql-hmac] [--stages]

For each `--scale` row count, builds a simulated leak, keeps six columns (order
id, time, name, ID number, mobile, address) and writes it as UTF-8 and
GB18030 CSV. Then, in the same run:

- a bare DuckDB `count(*)` scan of the UTF-8 file (the ceiling of reading);
- the floor pass: what no full report can skip (parse every field, count the
  distinct records, find the distinct IDs and mobiles, write the two
  keyed-hash sets `analyze` writes by default) with no validation rule at
  all - the ceiling of a report on this machine;
- the full `analyze_dump` report (keyed-hash sets included) on both files,
  each in a child process whose peak RSS is read back, and once more on the
  UTF-8 file with the keyed hashes and the row rules in SQL
  (`LEAKTRACE_NATIVE_HASH=0`: what a machine without the compiled extensions gets);
- the per-row Python loop a user would write instead (python-stdnum `cn.ric`
  + phonenumbers geocoder) over `--loop-rows` rows;
- the Spark engine on the first `--spark-rows` rows of the largest scale, in
  local mode or (`--spark-cluster`) on a standalone cluster started here
  with `spark-class` (a master and two 1-core workers), as rows/s per core
  and as a ratio to the DuckDB rate.

`--stages` adds one more run per file that prints where the CPU goes: CPU
seconds per engine call (the scan into facts, each cached table, each
hash-set write, the report's queries) and the rest outside them; with
`--spark-rows` it also prints the Spark run's wall seconds per engine call.

Prints rows/s and the ratios (the floor's own ratio to `count(*)` too: the
most any complete report could reach in that run), and the child's CPU seconds (user + system,
all threads): on a shared machine the wall clock depends on the neighbours,
the CPU seconds much less. `--work DIR` keeps the built files there and
reuses them (large scales take minutes to build).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from leaktrace.dumps import gb18030_native
from leaktrace.dumps.normalize_sql import lit as sql_str

# Child-script lines that time each engine call of `cls` named in `names` into `rows`: [call, what, wall s, CPU s].
TIMED_CALLS = r"""
import time
from pathlib import Path
rows = []
def timed_calls(cls, names):
    for name in names:
        def timed(self, *a, _orig=getattr(cls, name), _name=name, **k):
            t, c = time.perf_counter(), time.process_time()
            try:
                return _orig(self, *a, **k)
            finally:
                what = Path(a[1]).name.split(".")[1] if _name == "write_parquet" else str(a[0])
                rows.append([_name, " ".join(what.split())[:70], time.perf_counter() - t, time.process_time() - c])
        setattr(cls, name, timed)
"""

SPARK_CHILD = TIMED_CALLS + r"""
import json, sys
from leaktrace.dumps import engine_spark as E
from leaktrace.dumps.analyze import analyze_dump
from leaktrace.pipeline.context import open_context
# wall seconds count (the driver waits for each call's Spark jobs); register_input runs the facts
# step through cache_mapped: it is timed there, the rest of it is "outside"
timed_calls(E.SparkEngine, ("execute", "cache", "cache_mapped", "write_parquet", "fetch", "fetch_one"))
with open_context() as ctx:
    opts = ctx.dump_options(force=True, engine="spark", spark_master=sys.argv[3] if len(sys.argv) > 3 else None)
    analyze_dump(Path(sys.argv[2]), opts, data_dir=ctx.data_dir, keys=ctx.keyring)  # warm the session and workers
    rows.clear()
    t = time.perf_counter()
    r = analyze_dump(Path(sys.argv[1]), opts, data_dir=ctx.data_dir, keys=ctx.keyring)
print(json.dumps({"s": time.perf_counter() - t, "rows": r.rows, "ids": r.distinct_valid_ids, "stages": rows}))
"""

CHILD = r"""
import json, sys, time, resource
from pathlib import Path
from leaktrace.dumps.analyze import analyze_dump
from leaktrace.pipeline.context import open_context
t, c = time.perf_counter(), time.process_time()
with open_context() as ctx:
    r = analyze_dump(Path(sys.argv[1]), ctx.dump_options(force=True, threads=int(sys.argv[2]), memory_limit=sys.argv[3]),
                     data_dir=ctx.data_dir, keys=ctx.keyring)
print(json.dumps({"s": time.perf_counter() - t, "cpu": time.process_time() - c, "rows": r.rows,
                  "ids": r.distinct_valid_ids, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


STAGES_CHILD = TIMED_CALLS + r"""
import json, sys
from leaktrace.dumps import engine_duckdb as E
from leaktrace.dumps.analyze import analyze_dump
from leaktrace.pipeline.context import open_context
# cache_mapped runs through cache: timing cache alone counts it once
timed_calls(E.DuckDBEngine, ("register_input", "execute", "cache", "write_parquet", "fetch", "fetch_one"))
t, c = time.perf_counter(), time.process_time()
with open_context() as ctx:
    analyze_dump(Path(sys.argv[1]), ctx.dump_options(force=True, threads=int(sys.argv[2]), memory_limit=sys.argv[3]),
                 data_dir=ctx.data_dir, keys=ctx.keyring)
print(json.dumps({"s": time.perf_counter() - t, "cpu": time.process_time() - c, "stages": rows}))
"""


def make_files(work: Path, scale: int, gb18030: bool = True) -> tuple[Path, Path]:
    from leaktrace.simulate.world import generate_world

    utf8, gbk = work / "orders6.csv", work / "orders6_gb18030.csv"
    if not utf8.is_file():
        generate_world(work / "w", scale=scale, seed=1, orgs=4, formats=["csv"], social=False)
        src = work / "w" / "leak" / "leak.csv"
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        tmp = utf8.with_name(utf8.name + ".part")
        con.execute(f"COPY (SELECT #1, #2, #3, #4, #5, #6 FROM read_csv({sql_str(str(src))}, header=true, "
                    f"all_varchar=true, auto_detect=true)) TO {sql_str(str(tmp))} (HEADER, DELIMITER ',', QUOTE '')")
        con.close()
        tmp.replace(utf8)
        shutil.rmtree(work / "w")
    if gb18030 and not gbk.is_file():
        tmp = gbk.with_name(gbk.name + ".part")
        subprocess.run(["iconv", "-f", "UTF-8", "-t", "GB18030", "-o", str(tmp), str(utf8)], check=True)
        tmp.replace(gbk)
    return utf8, gbk


def floor_pass(path: Path, threads: int, work: Path) -> tuple[float, float, str]:
    """What any full report must do at least, with no rule at all: parse every field, count the distinct
    records, find the distinct IDs and mobiles, and write the two keyed-hash sets `analyze` writes by
    default (same HMAC, same Parquet options). The speed of a complete report cannot exceed this."""
    from leaktrace.core.keyring import Keyring
    from leaktrace.dumps.hashsets import (
        KEY_ALIAS,
        KEY_TABLE,
        PARQUET_OPTIONS,
        hmac_sql,
        register_hmac_key,
        register_native_hashers,
    )

    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    con.execute("SET preserve_insertion_order = false")
    ring = Keyring.generate()
    native = register_native_hashers(con, ring)
    if not native:
        register_hmac_key(con, ring)

    def h(t: str, v: str) -> str:
        return f"lt_hmac_{t}({v})" if native else hmac_sql(t, v)

    key = "" if native else f", {KEY_TABLE} {KEY_ALIAS}"
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(6))
    src = (f"read_csv({sql_str(str(path))}, header=true, auto_detect=false, columns={{{cols}}}, delim=',', "
           "quote='\"', escape='\"')")
    t, c = time.perf_counter(), time.process_time()
    # The row digest `analyze` groups by when no records set is asked for (analysis_sql.row_digest_sql).
    con.execute(f"CREATE TEMP TABLE f AS SELECT hash(c0, c1, c2, c3, c4, c5) AS rec, "
                f"c3 AS id, c4 AS mob FROM {src}")
    con.execute("SELECT count(DISTINCT rec) FROM f").fetchall()  # distinct records are counted, not hashed
    for name, t_, q in (("persons", "cn_id", "SELECT DISTINCT id AS v FROM f"),
                        ("phones", "cn_mobile", "SELECT DISTINCT mob AS v FROM f")):
        out = sql_str(str(work / f"floor_{name}.parquet"))
        con.execute(f"COPY (SELECT {h(t_, 'v')} AS hash FROM ({q}) d{key}) TO {out} ({PARQUET_OPTIONS})")
    s, cpu = time.perf_counter() - t, time.process_time() - c
    con.close()
    return s, cpu, "compiled HMAC" if native else "SQL HMAC"


def bare_count(path: Path, threads: int) -> tuple[float, float]:
    """(wall, CPU seconds of all threads) of a bare DuckDB count(*) scan of the file."""
    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    t, c = time.perf_counter(), time.process_time()
    con.execute(f"SELECT count(*) FROM read_csv({sql_str(str(path))}, header=true, all_varchar=true)").fetchall()
    s, cpu = time.perf_counter() - t, time.process_time() - c
    con.close()
    return s, cpu


def child(path: Path, threads: int, mem: str, native_hash: bool = True) -> dict[str, float]:
    env = dict(os.environ, LEAKTRACE_NATIVE_HASH="1" if native_hash else "0")
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(threads), mem],
                         check=False, capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(f"analyze failed on {path}:\n{out.stderr[-3000:]}")
    return json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1])


def stages(path: Path, threads: int, mem: str) -> None:
    """One more `analyze_dump` run in a child, printing CPU-s per engine call (SQL stage) and the rest (Python)."""
    out = subprocess.run([sys.executable, "-c", STAGES_CHILD, str(path), str(threads), mem],
                         check=False, capture_output=True, text=True, env=os.environ)
    if out.returncode:
        raise SystemExit(f"analyze failed on {path}:\n{out.stderr[-3000:]}")
    r = json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1])
    print(f"  stages of {path.name} ({r['cpu']:.2f} CPU-s, {r['s']:.2f}s in all):")
    inside = 0.0
    for name, what, s, cpu in r["stages"]:
        inside += cpu
        if cpu >= 0.01 * r["cpu"]:
            print(f"    {cpu:6.2f} CPU-s {100 * cpu / r['cpu']:4.0f}%  {s:6.2f}s  {name:<14} {what}")
    rest = r["cpu"] - inside
    print(f"    {rest:6.2f} CPU-s {100 * rest / r['cpu']:4.0f}%          outside engine calls (imports, sniff, "
          "region tables, report, side pass not overlapped)")


def spark_child(path: Path, rows: int, master: str | None = None,
                executor_memory: str | None = None) -> dict[str, Any] | None:
    """The Spark engine on the first `rows` rows (after a warm-up run on 1,000 rows), local[2] or `master`."""
    try:
        import pandas  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        return None
    part, warm = path.with_name("spark_part.csv"), path.with_name("spark_warm.csv")
    # Streamed: the first rows of a 10^7-row file held as a list took the bench to 6.3 GB.
    with path.open("rb") as f, part.open("wb") as out_part, warm.open("wb") as out_warm:
        for i, line in enumerate(f):
            if i > rows:
                break
            out_part.write(line)
            if i <= 1000:
                out_warm.write(line)
    args = [sys.executable, "-c", SPARK_CHILD, str(part), str(warm)] + ([master] if master else [])
    env = dict(os.environ)
    if executor_memory:  # what a cluster's spark-defaults.conf would say (Spark's default is 1g)
        env["PYSPARK_SUBMIT_ARGS"] = f"--conf spark.executor.memory={executor_memory} pyspark-shell"
    out = subprocess.run(args, check=False, capture_output=True, text=True, env=env)
    found = [ln[ln.index('{"s":'):] for ln in out.stdout.splitlines() if '{"s":' in ln]
    if out.returncode or not found:  # one 10^6-row run exited 0 without its line: show what it said
        raise SystemExit(f"spark analyze failed (exit {out.returncode}):\n{out.stdout[-1500:]}\n{out.stderr[-3000:]}")
    return json.loads(found[-1])


def python_loop(path: Path, n: int) -> float:
    import phonenumbers
    from phonenumbers import geocoder
    from stdnum.cn import ric

    t = time.perf_counter()
    seen, provs = set(), {}
    with path.open(encoding="utf-8") as f:
        next(f)
        for i, line in enumerate(f):
            if i >= n:
                break
            fields = line.rstrip("\n").split(",")
            try:
                ok = ric.is_valid(fields[3])
            except Exception:
                ok = False
            if ok:
                seen.add(fields[3])
                provs[fields[3][:2]] = provs.get(fields[3][:2], 0) + 1
            try:
                num = phonenumbers.parse(fields[4], "CN")
                geocoder.description_for_number(num, "zh")
            except phonenumbers.NumberParseException:
                pass
    return n / (time.perf_counter() - t)


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def one_scale(a: argparse.Namespace, work: Path, n: int) -> dict[str, float]:
    """Every DuckDB figure at `n` rows (medians of `--repeat` interleaved rounds), printed.

    The machine is shared: each round runs count, floor and both reports back
    to back, so a ratio compares runs under the same neighbours; medians of
    wall seconds and of CPU seconds (all threads) are printed, and the CPU
    ratio is the steadier one under contention. Returns the UTF-8 rate.
    """
    t = time.perf_counter()
    (work / f"n{n}").mkdir(parents=True, exist_ok=True)
    utf8, gbk = make_files(work / f"n{n}", n, not a.skip_gb18030)
    print(f"== {n:,} rows: built ({utf8.stat().st_size / 1e6:.0f} MB UTF-8) in {time.perf_counter() - t:.1f}s")
    runs: dict[str, list[tuple[float, float]]] = {"count": [], "floor": [], "utf8": [], "gb": [], "sql": []}
    rss: dict[str, float] = {}
    floor_how = ""
    for _ in range(a.repeat):
        runs["count"].append(bare_count(utf8, a.threads))
        fs, fc, floor_how = floor_pass(utf8, a.threads, work / f"n{n}")
        runs["floor"].append((fs, fc))
        u = child(utf8, a.threads, a.memory_limit)
        runs["utf8"].append((u["s"], u["cpu"]))
        rss["utf8"] = max(rss.get("utf8", 0.0), u["rss_mb"])
        if not a.skip_gb18030:
            g = child(gbk, a.threads, a.memory_limit)
            runs["gb"].append((g["s"], g["cpu"]))
            rss["gb"] = max(rss.get("gb", 0.0), g["rss_mb"])
        if not a.skip_sql_hmac:
            q = child(utf8, a.threads, a.memory_limit, native_hash=False)
            runs["sql"].append((q["s"], q["cpu"]))
    med = {k: (_median([w for w, _ in v]), _median([c for _, c in v])) for k, v in runs.items() if v}
    (count_s, count_c), (floor_s, floor_c), (u_s, u_c) = med["count"], med["floor"], med["utf8"]
    print(f"bare DuckDB count(*) scan : {n / count_s:>12,.0f} rows/s  ({count_s:.2f}s, {count_c:.2f} CPU-s)")
    print(f"floor (no rules, 2 sets)  : {n / floor_s:>12,.0f} rows/s  ({floor_s:.2f}s, {floor_c:.2f} CPU-s: parse, "
          f"distinct records counted, distinct IDs/mobiles, keyed-hash sets written; {floor_how})")
    print(f"analyze UTF-8 (full)      : {n / u_s:>12,.0f} rows/s  peak RSS {rss['utf8']:,.0f} MB  "
          f"({u_s:.2f}s, {u_c:.2f} CPU-s, memory limit {a.memory_limit})")
    if "gb" in med:
        g_s, g_c = med["gb"]
        print(f"analyze GB18030 (full)    : {n / g_s:>12,.0f} rows/s  peak RSS {rss['gb']:,.0f} MB  "
              f"({g_s:.2f}s, {g_c:.2f} CPU-s in-process, "
              f"{'compiled decoding included' if gb18030_native.available() else 'iconv apart'})")
    if "sql" in med:
        q_s, q_c = med["sql"]
        print(f"analyze UTF-8, all SQL    : {n / q_s:>12,.0f} rows/s  ({q_s:.2f}s, {q_c:.2f} CPU-s: HMAC and row "
              f"rules without the compiled extensions; compiled/SQL {q_s / u_s:.2f}x)")
    print(f"load average (1 min)      : {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; medians of {a.repeat}")
    gb = f"  GB18030 {count_s / med['gb'][0]:.3f}" if "gb" in med else ""
    print(f"ratio floor/count(*)      : {count_s / floor_s:.3f}   (wall; CPU {count_c / floor_c:.3f}: the most any "
          f"complete report could reach)")
    print(f"ratio analyze/count(*)    : UTF-8 {count_s / u_s:.3f}{gb}   (wall; target >= 0.12)")
    gb = f"  GB18030 {count_c / med['gb'][1]:.3f}" if "gb" in med else ""
    print(f"ratio analyze/count(*) CPU: UTF-8 {count_c / u_c:.3f}{gb}   (CPU seconds)")
    gb = f"  GB18030 {floor_s / med['gb'][0]:.2f}" if "gb" in med else ""
    print(f"ratio analyze/floor       : UTF-8 {floor_s / u_s:.2f}{gb}   (wall; CPU UTF-8 {floor_c / u_c:.2f})")
    if a.stages:
        stages(utf8, a.threads, a.memory_limit)
        if not a.skip_gb18030:
            stages(gbk, a.threads, a.memory_limit)
    if a.loop_rows:
        loop = python_loop(utf8, min(a.loop_rows, n))
        print(f"python-stdnum+phonenumbers: {loop:>12,.0f} rows/s  (per-row loop, {min(a.loop_rows, n):,} rows)")
        print(f"ratio analyze/python loop : UTF-8 {n / u_s / loop:.1f}x")
    return {"rate": n / u_s, "path": str(utf8)}  # type: ignore[dict-item]


def spark_figures(a: argparse.Namespace, work: Path, utf8: Path, duck_rate: float) -> None:
    """Spark on a local standalone cluster (master + 2 workers of 1 core) or local[2], with rows/s per core."""
    rows = a.spark_rows
    if a.spark_cluster:
        from leaktrace.dumps.spark_cluster import local_cluster

        t = time.perf_counter()
        mem = a.spark_executor_memory
        with local_cluster(work / "spark-cluster", workers=2, cores=1, memory=mem) as cluster:
            print(f"spark cluster started     : master + 2 workers (1 core, {mem} each) in {time.perf_counter() - t:.1f}s")
            sp = spark_child(utf8, rows, cluster.url, executor_memory=mem)
        label, cores = "spark cluster 2x1 core", 2
    else:
        sp = spark_child(utf8, rows)
        label, cores = "spark local[2]", 2
    if not sp:
        print("spark                     : pyspark or pandas not installed")
        return
    rate = sp["rows"] / sp["s"]
    print(f"{label:<26}: {rate:>12,.0f} rows/s  = {rate / cores:,.0f} rows/s per core  ({sp['rows']:,} rows, "
          f"{sp['s']:.1f}s, warm session)")
    print(f"ratio spark/duckdb        : {rate / duck_rate:.3f}   (target >= 0.25; DuckDB rate from its largest run "
          f"above)")
    if a.stages:
        print(f"  steps of the Spark run ({sp['s']:.1f}s; wall seconds of each engine call, its Spark jobs included):")
        inside = 0.0
        for name, what, s, _cpu in sorted(sp["stages"], key=lambda r: -r[2]):
            inside += s
            if s >= 0.01 * sp["s"]:
                print(f"    {s:6.1f}s {100 * s / sp['s']:4.0f}%  {name:<14} {what}")
        print(f"    {sp['s'] - inside:6.1f}s {100 * (sp['s'] - inside) / sp['s']:4.0f}%  outside engine calls (sniff, "
              "prefix table, novelty, report)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, nargs="+", default=[1_000_000],
                    help="row counts, each run in turn (e.g. --scale 1000000 10000000)")
    ap.add_argument("--loop-rows", type=int, default=50_000, help="rows for the per-row Python loop (0: skip)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds per scale; medians are printed")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--memory-limit", default="3GB")
    ap.add_argument("--spark-rows", type=int, default=0, help="rows for the Spark run (0: skip)")
    ap.add_argument("--spark-executor-memory", default="1g",
                    help="each local-cluster worker's memory and its executor's (spark.executor.memory); "
                         "1g is Spark's default, and spills at 10^7 rows")
    ap.add_argument("--spark-cluster", action="store_true",
                    help="run Spark on a standalone cluster started here (master + 2 workers) instead of local[2]")
    ap.add_argument("--work", type=Path, default=None, help="build (or reuse) the CSV files in this directory")
    ap.add_argument("--skip-gb18030", action="store_true", help="analyse the UTF-8 file only")
    ap.add_argument("--skip-sql-hmac", action="store_true",
                    help="skip the UTF-8 run with the keyed hashes in SQL (LEAKTRACE_NATIVE_HASH=0)")
    ap.add_argument("--stages", action="store_true",
                    help="one more run per file printing CPU-s per SQL stage (engine call) and outside them")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dump-") as tmp:
        work = Path(tmp)
        if a.work:
            work = a.work
            work.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("LEAKTRACE_DATA_DIR", str(work / "data"))
        if "LEAKTRACE_KEYRING" not in os.environ:
            from leaktrace.core.keyring import Keyring

            os.environ["LEAKTRACE_KEYRING"] = Keyring.generate().to_env()
        last: dict[str, float] = {}
        for n in a.scale:
            last = one_scale(a, work, n)
        if a.spark_rows:
            spark_figures(a, work, Path(str(last["path"])), float(last["rate"]))
        print(f"host peak RSS (this proc) : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
