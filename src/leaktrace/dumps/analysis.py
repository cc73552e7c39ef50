"""The analysis, defined once as SQL built from the `pii` rules.

Two layers: `facts_sql` turns each input row into packed facts (the row's
128-bit digest, the ID as a 64-bit key and why it fails, the mobile as a
64-bit key and why it fails, the address province, the order time), and
`METRICS` are aggregate queries over that facts table. The ID rule is
`pii.sql` (the Hypothesis-tested twin of the scalar validator), mobile
segments come from `pii.detectors.cn_mobile.mobile_segments()` and the
7-digit prefix -> province/city table from the same `prefix_attrs` the
scalar detector uses, so the vectorised and scalar answers cannot drift.

Packed keys: a valid ID is its 17-digit body as BIGINT (the check character
follows from it), a mobile its 11 digits as BIGINT. Distinct counts over
int64 are ~3x cheaper than over strings and halve the memory of the hash
tables that spill at 10^9 rows (docs/dumps.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.pii.detectors._geo import province_forms
from leaktrace.pii.detectors.cn_mobile import mobile_segments
from leaktrace.pii.regions import RegionMode
from leaktrace.pii.sql import cn_id_normalized_sql, cn_id_reason_sql

TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
AGE_BUCKETS = ((0, 17, "<18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
               (45, 54, "45-54"), (55, 64, "55-64"), (65, 200, "65+"))


def lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@dataclass(frozen=True)
class Plan:
    """Which input column plays which role (None: absent), and the rule settings."""

    ncols: int
    roles: dict[str, int]
    mode: RegionMode
    today: dt.date

    def col(self, role: str) -> str | None:
        i = self.roles.get(role)
        return None if i is None else f"c{i}"


def id_check_char_sql(key: str) -> str:
    """The check character of a 17-digit body held as BIGINT (GB 11643 weights from core.cn_id_rule)."""
    total = " + ".join(f"{w} * (({key} // {10 ** (16 - i)}) % 10)" for i, w in enumerate(WEIGHTS))
    return f"substr({lit(CHECK_CHARS)}, (({total}) % 11) + 1, 1)"


def id_string_sql(key: str) -> str:
    return f"(lpad(CAST({key} AS VARCHAR), 17, '0') || {id_check_char_sql(key)})"


def mobile_digits_sql(col: str) -> str:
    """`normalize_cn_mobile` in SQL: digits only, +86/0086 dropped."""
    d = f"regexp_replace(coalesce({col}, ''), '[^0-9]', '', 'g')"
    return (f"(CASE WHEN length({d}) = 15 AND starts_with({d}, '0086') THEN substr({d}, 5) "
            f"WHEN length({d}) = 13 AND starts_with({d}, '86') THEN substr({d}, 3) ELSE {d} END)")


def _province_groups() -> dict[str, tuple[str, int]] | None:
    """2-character lead -> (shortest form, code), when that decides the longest-first match.

    It does when every form sharing a lead belongs to one province and starts
    with the group's shortest form (true of `_geo.province_forms`): then "the
    address starts with some form" is "it starts with the shortest form of its
    lead's group". None otherwise, and the CASE chain is used.
    """
    groups: dict[str, list[tuple[str, int]]] = {}
    for name, code in province_forms().items():
        if len(name) < 2:
            return None
        groups.setdefault(name[:2], []).append((name, int(code)))
    out = {}
    for lead, forms in groups.items():
        short = min(forms, key=lambda f: len(f[0]))
        if len({c for _, c in forms}) != 1 or not all(n.startswith(short[0]) for n, _ in forms):
            return None
        out[lead] = (short[0], short[1])
    return out


def address_province_sql(col: str) -> str:
    """2-digit province code (INTEGER) an address starts with, else NULL: `_geo.province_forms`, longest first.

    Two constant-map lookups on the address's first two characters instead of
    ~70 `starts_with` tests per row (the CASE chain cost ~1/5 of the scan).
    """
    a = f"ltrim(coalesce({col}, ''))"
    groups = _province_groups()
    if groups is None:
        forms = sorted(province_forms().items(), key=lambda kv: -len(kv[0]))
        whens = " ".join(f"WHEN starts_with(a, {lit(name)}) THEN {int(code)}" for name, code in forms)
        return f"(SELECT CASE {whens} END FROM (SELECT {a} AS a))"
    fmap = ", ".join(f"{lit(k)}: {lit(f)}" for k, (f, _) in sorted(groups.items()))
    cmap = ", ".join(f"{lit(k)}: {c}" for k, (_, c) in sorted(groups.items()))
    return (f"list_transform([{a}], lambda a: CASE WHEN starts_with(a, MAP {{{fmap}}}[left(a, 2)]) "
            f"THEN CAST(MAP {{{cmap}}}[left(a, 2)] AS INTEGER) END)[1]")


def _time_sql(col: str) -> str:
    tries = [f"try_cast({col} AS TIMESTAMP)"] + [f"try_strptime({col}, {lit(f)})" for f in TIME_FORMATS]
    return f"coalesce({', '.join(tries)})"


def facts_sql(plan: Plan, relation: str, keep: str = "") -> str:
    """SELECT producing one facts row per input row; `keep` adds columns of the relation (e.g. `_bad AS bad`).

    Two levels so the big rule expressions are computed once per row: the
    inner level yields the ID's failure reason and the mobile's digits, the
    outer one derives keys from them. Clean 18-character IDs (nearly all
    rows) are keyed straight from their text; only the rest pay for the
    normalising `translate`.
    """
    inner = ["*"]
    middle = ["*"]
    outer = [keep] if keep else []
    allcols = ", ".join(f"coalesce(c{i}, '')" for i in range(plan.ncols))
    outer.append(f"md5_number(concat_ws(chr(31), {allcols})) AS rec")
    idc = plan.col("id_number")
    if idc:
        inner.append(f"{cn_id_reason_sql(idc, plan.mode, plan.today)} AS _idr")
        norm = cn_id_normalized_sql(idc)
        # The canonical text once per row, only for valid IDs; key and text both come from it.
        middle.append(f"CASE WHEN _idr IS NULL THEN {norm} END AS _idn")
        outer += [
            f"(nullif(trim(coalesce({idc}, '')), '') IS NOT NULL) AS id_present",
            "_idr AS id_reason",
            "try_cast(substr(_idn, 1, 17) AS BIGINT) AS id_key",
            "_idn AS id_text",
        ]
    else:
        outer += ["false AS id_present", "CAST(NULL AS VARCHAR) AS id_reason", "CAST(NULL AS BIGINT) AS id_key",
                  "CAST(NULL AS VARCHAR) AS id_text"]
    mc = plan.col("mobile")
    if mc:
        inner.append(f"{mobile_digits_sql(mc)} AS _md")
        segs = ", ".join(lit(s) for s in sorted(mobile_segments()))
        outer += [
            f"(nullif(trim(coalesce({mc}, '')), '') IS NOT NULL) AS mob_present",
            "_mr AS mob_reason",
            "CASE WHEN _mr IS NULL THEN try_cast(_md AS BIGINT) END AS mob_key",
        ]
        mreason = (f"(CASE WHEN NOT regexp_full_match(_md, '1[0-9]{{10}}') THEN 'format' "
                   f"WHEN substr(_md, 1, 3) NOT IN ({segs}) THEN 'segment' END) AS _mr")
    else:
        outer += ["false AS mob_present", "CAST(NULL AS VARCHAR) AS mob_reason", "CAST(NULL AS BIGINT) AS mob_key"]
        mreason = "NULL AS _mr"
    middle.append(mreason)
    ac = plan.col("address")
    outer.append(f"{address_province_sql(ac)} AS addr_prov" if ac else "CAST(NULL AS INTEGER) AS addr_prov")
    tc = plan.col("order_time")
    inner.append(f"{_time_sql(tc)} AS _ts" if tc else "CAST(NULL AS TIMESTAMP) AS _ts")
    outer.append("strftime(_ts, '%Y-%m-%d %H:%M:%S') AS ts")
    outer.append("CAST(year(_ts) * 10000 + month(_ts) * 100 + day(_ts) AS INTEGER) AS order_day")
    keyed = ("SELECT *, CAST(id_key // 1000000000000000 AS INTEGER) AS prov, "
             "CAST(id_key // 10000000000000 AS INTEGER) AS city4, "
             "CAST((id_key // 1000) % 100000000 AS INTEGER) AS birth, "
             "CASE WHEN id_key IS NULL THEN NULL WHEN ((id_key % 10) % 2) = 1 THEN 'M' ELSE 'F' END AS gender, "
             "mob_key // 10000 AS mob_prefix FROM ")
    return (f"{keyed}(SELECT {', '.join(outer)} FROM (SELECT {', '.join(middle)} FROM "
            f"(SELECT {', '.join(inner)} FROM {relation})))")


# Everything below is portable SQL (DuckDB and Spark SQL): the facts carry
# their derived integers (prov, city4, birth, gender, order_day, mob_prefix),
# so no engine-specific integer division or date function appears here.
IMPOSSIBLE = "(id_key IS NOT NULL AND order_day IS NOT NULL AND order_day < birth)"
GEO_BOTH = ("(id_key IS NOT NULL AND addr_prov IS NOT NULL AND addr_prov <> prov "
            "AND mob_prov IS NOT NULL AND mob_prov <> prov)")
GEO_ONE = (f"(id_key IS NOT NULL AND NOT {GEO_BOTH} AND ((addr_prov IS NOT NULL AND addr_prov <> prov) "
           "OR (mob_prov IS NOT NULL AND mob_prov <> prov)))")
INVALID_ID = "(id_present AND id_reason IS NOT NULL)"

# `f` = facts of good rows joined with the prefix table (mob_prov, mob_city).
F_VIEW = ("SELECT x.*, p.prov AS mob_prov, p.city AS mob_city FROM facts x "
          "LEFT JOIN lt_mob_prefix p ON x.mob_prefix = p.prefix WHERE NOT x.bad")

# Three small tables are built once and every figure reads them: `recs` (one
# row per distinct record, with its padding flags), `ids` (one row per valid
# ID) and `mobs` (one row per valid mobile, with its prefix place).
TABLES = (
    ("recs", f"""SELECT rec, any_value({INVALID_ID}) AS inv, any_value({IMPOSSIBLE}) AS imp,
      any_value({GEO_BOTH}) AS geo, any_value({GEO_ONE}) AS geo1 FROM f GROUP BY rec"""),
    ("ids", """SELECT id_key, any_value(id_text) AS id_text, any_value(prov) AS prov, any_value(city4) AS city4,
      any_value(birth) AS birth, any_value(gender) AS gender FROM f WHERE id_key IS NOT NULL GROUP BY id_key"""),
    ("mobs", """SELECT mob_key, any_value(mob_prov) AS mob_prov, any_value(mob_city) AS mob_city
      FROM f WHERE mob_key IS NOT NULL GROUP BY mob_key"""),
)

SCAN_SQL = """
    SELECT count(*) AS rows, min(ts) AS tmin, max(ts) AS tmax, max(order_day) AS max_day,
      count(*) FILTER (WHERE id_present) AS id_present, count(*) FILTER (WHERE id_key IS NOT NULL) AS id_valid,
      count(*) FILTER (WHERE id_reason = 'format') AS id_format,
      count(*) FILTER (WHERE id_reason = 'checksum') AS id_checksum,
      count(*) FILTER (WHERE id_reason = 'date') AS id_date, count(*) FILTER (WHERE id_reason = 'region') AS id_region,
      count(*) FILTER (WHERE mob_present) AS mob_present, count(*) FILTER (WHERE mob_key IS NOT NULL) AS mob_valid,
      count(*) FILTER (WHERE mob_reason = 'format') AS mob_format,
      count(*) FILTER (WHERE mob_reason = 'segment') AS mob_segment
    FROM f"""

SUMMARY_SQL = """
    SELECT (SELECT count(*) FROM recs) AS distinct_rows,
      (SELECT count(*) FROM ids) AS ids, (SELECT count(*) FROM mobs) AS mobiles,
      (SELECT count(*) FROM recs WHERE inv) AS invalid_id_rows,
      (SELECT count(*) FROM recs WHERE NOT inv AND imp) AS impossible_rows,
      (SELECT count(*) FROM recs WHERE NOT inv AND NOT imp AND geo) AS geo_rows,
      (SELECT count(*) FROM recs WHERE NOT inv AND NOT imp AND geo1) AS geo_one_rows"""

BY_PROVINCE_ID_SQL = "SELECT prov AS k, count(*) AS n FROM ids GROUP BY prov"
BY_CITY_ID_SQL = "SELECT city4 AS k, count(*) AS n FROM ids GROUP BY city4"
BY_PROVINCE_MOB_SQL = "SELECT mob_prov AS k, count(*) AS n FROM mobs GROUP BY mob_prov"
BY_CITY_MOB_SQL = ("SELECT mob_prov * 100000 + mob_city AS k, count(*) AS n FROM mobs "
                   "WHERE mob_city IS NOT NULL GROUP BY mob_prov * 100000 + mob_city")
GENDER_SQL = "SELECT gender AS g, count(*) AS n FROM ids GROUP BY gender"


def age_sql(ref_day: int) -> str:
    whens = " ".join(f"WHEN age BETWEEN {lo} AND {hi} THEN {lit(name)}" for lo, hi, name in AGE_BUCKETS)
    return (f"SELECT CASE {whens} END AS b, count(*) AS n FROM "
            f"(SELECT CAST(floor(({ref_day} - birth) / 10000) AS INTEGER) AS age FROM ids) a GROUP BY 1")
