"""A dump small enough to fit in the sniffed head keeps its last line in the role sample."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from leaktrace.dumps.readers import open_dump
from leaktrace.dumps.sniff import HEAD_BYTES


@pytest.mark.parametrize("ending", ["\n", ""])
def test_header_and_one_row(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "one.csv"
    path.write_text("收货人,身份证号\n张三,110105194912310029" + ending, "utf-8")
    with duckdb.connect() as con:
        opened = open_dump(path, con)
        assert opened.columns == ["收货人", "身份证号"] and len(opened.sample) == 1


def test_a_head_cut_mid_line_drops_the_partial_line(tmp_path: Path) -> None:
    # rows of ~3 KB: fewer than 200 fit in the head, so the head ends inside a row
    row = "张三,110105194912310029,北京市朝阳区建国路88号" + "号" * 1000 + "\n"
    n = HEAD_BYTES // len(row.encode()) + 50
    assert n < 200
    path = tmp_path / "big.csv"
    path.write_text("收货人,身份证号,地址\n" + row * n, "utf-8")
    with duckdb.connect() as con:
        opened = open_dump(path, con)
        assert opened.sample and all(r == row.strip().split(",") for r in opened.sample)
