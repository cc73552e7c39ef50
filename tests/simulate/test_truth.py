"""truth.json and the row labels agree with what is actually in the files.

Every check re-derives its figure from the dump with the project's own
validators (the scalar cn_id rule, the mobile prefix table), never from the
generator's internals.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from leaktrace.pii.detectors._geo import match_province
from leaktrace.pii.detectors.cn_id import check_cn_id, parse_birth_date
from leaktrace.pii.detectors.cn_mobile import is_valid_mobile, prefix_attrs
from leaktrace.simulate.formats import HEADER_ZH

World = tuple[Path, dict[str, Any]]


def _rows(out: Path) -> list[list[str]]:
    with open(out / "leak" / "leak.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == HEADER_ZH
    return rows[1:]


def _labels(out: Path) -> list[dict[str, Any]]:
    return pq.read_table(out / "leak" / "truth_rows.parquet").to_pylist()


@pytest.fixture(scope="module")
def data(world: World) -> tuple[Path, dict[str, Any], list[list[str]], list[dict[str, Any]]]:
    out, truth = world
    return out, truth, _rows(out), _labels(out)


def test_row_count_and_kinds(data) -> None:  # type: ignore[no-untyped-def]
    _out, truth, rows, labels = data
    assert len(rows) == len(labels) == truth["leak"]["rows"] == truth["scale"]
    assert [lab["row"] for lab in labels] == list(range(len(rows)))
    assert Counter(lab["kind"] for lab in labels) == {k: v for k, v in truth["leak"]["rows_by_kind"].items() if v}
    for kind in ("real", "duplicate", "fabricated_invalid", "fabricated_valid", "recycled", "canary"):
        assert truth["leak"]["rows_by_kind"][kind] > 0, kind


def test_valid_ids_per_province_match_truth(data) -> None:  # type: ignore[no-untyped-def]
    _out, truth, rows, labels = data
    distinct: dict[str, set[str]] = {}
    valid_rows = 0
    for row, lab in zip(rows, labels, strict=True):
        ok, _reason, _attrs = check_cn_id(row[3], "strict", today=dt.date(2024, 7, 1))
        assert ok == lab["id_valid"], (lab, _reason)
        if ok:
            valid_rows += 1
            assert lab["province"] == row[3][:2]
            distinct.setdefault(row[3][:2], set()).add(row[3])
    leak = truth["leak"]
    assert {p: len(s) for p, s in distinct.items()} == leak["distinct_valid_ids_by_province"]
    assert sum(len(s) for s in distinct.values()) == leak["distinct_valid_ids"]
    assert valid_rows == leak["rows_with_valid_id"]


def test_real_persons_per_province(data) -> None:  # type: ignore[no-untyped-def]
    _out, truth, rows, labels = data
    real: dict[str, set[str]] = {}
    for row, lab in zip(rows, labels, strict=True):
        if lab["kind"] == "real":
            real.setdefault(row[3][:2], set()).add(row[3])
    assert {p: len(s) for p, s in real.items()} == truth["leak"]["distinct_real_persons_by_province"]


def test_duplicates_are_exact_copies(data) -> None:  # type: ignore[no-untyped-def]
    _out, truth, rows, labels = data
    assert len(rows) - len({tuple(r) for r in rows}) == truth["leak"]["duplicate_rows"]
    for row, lab in zip(rows, labels, strict=True):
        if lab["kind"] == "duplicate":
            assert rows[lab["dup_of"]] == row
            assert labels[lab["dup_of"]]["kind"] != "duplicate"
        else:
            assert lab["dup_of"] == -1


def test_fabricated_rows_fail_the_check_they_claim(data) -> None:  # type: ignore[no-untyped-def]
    _out, truth, rows, labels = data
    expect = {"bad_checksum": "checksum", "bad_date": "date", "bad_region": "region"}
    seen: Counter[str] = Counter()
    for row, lab in zip(rows, labels, strict=True):
        if lab["kind"] not in ("fabricated_invalid", "fabricated_valid"):
            continue
        seen[lab["detail"]] += 1
        ok, reason, _ = check_cn_id(row[3], "strict")
        if lab["detail"] in expect:
            assert not ok and reason == expect[lab["detail"]], (lab, reason)
        elif lab["detail"] == "repeated_digits":
            assert not ok and len(set(row[3])) == 1 and len(set(row[4][3:])) == 1
        elif lab["detail"] == "geo_mismatch":
            assert ok
            id_prov = row[3][:2]
            addr = match_province(row[5])
            assert addr is not None and addr[0] != id_prov
            assert prefix_attrs(row[4][:7]).get("province_code") not in (None, id_prov)
        else:
            assert lab["detail"] == "order_before_birth" and ok
            assert dt.date.fromisoformat(row[1][:10]) < parse_birth_date(row[3])  # type: ignore[operator]
    assert seen == truth["leak"]["fabricated_by_detail"]


def test_real_rows_are_consistent(data) -> None:  # type: ignore[no-untyped-def]
    _out, _truth, rows, labels = data
    same_mobile_province = total = 0
    for row, lab in zip(rows, labels, strict=True):
        if lab["kind"] not in ("real", "recycled", "canary"):
            continue
        total += 1
        assert check_cn_id(row[3], "strict")[0]
        addr = match_province(row[5])
        assert addr is not None and addr[0] == row[3][:2]
        assert is_valid_mobile(row[4])
        same_mobile_province += prefix_attrs(row[4][:7]).get("province_code") == row[3][:2]
        assert dt.datetime.fromisoformat(row[1]).date() > parse_birth_date(row[3])  # type: ignore[operator]
    assert 0.8 < same_mobile_province / total < 0.97  # most phones are local, not all


def test_recycled_rows_come_from_the_earlier_dump(data) -> None:  # type: ignore[no-untyped-def]
    out, truth, rows, labels = data
    with open(out / truth["earlier_dump"]["file"], encoding="gb18030", newline="") as fh:
        earlier = list(csv.reader(fh))
    assert earlier[0] == truth["earlier_dump"]["columns"]
    assert len(earlier) - 1 == truth["earlier_dump"]["rows"]
    old = {(r[1], r[0], r[2], r[3]) for r in earlier[1:]}
    old_ids = {k[0] for k in old}
    also: set[str] = set()
    for row, lab in zip(rows, labels, strict=True):
        key = (row[3], row[2], row[4], row[5])
        if lab["kind"] == "recycled" or (lab["kind"] == "duplicate" and labels[lab["dup_of"]]["kind"] == "recycled"):
            assert key in old
        else:
            assert row[3] not in old_ids
        if row[3] in old_ids:
            also.add(row[3])
    assert len(also) == truth["leak"]["distinct_ids_also_in_earlier_dump"]
    assert truth["leak"]["new_valid_ids"] == truth["leak"]["distinct_valid_ids"] - len(also)


def test_canaries_name_the_leaking_partner(data) -> None:  # type: ignore[no-untyped-def]
    out, truth, rows, labels = data
    registry = json.loads((out / "orgs" / "registry.json").read_text("utf-8"))
    att = truth["attribution"]
    in_leak = {r[3] for r in rows}
    found = set()
    for org in registry:
        for partner, canaries in org["canaries"].items():
            for c in canaries:
                assert check_cn_id(c["id_number"], "strict")[0]
                if c["id_number"] in in_leak:
                    found.add((org["org_id"], partner))
    assert found == {(att["victim_org"], att["leaking_partner"])}
    canary_rows = [lab["row"] for lab in labels if lab["kind"] == "canary"]
    assert canary_rows == [c["row"] for c in truth["leak"]["canary_rows"]]
    leaking = next(o for o in registry if o["org_id"] == att["victim_org"])["canaries"][att["leaking_partner"]]
    assert {rows[r][3] for r in canary_rows} == {c["id_number"] for c in leaking}
    assert len(att["canaries_in_leak"]) == len(leaking) == len(canary_rows)
    assert all(c.startswith(f"{att['victim_org']}/{att['leaking_partner']}/") for c in att["canaries_in_leak"])


def test_org_customers_overlap_like_shoppers(data) -> None:  # type: ignore[no-untyped-def]
    out, truth, rows, labels = data
    files = {o["org_id"]: pq.read_table(out / "orgs" / o["org_id"] / "customers.parquet") for o in truth["orgs"]}
    victim = truth["attribution"]["victim_org"]
    victim_ids = set(files[victim].column("id_number").to_pylist())
    assert len(victim_ids) == truth["plan"]["victim_customers"]
    real_ids = {row[3] for row, lab in zip(rows, labels, strict=True) if lab["kind"] == "real"}
    assert real_ids <= victim_ids
    overlaps = []
    for org in truth["orgs"]:
        ids = files[org["org_id"]].column("id_number").to_pylist()
        assert len(ids) == len(set(ids)) == org["customers"]
        overlap = len(victim_ids.intersection(ids))
        assert overlap == org["customers_also_victim_customers"]
        if not org["victim"]:
            overlaps.append(overlap / len(ids))
    assert all(0.1 < share < 0.7 for share in overlaps), overlaps


def test_claimed_volume_is_inflated(world: World) -> None:
    _out, truth = world
    assert truth["leak"]["claimed_records"] > 2 * truth["leak"]["rows"]
