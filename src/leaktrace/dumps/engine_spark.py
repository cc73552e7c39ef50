"""The Spark adapter of `engine.Engine`: the same steps, run for data beyond one machine.

Spark reads the delimited text (its CSV reader; `encoding` handles GB18030,
`.gz` is decompressed by Hadoop codecs). Row rules run where the data is:
`mapInArrow` hands each Arrow batch to an in-process DuckDB in the Python
worker, which runs the `analysis_sql.RowRule` on it (the facts of each row,
then each distinct packed ID through the `pii.sql` twin, unchanged): so the
vectorised rule is literally the DuckDB engine's. Everything after that is
the portable SQL of `analysis_sql` and `hashsets` run by Spark SQL; the HMAC
key reaches Spark as a one-row local relation, never in SQL text. Choose
with `--engine spark` and `--spark-master` (default `local[2]`; a standalone
cluster `spark://host:7077`, or Spark Connect `sc://host:port`).
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from leaktrace.core.dump_types import Malformed
from leaktrace.core.errors import ConfigError
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import private_dir
from leaktrace.dumps import analysis_sql as A
from leaktrace.dumps import row_kernels
from leaktrace.dumps.engine import Scanned, iter_rows
from leaktrace.dumps.hashsets import (
    HASHED_TYPES,
    ID_KEY_FN,
    KEY_TABLE,
    clear,
    native_fn,
    spark_key_view,
)
from leaktrace.dumps.options import AnalyzeOptions
from leaktrace.dumps.spark_conf import static_defaults
from leaktrace.dumps.steps import facts_rule, plan_for

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

_TYPES = {"boolean": pa.bool_(), "string": pa.string(), "bigint": pa.int64(), "int": pa.int32()}
_DDL = {pa.bool_(): "boolean", pa.string(): "string", pa.int64(): "bigint", pa.int32(): "int"}
_WORKER: dict[str, Any] = {}
_INPUT = "lt_input"


def _arrow(schema: str) -> pa.Schema:
    return pa.schema([(n, _TYPES[t]) for n, t in (f.split() for f in schema.split(", "))])


CONNECT_TIMEOUT_S = 5.0


def _endpoints(master: str) -> list[tuple[str, int]]:
    """host:port pairs of a `spark://h1:7077,h2:7077` or `sc://host:15002/;params` URL."""
    scheme, _, rest = master.partition("://")
    default = 7077 if scheme == "spark" else 15002
    out = []
    for hp in rest.split("/")[0].split(";")[0].split(","):
        host, _, port = hp.rpartition(":") if ":" in hp else (hp, "", "")
        try:
            out.append((host.strip("[]") or "localhost", int(port) if port else default))
        except ValueError as exc:
            raise ConfigError(f"--spark-master {master}: {hp!r} is not host:port") from exc
    return out


def check_reachable(master: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast (ConfigError, within `timeout` per endpoint) when no master of the URL accepts a connection.

    Spark itself retries an unreachable standalone master for about a minute
    and then leaves the session half-made; a TCP connect says it in seconds.
    """
    import socket

    errors = []
    for host, port in _endpoints(master):
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as exc:
            errors.append(f"{host}:{port} ({exc.strerror or exc})")
    raise ConfigError(f"--spark-master {master}: no Spark master answers at {', '.join(errors)}; "
                      "start the cluster or correct the URL")


def _session(master: str | None, local_dir: Path, env: Mapping[str, str] | None = None) -> Any:
    from pyspark.sql import SparkSession

    if master and master.startswith(("spark://", "sc://")):
        check_reachable(master)
    if master and master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    # getOrCreate hands back a live session whatever master it was made for: a run for local[2]
    # after one on a cluster (gone since) would wait forever for its executors.
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != (master or "local[2]"):
        active.stop()
    # Spills and cached partitions hold raw rows: keep them in the data directory, not /tmp.
    local_dir.mkdir(parents=True, exist_ok=True)
    builder = (SparkSession.builder.master(master or "local[2]").appName("leaktrace-dump")
               .config("spark.pyspark.python", sys.executable)
               .config("spark.local.dir", str(local_dir))
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false"))
    for key, value in static_defaults(env or {}).items():  # JVM flags for short plans (spark_conf), unless the user set them
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if session.conf.get("spark.sql.shuffle.partitions") == "200":  # Spark's default: nobody chose one
        # The cached tables keep their shuffle's partition count, and every figure query scans them
        # (adaptive execution coalesces shuffle reads, not cached scans): two per core here; a big
        # dump on a big cluster sets its own in spark-defaults.conf (docs/dumps.md, the 10^9 plan).
        cores = session.sparkContext.defaultParallelism
        session.conf.set("spark.sql.shuffle.partitions", str(max(4, 2 * cores)))
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
        from leaktrace.dumps import duck
        from leaktrace.pii.sql import register_region_tables

        con = duck.connect()
        con.execute("SET threads = 1")
        register_region_tables(con)
        row_kernels.register(con)  # the facts rule's compiled common path (`Plan.kernels`)
        _WORKER["con"] = con
    return con


# Rows a worker's DuckDB runs a rule on at once. Spark hands Arrow batches of 10,000 rows
# (spark.sql.execution.arrow.maxRecordsPerBatch), and DuckDB binds and optimises the facts
# SQL (~4 kB, the province and segment maps) on every call, ~11 ms: ~1.1 us a row on top of
# the rule's ~1 us at 10,000 rows a call, ~0.1 us at this size (~20 MB of strings).
WORKER_ROWS = 1 << 17


def _gather(batches: Iterator[pa.RecordBatch], rows: int = WORKER_ROWS) -> Iterator[pa.Table]:
    """The batches of one partition regrouped into tables of at least `rows` rows (the last may be smaller)."""
    held: list[pa.RecordBatch] = []
    n = 0
    for b in batches:
        held.append(b)
        n += b.num_rows
        if n >= rows:
            yield pa.Table.from_batches(held)
            held, n = [], 0
    if held:
        yield pa.Table.from_batches(held)


def _duckdb_fn(rule: A.RowRule) -> Any:
    """A mapInArrow function: DuckDB in the worker runs `rule` on the partition's rows, `WORKER_ROWS` at a time."""

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        con = _worker_con()
        sql = rule.sql("(SELECT * FROM lt_batch)")
        arrow = _arrow(rule.schema)
        for t in _gather(batches):
            con.register("lt_batch", t)
            try:
                out = con.sql(sql).to_arrow_table()
            finally:
                con.unregister("lt_batch")
            yield from out.select(arrow.names).cast(arrow).to_batches()

    return fn


_WRITTEN = "part int, rows bigint"


def _parquet_fn(rule: A.RowRule, out_dir: str) -> Any:
    """A mapInArrow function like `_duckdb_fn` that writes the partition's result to `out_dir` as one Parquet file.

    It yields one row (partition, rows) to the JVM instead of the result:
    the result never becomes Spark rows, nor a cached relation built from
    them, and later queries read it with Spark's vectorised Parquet reader
    (only the columns each needs). A retried task writes the same name
    again (a temporary name, then a rename: a killed attempt leaves only a
    dot-file, which readers skip).
    """

    def fn(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import os
        import uuid

        import pyarrow.parquet as pq
        from pyspark import TaskContext

        part = TaskContext.get().partitionId()
        arrow = _arrow(rule.schema)
        final = os.path.join(out_dir, f"part-{part:05d}.parquet")
        tmp = os.path.join(out_dir, f".part-{part:05d}.{uuid.uuid4().hex}.tmp")
        n = 0
        with pq.ParquetWriter(tmp, arrow, compression="snappy") as w:
            for out in _duckdb_fn(rule)(batches):
                w.write_batch(out)
                n += out.num_rows
        os.replace(tmp, final)
        yield pa.RecordBatch.from_pydict({"part": [part], "rows": [n]}, schema=_arrow(_WRITTEN))

    return fn


def _register_native_hashers(spark: Any, ring: Keyring) -> bool:
    """Bind `lt_hmac_<type>` in `spark` to `hashing_batch.batch_hasher` as Arrow UDFs; False when not possible.

    The key travels inside the pickled functions to the executors, as the
    key relation of the SQL form travels in their tasks: never in SQL text.
    The workers import the compiled extension (they run leaktrace already).
    """
    from leaktrace.core import hashing_batch

    try:
        from pyspark.sql.functions import arrow_udf
    except ImportError:  # Spark < 4.1
        return False
    if not hashing_batch.available():
        return False
    for t in HASHED_TYPES:
        spark.udf.register(native_fn(t), arrow_udf(_arrow_hasher(hashing_batch.batch_hasher(ring, t)), "string"))
    spark.udf.register(ID_KEY_FN, arrow_udf(_arrow_hasher(hashing_batch.id_key_hasher(ring)), "string"))
    return True


def _arrow_hasher(fn: Any) -> Any:
    def hash_column(values: pa.Array) -> pa.Array:
        return fn(values)

    return hash_column


class SparkEngine:
    """`engine.Engine` over one Spark session; `close` drops what the run cached."""

    name = "spark"
    dialect = "spark"

    def __init__(self, spark: Any, work: Path, native_hash: bool = True) -> None:
        self.spark = spark
        self.native_hash = native_hash  # False: the SQL HMAC (same hashes; a test compares the two)
        # The mapped tables' Parquet (packed IDs: personal data) in an owner-only folder of this run;
        # with a remote master it must be a path the executors share, as the hash sets' is.
        self._work = work / f"run-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._views: list[str] = []
        self._dirs: list[Path] = []

    def register_input(self, path: Path, opts: AnalyzeOptions) -> Scanned:
        from pyspark.sql import functions as F

        from leaktrace.dumps import duck
        from leaktrace.dumps.readers import open_dump
        from leaktrace.dumps.sniff import sniff

        s = sniff(path, opts.encoding)
        if s.kind != "delimited" or s.container == "zip":
            raise ConfigError(f"{path}: the spark engine reads delimited text (csv/tsv/txt, optionally .gz); "
                              f"this is {s.kind}{' in a zip' if s.container == 'zip' else ''}: use --engine duckdb")
        with duck.connect() as sniff_con, open_dump(path, sniff_con, opts.encoding) as d:  # same sniffing and sample
            columns, sample, fmt = d.columns, d.sample, d.format
        roles, plan = plan_for(columns, sample, opts)
        schema = ", ".join(f"c{i} string" for i in range(plan.ncols)) + ", _corrupt string"
        df = (self.spark.read.option("sep", s.delimiter or ",").option("header", str(s.header).lower())
              .option("encoding", "UTF-8" if s.encoding == "utf-8" else s.encoding.upper())
              .option("quote", s.quote or "\u0000").option("escape", s.quote or "\\")
              .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt")
              .schema(schema).csv(str(path)))
        df = df.withColumn("_bad", F.col("_corrupt").isNotNull()).drop("_corrupt")
        self.close()  # what an earlier run in this session left
        df.createOrReplaceTempView(_INPUT)
        self._views.append(_INPUT)
        self.cache_mapped("facts", f"SELECT * FROM {_INPUT}", facts_rule(plan, rec_text=True))
        bad = self.fetch_one("SELECT count(*) AS n FROM facts WHERE bad")["n"]
        malformed = Malformed(rows=int(bad), by_problem={"corrupt_record": int(bad)} if bad else {})
        return Scanned(fmt, s, roles, plan, malformed)

    def register(self, name: str, table: pa.Table) -> None:
        # Straight from Arrow: through pandas every row became a Python tuple first (the ~3*10^5-row
        # prefix table of a 10^6-row dump took ~0.7 CPU-s that way, ~0.3 from Arrow).
        ddl = ", ".join(f"{f.name} {_DDL[f.type]}" for f in table.schema)
        self.spark.createDataFrame(table, ddl).createOrReplaceTempView(name)
        self._views.append(name)

    def execute(self, sql: str) -> None:
        self.spark.sql(sql).collect()

    def cache(self, name: str, sql: str) -> None:
        self.spark.sql(f"CACHE TABLE {name} AS {sql}")
        self._views.append(name)

    def cache_mapped(self, name: str, input_sql: str, rule: A.RowRule) -> None:
        """The rule's result as Parquet under the run's work folder (`_parquet_fn`), read back as view `name`.

        Against `CACHE TABLE` of the mapped rows (Arrow to JVM rows to cached
        column batches) the facts step takes ~20% less CPU (10^6 rows, local cluster).
        """
        out = self._work / name
        clear(out)
        private_dir(out)
        self._dirs.append(out)
        self.spark.sql(input_sql).mapInArrow(_parquet_fn(rule, str(out)), _WRITTEN).collect()
        self.spark.read.schema(rule.schema).parquet(str(out)).createOrReplaceTempView(name)
        self._views.append(name)

    def write_parquet(self, sql: str, dest: Path) -> None:
        self.spark.sql(sql).write.parquet(str(dest))

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        # Through Arrow: `collect` unpickles a Row object per row (the ~3*10^5 distinct mobile
        # prefixes of a 10^6-row dump took ~4 s of driver time that way).
        return list(iter_rows(self.spark.sql(sql).toArrow()))

    def fetch_one(self, sql: str) -> dict[str, Any]:
        return dict(self.spark.sql(sql).collect()[0].asDict())

    @contextlib.contextmanager
    def hashers(self, ring: Keyring) -> Iterator[bool]:
        """The compiled batch HMAC as Arrow UDFs run by the Python workers, where it and Spark >= 4.1
        (`arrow_udf`) are there; else the SQL HMAC (JVM SHA-256, ~1.7 us a value against ~0.2) over `lt_hmac_key`."""
        if self.native_hash and _register_native_hashers(self.spark, ring):
            try:
                yield True
            finally:
                for name in (*map(native_fn, HASHED_TYPES), ID_KEY_FN):
                    with contextlib.suppress(Exception):
                        self.spark.sql(f"DROP TEMPORARY FUNCTION IF EXISTS {name}")
            return
        spark_key_view(self.spark, ring)
        try:
            yield False
        finally:
            self.spark.catalog.dropTempView(KEY_TABLE)

    @contextlib.contextmanager
    def local_duckdb(self) -> Iterator[DuckDBPyConnection]:
        from leaktrace.dumps import duck

        with duck.connect() as con:
            yield con

    def close(self) -> None:
        """Uncache and drop the run's views, dependents first (a view over a dropped view cannot be uncached)."""
        for name in (*reversed(self._views), *reversed(A.TABLE_NAMES), "idv", "idv_raw", "facts",
                     "facts_raw", "lt_mob_prefix", _INPUT, KEY_TABLE):
            with contextlib.suppress(Exception):  # already gone with its source
                self.spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        for d in self._dirs:
            clear(d)
        self._dirs.clear()
        with contextlib.suppress(OSError):
            self._work.rmdir()


@contextlib.contextmanager
def spark_engine(master: str | None, local_dir: Path, native_hash: bool = True,
                 env: Mapping[str, str] | None = None) -> Iterator[SparkEngine]:
    """A SparkEngine on the session for `master`; the run's tables are dropped when it ends."""
    engine = SparkEngine(_session(master, local_dir, env), local_dir, native_hash)
    try:
        yield engine
    finally:
        engine.close()
