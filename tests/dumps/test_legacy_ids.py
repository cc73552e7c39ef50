"""A person seen under both ID forms (15-digit legacy and 18-character) is one person, on every engine.

`analysis_sql.IDS_SQL` keeps the 18-character row of a key and a legacy row
only where its key has none: these rows hold each case (both forms, legacy
only, 18 only, an 18-character ID repeated, one failing its checksum).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from _analyze import analyze

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS, upgrade_15_to_18
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.dumps.analyze import AnalyzeOptions

BOTH = "110101900307123"  # Beijing, 1990-03-07, male (3)
LEGACY_ONLY = "440106850612342"  # Guangzhou, 1985-06-12, female (2)


def _with_check(body17: str) -> str:
    return body17 + CHECK_CHARS[sum(w * int(c) for w, c in zip(WEIGHTS, body17, strict=True)) % 11]


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("spark", marks=pytest.mark.slow)])
def test_both_id_forms_are_one_person(tmp_path: Path, engine: str) -> None:
    if engine == "spark":
        pytest.importorskip("pyspark")
        pytest.importorskip("pandas")
    new_only = _with_check("31011520000101125")  # Shanghai, 2000-01-01, male (5)
    both18 = upgrade_15_to_18(BOTH)
    bad = both18[:17] + ("0" if both18[17] != "0" else "1")
    ids = [BOTH, both18, both18, LEGACY_ONLY, new_only, bad]
    mobiles = ["13800138000", "13912345678", "13912345678", "15000000001", "18600000002", "13700000003"]
    lines = ["订单编号,身份证号,手机号码"] + [f"A{i:04d},{x},{m}" for i, (x, m) in enumerate(zip(ids, mobiles, strict=True))]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = analyze(path, AnalyzeOptions(force=True, engine=engine, today=dt.date(2026, 1, 1)))
    assert report.distinct_valid_ids == 3 and report.distinct_persons == 3
    assert {p.code: p.persons for p in report.provinces_by_id} == {"11": 1, "44": 1, "31": 1}
    assert report.gender == {"F": 1, "M": 2}
    hasher = KeyedHasher(load_keyring(get_settings()))
    persons = pq.read_table(report.hash_sets["persons"]).to_pylist()
    want = {hasher.hash_normalised("cn_id", x) for x in (both18, upgrade_15_to_18(LEGACY_ONLY), new_only)}
    assert sorted(p["hash"] for p in persons) == sorted(want)
