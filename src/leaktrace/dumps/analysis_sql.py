"""The analysis, defined once as SQL built from the `pii` rules.

Three layers. `facts_sql` turns each input row into packed facts in the one
scan of the input: the row's 128-bit digest, the ID packed into a BIGINT
(`pii.sql.cn_id_pack_sql`, NULL when not well-formed), the mobile as a
64-bit key and why it fails, the address province, the order time. Then
`idv_sql` checks each DISTINCT packed ID once (`pii.sql.cn_id_packed_reason_sql`,
the second half of the Hypothesis-tested twin of the scalar validator) and
derives its province, prefecture, birth date and gender; dumps repeat IDs,
and integer rules over a packed column cost a fraction of the per-row text
rule. Last, `tables()` and the figure queries are aggregates over facts and
idv. Mobile segments come from `pii.detectors.cn_mobile.mobile_segments()`
and the 7-digit prefix -> province/city table from the same `prefix_attrs`
the scalar detector uses, so the vectorised and scalar answers cannot drift.

Packed keys: a valid ID is its 17-digit body as BIGINT (the check character
follows from it), a mobile its 11 digits as BIGINT. Distinct counts over
int64 are ~3x cheaper than over strings and halve the memory of the hash
tables that spill at 10^9 rows (docs/dumps.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from leaktrace.dumps.normalize_sql import id_check_char_sql, lit, mobile_sql
from leaktrace.pii.detectors._geo import province_forms
from leaktrace.pii.detectors.cn_mobile import mobile_segments
from leaktrace.pii.regions import RegionMode
from leaktrace.pii.sql import PACK, cn_id_pack_sql, cn_id_packed_reason_sql

# The compiled common path of three facts rules as one function, as `row_kernels.register` binds it
# (`Plan.kernels`): (id, mobile, address) -> STRUCT(i BIGINT, m BIGINT, a INTEGER), each field the
# kernel's answer or < 0 / NULL where the SQL rule decides.
ROW_FN = "lt_k_row"
ROW_TYPE = "STRUCT(i BIGINT, m BIGINT, a INTEGER)"
TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日")
AGE_BUCKETS = ((0, 17, "<18"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
               (45, 54, "45-54"), (55, 64, "55-64"), (65, 200, "65+"))


def ts_text(ts: int | None) -> str | None:
    """The facts' integer order time (YYYYMMDDhhmmss) as 'YYYY-MM-DD hh:mm:ss'."""
    if ts is None:
        return None
    d, t = divmod(int(ts), 1000000)
    return f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d} {t // 10000:02d}:{t // 100 % 100:02d}:{t % 100:02d}"


@dataclass(frozen=True)
class Plan:
    """Which input column plays which role (None: absent), and the rule settings."""

    ncols: int
    roles: dict[str, int]
    mode: RegionMode
    today: dt.date
    # "fast": the row digest only tells distinct rows apart within this run (DuckDB's 64-bit
    # `hash` of the fields); "stable": MD5 of the fields, the same in every run and DuckDB version,
    # which the records hash set (`--record-hashes`) is taken over.
    digest: Literal["fast", "stable"] = "stable"
    # The compiled common path of ID packing, the mobile and the address province
    # (`row_kernels`), bound in the engine's DuckDB; the SQL rule runs where they abstain.
    kernels: bool = False

    def col(self, role: str) -> str | None:
        i = self.roles.get(role)
        return None if i is None else f"c{i}"


def id_string_sql(key: str) -> str:
    return f"(lpad(CAST({key} AS VARCHAR), 17, '0') || {id_check_char_sql(key)})"


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


def address_lead_sql(col: str) -> str:
    """The address with leading whitespace dropped: bind it once per row (facts_sql's inner level)."""
    return f"ltrim(coalesce({col}, ''))"


def address_province_sql(a: str) -> str:
    """2-digit province code (INTEGER) the trimmed address `a` starts with, else NULL: `_geo.province_forms`, longest first.

    When `_province_groups` holds, "starts with its lead group's shortest
    form" decides, and that is one constant-map lookup per distinct form
    length on the address's first characters (longest first), no lambda:
    ~3x cheaper than a lambda with two lookups, ~10x than the ~70-arm
    `starts_with` CASE chain kept as the fallback.
    """
    groups = _province_groups()
    if groups is None:
        forms = sorted(province_forms().items(), key=lambda kv: -len(kv[0]))
        whens = " ".join(f"WHEN starts_with(a, {lit(name)}) THEN {int(code)}" for name, code in forms)
        return f"(SELECT CASE {whens} END FROM (SELECT {a} AS a))"
    by_len: dict[int, list[tuple[str, int]]] = {}
    for form, code in sorted(groups.values()):
        by_len.setdefault(len(form), []).append((form, code))
    lookups = [
        "MAP {" + ", ".join(f"{lit(f)}: {c}" for f, c in by_len[n]) + f"}}[left({a}, {n})]"
        for n in sorted(by_len, reverse=True)
    ]
    return f"CAST(coalesce({', '.join(lookups)}) AS INTEGER)"


def _time_sql(col: str) -> str:
    tries = [f"try_cast({col} AS TIMESTAMP)"] + [f"try_strptime({col}, {lit(f)})" for f in TIME_FORMATS]
    return f"coalesce({', '.join(tries)})"


def _segment_ints() -> str:
    """The mobile segments (3-digit strings) as an SQL list of integers."""
    segs = sorted(mobile_segments())
    if not all(len(x) == 3 and x.isascii() and x.isdigit() for x in segs):
        raise ValueError("mobile segments must be 3 ASCII digits")  # the integer check would be wrong
    return ", ".join(str(int(x)) for x in segs)


def row_digest_sql(plan: Plan) -> str:
    """The row's digest: rows with one digest are one distinct record (`Plan.digest` says which).

    "fast" is DuckDB's `hash` over the fields (UBIGINT), ~0.2 CPU-s per 10^6
    rows less than MD5 over their concatenation and half the bytes to group
    by; two different rows share it with probability 2^-64 a pair (at 10^9
    distinct rows, ~3% that one pair does, making distinct rows one short).
    It is not stable across DuckDB versions, so no hash that outlives the run
    is taken over it: "stable" (MD5 of the fields joined by U+001F, UHUGEINT)
    is used when the records hash set is written.
    """
    allcols = ", ".join(f"coalesce(c{i}, '')" for i in range(plan.ncols))
    if plan.digest == "fast":
        return f"hash({allcols})"
    return f"md5_number(concat_ws(chr(31), {allcols}))"


def facts_sql(plan: Plan, relation: str, keep: str = "") -> str:
    """SELECT producing one facts row per input row; `keep` adds columns of the relation (e.g. `_bad AS bad`).

    Only cheap per-row work happens here (the scan of a streamed input runs
    on one thread): the row digest, the packed ID, the mobile's digits and
    reason, the address province, the order time. Two levels so an
    expression used twice is computed once.
    """
    idc, mc, ac = plan.col("id_number"), plan.col("mobile"), plan.col("address")
    kernels = plan.kernels and any((idc, mc, ac))
    if kernels:
        # One call for the three rules: an engine's Python function costs ~0.13 us a row per call
        # whatever it computes (DuckDB's Arrow hand-over), three times what the kernels themselves cost.
        args = ", ".join(c or "CAST(NULL AS VARCHAR)" for c in (idc, mc, ac))
        relation = f"(SELECT *, {ROW_FN}({args}) AS _k FROM {relation})"
    inner = ["*"]
    second = ["*"]  # what reads inner's columns and middle reads in turn
    middle = ["*"]
    outer = [keep] if keep else []
    outer.append(f"{row_digest_sql(plan)} AS rec")
    # "Present" (not blank) needs a trim only where the value did not parse: a packed ID or a
    # valid mobile is not blank. CASE, not OR: DuckDB evaluates both sides of an OR.
    if idc:
        if kernels:
            inner.append("_k.i AS _idk")
            middle.append(f"(CASE WHEN _idk >= 0 THEN _idk ELSE {cn_id_pack_sql(idc)} END) AS _idp")
        else:
            middle.append(f"{cn_id_pack_sql(idc)} AS _idp")
        outer += [f"(CASE WHEN _idp IS NOT NULL THEN true ELSE nullif(trim(coalesce({idc}, '')), '') IS NOT NULL END) "
                  "AS id_present", "_idp AS idp"]
    else:
        outer += ["false AS id_present", "CAST(NULL AS BIGINT) AS idp"]
    if mc:
        # `normalize_cn_mobile` (the twin attribution uses too): full-width digits folded,
        # digits only, +86/0086 dropped.
        blank_is_empty = f"coalesce({mc}, '')"
        # The number is cast once (`_mn`) and its segment checked as an integer: where the regexp
        # holds, `_md` is 11 ASCII digits, so `_mn // 10^8` is its first three (~0.07 CPU-s per 10^6
        # rows less than a substring IN a list of strings and a second cast). The regexp stays: the
        # cast alone also takes '1.00000e+10' or '0x2540BE400'.
        segment = f"_mn // 100000000 NOT IN ({_segment_ints()})"
        if kernels:
            # The kernel's number is the value itself (11 ASCII digits, a leading 1): the normal form
            # and the format check are needed only where it abstains.
            # (The normal form is written twice below, for the rare rows where the kernel abstains.)
            inner.append("_k.m AS _mk")
            second += [f"(CASE WHEN _mk >= 0 THEN '' ELSE {mobile_sql(blank_is_empty)} END) AS _md",
                       f"(CASE WHEN _mk >= 0 THEN _mk ELSE try_cast({mobile_sql(blank_is_empty)} AS BIGINT) END) AS _mn"]
            middle.append(f"(CASE WHEN _mk < 0 AND NOT regexp_full_match(_md, '1[0-9]{{10}}') THEN 'format' "
                          f"WHEN {segment} THEN 'segment' END) AS _mr")
        else:
            inner.append(f"{mobile_sql(blank_is_empty)} AS _md")
            middle.append(f"(CASE WHEN NOT regexp_full_match(_md, '1[0-9]{{10}}') THEN 'format' "
                          f"WHEN {segment} THEN 'segment' END) AS _mr")
            second.append("try_cast(_md AS BIGINT) AS _mn")
        outer += [
            f"(CASE WHEN _mr IS NULL THEN true ELSE nullif(trim(coalesce({mc}, '')), '') IS NOT NULL END) AS mob_present",
            "_mr AS mob_reason",
            "CASE WHEN _mr IS NULL THEN _mn END AS mob_key",
            "CASE WHEN _mr IS NULL THEN _mn // 10000 END AS mob_prefix",
        ]
    else:
        outer += ["false AS mob_present", "CAST(NULL AS VARCHAR) AS mob_reason", "CAST(NULL AS BIGINT) AS mob_key",
                  "CAST(NULL AS BIGINT) AS mob_prefix"]
    if ac and kernels:
        inner.append("_k.a AS _ak")
        outer.append(f"(CASE WHEN _ak >= 0 THEN nullif(_ak, 0) "
                     f"ELSE {address_province_sql(address_lead_sql(ac))} END) AS addr_prov")
    elif ac:
        inner.append(f"{address_lead_sql(ac)} AS _addr")
        outer.append(f"{address_province_sql('_addr')} AS addr_prov")
    else:
        outer.append("CAST(NULL AS INTEGER) AS addr_prov")
    tc = plan.col("order_time")
    inner.append(f"{_time_sql(tc)} AS _ts" if tc else "CAST(NULL AS TIMESTAMP) AS _ts")
    # The order time as the integer YYYYMMDDhhmmss: 8 bytes a row where the text took ~35, same order.
    outer.append("(CAST(year(_ts) AS BIGINT) * 10000000000 + month(_ts) * 100000000 + day(_ts) * 1000000 "
                 "+ hour(_ts) * 10000 + minute(_ts) * 100 + second(_ts)) AS ts")
    outer.append("CAST(year(_ts) * 10000 + month(_ts) * 100 + day(_ts) AS INTEGER) AS order_day")
    return (f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(middle)} FROM (SELECT {', '.join(second)} FROM "
            f"(SELECT {', '.join(inner)} FROM {relation})))")


def int_div(a: str, b: int, dialect: str = "duckdb") -> str:
    """Integer division, as each engine writes it (DuckDB `//`, Spark `div`)."""
    return f"({a} // {b})" if dialect == "duckdb" else f"({a} div {b})"


def key_prov_sql(key: str, dialect: str = "duckdb") -> str:
    """The 2-digit province (INT) of a 17-digit ID key."""
    return f"CAST({int_div(key, 10**15, dialect)} AS INT)"


def key_birth_sql(key: str, dialect: str = "duckdb") -> str:
    """The birth date (YYYYMMDD, INT) of a 17-digit ID key."""
    return f"CAST({int_div(key, 1000, dialect)} % 100000000 AS INT)"


# The distinct packed IDs of the good rows with how many rows hold each: the input of `idv_sql`.
DISTINCT_IDS_SQL = "SELECT idp, count(*) AS n FROM facts WHERE NOT bad AND idp IS NOT NULL GROUP BY idp"


def idv_sql(plan: Plan, relation: str) -> str:
    """Each distinct packed ID of `relation` (columns idp, n) with its reason and, when valid, its facts.

    id_key is the 17-digit body (legacy and 18-digit forms of one person
    share it; the persons hash is taken over its canonical text,
    `hashsets.id_text_sql`, made only for the hash set); prov, city4, birth
    (YYYYMMDD) and gender are integers and letters cut from the key, so
    nothing engine-specific follows.
    """
    reason = cn_id_packed_reason_sql("idp", plan.mode, plan.today)
    key = f"CASE WHEN id_reason IS NULL THEN idp // {PACK} END"
    return (
        f"SELECT idp, n, id_reason, id_key, {key_prov_sql('id_key')} AS prov, "
        "CAST(id_key // 10000000000000 AS INTEGER) AS city4, "
        f"{key_birth_sql('id_key')} AS birth, "
        "CASE WHEN id_key IS NULL THEN NULL WHEN ((id_key % 10) % 2) = 1 THEN 'M' ELSE 'F' END AS gender "
        f"FROM (SELECT *, {key} AS id_key FROM (SELECT idp, n, {reason} AS id_reason FROM {relation}))"
    )


# The columns the two row rules produce, as DDL (an engine that maps batches, Spark, declares them).
FACTS_SCHEMA = (
    "bad boolean, bad_text string, rec string, id_present boolean, idp bigint, mob_present boolean, "
    "mob_reason string, mob_key bigint, mob_prefix bigint, addr_prov int, ts bigint, order_day int"
)
IDV_SCHEMA = ("idp bigint, n bigint, id_reason string, id_key bigint, prov int, city4 int, "
              "birth int, gender string")


@dataclass(frozen=True)
class RowRule:
    """A per-row (or per-distinct-ID) rule as data: an engine runs `sql` over its batches, wherever they are.

    Plain and picklable, so Spark ships it to its Python workers, where an
    in-process DuckDB runs the very SQL the DuckDB engine runs. `keep` adds
    input columns to the facts (`_bad AS bad, ...`); `rec_text` gives the
    row digest in a type every engine has (engines without unsigned or
    128-bit integers): the stable MD5 digest as lower-case hex, the fast
    64-bit one as a signed BIGINT (the same bits shifted by 2^63, so the same
    rows group together, and a shuffle moves 8 bytes a row, not 32).
    """

    stage: Literal["facts", "idv"]
    plan: Plan
    keep: str = "_bad AS bad, CAST(NULL AS VARCHAR) AS bad_text"
    rec_text: bool = False

    @property
    def schema(self) -> str:
        if self.stage == "idv":
            return IDV_SCHEMA
        if self.rec_text and self.plan.digest == "fast":
            return FACTS_SCHEMA.replace("rec string", "rec bigint")
        return FACTS_SCHEMA

    def sql(self, relation: str) -> str:
        if self.stage == "idv":
            return idv_sql(self.plan, relation)
        sql = facts_sql(self.plan, relation, self.keep)
        if not self.rec_text:
            return sql
        if self.plan.digest == "fast":
            return f"SELECT * REPLACE (CAST(CAST(rec AS HUGEINT) - 9223372036854775808 AS BIGINT) AS rec) FROM ({sql})"
        return f"SELECT * REPLACE (lower(hex(rec)) AS rec) FROM ({sql})"


# Everything below is portable SQL (DuckDB and Spark SQL) over `facts`, `idv`
# and `lt_mob_prefix`: the facts and idv carry their derived integers (prov,
# city4, birth, gender, order_day, mob_prefix), so no date function appears
# here, and integer division only through `int_div` (`recs_sql`'s dialect).

# The record flags read each row's facts with its ID's verdict: `bad_id` (checked and failed;
# NULL without a packed ID), and `prov`, `birth` of a valid ID (NULL for an invalid or absent one).
IMPOSSIBLE = "(prov IS NOT NULL AND order_day IS NOT NULL AND order_day < birth)"
GEO_BOTH = ("(prov IS NOT NULL AND addr_prov IS NOT NULL AND addr_prov <> prov "
            "AND mob_prov IS NOT NULL AND mob_prov <> prov)")
GEO_ONE = (f"(prov IS NOT NULL AND NOT {GEO_BOTH} AND ((addr_prov IS NOT NULL AND addr_prov <> prov) "
           "OR (mob_prov IS NOT NULL AND mob_prov <> prov)))")
# Present and not well-formed (no packed value), or packed and failing a rule.
INVALID_ID = "(id_present AND (idp IS NULL OR bad_id))"

# Each good row's padding class, the first of these that holds: 1 invalid ID, 2 order before
# the buyer's birth, 3 address and phone both outside the ID's province, 4 one of them outside
# it, 0 none. Every flag above is non-NULL (each good row's idp is in idv), so the CASE picks
# what the exclusive counts `inv`, `NOT inv AND imp`, ... picked.
_ROW_CLASS = (f"CASE WHEN {INVALID_ID} THEN 1 WHEN {IMPOSSIBLE} THEN 2 WHEN {GEO_BOTH} THEN 3 "
              f"WHEN {GEO_ONE} THEN 4 ELSE 0 END")

# The good rows with their phone's province. `steps.mobile_places` gives `lt_mob_prefix` one
# row for every prefix in the facts, so the rows with a prefix are an inner join (DuckDB's
# is ~6x cheaper than the left join it equals here) and the rest have none.
_ROW_PLACES = (
    "SELECT f.rec, f.id_present, f.idp, f.addr_prov, f.order_day, p.prov AS mob_prov FROM facts f "
    "JOIN lt_mob_prefix p ON f.mob_prefix = p.prefix WHERE NOT f.bad UNION ALL "
    "SELECT rec, id_present, idp, addr_prov, order_day, CAST(NULL AS INT) AS mob_prov FROM facts "
    "WHERE NOT bad AND mob_prefix IS NULL"
)

# The distinct records with their padding class (one row per distinct record). Rows with one
# digest are one content, so they share a class, and the record keeps any row's class. A row
# needs its ID's verdict only as "failed a rule" (`bad_id`): a join with the IDs that failed
# (~10% of the distinct IDs: a hash table that stays in cache) where the join with every
# distinct ID's verdict probed ~6*10^6 entries per 10^7 rows; a valid ID's province and birth
# date are cut from the packed value itself, as `idv_sql` cuts them from its key.
def recs_sql(dialect: str = "duckdb") -> str:
    key = int_div("idp", PACK, dialect)
    return (
        f"SELECT rec, any_value(cls) AS cls FROM (SELECT rec, {_ROW_CLASS} AS cls FROM "
        f"(SELECT r.*, CASE WHEN NOT bad_id THEN {key_prov_sql(key, dialect)} END AS prov, "
        f"CASE WHEN NOT bad_id THEN {key_birth_sql(key, dialect)} END AS birth FROM "
        f"(SELECT r.*, CASE WHEN r.idp IS NOT NULL THEN b.bad_idp IS NOT NULL END AS bad_id FROM ({_ROW_PLACES}) r "
        "LEFT JOIN (SELECT idp AS bad_idp FROM idv WHERE id_reason IS NOT NULL) b ON r.idp = b.bad_idp) r) j) c "
        "GROUP BY rec"
    )


# The record figures as one row. Built straight from `recs_sql` unless `recs` is
# kept for the records hash set: materialising ~0.9 rows per input row only to
# count them cost ~0.2 CPU-s per 10^6 rows.
_REC_COUNTS = ("SELECT count(*) AS distinct_rows, count(*) FILTER (WHERE cls = 1) AS invalid_id_rows, "
               "count(*) FILTER (WHERE cls = 2) AS impossible_rows, count(*) FILTER (WHERE cls = 3) AS geo_rows, "
               "count(*) FILTER (WHERE cls = 4) AS geo_one_rows FROM {src} r")
# One row per valid ID key. A key has at most two packed forms in idv, the 18-character one
# (even: its check character's index * 2, `pii.sql.PACK`) and the legacy 15-digit one (odd),
# and its other columns are cut from the key, so the 18-character rows and the legacy rows
# whose key has no 18-character row are each key once: a filter and a join on the (few) legacy
# keys, ~4x less CPU than grouping every valid ID by its key.
IDS_SQL = """SELECT id_key, prov, city4, birth, gender FROM idv WHERE id_key IS NOT NULL AND (idp % 2 = 0
      OR id_key NOT IN (SELECT id_key FROM idv WHERE id_key IS NOT NULL AND idp % 2 = 0
        AND id_key IN (SELECT id_key FROM idv WHERE id_key IS NOT NULL AND idp % 2 = 1)))"""
# The distinct valid mobiles with their prefix: built before the prefix places, whose
# distinct prefixes are read from it (~0.6 rows per input row) rather than from the facts.
# The prefix follows from the mobile, so it is a second key, not a payload (~25% less CPU).
MOB_KEYS_SQL = ("SELECT mob_key, mob_prefix FROM facts WHERE NOT bad AND mob_key IS NOT NULL "
                "GROUP BY mob_key, mob_prefix")
MOB_PREFIXES_SQL = "SELECT DISTINCT mob_prefix FROM mob_keys"
# lt_mob_prefix has a row for every prefix of mob_keys (`steps.mobile_places`): an inner join,
# ~3x cheaper in DuckDB than the left join it equals.
MOBS_SQL = """SELECT m.mob_key, p.prov AS mob_prov, p.city AS mob_city FROM
      mob_keys m JOIN lt_mob_prefix p ON m.mob_prefix = p.prefix"""


def tables(keep_recs: bool, dialect: str = "duckdb") -> tuple[tuple[str, str], ...]:
    """The small tables every figure reads, in build order: `rec_counts` (one row of record figures),
    `ids` (one row per valid ID), `mobs` (one row per valid mobile, with its prefix place), and first
    `recs` (one row per distinct record) when `keep_recs` (the records hash set reads it)."""
    recs = recs_sql(dialect)
    counts = ("rec_counts", _REC_COUNTS.format(src="recs" if keep_recs else f"({recs})"))
    return ((("recs", recs),) if keep_recs else ()) + (counts, ("ids", IDS_SQL), ("mobs", MOBS_SQL))


# Every table `steps` caches besides facts and idv, in build order (an engine drops them, last first, at the end of a run).
TABLE_NAMES = ("mob_keys", "recs", "rec_counts", "ids", "mobs")


def scan_sql(has_id: bool) -> str:
    """Row-level counts: from the facts, and per ID reason from idv (each distinct ID weighted by its rows)."""
    fmt = "count(*) FILTER (WHERE idp IS NULL)" if has_id else "CAST(0 AS BIGINT)"
    return f"""
    SELECT * FROM (SELECT count(*) AS rows, min(ts) AS tmin, max(ts) AS tmax, max(order_day) AS max_day,
      count(*) FILTER (WHERE id_present) AS id_present, {fmt} AS id_format,
      count(*) FILTER (WHERE mob_present) AS mob_present, count(*) FILTER (WHERE mob_key IS NOT NULL) AS mob_valid,
      count(*) FILTER (WHERE mob_reason = 'format') AS mob_format,
      count(*) FILTER (WHERE mob_reason = 'segment') AS mob_segment
    FROM facts WHERE NOT bad) a CROSS JOIN (SELECT
      coalesce(sum(n) FILTER (WHERE id_reason IS NULL), 0) AS id_valid,
      coalesce(sum(n) FILTER (WHERE id_reason = 'checksum'), 0) AS id_checksum,
      coalesce(sum(n) FILTER (WHERE id_reason = 'date'), 0) AS id_date,
      coalesce(sum(n) FILTER (WHERE id_reason = 'region'), 0) AS id_region FROM idv) b"""


SUMMARY_SQL = """
    SELECT c.*, (SELECT count(*) FROM ids) AS ids, (SELECT count(*) FROM mobs) AS mobiles FROM rec_counts c"""

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
