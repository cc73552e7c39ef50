"""A mobile written in full-width digits is the same person's phone as its ASCII form (core.normalize)."""

from __future__ import annotations

from pathlib import Path

from _analyze import analyze

from leaktrace.core.normalize import normalize_cn_mobile

ASCII = ["13812345678", "13987654321", "+86 150 1234 5678"]


def _fw(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in s)


def test_full_width_mobiles_count_as_their_ascii_forms(tmp_path: Path) -> None:
    rows = [f"张三{i},{m}" for i, m in enumerate(ASCII)] + [f"李四{i},{_fw(m)}" for i, m in enumerate(ASCII)]
    path = tmp_path / "phones.csv"
    path.write_text("收货人,联系电话\n" + "\n".join(rows) + "\n", "utf-8")
    report = analyze(path)
    assert {normalize_cn_mobile(_fw(m)) for m in ASCII} == {normalize_cn_mobile(m) for m in ASCII}
    assert report.distinct_valid_mobiles == len(ASCII)
    # Every row's phone is valid: the full-width ones are not "format" errors that merely happen
    # to leave the distinct count right.
    mobile = report.validity["mobile"]
    assert (mobile.present, mobile.valid, mobile.invalid) == (2 * len(ASCII), 2 * len(ASCII), 0)
