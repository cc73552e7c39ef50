"""The PySpark engine: the same facts SQL and the same figure SQL, run for data beyond one machine.

Spark reads the delimited text (its CSV reader; `encoding` handles GB18030,
`.gz` is decompressed by Hadoop codecs). Row rules run where the data is:
`mapInArrow` hands each Arrow batch to an in-process DuckDB in the Python
worker, which runs `analysis.facts_sql` (the `pii.sql` twin, unchanged) on
it: so the vectorised rule is literally the DuckDB engine's. Everything after
that (the prefix join, `recs`/`ids`/`mobs`, every figure, the hash sets) is
the portable SQL of `analysis` and `hashsets` run by Spark SQL. Choose with
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
from leaktrace.dumps import analysis as A

FACTS_SCHEMA = (
    "bad boolean, bad_text string, rec string, id_present boolean, id_reason string, id_key bigint, "
    "id_text string, mob_present boolean, mob_reason string, mob_key bigint, addr_prov int, ts string, "
    "order_day int, prov int, city4 int, birth int, gender string, mob_prefix bigint"
)
_TYPES = {"boolean": pa.bool_(), "string": pa.string(), "bigint": pa.int64(), "int": pa.int32()}
_ARROW = pa.schema([(n, _TYPES[t]) for n, t in (f.split() for f in FACTS_SCHEMA.split(", "))])
_WORKER: dict[str, Any] = {}


def _session(master: str | None) -> Any:
    import os
    import sys

    from pyspark.sql import SparkSession

    # Workers must run this interpreter (it has leaktrace and DuckDB), not whatever `python3` is.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master and master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    from leaktrace.core.settings import get_settings

    # Spills and cached partitions hold raw rows: keep them in the data directory, not /tmp.
    local_dir = get_settings().data_dir / "tmp" / "spark"
    local_dir.mkdir(parents=True, exist_ok=True)
    return (SparkSession.builder.master(master or "local[2]").appName("leaktrace-dump")
            .config("spark.local.dir", str(local_dir))
            .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4").config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())


def _facts_fn(plan_args: dict[str, Any]) -> Any:
    """The mapInArrow function: DuckDB in the worker runs the facts SQL on each batch."""

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import duckdb

        from leaktrace.pii.sql import register_region_tables

        con = _WORKER.get("con")
        if con is None:
            con = duckdb.connect()
            con.execute("SET threads = 1")
            register_region_tables(con)
            _WORKER["con"] = con
        plan = A.Plan(ncols=plan_args["ncols"], roles=plan_args["roles"], mode=plan_args["mode"],
                      today=dt.date.fromisoformat(plan_args["today"]))
        sql = A.facts_sql(plan, "(SELECT * FROM lt_batch)", "_bad AS bad, CAST(NULL AS VARCHAR) AS bad_text")
        sql = f"SELECT * REPLACE (lower(hex(rec)) AS rec) FROM ({sql})"
        for b in batches:
            con.register("lt_batch", b)
            out = con.sql(sql).to_arrow_table()
            con.unregister("lt_batch")
            yield from out.select(_ARROW.names).cast(_ARROW).to_batches()

    return fn


def analyze_spark(path: Path, sha: str, out: Path, dumps_dir: Path, opts: Any, ring: Any,
                  master: str | None) -> DumpReport:
    import duckdb

    from leaktrace.core.settings import get_settings
    from leaktrace.dumps.analyze import build_report
    from leaktrace.dumps.hashsets import hash_set_queries, novelty
    from leaktrace.dumps.mobile_places import known_prefixes, prefix_table
    from leaktrace.dumps.readers import open_dump
    from leaktrace.dumps.roles import infer_roles, parse_role_flags
    from leaktrace.dumps.sniff import sniff

    s = sniff(path, opts.encoding)
    if s.kind != "delimited" or s.container == "zip":
        raise ConfigError(f"{path}: the spark engine reads delimited text (csv/tsv/txt, optionally .gz); "
                          f"this is {s.kind}{' in a zip' if s.container == 'zip' else ''}: use --engine duckdb")
    with open_dump(path, duckdb.connect(), opts.encoding) as d:  # the same sniffing, sample and names
        columns, sample, fmt = d.columns, d.sample, d.format
    roles = infer_roles(columns, sample, parse_role_flags(opts.roles, columns))
    plan = A.Plan(ncols=len(columns), roles={r.role: r.index for r in roles if r.role != "other"},
                  mode=get_settings().cn_id_region_mode, today=opts.today or dt.date.today())
    spark = _session(master)
    from pyspark.sql import functions as F

    schema = ", ".join(f"c{i} string" for i in range(plan.ncols)) + ", _corrupt string"
    df = (spark.read.option("sep", s.delimiter or ",").option("header", str(s.header).lower())
          .option("encoding", "UTF-8" if s.encoding == "utf-8" else s.encoding.upper())
          .option("quote", s.quote or "\u0000").option("escape", s.quote or "\\")
          .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt")
          .schema(schema).csv(str(path)))
    df = df.withColumn("_bad", F.col("_corrupt").isNotNull()).drop("_corrupt")
    plan_args = {"ncols": plan.ncols, "roles": plan.roles, "mode": plan.mode, "today": plan.today.isoformat()}
    facts = df.mapInArrow(_facts_fn(plan_args), FACTS_SCHEMA)
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
    spark.sql(f"CACHE TABLE f AS {A.F_VIEW}")
    for name, q in A.TABLES:
        spark.sql(f"CACHE TABLE {name} AS {q}")
    out.mkdir(parents=True, exist_ok=True)
    hash_sets = {}
    for name, q in hash_set_queries(ring, "id_number" in plan.roles, "spark").items():
        dest = out / f"{name}.parquet"
        spark.sql(q).write.mode("overwrite").parquet(str(dest))
        hash_sets[name] = str(dest)
    nov = novelty(duckdb.connect(), dumps_dir, Path(hash_sets["persons"]))

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
    for name in (*(n for n, _q in reversed(A.TABLES)), "f", "facts", "facts_raw", "lt_mob_prefix"):
        with contextlib.suppress(Exception):  # already gone with its source
            spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
        spark.catalog.dropTempView(name)
