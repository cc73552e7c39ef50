"""The facts' mobile columns (analysis_sql.facts_sql) against the scalar rule and the form they replaced.

The number is cast once and its segment checked as an integer; the
properties pin the answer (present, reason, key, prefix) to
`normalize_cn_mobile` + `is_valid_mobile` on text made of what a phone
column holds, and to the earlier SQL (a substring IN the segment strings,
the digits cast twice) on any text, exotic casts ('1.00000e+10') included.
"""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.normalize import normalize_cn_mobile
from leaktrace.dumps.analysis_sql import Plan, facts_sql
from leaktrace.dumps.normalize_sql import lit, mobile_sql
from leaktrace.pii.detectors.cn_mobile import is_valid_mobile, mobile_segments

PLAN = Plan(ncols=1, roles={"mobile": 0}, mode="lenient", today=dt.date(2026, 1, 1))
COLS = "mob_present, mob_reason, mob_key, mob_prefix"


def _earlier_sql(relation: str) -> str:
    """The mobile facts as written before the integer segment check (the reference of the rewrite)."""
    segs = ", ".join(lit(s) for s in sorted(mobile_segments()))
    return (
        "SELECT (CASE WHEN _mr IS NULL THEN true ELSE nullif(trim(coalesce(c0, '')), '') IS NOT NULL END) AS mob_present, "
        "_mr AS mob_reason, CASE WHEN _mr IS NULL THEN try_cast(_md AS BIGINT) END AS mob_key, "
        "CASE WHEN _mr IS NULL THEN try_cast(_md AS BIGINT) // 10000 END AS mob_prefix FROM ("
        "SELECT *, (CASE WHEN NOT regexp_full_match(_md, '1[0-9]{10}') THEN 'format' "
        f"WHEN substr(_md, 1, 3) NOT IN ({segs}) THEN 'segment' END) AS _mr FROM ("
        f"SELECT *, {mobile_sql('coalesce(c0, ' + lit('') + ')')} AS _md FROM {relation}))"
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    yield c
    c.close()


def _rows(con: duckdb.DuckDBPyConnection, values: list[str | None], earlier: bool = False) -> list[tuple]:
    con.register("mob_in", pa.table({"i": pa.array(range(len(values)), pa.int64()), "c0": pa.array(values, pa.string())}))
    try:
        rel = "(SELECT i, c0, false AS _bad FROM mob_in)"
        sql = _earlier_sql(rel) if earlier else facts_sql(PLAN, rel, "i")
        return [tuple(r) for r in con.execute(f"SELECT {COLS} FROM ({sql.replace('SELECT ', 'SELECT i, ', 1)}) ORDER BY i").fetchall()]
    finally:
        con.unregister("mob_in")


def _scalar(v: str | None) -> tuple:
    d = normalize_cn_mobile(v or "")
    if is_valid_mobile(d):
        return (True, None, int(d), int(d) // 10000)
    reason = "format" if not re.fullmatch("1[0-9]{10}", d, flags=re.ASCII) else "segment"
    return (bool((v or "").strip()), reason, None, None)


phone_text = st.text(alphabet="0123456789+- ()１３８\u3000", max_size=18)
segment_numbers = st.builds(lambda s, rest: s + f"{rest:08d}", st.sampled_from([*sorted(mobile_segments()), "100", "199", "128"]),
                            st.integers(0, 10**8 - 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(phone_text, segment_numbers, st.sampled_from(["+86 13800138000", "008613800138000"])),
                min_size=1, max_size=40))
def test_mobile_facts_equal_the_scalar_rule(con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    assert _rows(con, values) == [_scalar(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=14), segment_numbers,
                          st.sampled_from(["1.00000e+10", "0x2540BE400", "1_000000000", "13800138000 ", "１3800138000"])),
                min_size=1, max_size=40))
def test_mobile_facts_equal_the_earlier_sql(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> None:
    assert _rows(con, values) == _rows(con, values, earlier=True)
