"""`leaktrace classify` on a hostile line: one clear line naming it, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.cli.app import main


def test_deeply_nested_json_is_one_line_naming_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text('{"id": 1, "title": "t", "body": "b"}\n'
                 '{"id": 2, "title": "t", "body": "b", "x": ' + "[" * 5000 + "]" * 5000 + "}\n", "utf-8")
    code = main(["classify", str(p)])
    _, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code != 0
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "posts.jsonl" in lines[0] and "line 2" in lines[0] and "recursion" in lines[0]
