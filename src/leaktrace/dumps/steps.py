"""The analysis steps after the input is read, written once against `engine.Engine`.

Order: the mobile prefix places of the prefixes the dump holds, each
distinct packed ID checked once (`idv`), the three small tables every
figure reads (`analysis_sql.tables`), the keyed-hash sets (written to a
`.part` name and renamed into place), novelty against earlier dumps, and
the report. Nothing here knows which engine runs it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from leaktrace.core.dump_types import ColumnRole, DumpReport
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import make_private, private_dir
from leaktrace.dumps import analysis_sql as A
from leaktrace.dumps import row_kernels
from leaktrace.dumps.engine import Engine, Scanned
from leaktrace.dumps.hashsets import (
    clear_stale_parts,
    hash_set_queries,
    novelty,
    part_path,
    swap_in,
)
from leaktrace.dumps.mobile_places import known_prefixes, prefix_table
from leaktrace.dumps.options import AnalyzeOptions
from leaktrace.dumps.report import build_report
from leaktrace.dumps.roles import infer_roles, parse_role_flags


def plan_for(columns: list[str], sample: list[list[str]], opts: AnalyzeOptions) -> tuple[list[ColumnRole], A.Plan]:
    """Column roles (inferred, `--role` flags winning) and the analysis plan they give."""
    roles = infer_roles(columns, sample, parse_role_flags(opts.roles, columns))
    plan = A.Plan(ncols=len(columns), roles={r.role: r.index for r in roles if r.role != "other"},
                  mode=opts.region_mode, today=opts.today or dt.date.today(),
                  digest="stable" if opts.record_hashes else "fast",
                  kernels=opts.native_hash and row_kernels.usable())
    return roles, plan


def facts_rule(plan: A.Plan, keep: str | None = None, rec_text: bool = False) -> A.RowRule:
    return A.RowRule("facts", plan, keep, rec_text) if keep else A.RowRule("facts", plan, rec_text=rec_text)


def mobile_places(engine: Engine) -> list[str]:
    """Register `lt_mob_prefix(prefix, prov, city)` for the prefixes of the valid mobiles; the city names it indexes.

    Caches `mob_keys` (the distinct valid mobiles and their prefix), which
    `mobs` joins with the places.

    Only the rows of prefixes the dump holds (<= ~5 * 10^5 of them) travel to
    the engine; prefixes the bulk table lacks come from `prefix_attrs`. Every
    prefix the facts hold gets its row (NULL places where none is known):
    `analysis_sql.recs_sql` joins the facts with the table as an inner join.
    """
    engine.cache("mob_keys", A.MOB_KEYS_SQL)
    seen = np.array([r[0] for r in engine.fetch(A.MOB_PREFIXES_SQL)], dtype=np.int64)
    extra = sorted(seen[~np.isin(seen, known_prefixes())].tolist())
    tbl, names = prefix_table(extra, only=seen)
    engine.register("lt_mob_prefix", tbl)
    return names


def write_sets(engine: Engine, ring: Keyring, out: Path, has_id: bool, opts: AnalyzeOptions) -> dict[str, str]:
    """persons (hash, kind, province), phones (hash, province), and records (hash) when asked for, as Parquet."""
    private_dir(out)
    clear_stale_parts(out)
    paths: dict[str, str] = {}
    with engine.hashers(ring) as native:
        for name, q in hash_set_queries(has_id, engine.dialect, native=native).items():
            if name == "records" and not opts.record_hashes:
                continue
            dest = out / f"{name}.parquet"
            tmp = part_path(dest)
            engine.write_parquet(q, tmp)
            make_private(tmp)
            swap_in(tmp, dest)
            paths[name] = str(dest)
    return paths


def finish(engine: Engine, scanned: Scanned, *, path: Path, sha: str, dumps_dir: Path, ring: Keyring,
           opts: AnalyzeOptions) -> DumpReport:
    """From the cached `facts` to the report (hash sets and novelty included)."""
    plan = scanned.plan
    city_names = mobile_places(engine)
    engine.cache_mapped("idv", A.DISTINCT_IDS_SQL, A.RowRule("idv", plan))
    for name, q in A.tables(keep_recs=opts.record_hashes, dialect=engine.dialect):
        engine.cache(name, q)
    out = dumps_dir / sha
    hash_sets = write_sets(engine, ring, out, "id_number" in plan.roles, opts)
    with engine.local_duckdb() as con:
        nov = novelty(con, dumps_dir, Path(hash_sets["persons"]))
    return build_report(engine.fetch, engine.fetch_one, path=path, sha=sha, fmt=scanned.fmt,
                        sniffed=scanned.sniffed, roles=scanned.roles, plan=plan, malformed=scanned.malformed,
                        city_names=city_names, hash_sets=hash_sets, nov=nov, opts=opts)
