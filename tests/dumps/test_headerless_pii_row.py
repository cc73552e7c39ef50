"""A headerless dump whose first row is a person is counted as data, never printed as column names."""

from __future__ import annotations

import json
from pathlib import Path

from _analyze import analyze


def test_first_row_of_personal_data_is_not_a_header(tmp_path: Path) -> None:
    rows = [
        "david wang,david.wang@example.com,北京市朝阳区建国路88号",
        "li lei,li.lei@example.com,上海市浦东新区世纪大道100号",
        "han mei,han.mei@example.com,广州市天河区体育西路3号",
    ]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    report = analyze(path)
    assert report.rows == 3
    assert not report.header
    text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
    assert "david.wang@example.com" not in text and "建国路88号" not in text
