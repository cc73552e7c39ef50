"""The DumpReport from the analysis tables: every figure is one portable query, so every engine fills it alike.

`build_report` sees the engine only as two callables (all rows of a query,
the one row of a query as a dict) over the tables `steps` built (`facts`,
`idv`, `recs`, `ids`, `mobs`): the same SQL text runs on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leaktrace.core.dump_types import (
    ColumnRole,
    DumpReport,
    Malformed,
    Novelty,
    Padding,
    PlaceCount,
    RoleValidity,
)
from leaktrace.dumps import analysis_sql as A
from leaktrace.dumps.options import AnalyzeOptions
from leaktrace.dumps.sniff import Sniffed
from leaktrace.pii.regions import PROVINCES, lookup

# Share of real people whose address AND phone are both outside their ID's
# province: 2020 census, ~125 M inter-provincial migrants of 1.41 G (8.9%),
# rounded up. Rows with such a geo conflict count as padding in the estimate
# and only (1 - this) of them in its lower bound.
MIGRANT_SHARE = 0.10
_PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

RunAll = Callable[[str], list[tuple[Any, ...]]]
RunOne = Callable[[str], dict[str, Any]]


def _id_city_name(code4: int) -> str | None:
    code = f"{code4:04d}"
    r = lookup(code + "00")
    prov = PROVINCES.get(code[:2])
    if r is None or r.name in _PLACEHOLDER_NAMES:
        return prov
    return r.name


def _places(rows: list[tuple[Any, ...]], name: Callable[[int], str | None], width: int) -> list[PlaceCount]:
    out = [PlaceCount(code=f"{int(k):0{width}d}", name=name(int(k)), persons=int(n)) for k, n in rows if k is not None]
    return sorted(out, key=lambda p: (-p.persons, p.code))


def build_report(run_all: RunAll, run_one: RunOne, *, path: Path, sha: str, fmt: str, sniffed: Sniffed,
                 roles: list[ColumnRole], plan: A.Plan, malformed: Malformed, city_names: list[str],
                 hash_sets: dict[str, str], nov: Novelty, opts: AnalyzeOptions) -> DumpReport:
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
