"""Each distinct record is counted once, in the first padding class it falls in, whatever its phone is; each valid mobile once.

`analysis_sql.recs_sql` joins the rows holding a mobile prefix with
`lt_mob_prefix` as an inner join and adds the rows without one: a row whose
mobile is invalid or missing, or whose prefix the bulk table lacks, must
still be a record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from _analyze import analyze

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.dumps.analyze import AnalyzeOptions
from leaktrace.dumps.mobile_places import known_prefixes, prefix_table
from leaktrace.pii.detectors.cn_mobile import prefix_attrs

UNKNOWN_PREFIX = 1999999  # a valid segment the bulk table has no row for (asserted below)


def _with_check(body17: str) -> str:
    return body17 + CHECK_CHARS[sum(w * int(c) for w, c in zip(WEIGHTS, body17, strict=True)) % 11]


def _mobile_of(prov: int) -> str:
    tbl, _ = prefix_table([])
    prefixes = [p for p, v in zip(tbl.column("prefix").to_pylist(), tbl.column("prov").to_pylist(), strict=True)
                if v == prov]
    return f"{min(prefixes)}0001"


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_records_by_class_with_any_phone(tmp_path: Path, engine: str) -> None:
    if engine == "spark":
        pytest.importorskip("pyspark")
        pytest.importorskip("pandas")
    assert UNKNOWN_PREFIX not in set(known_prefixes().tolist())
    unknown_prov = prefix_attrs(str(UNKNOWN_PREFIX)).get("province_code")
    person = _with_check("11010119900307123")  # Beijing, born 1990-03-07
    bad = person[:17] + ("0" if person[17] != "0" else "1")
    bj, sh = "北京市朝阳区建国路1号", "上海市浦东新区世纪大道2号"
    rows = [
        ("A1", "2024/05/01 10:00:00", person, _mobile_of(11), bj),  # nothing wrong
        ("A2", "2024/05/01 10:00:00", person, _mobile_of(31), sh),  # both places elsewhere
        ("A2", "2024/05/01 10:00:00", person, _mobile_of(31), sh),  # the same record again
        ("A3", "2024/05/01 10:00:00", person, f"{UNKNOWN_PREFIX}0001", sh),  # prefix the table lacks
        ("A4", "2024/05/01 10:00:00", bad, _mobile_of(11), bj),  # invalid ID
        ("A5", "1980/05/01 10:00:00", person, _mobile_of(11), bj),  # ordered before birth
        ("A6", "2024/05/01 10:00:00", person, "12345", bj),  # invalid mobile
        ("A7", "2024/05/01 10:00:00", person, "", sh),  # no mobile, address elsewhere
    ]
    path = tmp_path / "orders.csv"
    path.write_text("订单编号,下单时间,身份证号,手机号码,收货地址\n" + "\n".join(",".join(r) for r in rows) + "\n", "utf-8")
    report = analyze(path, AnalyzeOptions(force=True, engine=engine, today=dt.date(2026, 1, 1)))
    # A3: the address is elsewhere; the phone too when its place is known and not Beijing.
    a3_both = unknown_prov is not None and unknown_prov != "11"
    assert report.rows == 8 and report.distinct_rows == 7 and report.duplicate_rows == 1
    assert report.distinct_valid_mobiles == 3  # the unknown prefix's mobile too
    assert report.padding is not None
    assert report.padding.invalid_id_rows == 1
    assert report.padding.impossible_history_rows == 1
    assert report.padding.geo_conflict_rows == 1 + a3_both
    assert report.padding.one_sided_geo_rows == 1 + (not a3_both)
