"""`leaktrace dump analyze`: JSON contract, readable table, --role override, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cli.app import main


def test_json_and_role_override(world: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    out, truth = world
    path = out / truth["leak"]["files"]["tsv"]
    assert main(["dump", "analyze", str(path), "--json", "--role", "7=name", "--role", "col3=other"]) == 0
    r = json.loads(capsys.readouterr().out)
    roles = {c["index"]: (c["role"], c["source"]) for c in r["columns"]}
    assert roles[6] == ("name", "flag") and roles[2] == ("other", "flag")
    assert r["distinct_valid_ids"] == truth["leak"]["distinct_valid_ids"]
    assert r["engine"] == "duckdb" and r["rows"] == truth["leak"]["rows"]


def test_table_output(world: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    out, truth = world
    assert main(["dump", "analyze", str(out / truth["leak"]["files"]["psv"])]) == 0
    text = capsys.readouterr().out
    assert "padding estimate" in text and "persons per province" in text and "身份证号" in text


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", "analyze", str(tmp_path / "missing.csv")]) == 2
    assert main(["dump", "analyze", str(tmp_path / "missing.csv"), "--engine", "nope"]) == 3
    (tmp_path / "a.csv").write_text("x,y\n1,2\n", "utf-8")
    assert main(["dump", "analyze", str(tmp_path / "a.csv"), "--role", "nope=id_number"]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "--role" in err
