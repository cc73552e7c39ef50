"""The resident-ID rule as DuckDB SQL: the vectorised twin of `check_cn_id`.

Dumps hold 10^8-10^9 rows, far too many for a Python call per row, so the
dump engines validate IDs with one SQL expression built here from the same
constants the scalar validator uses (`core.cn_id_rule.WEIGHTS/CHECK_CHARS`,
`pii.regions` for codes and their years, `core.normalize.SPACES` for the
characters normalisation strips). A Hypothesis property test
(tests/pii/test_sql_twin.py) keeps scalar and SQL equal, flag and reason.

Speed choices: normalisation is one `translate` (full-width digits, lower
x, whitespace), the checksum and the date are integer arithmetic on the
character codes (no casts that can fail, no date parsing), and the region
check is a semi-join against a small registered table. Legacy 15-digit
numbers need no check character: conversion makes their checksum right by
construction, so only their date and region are checked.

Usage::

    register_region_tables(con)
    con.sql(f"SELECT count(*) FILTER (WHERE {cn_id_valid_sql('id')}) FROM t")
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.core.normalize import SPACES
from leaktrace.core.text import FULLWIDTH_TO_ASCII
from leaktrace.pii.regions import (
    ID_ISSUE_START_YEAR,
    PERMIT_PREFIXES,
    PROVINCES,
    YEAR_MAX,
    YEAR_MIN,
    RegionMode,
    region_table,
    validity_rows,
)

CODES_TABLE = "lt_cn_region_codes"
KEYS_TABLE = "lt_cn_region_keys"
if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

MIN_BIRTH_YEAR = 1880  # same floor as the scalar rule (pii.detectors.cn_id)


@lru_cache(maxsize=1)
def key_years() -> tuple[int, int]:
    """Birth years the strict key table spans; other years are clamped into it.

    Below the earliest abolition year, every known code passes the pre-1984
    rule ("not abolished before birth"), as it does at that year; above the
    latest year any interval starts or ends, every answer is what it is one
    year after it. So clamping loses nothing and keeps the table ~50 years
    deep instead of 1880..9999.
    """
    edges = [e for _c, lo, hi in validity_rows() for e in (lo, hi) if YEAR_MIN < e < YEAR_MAX]
    low = min(min(edges), ID_ISSUE_START_YEAR - 1)
    high = max(max(edges) + 1, ID_ISSUE_START_YEAR)
    return low, high


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@lru_cache(maxsize=1)
def _translate_args() -> tuple[str, str]:
    """(from, to) for DuckDB translate(): fold what can become an ID character, drop whitespace.

    Only characters that can end up as 0-9 or X after the scalar's
    fold_width + upper matter: every other character fails the format rule
    either way, and stays one character in both.
    """
    src, dst = [], []
    for cp, ascii_cp in FULLWIDTH_TO_ASCII.items():
        ch = chr(ascii_cp)
        if ch.isdigit() or ch in "xX":
            src.append(chr(cp))
            dst.append(ch.upper())
    src.append("x")
    dst.append("X")
    spaces = [chr(cp) for cp in range(0x3001) if SPACES.fullmatch(chr(cp))]
    return "".join(src) + "".join(spaces), "".join(dst)


_SHAPE18 = "'[0-9]{17}[0-9X]'"
_SHAPE15 = "'[0-9]{15}'"

# A well-formed ID packed into one BIGINT: body * 32 + check index * 2 + legacy.
# The body (17 digits, legacy numbers with the century 19 inserted) is < 10^17,
# so the packed value stays below 2^62; the check index is the check
# character's position in CHECK_CHARS (0-10, so "sum % 11 = index" is the
# checksum rule); legacy 15-digit numbers carry index 0 and the flag 1.
PACK = 32


def _cols(col: str) -> dict[str, str]:
    """Shared sub-expressions. Clean 18-character values (nearly every row of a
    real dump) take a fast path; only the rest pay for `translate`."""
    frm, to = _translate_args()
    c = f"coalesce(CAST({col} AS VARCHAR), '')"
    fast = f"regexp_full_match({c}, {_SHAPE18})"
    t = f"translate({c}, {_lit(frm)}, {_lit(to)})"
    s18, s15 = f"regexp_full_match({t}, {_SHAPE18})", f"regexp_full_match({t}, {_SHAPE15})"
    n15 = f"try_cast({t} AS BIGINT)"
    legacy_n = f"({n15} // 1000000000) * 100000000000 + 19000000000 + {n15} % 1000000000"
    # The 17-digit body as a BIGINT; legacy numbers gain the century 19 arithmetically.
    n = (
        f"(CASE WHEN {fast} THEN try_cast(substr({c}, 1, 17) AS BIGINT) "
        f"WHEN {s15} THEN {legacy_n} "
        f"ELSE try_cast(substr({t}, 1, 17) AS BIGINT) END)"
    )

    def packed(s: str) -> str:
        return f"try_cast(substr({s}, 1, 17) AS BIGINT) * {PACK} + (strpos({_lit(CHECK_CHARS)}, substr({s}, 18, 1)) - 1) * 2"

    # CASE, not OR: DuckDB evaluates both sides of OR, and translate is the slow part.
    pack = (f"(CASE WHEN {fast} THEN {packed(c)} WHEN {s15} THEN ({legacy_n}) * {PACK} + 1 "
            f"WHEN {s18} THEN {packed(t)} END)")
    return {
        "c": c,
        "t": t,
        "fast": fast,
        "format": f"(CASE WHEN {fast} THEN true ELSE ({s18} OR {s15}) END)",
        "legacy": f"(CASE WHEN {fast} THEN false ELSE {s15} END)",
        "n": n,
        "pack": pack,
    }


def _bind(n: str, expr: str) -> str:
    """`expr` (written over `v`) evaluated with v = `n`, which DuckDB then computes once.

    DuckDB does not share a repeated sub-expression inside CASE arms, and the
    packed ID is read ~25 times by the checksum and the date: binding it
    through a one-element list lambda cut the twin's CPU time ~4x.
    """
    return f"list_transform([{n}], lambda v: {expr})[1]"


def _digits(v: str, pos: int, width: int) -> str:
    """Digits [pos, pos+width) of the 17-digit body of packed `v` (dividing by PACK * 10^k drops the low bits too)."""
    return f"(({v} // {PACK * 10 ** (17 - pos - width)}) % {10**width})"


def _parts(p: str, today: dt.date, mode: RegionMode, bind: bool) -> dict[str, str]:
    """The four rules over a packed ID `p` (NULL: not well-formed).

    `bind`: `p` is an expression (evaluate it once through `_bind`); else `p`
    is a column of packed values, read directly (the per-distinct-value route
    of the dump engine, where a lambda per rule would only cost time).
    """
    wrap = (lambda e: _bind(p, e)) if bind else (lambda e: e.replace("{v}", p))
    v = "v" if bind else "{v}"
    total = " + ".join(f"{w} * {_digits(v, i, 1)}" for i, w in enumerate(WEIGHTS))
    checksum_ok = wrap(f"({v} % 2 = 1 OR (({total}) % 11) = ({v} // 2) % 16)")
    y, m, d = _digits(v, 6, 4), _digits(v, 10, 2), _digits(v, 12, 2)
    leap = f"(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)"
    dim = (
        f"(CASE WHEN {m} = 2 THEN (CASE WHEN {leap} THEN 29 ELSE 28 END) "
        f"WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)"
    )
    today_int = today.year * 10000 + today.month * 100 + today.day
    date_ok = wrap(
        f"({m} BETWEEN 1 AND 12 AND {d} BETWEEN 1 AND {dim} AND {y} >= {MIN_BIRTH_YEAR} "
        f"AND {_digits(v, 6, 8)} <= {today_int})"
    )
    code, prov, year = _digits(p, 0, 6), _digits(p, 0, 2), _digits(p, 6, 4)
    provinces = ", ".join(str(int(x)) for x in sorted(PROVINCES))
    known = f"{code} IN (SELECT code FROM {CODES_TABLE})"
    if mode == "lenient":
        region_ok = f"({prov} IN ({provinces}) AND {known})"
    else:
        permits = ", ".join(str(int(x)) for x in sorted(PERMIT_PREFIXES))
        lo_year, hi_year = key_years()
        y_key = f"least(greatest({year}, {lo_year}), {hi_year})"
        dated = f"({code} * 10000 + {y_key} IN (SELECT key FROM {KEYS_TABLE}))"
        region_ok = (
            f"({prov} IN ({provinces}) AND "
            f"(CASE WHEN {prov} IN ({permits}) THEN {known} ELSE {dated} END))"
        )
    return {"format": f"({p} IS NOT NULL)", "checksum": checksum_ok, "date": date_ok, "region": region_ok}


RULES = ("format", "checksum", "date", "region")


def _first_broken(p: str, mode: RegionMode, today: dt.date | None, bind: bool) -> str:
    """1-4: index of the first broken rule in RULES; 5: none broken.

    Written without CASE over the rules on purpose: DuckDB hoists repeated
    sub-expressions (the packed ID is used ~25 times) only out of
    unconditionally evaluated positions, so each rule is a flag (NULL on
    garbage, read as broken) and `least` picks the first broken one.
    """
    parts = _parts(p, today or dt.date.today(), mode, bind)
    terms = [
        f"{k + 1} + {len(RULES) - k} * CAST(coalesce({parts[rule]}, false) AS INTEGER)"
        for k, rule in enumerate(RULES)
    ]
    return f"least({', '.join(terms)})"


def cn_id_pack_sql(col: str) -> str:
    """SQL expression: the ID in `col` packed into a BIGINT (see PACK), NULL when it is not well-formed.

    Well-formed is the format rule (18 characters 0-9/X after folding, or 15
    digits). Packing is the per-row half of the rule; the other three rules
    read only the packed value (`cn_id_packed_reason_sql`), so a dump engine
    packs every row cheaply and checks each distinct ID once.
    """
    return _cols(col)["pack"]


def cn_id_packed_reason_sql(p: str, mode: RegionMode = "lenient", today: dt.date | None = None) -> str:
    """SQL expression over a packed column `p`: the same answer `cn_id_reason_sql` gives for the original text.

    `cn_id_reason_sql(col)` is exactly this over `cn_id_pack_sql(col)`.
    """
    names = ", ".join(_lit(r) for r in RULES)
    return f"list_extract([{names}], {_first_broken(p, mode, today, bind=False)})"


def cn_id_packed_body_sql(p: str) -> str:
    """The 17-digit body (BIGINT) of packed `p`: the person's key (legacy numbers already widened)."""
    return f"({p} // {PACK})"


def cn_id_reason_sql(col: str, mode: RegionMode = "lenient", today: dt.date | None = None) -> str:
    """SQL expression: the first broken rule ('format', 'checksum', 'date', 'region') or NULL.

    `col` is any SQL expression; NULL input counts as the empty string
    ('format'). `today` fixes "not born in the future" (default: today).
    Needs `register_region_tables(con)` first.
    """
    names = ", ".join(_lit(r) for r in RULES)
    return f"list_extract([{names}], {_first_broken(cn_id_pack_sql(col), mode, today, bind=True)})"


def cn_id_valid_sql(col: str, mode: RegionMode = "lenient", today: dt.date | None = None) -> str:
    """SQL boolean expression, never NULL: does `col` hold a valid resident ID under `mode`?"""
    return f"({_first_broken(cn_id_pack_sql(col), mode, today, bind=True)} = {len(RULES) + 1})"


def cn_id_normalized_sql(col: str) -> str:
    """SQL expression: the canonical 18-character form (as `normalize_cn_id`) of a well-formed ID, else NULL.

    Legacy numbers get their computed check character, so the same person
    keys the same way whether a dump holds the 15- or 18-digit form.
    """
    x = _cols(col)
    n = x["n"]
    total = " + ".join(f"{w} * (({n} // {10 ** (16 - i)}) % 10)" for i, w in enumerate(WEIGHTS))
    return (
        f"(CASE WHEN {x['fast']} THEN {x['c']} WHEN NOT {x['format']} THEN NULL "
        f"WHEN {x['legacy']} THEN lpad(CAST({n} AS VARCHAR), 17, '0') || substr({_lit(CHECK_CHARS)}, (({total}) % 11) + 1, 1) "
        f"ELSE {x['t']} END)"
    )


def register_region_tables(con: DuckDBPyConnection, mode: RegionMode | None = None) -> None:
    """Create (or replace) the temp tables the expressions read, in connection `con`.

    `lt_cn_region_codes` holds every known code (lenient mode);
    `lt_cn_region_keys` holds code * 10000 + birth year for every pair strict
    mode accepts, birth years clamped into `key_years()`, built from
    `regions.validity_rows()` with the rule of `regions.region_for_id`.
    `mode="lenient"` builds only the codes table: the keys need
    `validity_rows()`, ~0.8 s of Python on first use, that lenient SQL never reads.
    """
    import pyarrow as pa

    from leaktrace.core.arrow_buffers import int_array

    codes = pa.Table.from_arrays([int_array(sorted(int(c) for c in region_table() if c[:2] in PROVINCES), pa.int64())],
                                 names=["code"])
    if mode == "lenient":
        con.register("lt_cn_region_codes_src", codes)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {CODES_TABLE} AS SELECT code FROM lt_cn_region_codes_src").fetchall()
        finally:
            con.unregister("lt_cn_region_codes_src")
        return
    rows = validity_rows()
    lo_year, hi_year = key_years()
    spans = pa.Table.from_arrays([int_array([int(r[0]) for r in rows], pa.int64()),
                                  int_array([r[1] for r in rows], pa.int32()),
                                  int_array([r[2] for r in rows], pa.int32())], names=["code", "lo", "hi"])
    con.register("lt_cn_region_codes_src", codes)
    con.register("lt_cn_region_spans_src", spans)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {CODES_TABLE} AS SELECT code FROM lt_cn_region_codes_src"
        ).fetchall()
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {KEYS_TABLE} AS "
            "SELECT DISTINCT s.code * 10000 + y.range AS key "
            f"FROM lt_cn_region_spans_src s, range({lo_year}, {hi_year + 1}) y "
            f"WHERE s.hi >= y.range AND (y.range < {ID_ISSUE_START_YEAR} OR s.lo <= y.range)"
        ).fetchall()
    finally:
        con.unregister("lt_cn_region_codes_src")
        con.unregister("lt_cn_region_spans_src")
