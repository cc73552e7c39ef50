"""The DuckDB twin of the resident-ID rule agrees with the scalar rule, flag and reason.

Hypothesis draws batches of strings (random text, digit runs, and IDs built
from real region codes with dates near the codes' validity edges, right and
wrong check characters, lower-case x, full-width digits, whitespace, 15-digit
legacy forms); each batch is one DuckDB query, compared row by row with
`check_cn_id` in both region modes.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.normalize import normalize_cn_id
from leaktrace.pii.detectors.cn_id import check_cn_id
from leaktrace.pii.regions import ID_ISSUE_START_YEAR, region_table
from leaktrace.pii.sql import (
    cn_id_normalized_sql,
    cn_id_reason_sql,
    cn_id_valid_sql,
)

TODAY = dt.date(2024, 6, 30)
_TABLE = region_table()
CODES = sorted(_TABLE)
# Years where strict-mode answers change for a code: its interval edges, the
# ID-issue year, and the `today` boundary.
EDGE_YEARS = sorted(
    {y for rs in _TABLE.values() for r in rs for e in (r.start, r.end) if e for y in (e - 1, e, e + 1)}
    | {ID_ISSUE_START_YEAR - 1, ID_ISSUE_START_YEAR, 1879, 1880, TODAY.year, TODAY.year + 1}
)
FULLWIDTH = str.maketrans("0123456789xX", "０１２３４５６７８９ｘＸ")
SPACES = [" ", "\t", "\u3000", "\xa0", "\n", "\u2003", "\x1c"]


@st.composite
def built_ids(draw: st.DrawFn) -> str:
    code = draw(
        st.one_of(
            st.sampled_from(CODES),
            st.sampled_from(["810000", "820000", "830000", "710000", "990426", "000000"]),
            st.text("0123456789", min_size=6, max_size=6),
        )
    )
    year = draw(st.one_of(st.sampled_from(EDGE_YEARS), st.integers(1850, 2040)))
    month = draw(st.one_of(st.integers(1, 12), st.integers(0, 19)))
    day = draw(st.one_of(st.integers(1, 28), st.integers(0, 39)))
    if draw(st.booleans()):  # a real calendar day near `today`
        d = TODAY + dt.timedelta(days=draw(st.integers(-3, 3)))
        year, month, day = d.year, d.month, d.day
    seq = draw(st.integers(0, 999))
    body = f"{code}{year:04d}{month:02d}{day:02d}{seq:03d}"[:17]
    if draw(st.integers(0, 9)) == 0:  # legacy 15-digit form
        value = body[:6] + body[8:17]
    else:
        right = check_char(body) if body.isdigit() else "0"
        check = draw(st.sampled_from([right, right, right, "X", "x", "0", "9"]))
        value = body + check
    if draw(st.integers(0, 5)) == 0:
        value = value.translate(FULLWIDTH)
    if draw(st.integers(0, 6)) == 0:
        pos = draw(st.integers(0, len(value)))
        value = value[:pos] + draw(st.sampled_from(SPACES)) + value[pos:]
    return value


# Any 18 characters drawn from what an ID can be made of, ASCII or
# full-width per character (so mixed forms like "１1010５...ｘ" appear).
_ID_CHARS = "0123456789xX０１２３４５６７８９ｘＸ"

strings = st.one_of(
    built_ids(),
    built_ids(),
    st.text(max_size=20),
    st.text(min_size=18, max_size=18),
    st.text(_ID_CHARS, min_size=18, max_size=18),
    st.text("0123456789xX ", min_size=14, max_size=19),
    st.text("0123456789０１２３４５６７８９ｘＸ\u3000", min_size=15, max_size=18),
)


def _sql_answers(con: duckdb.DuckDBPyConnection, values: list[str | None]) -> dict[str, list]:
    con.register("batch", pa.table({"i": list(range(len(values))), "v": values}))
    try:
        cols = []
        for mode in ("lenient", "strict"):
            cols.append(cn_id_reason_sql("v", mode, TODAY))
            cols.append(cn_id_valid_sql("v", mode, TODAY))
        rows = con.execute(f"SELECT {', '.join(cols)} FROM batch ORDER BY i").fetchall()
    finally:
        con.unregister("batch")
    return {"lenient": [(r[0], r[1]) for r in rows], "strict": [(r[2], r[3]) for r in rows]}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(strings, min_size=1, max_size=200))
def test_sql_twin_agrees_with_scalar(region_con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    got = _sql_answers(region_con, values)
    for mode in ("lenient", "strict"):
        for value, (reason, valid) in zip(values, got[mode], strict=True):
            ok, why, _ = check_cn_id(value, mode, TODAY)  # type: ignore[arg-type]
            assert (valid, reason) == (ok, why or None), (mode, ascii(value))


def test_null_and_empty_are_format_failures(region_con: duckdb.DuckDBPyConnection) -> None:
    got = _sql_answers(region_con, [None, ""])
    for mode in ("lenient", "strict"):
        assert got[mode] == [("format", False), ("format", False)]


def test_each_reason_is_reachable(region_con: duckdb.DuckDBPyConnection) -> None:
    """The agreement test would pass vacuously if the twin never left 'format'."""
    body = "11010519491231002"
    future = "110105" + f"{TODAY.year + 1}0101" + "001"
    values = [
        body + check_char(body),
        body + ("0" if check_char(body) != "0" else "1"),
        future + check_char(future),
        "990426199112010074",
        "abc",
    ]
    reasons = [r for r, _ in _sql_answers(region_con, values)["lenient"]]
    assert reasons == [None, "checksum", "date", "region", "format"]


@settings(max_examples=10, deadline=None)
@given(st.lists(built_ids(), min_size=1, max_size=100))
def test_normalized_sql_matches_normalize_cn_id(region_con: duckdb.DuckDBPyConnection, values: list[str]) -> None:
    region_con.register("batch", pa.table({"i": list(range(len(values))), "v": values}))
    try:
        got = [r[0] for r in region_con.execute(f"SELECT {cn_id_normalized_sql('v')} FROM batch ORDER BY i").fetchall()]
    finally:
        region_con.unregister("batch")
    for value, norm in zip(values, got, strict=True):
        ok_format = check_cn_id(value, "lenient", TODAY)[1] != "format"
        assert norm == (normalize_cn_id(value) if ok_format else None), ascii(value)
