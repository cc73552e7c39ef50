"""The bulk prefix table answers like the scalar detector's `prefix_attrs`."""

from __future__ import annotations

import numpy as np

from leaktrace.dumps.mobile_places import known_prefixes, prefix_table
from leaktrace.pii.detectors.cn_mobile import prefix_attrs


def test_bulk_table_equals_prefix_attrs() -> None:
    tbl, names = prefix_table([])
    by_prefix = dict(zip(tbl.column("prefix").to_pylist(),
                         zip(tbl.column("prov").to_pylist(), tbl.column("city").to_pylist(), strict=True), strict=True))
    rng = np.random.default_rng(3)
    sample = rng.choice(known_prefixes(), size=150, replace=False)
    for p in sample.tolist():
        a = prefix_attrs(f"{p:07d}")
        prov, city = by_prefix[p]
        assert f"{prov:02d}" == a.get("province_code"), p
        assert (names[city] if city is not None else None) == a.get("city"), p
    assert len(by_prefix) > 100_000


def test_unknown_prefixes_fall_back_to_prefix_attrs() -> None:
    tbl, _names = prefix_table([1999999])
    row = tbl.slice(tbl.num_rows - 1).to_pylist()[0]
    a = prefix_attrs("1999999")
    assert row["prefix"] == 1999999
    assert (None if row["prov"] is None else f"{row['prov']:02d}") == a.get("province_code")
