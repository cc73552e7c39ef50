"""The PySpark engine: the same facts SQL and the same figure SQL, run for data beyond one machine.

Spark reads the delimited text (its CSV reader; `encoding` handles GB18030,
`.gz` is decompressed by Hadoop codecs). Row rules run where the data is:
`mapInArrow` hands each Arrow batch to an in-process DuckDB in the Python
worker, which runs `analysis.facts_sql` on it, and the distinct packed IDs
go the same way through `analysis.idv_sql` (the `pii.sql` twin, unchanged):
so the vectorised rule is literally the DuckDB engine's. Everything after
that (`recs`/`ids`/`mobs`, every figure, the hash sets) is the portable SQL
of `analysis` and `hashsets` run by Spark SQL; the HMAC key reaches Spark as
a one-row local relation, never in SQL text. Hash sets are written to a
`.part` directory and renamed into place. Choose with
`--engine spark` and `--spark-master` (default `local[2]`; a Spark Connect
URL `sc://host:port` also works).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute

from leaktrace.core.dump_types import DumpReport, Malformed
from leaktrace.core.errors import ConfigError
from leaktrace.core.private_files import make_private, private_dir
from leaktrace.dumps import analysis_sql as A

FACTS_SCHEMA = (
    "bad boolean, bad_text string, rec string, id_present boolean, idp bigint, mob_present boolean, "
    "mob_reason string, mob_key bigint, mob_prefix bigint, addr_prov int, ts bigint, order_day int"
)
IDV_SCHEMA = ("idp bigint, n bigint, id_reason string, id_key bigint, id_text string, prov int, city4 int, "
              "birth int, gender string")
_TYPES = {"boolean": pa.bool_(), "string": pa.string(), "bigint": pa.int64(), "int": pa.int32()}
_WORKER: dict[str, Any] = {}


def _arrow(schema: str) -> pa.Schema:
    return pa.schema([(n, _TYPES[t]) for n, t in (f.split() for f in schema.split(", "))])


def _session(master: str | None, local_dir: Path) -> Any:
    import sys

    from pyspark.sql import SparkSession

    if master and master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    # Spills and cached partitions hold raw rows: keep them in the data directory, not /tmp.
    local_dir.mkdir(parents=True, exist_ok=True)
    session = (SparkSession.builder.master(master or "local[2]").appName("leaktrace-dump")
               .config("spark.pyspark.python", sys.executable)
               .config("spark.local.dir", str(local_dir))
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4").config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    # Workers must run this interpreter (it has leaktrace and DuckDB), not whatever `python3` is on
    # PATH: Python functions carry the context's interpreter, so set it there rather than in the
    # process environment (PYSPARK_PYTHON, when a user sets it, still wins: only the default is replaced).
    if session.sparkContext.pythonExec == "python3":
        session.sparkContext.pythonExec = sys.executable
    return session


def _worker_con() -> Any:
    """The Python worker's one DuckDB (region tables of both modes registered once)."""
    con = _WORKER.get("con")
    if con is None:
        import duckdb

        from leaktrace.pii.sql import register_region_tables

        con = duckdb.connect()
        con.execute("SET threads = 1")
        register_region_tables(con)
        _WORKER["con"] = con
    return con


def _duckdb_fn(plan_args: dict[str, Any], stage: str, schema: str) -> Any:
    """A mapInArrow function: DuckDB in the worker runs `analysis`'s facts or idv SQL on each batch."""

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        con = _worker_con()
        plan = A.Plan(ncols=plan_args["ncols"], roles=plan_args["roles"], mode=plan_args["mode"],
                      today=dt.date.fromisoformat(plan_args["today"]))
        if stage == "facts":
            sql = A.facts_sql(plan, "(SELECT * FROM lt_batch)", "_bad AS bad, CAST(NULL AS VARCHAR) AS bad_text")
            sql = f"SELECT * REPLACE (lower(hex(rec)) AS rec) FROM ({sql})"
        else:
            sql = A.idv_sql(plan, "lt_batch")
        arrow = _arrow(schema)
        for b in batches:
            con.register("lt_batch", b)
            try:
                out = con.sql(sql).to_arrow_table()
            finally:
                con.unregister("lt_batch")
            yield from out.select(arrow.names).cast(arrow).to_batches()

    return fn


def analyze_spark(path: Path, sha: str, out: Path, dumps_dir: Path, opts: Any, ring: Any,
                  master: str | None, *, tmp_dir: Path) -> DumpReport:
    import duckdb

    from leaktrace.dumps.analyze import build_report
    from leaktrace.dumps.hashsets import (
        clear_stale_parts,
        hash_set_queries,
        novelty,
        part_path,
        spark_key_view,
        swap_in,
    )
    from leaktrace.dumps.mobile_places import known_prefixes, prefix_table
    from leaktrace.dumps.readers import open_dump
    from leaktrace.dumps.roles import infer_roles, parse_role_flags
    from leaktrace.dumps.sniff import sniff

    s = sniff(path, opts.encoding)
    if s.kind != "delimited" or s.container == "zip":
        raise ConfigError(f"{path}: the spark engine reads delimited text (csv/tsv/txt, optionally .gz); "
                          f"this is {s.kind}{' in a zip' if s.container == 'zip' else ''}: use --engine duckdb")
    with duckdb.connect() as sniff_con, open_dump(path, sniff_con, opts.encoding) as d:  # same sniffing and sample
        columns, sample, fmt = d.columns, d.sample, d.format
    roles = infer_roles(columns, sample, parse_role_flags(opts.roles, columns))
    plan = A.Plan(ncols=len(columns), roles={r.role: r.index for r in roles if r.role != "other"},
                  mode=opts.region_mode, today=opts.today or dt.date.today())
    spark = _session(master, tmp_dir)
    from pyspark.sql import functions as F

    schema = ", ".join(f"c{i} string" for i in range(plan.ncols)) + ", _corrupt string"
    df = (spark.read.option("sep", s.delimiter or ",").option("header", str(s.header).lower())
          .option("encoding", "UTF-8" if s.encoding == "utf-8" else s.encoding.upper())
          .option("quote", s.quote or "\u0000").option("escape", s.quote or "\\")
          .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt")
          .schema(schema).csv(str(path)))
    df = df.withColumn("_bad", F.col("_corrupt").isNotNull()).drop("_corrupt")
    plan_args = {"ncols": plan.ncols, "roles": plan.roles, "mode": plan.mode, "today": plan.today.isoformat()}
    facts = df.mapInArrow(_duckdb_fn(plan_args, "facts", FACTS_SCHEMA), FACTS_SCHEMA)
    _drop(spark)  # what an earlier run in this session left
    facts.createOrReplaceTempView("facts_raw")
    spark.sql("CACHE TABLE facts AS SELECT * FROM facts_raw")
    bad = spark.sql("SELECT count(*) AS n FROM facts WHERE bad").collect()[0]["n"]
    malformed = Malformed(rows=int(bad), by_problem={"corrupt_record": int(bad)} if bad else {})
    # Distinct prefixes are few (<= ~5 * 10^5): join against only those rows of the prefix table.
    seen = np.array([r[0] for r in spark.sql(
        "SELECT DISTINCT mob_prefix FROM facts WHERE mob_prefix IS NOT NULL").collect()], dtype=np.int64)
    extra = sorted(seen[~np.isin(seen, known_prefixes())].tolist())
    tbl, city_names = prefix_table(extra)
    tbl = tbl.filter(pa.compute.is_in(tbl.column("prefix"), value_set=pa.array(seen)))
    spark.createDataFrame(tbl.to_pandas(), "prefix bigint, prov int, city int").createOrReplaceTempView("lt_mob_prefix")
    spark.sql(A.DISTINCT_IDS_SQL).mapInArrow(_duckdb_fn(plan_args, "idv", IDV_SCHEMA), IDV_SCHEMA) \
        .createOrReplaceTempView("idv_raw")
    spark.sql("CACHE TABLE idv AS SELECT * FROM idv_raw")
    for name, q in A.TABLES:
        spark.sql(f"CACHE TABLE {name} AS {q}")
    private_dir(out)
    clear_stale_parts(out)
    hash_sets = {}
    spark_key_view(spark, ring)
    for name, q in hash_set_queries("id_number" in plan.roles, "spark").items():
        dest = out / f"{name}.parquet"
        tmp = part_path(dest)
        spark.sql(q).write.parquet(str(tmp))
        make_private(tmp)
        swap_in(tmp, dest)
        hash_sets[name] = str(dest)
    with duckdb.connect() as con:
        nov = novelty(con, dumps_dir, Path(hash_sets["persons"]))

    def run_all(q: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in spark.sql(q).collect()]

    def run_one(q: str) -> dict[str, Any]:
        return spark.sql(q).collect()[0].asDict()

    try:
        return build_report(run_all, run_one, path=path, sha=sha, fmt=fmt, sniffed=s, roles=roles, plan=plan,
                            malformed=malformed, city_names=city_names, hash_sets=hash_sets, nov=nov, opts=opts)
    finally:
        _drop(spark)


def _drop(spark: Any) -> None:
    """Uncache and drop the run's views, dependents first (a view over a dropped view cannot be uncached)."""
    for name in (*(n for n, _q in reversed(A.TABLES)), "idv", "idv_raw", "facts", "facts_raw", "lt_mob_prefix",
                 "lt_hmac_key"):
        with contextlib.suppress(Exception):  # already gone with its source
            spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
        spark.catalog.dropTempView(name)
