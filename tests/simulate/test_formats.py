"""Every seized-format copy of the leak holds exactly the rows of the UTF-8 CSV.

Each format is read back with an ordinary reader for that format (csv, json,
openpyxl, gzip, zipfile, a MySQL INSERT parser), so a writer that drops,
reorders or mis-encodes a row fails here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from leaktrace.simulate.formats import FORMATS, HEADER_ZH, JSON_KEYS, SQL_COLUMNS

World = tuple[Path, dict[str, Any]]


def _csv(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _read(path: Path, name: str) -> list[list[str]]:
    raw = path.read_bytes()
    if name == "csv-gb18030":
        rows = _csv(raw.decode("gb18030"))
    elif name == "tsv":
        return _csv(raw.decode("utf-8"), "\t")
    elif name == "txt":
        return [line.split("----") for line in raw.decode("gb18030").splitlines()]
    elif name == "psv":
        rows = _csv(raw.decode("utf-8"), "|")
    elif name == "jsonl":
        objs = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
        assert all(list(o) == list(JSON_KEYS) for o in objs)
        return [list(o.values()) for o in objs]
    elif name == "sql":
        return _sql_rows(raw.decode("utf-8"))
    elif name == "xlsx":
        return _xlsx_rows(path)
    elif name == "csv.gz":
        rows = _csv(gzip.decompress(raw).decode("utf-8"))
    elif name == "zip":
        with zipfile.ZipFile(path) as zf:
            assert zf.namelist() == ["leak.csv"]
            rows = _csv(zf.read("leak.csv").decode("gb18030"))
    else:
        rows = _csv(raw.decode("utf-8"))
    assert tuple(rows[0]) == HEADER_ZH
    return rows[1:]


def _sql_rows(text: str) -> list[list[str]]:
    assert "CREATE TABLE `t_order_export`" in text
    assert all(f"`{c}`" in text for c in SQL_COLUMNS)
    out = []
    for stmt in re.findall(r"^INSERT INTO `t_order_export` VALUES (.*);$", text, flags=re.M):
        out.extend([v.split("','") for v in re.findall(r"\('(.*?)'\)", stmt)])
    return out


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    rows: list[list[str]] = []
    for ws in wb.worksheets:
        sheet = [[str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        assert tuple(sheet[0]) == HEADER_ZH
        rows.extend(sheet[1:])
    wb.close()
    return rows


@pytest.mark.parametrize("name", [n for n in FORMATS if n != "csv"])
def test_format_holds_the_same_rows(world: World, name: str) -> None:
    out, truth = world
    reference = _read(out / truth["leak"]["files"]["csv"], "csv")
    assert len(reference) == truth["leak"]["rows"]
    assert _read(out / truth["leak"]["files"][name], name) == reference


def test_every_format_is_written_by_default_at_small_scale(world: World) -> None:
    out, truth = world
    assert set(truth["leak"]["files"]) == set(FORMATS)
    for rel in truth["leak"]["files"].values():
        assert (out / rel).stat().st_size > 0


def test_gb18030_files_are_not_utf8(world: World) -> None:
    out, truth = world
    raw = (out / truth["leak"]["files"]["csv-gb18030"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
