"""The engine's two-step ID route (pack each row, check each distinct packed ID) equals the one-step twin.

`pii.sql.cn_id_reason_sql` is the Hypothesis-tested twin of the scalar rule
(tests/pii/test_sql_twin.py). The dump engine instead packs every row into a
BIGINT and runs `cn_id_packed_reason_sql` on the distinct packed values
(`analysis.idv_sql`); this checks that route answers the same reason, the
same person key and the same canonical text, through the very SQL the engine
runs (a DISTINCT in between, as in the engine).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.normalize import normalize_cn_id
from leaktrace.dumps import analysis_sql as A
from leaktrace.dumps.hashsets import id_text_sql
from leaktrace.pii.detectors.cn_id import check_cn_id
from leaktrace.pii.regions import region_table
from leaktrace.pii.sql import cn_id_pack_sql

TODAY = dt.date(2024, 6, 30)
CODES = sorted(region_table())
FULLWIDTH = str.maketrans("0123456789xX", "０１２３４５６７８９ｘＸ")


@st.composite
def ids(draw: st.DrawFn) -> str:
    code = draw(st.one_of(st.sampled_from(CODES), st.sampled_from(["810000", "830000", "990426"]),
                          st.text("0123456789", min_size=6, max_size=6)))
    year = draw(st.integers(1870, 2030))
    body = f"{code}{year:04d}{draw(st.integers(0, 13)):02d}{draw(st.integers(0, 32)):02d}{draw(st.integers(0, 999)):03d}"
    if draw(st.integers(0, 5)) == 0:
        value = body[:6] + body[8:17]
    else:
        value = body + draw(st.sampled_from([check_char(body)] * 3 + ["X", "x", "0"]))
    if draw(st.integers(0, 5)) == 0:
        value = value.translate(FULLWIDTH)
    return value


values = st.one_of(ids(), ids(), st.text(max_size=20), st.text("0123456789xX ", min_size=14, max_size=19))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(values, min_size=1, max_size=150), st.sampled_from(["lenient", "strict"]))
def test_packed_route_equals_scalar_rule(region_con: duckdb.DuckDBPyConnection, batch: list[str], mode: str) -> None:
    plan = A.Plan(ncols=1, roles={"id_number": 0}, mode=mode, today=TODAY)  # type: ignore[arg-type]
    region_con.register("batch", pa.table({"i": list(range(len(batch))), "v": batch}))
    try:
        region_con.execute(f"CREATE OR REPLACE TEMP TABLE facts AS SELECT i, {cn_id_pack_sql('v')} AS idp, false AS bad FROM batch")
        region_con.execute(f"CREATE OR REPLACE TEMP TABLE idv AS {A.idv_sql(plan, f'({A.DISTINCT_IDS_SQL})')}")
        rows = region_con.execute(f"SELECT f.i, f.idp, v.id_reason, v.id_key, {id_text_sql('v.id_key')} FROM facts f "
                           "LEFT JOIN idv v ON f.idp = v.idp ORDER BY f.i").fetchall()
    finally:
        region_con.unregister("batch")
    for value, (_i, idp, reason, key, text) in zip(batch, rows, strict=True):
        ok, why, _ = check_cn_id(value, mode, TODAY)  # type: ignore[arg-type]
        got = "format" if idp is None else reason
        assert got == (why or None), (mode, ascii(value))
        if ok:
            norm = normalize_cn_id(value)
            assert (key, text) == (int(norm[:17]), norm), ascii(value)
        else:
            assert key is None and text is None
