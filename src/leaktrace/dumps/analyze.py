"""`analyze_dump`: one seized dump in, a DumpReport and its keyed-hash sets out.

Order of work: sniff and open the file (`readers`), infer roles, build the
facts table in ONE scan of the input (streamed inputs can be read only
once) while a thread hashes the file (its SHA-256 names its directory in
the data directory), then every figure is an aggregate over the facts.
DuckDB runs under `memory_limit` and spills to an owner-only folder of its
own inside the data directory, removed when the run ends (`spill`). A finished report is kept beside the hash sets, with the
path, size and mtime it was made from (`source.json`); running again with
the same options returns it (resume) once the content hash confirms it, and
`force` recomputes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from leaktrace.core.dump_types import DumpReport, Padding, PlaceCount, RoleValidity
from leaktrace.core.errors import ConfigError, InputError
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import write_private_text
from leaktrace.dumps import analysis_sql as A
from leaktrace.dumps.hashsets import novelty, sql_str, write_hash_sets
from leaktrace.dumps.readers import OpenedDump, open_dump
from leaktrace.dumps.roles import infer_roles, parse_role_flags
from leaktrace.pii.regions import PROVINCES, RegionMode, lookup

# Share of real people whose address AND phone are both outside their ID's
# province: 2020 census, ~125 M inter-provincial migrants of 1.41 G (8.9%),
# rounded up. Rows with such a geo conflict count as padding in the estimate
# and only (1 - this) of them in its lower bound.
MIGRANT_SHARE = 0.10
DEFAULT_MEMORY_LIMIT = "3GB"  # the default of the setting `dump_memory_limit`
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass
class AnalyzeOptions:
    engine: str = "duckdb"
    encoding: str | None = None
    roles: list[str] = field(default_factory=list)
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    force: bool = False
    progress: bool = False
    today: dt.date | None = None
    spark_master: str | None = None
    # Resident-ID region check (setting `cn_id_region_mode`): part of the result, so of the fingerprint.
    region_mode: RegionMode = "lenient"
    # Keyed hashes through the compiled batch HMAC (setting `native_hash`): same hashes either way.
    native_hash: bool = True

    def fingerprint(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("force", "progress", "memory_limit", "threads", "spark_master", "native_hash"):
            d.pop(k)
        d["today"] = str(self.today) if self.today else None
        return d


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """SHA-256 of the file; `stop` set by another thread abandons it (InterruptedError) within one chunk."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            if stop is not None and stop.is_set():
                raise InterruptedError(f"{path}: hashing abandoned")
            h.update(chunk)
    return h.hexdigest()


def _connect(opts: AnalyzeOptions, tmp: Path) -> Any:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = {sql_str(opts.memory_limit)}")
    except duckdb.Error as exc:
        con.close()
        raise ConfigError(f"--memory-limit {opts.memory_limit!r}: not a size DuckDB accepts (e.g. 3GB, 500MB)") from exc
    con.execute(f"SET temp_directory = {sql_str(str(tmp))}")
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's own bar writes to stdout (it corrupted `--json` on long runs); ours reads query_progress().
    con.execute("SET enable_progress_bar_print = false")
    if opts.threads:
        con.execute(f"SET threads = {int(opts.threads)}")
    from leaktrace.pii.sql import register_region_tables

    register_region_tables(con, opts.region_mode)
    return con


def _run_with_progress(con: Any, sql: str, show: bool, label: str) -> None:
    if not show:
        con.execute(sql).fetchall()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    done = threading.Event()
    with Progress(TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=100)

        def poll() -> None:
            while not done.wait(0.2):
                try:
                    p = con.query_progress()
                except Exception:
                    return
                if p and p > 0:
                    bar.update(task, completed=min(100.0, p))

        t = threading.Thread(target=poll, daemon=True)
        t.start()
        try:
            con.execute(sql).fetchall()
        finally:
            done.set()
            t.join()


def _build_facts(con: Any, d: OpenedDump, plan: A.Plan, opts: AnalyzeOptions) -> None:
    keep = "_bad AS bad, " + ("CASE WHEN _bad THEN left(_line, 300) END AS bad_text"
                              if d.format.startswith("jsonl") else "CAST(NULL AS VARCHAR) AS bad_text")
    sql = A.facts_sql(plan, d.relation, keep)
    _run_with_progress(con, f"CREATE OR REPLACE TEMP TABLE facts AS {sql}", opts.progress, "reading")
    err = d.stream_error()
    if err is not None:
        raise err


def _prefix_table(con: Any) -> list[str]:
    """lt_mob_prefix(prefix, prov, city): the bulk prefix table (+ prefix_attrs for prefixes it lacks)."""
    import pyarrow as pa

    from leaktrace.dumps.mobile_places import known_prefixes, prefix_table

    con.register("lt_known_src", pa.table({"prefix": pa.array(known_prefixes())}))
    extra = [r[0] for r in con.execute(
        "SELECT DISTINCT mob_prefix FROM facts WHERE mob_prefix IS NOT NULL "
        "AND mob_prefix NOT IN (SELECT prefix FROM lt_known_src)").fetchall()]
    con.unregister("lt_known_src")
    tbl, names = prefix_table(sorted(extra))
    con.register("lt_mob_prefix_src", tbl)
    con.execute("CREATE OR REPLACE TEMP TABLE lt_mob_prefix AS SELECT * FROM lt_mob_prefix_src").fetchall()
    con.unregister("lt_mob_prefix_src")
    return names


def _id_city_name(code4: int) -> str | None:
    code = f"{code4:04d}"
    r = lookup(code + "00")
    prov = PROVINCES.get(code[:2])
    if r is None or r.name in _PLACEHOLDER_NAMES:
        return prov
    return r.name


def _places(rows: list[tuple[Any, int]], name: Any, width: int) -> list[PlaceCount]:
    out = [PlaceCount(code=f"{int(k):0{width}d}", name=name(int(k)), persons=int(n)) for k, n in rows if k is not None]
    return sorted(out, key=lambda p: (-p.persons, p.code))


def _row(con: Any, sql: str) -> dict[str, Any]:
    rows = con.execute(sql).fetchall()
    return dict(zip([c[0] for c in con.description], rows[0], strict=True))


def _report_path(out: Path) -> Path:
    return out / "report.json"


def _stored(out: Path, opts: AnalyzeOptions) -> DumpReport | None:
    """The finished report in `out` when it was made with the same options."""
    cached = _report_path(out)
    if not cached.is_file():
        return None
    saved = json.loads(cached.read_text("utf-8"))
    if saved.get("options") != opts.fingerprint():
        return None
    return DumpReport.model_validate(saved["report"])


def _source_stat(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _known_sha(path: Path, dumps_dir: Path) -> str | None:
    """The content hash of `path`, computed now, if an earlier run saw a file with its path, size and mtime.

    Lets a rerun find its finished report (stored under the hash, so a file
    changed in place misses it) without the scan, while a first run hashes
    the file alongside the scan instead of before it.
    """
    stat = _source_stat(path)
    for side in dumps_dir.glob("*/source.json"):
        try:
            seen = json.loads(side.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if seen == stat:
            return file_sha256(path)
    return None


def analyze_dump(path: Path, opts: AnalyzeOptions | None = None, *, data_dir: Path,
                 keys: Keyring | Callable[[], Keyring]) -> DumpReport:
    """Analyse `path` into `data_dir`/dumps; see the module docstring.

    `keys` may be a callable: a report stored for this file is served without the key.
    """
    opts = opts or AnalyzeOptions()
    if opts.engine not in ("duckdb", "spark"):
        raise ConfigError(f"--engine {opts.engine}: choose duckdb or spark")
    t0 = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    dumps_dir = Path(data_dir) / "dumps"
    known = None if opts.force else _known_sha(path, dumps_dir)
    if known is not None and (hit := _stored(dumps_dir / known, opts)) is not None:
        return hit
    ring = keys if isinstance(keys, Keyring) else keys()
    # The content hash names the output directory but nothing the scan needs: a thread
    # computes it meanwhile (hashlib releases the GIL), ~1.5 s per 10^7 rows off the wall clock.
    stop = threading.Event()  # a failed scan must not wait for the hash of a 100 GB file
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lt-sha256") as pool:
        sha_f: Future[str] = pool.submit(lambda: known or file_sha256(path, stop))
        try:
            sha, hit, report = _run_engine(path, opts, Path(data_dir), dumps_dir, ring, sha_f)
        except BaseException:
            stop.set()
            raise
    out = dumps_dir / sha
    if hit is not None:  # a copy of a file analysed before under another name
        return hit
    report.seconds = round(time.perf_counter() - t0, 3)
    write_private_text(_report_path(out), json.dumps(
        {"options": opts.fingerprint(), "report": report.model_dump(mode="json", by_alias=True)},
        ensure_ascii=False, indent=1))
    write_private_text(out / "source.json", json.dumps(_source_stat(path)))
    return report


def _run_engine(path: Path, opts: AnalyzeOptions, data_dir: Path, dumps_dir: Path, ring: Keyring,
                sha_f: Future[str]) -> tuple[str, DumpReport | None, DumpReport]:
    """(sha, the stored report if this content was analysed before with these options, the report)."""
    if opts.engine == "spark":
        from leaktrace.dumps.engine_spark import analyze_spark

        sha = sha_f.result()
        hit = None if opts.force else _stored(dumps_dir / sha, opts)
        return sha, hit, hit or analyze_spark(path, sha, dumps_dir / sha, dumps_dir, opts, ring, opts.spark_master,
                                              tmp_dir=data_dir / "tmp" / "spark")
    from leaktrace.dumps.spill import spill_dir

    with spill_dir(data_dir / "tmp" / "duckdb") as tmp:
        con = _connect(opts, tmp)
        try:
            return _analyze(con, path, sha_f.result, dumps_dir, opts, ring)
        finally:
            con.close()


def _open_and_scan(con: Any, path: Path, opts: AnalyzeOptions, quote: str | None) -> tuple[OpenedDump, A.Plan, list[Any], Any]:
    d = open_dump(path, con, opts.encoding, quote=quote)
    with d:
        forced = parse_role_flags(opts.roles, d.columns)
        roles = infer_roles(d.columns, d.sample, forced)
        role_idx = {r.role: r.index for r in roles if r.role != "other"}
        plan = A.Plan(ncols=len(d.columns), roles=role_idx, mode=opts.region_mode,
                      today=opts.today or dt.date.today())
        _build_facts(con, d, plan, opts)
        malformed = d.malformed(con)
    return d, plan, roles, malformed


def _analyze(con: Any, path: Path, sha_of: Callable[[], str], dumps_dir: Path, opts: AnalyzeOptions,
             ring: Any) -> tuple[str, DumpReport | None, DumpReport]:
    """(sha, the stored report when this content was analysed before with these options, else None, report)."""
    d, plan, roles, malformed = _open_and_scan(con, path, opts, None)
    if "unquoted_value" in malformed.by_problem and d.sniffed.quote:
        # An unterminated quote swallows the rest of the file: read again with quoting off
        # and say so, instead of losing every row after it.
        line = next((s.line for s in malformed.samples if s.problem == "unquoted_value"), None)
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        d, plan, roles, malformed = _open_and_scan(con, path, opts, "")
        malformed.skipped.insert(0, f"quoting broke at line {line} (unterminated quote): the file was read "
                                    "again with quotes as plain characters")
    bad_json = con.execute("SELECT count(*), list(bad_text) FILTER (WHERE bad_text IS NOT NULL)[1:5] FROM facts WHERE bad").fetchall()[0]
    if bad_json and bad_json[0]:
        from leaktrace.core.dump_types import MalformedSample
        from leaktrace.dumps.readers import mask_line

        malformed.rows += int(bad_json[0])
        malformed.by_problem["bad_json"] = int(bad_json[0])
        malformed.samples += [MalformedSample(line=None, problem="bad_json", text_masked=mask_line(t, ","))
                              for t in bad_json[1] or []]
    sha = sha_of()
    out = dumps_dir / sha
    hit = None if opts.force else _stored(out, opts)
    if hit is not None:
        return sha, hit, hit
    city_names = _prefix_table(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE idv AS {A.idv_sql(plan, f'({A.DISTINCT_IDS_SQL})')}").fetchall()
    for name, q in A.TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {q}").fetchall()
    hash_sets = write_hash_sets(con, ring, out, "id_number" in plan.roles, use_native=opts.native_hash)
    nov = novelty(con, dumps_dir, Path(hash_sets["persons"]))
    report = build_report(lambda q: con.execute(q).fetchall(), lambda q: _row(con, q), path=path, sha=sha,
                          fmt=d.format, sniffed=d.sniffed, roles=roles, plan=plan, malformed=malformed,
                          city_names=city_names, hash_sets=hash_sets, nov=nov, opts=opts)
    return sha, None, report


def build_report(run_all: Any, run_one: Any, *, path: Path, sha: str, fmt: str, sniffed: Any, roles: list[Any],
                 plan: A.Plan, malformed: Any, city_names: list[str], hash_sets: dict[str, str], nov: Any,
                 opts: AnalyzeOptions) -> DumpReport:
    """Every figure of the report from the engine's `facts`/`idv`/`recs`/`ids`/`mobs` (same SQL on every engine)."""
    has_id = "id_number" in plan.roles
    scan = run_one(A.scan_sql(has_id))
    S = run_one(A.SUMMARY_SQL)
    S["persons"] = S["ids"] if has_id else S["mobiles"]
    validity: dict[str, RoleValidity] = {}
    for role, pre, distinct in (("id_number", "id", S["ids"]), ("mobile", "mob", S["mobiles"])):
        if scan[f"{pre}_present"]:
            reasons = ("format", "checksum", "date", "region") if pre == "id" else ("format", "segment")
            validity[role] = RoleValidity(
                present=int(scan[f"{pre}_present"]), valid=int(scan[f"{pre}_valid"]),
                invalid=int(scan[f"{pre}_present"]) - int(scan[f"{pre}_valid"]),
                invalid_by_reason={r: int(scan[f"{pre}_{r}"]) for r in reasons if scan[f"{pre}_{r}"]},
                distinct_valid=int(distinct),
            )
    padding = None
    if has_id:
        certain = int(S["invalid_id_rows"]) + int(S["impossible_rows"])
        probable, one = int(S["geo_rows"]), int(S["geo_one_rows"])
        padding = Padding(
            estimate=certain + probable, low=certain + int(probable * (1 - MIGRANT_SHARE)),
            high=certain + probable + one, invalid_id_rows=int(S["invalid_id_rows"]),
            impossible_history_rows=int(S["impossible_rows"]), geo_conflict_rows=probable, one_sided_geo_rows=one,
            method=("distinct rows with an invalid ID, an order before the buyer's birth, or address and phone "
                    f"both outside the ID's province; low counts {1 - MIGRANT_SHARE:.0%} of the geo conflicts "
                    "(real migrants), high adds rows with a one-sided geo conflict"),
        )
    prov_name = lambda k: PROVINCES.get(f"{k:02d}")  # noqa: E731
    city_name = lambda k: city_names[k % 100000] if k % 100000 < len(city_names) else None  # noqa: E731
    ref_day = int(scan["max_day"]) if scan["max_day"] else int((opts.today or dt.date.today()).strftime("%Y%m%d"))
    ages = {b: int(n) for b, n in run_all(A.age_sql(ref_day)) if b}
    return DumpReport(
        path=str(path), sha256=sha, format=fmt, encoding=sniffed.encoding,
        delimiter=sniffed.delimiter, header=sniffed.header, engine=opts.engine,
        rows=int(scan["rows"]) + malformed.rows, malformed=malformed, columns=roles,
        distinct_persons=int(S["persons"]),
        distinct_persons_by="id_number" if has_id else ("mobile" if "mobile" in plan.roles else "none"),
        distinct_valid_ids=int(S["ids"]), distinct_valid_mobiles=int(S["mobiles"]), validity=validity,
        duplicate_rows=int(scan["rows"]) - int(S["distinct_rows"]), distinct_rows=int(S["distinct_rows"]),
        padding=padding,
        provinces_by_id=_places(run_all(A.BY_PROVINCE_ID_SQL), prov_name, 2),
        provinces_by_mobile=_places(run_all(A.BY_PROVINCE_MOB_SQL), prov_name, 2),
        cities_by_id=_places(run_all(A.BY_CITY_ID_SQL), _id_city_name, 4),
        cities_by_mobile=_places(run_all(A.BY_CITY_MOB_SQL), city_name, 7),
        age_buckets=dict(sorted(ages.items())), gender=dict(sorted((g, int(n)) for g, n in run_all(A.GENDER_SQL))),
        age_reference_date=f"{ref_day // 10000:04d}-{ref_day // 100 % 100:02d}-{ref_day % 100:02d}",
        order_time_min=A.ts_text(scan["tmin"]), order_time_max=A.ts_text(scan["tmax"]), novelty=nov, hash_sets=hash_sets,
    )
