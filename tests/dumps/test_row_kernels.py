"""`row_kernels`: the compiled common path of ID packing, the mobile and the address province against the SQL rules.

The facts with `Plan.kernels` must be the facts of the pure SQL on any
text (the kernels answer the common path and abstain elsewhere, where the
SQL runs); and the kernels must answer the common path, or the equality
would say nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import CHECK_CHARS
from leaktrace.dumps import row_kernels
from leaktrace.dumps.analysis_sql import Plan, facts_sql
from leaktrace.pii.detectors._geo import province_forms
from leaktrace.pii.sql import cn_id_pack_sql, register_region_tables

if not row_kernels.usable() and os.environ.get("CI") == "true":
    raise RuntimeError("leaktrace.dumps._row_rules was not built: CI must build it (gcc)")
pytestmark = pytest.mark.skipif(not row_kernels.usable(), reason="the compiled row rules were not built")

PLAN = Plan(ncols=3, roles={"id_number": 0, "mobile": 1, "address": 2}, mode="lenient", today=dt.date(2026, 1, 1))
KPLAN = dataclasses.replace(PLAN, kernels=True)
COLS = "id_present, idp, mob_present, mob_reason, mob_key, mob_prefix, addr_prov"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    register_region_tables(c)
    assert row_kernels.register(c)
    yield c
    c.close()


def _facts(con: duckdb.DuckDBPyConnection, rows: list[tuple[str | None, str | None, str | None]], plan: Plan) -> list[tuple]:
    cols = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    con.register("k_in", pa.table({"i": pa.array(range(len(rows)), pa.int64()),
                                   **{f"c{j}": pa.array(list(cols[j]), pa.string()) for j in range(3)}}))
    try:
        sql = facts_sql(plan, "(SELECT i, c0, c1, c2, false AS _bad FROM k_in)", "i")
        return [tuple(r) for r in con.execute(f"SELECT {COLS} FROM ({sql.replace('SELECT ', 'SELECT i, ', 1)}) "
                                              "ORDER BY i").fetchall()]
    finally:
        con.unregister("k_in")


digits = "0123456789"
ids = st.one_of(
    st.builds(lambda b, c: b + c, st.text(digits, min_size=17, max_size=17), st.sampled_from([*CHECK_CHARS, "x", "Y"])),
    st.text(digits, min_size=15, max_size=15),
    st.text(digits + "Xx １２３ \u3000-", max_size=20),
    st.none(),
)
mobiles = st.one_of(
    st.builds(lambda p, r: p + r, st.sampled_from(["1", "13", "199", "+86 1", "0086", "2"]), st.text(digits, max_size=12)),
    st.text(digits + "+- ()１３８\u3000", max_size=16),
    st.none(),
)
forms = sorted(province_forms())
addresses = st.one_of(
    st.builds(lambda lead, f, rest: lead + f + rest, st.sampled_from(["", " ", "\u3000", "\t", "\u00a0", "  "]),
              st.sampled_from(forms), st.text("市区路号北京广东省 A1", max_size=6)),
    st.builds(lambda f: f[:1], st.sampled_from(forms)),  # one character of a form
    st.builds(lambda f, c: f[:1] + c, st.sampled_from(forms), st.characters(min_codepoint=0x21, max_codepoint=0x9FFF)),
    st.text(max_size=8),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ids, mobiles, addresses), min_size=1, max_size=40))
def test_facts_with_kernels_are_the_facts_of_the_sql(con: duckdb.DuckDBPyConnection,
                                                      rows: list[tuple[str | None, str | None, str | None]]) -> None:
    assert _facts(con, rows, KPLAN) == _facts(con, rows, PLAN)


# The one function gets NULL for a role the dump lacks: the others' answers must not change.
SUBSETS = [("id_number", "address"), ("mobile",), ("address",), ("id_number", "mobile")]


@pytest.mark.parametrize("present", SUBSETS, ids="+".join)
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(ids, mobiles, addresses), min_size=1, max_size=40))
def test_a_dump_without_some_roles(con: duckdb.DuckDBPyConnection, present: tuple[str, ...],
                                   rows: list[tuple[str | None, str | None, str | None]]) -> None:
    plan = dataclasses.replace(PLAN, roles={r: i for r, i in PLAN.roles.items() if r in present})
    assert _facts(con, rows, dataclasses.replace(plan, kernels=True)) == _facts(con, rows, plan)


def test_one_engine_call_serves_the_three_rules() -> None:
    """The facts scan calls the kernels' function once per row (three calls cost ~2x the CPU), and
    not at all when the dump has none of the three roles."""
    from leaktrace.dumps.analysis_sql import ROW_FN

    assert facts_sql(KPLAN, "t").count(f"{ROW_FN}(") == 1
    none = dataclasses.replace(KPLAN, roles={"order_time": 0})
    assert ROW_FN not in facts_sql(none, "t")


def test_the_kernels_answer_the_common_path(con: duckdb.DuckDBPyConnection) -> None:
    """A clean ID, mobile and address are answered by the kernels, with the SQL's values."""
    values = ["11010519491231002X", "440524188001010014", None]
    got = row_kernels.id_pack(pa.array(values)).to_pylist()
    want = [r[0] for r in con.execute(f"SELECT {cn_id_pack_sql('v')} FROM unnest(?) t(v)", [values[:2]]).fetchall()]
    assert got[:2] == want and all(w is not None and w >= 0 for w in want) and got[2] == -1
    assert row_kernels.mobile(pa.array(["13812345678", "1381234567", "+8613812345678"])).to_pylist() == [13812345678, -1, -1]
    assert row_kernels.province(pa.array(["北京市朝阳区", "内蒙古呼和浩特", "内蒙", "Main St", " 北京", "东京"])).to_pylist() == [
        11, 15, 0, 0, -1, 0]


def test_slices_large_strings_and_nulls() -> None:
    arr = pa.array(["x", "13812345678", None, "15900001111", "北京"])
    assert row_kernels.mobile(arr.slice(1, 3)).to_pylist() == [13812345678, -1, 15900001111]
    assert row_kernels.mobile(arr.cast(pa.large_string()).slice(1)).to_pylist() == [13812345678, -1, 15900001111, -1]
    assert row_kernels.province(pa.chunked_array([arr.slice(3), arr.slice(0, 1)])).to_pylist() == [0, 11, 0]


def test_offsets_outside_the_data_are_refused() -> None:
    from leaktrace.dumps import _row_rules

    offsets = pa.array([0, 5, 400], pa.int32()).buffers()[1]
    with pytest.raises(ValueError, match="outside the data"):
        _row_rules.mobile(b"12345", offsets, 0, 2, False, b"", 0)
    with pytest.raises(ValueError, match="too short"):
        _row_rules.mobile(b"12345", offsets, 1, 2, False, b"", 0)


def test_an_analysis_uses_them() -> None:
    from leaktrace.dumps.options import AnalyzeOptions
    from leaktrace.dumps.steps import plan_for

    cols, sample = ["id", "phone"], [["11010519491231002X", "13812345678"]]
    assert plan_for(cols, sample, AnalyzeOptions())[1].kernels
    assert not plan_for(cols, sample, AnalyzeOptions(native_hash=False))[1].kernels
