"""One reader, one role guesser: every stage sees the same columns and the same malformed rows of a file.

The files are cut from the simulated leak and made awkward the way seized
dumps are: GB18030, a BOM, quoted newlines, an unterminated quote, one line
over the reader's limit, rows with another delimiter, a MySQL dump, and JSON
lines with a broken line. `dump analyze`, `attribute` (with its canary
check), the exposure index, the org fingerprint reader and the breach-notice
reader each read every file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution.attribute import attribute_file
from leaktrace.attribution.exposure_index import index_words
from leaktrace.attribution.key_columns import ROLE_KIND, distinct_keys, infer_roles
from leaktrace.attribution.table import open_rows
from leaktrace.core.errors import InputError
from leaktrace.dumps.analyze import AnalyzeOptions, analyze_dump

from .conftest import World

ROWS = 300


def _lines(world: World) -> list[str]:
    return (world.path / "leak" / "leak.csv").read_text("utf-8").splitlines()[: ROWS + 1]


def _gb18030(world: World, p: Path) -> int:
    p.write_bytes(("\n".join(_lines(world)) + "\n").encode("gb18030"))
    return 0


def _bom(world: World, p: Path) -> int:
    p.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(_lines(world)) + "\r\n").encode())
    return 0


def _quoted_newlines(world: World, p: Path) -> int:
    lines = _lines(world)
    out = [lines[0]]
    for i, ln in enumerate(lines[1:]):
        f = ln.split(",")
        if i % 50 == 7:
            f[5] = f'"{f[5][:6]}\n{f[5][6:]}"'  # an address broken over two lines, quoted
        out.append(",".join(f))
    p.write_text("\n".join(out) + "\n", "utf-8")
    return 0


def _broken_quote(world: World, p: Path) -> int:
    lines = _lines(world)
    f = lines[120].split(",")
    f[2] = '"' + f[2]  # a name opening a quote that never closes
    lines[120] = ",".join(f)
    p.write_text("\n".join(lines) + "\n", "utf-8")
    return -1  # the reader reports what the re-read found; compared across stages, not fixed here


def _huge_line(world: World, p: Path) -> int:
    lines = _lines(world)
    f = lines[50].split(",")
    f[6] = "x" * (2 << 20)  # 2 MB in one field: over the reader's 1 MB line limit
    lines[50] = ",".join(f)
    p.write_text("\n".join(lines) + "\n", "utf-8")
    return 1


def _mixed_delimiters(world: World, p: Path) -> int:
    lines = _lines(world)
    for i in (30, 31, 200):
        lines[i] = lines[i].replace(",", "\t")  # a few rows pasted from another export
    p.write_text("\n".join(lines) + "\n", "utf-8")
    return 3


def _mysql(world: World, p: Path) -> int:
    from leaktrace.simulate.formats import SQL_TABLE, _sql_head

    rows = [ln.split(",") for ln in _lines(world)[1:]]
    values = ",".join("(" + ",".join("'" + v.replace("'", "''") + "'" for v in r) + ")" for r in rows[:150])
    rest = ",".join("(" + ",".join("'" + v.replace("'", "''") + "'" for v in r) + ")" for r in rows[150:])
    p.write_bytes(_sql_head() + f"INSERT INTO `{SQL_TABLE}` VALUES {values};\n"
                  f"INSERT INTO `{SQL_TABLE}` VALUES {rest};\nUNLOCK TABLES;\n".encode())
    return 0


def _jsonl(world: World, p: Path) -> int:
    lines = (world.path / "leak" / "leak.jsonl").read_text("utf-8").splitlines()[:ROWS]
    lines.insert(77, '{"订单编号": "2023", broken')
    lines.insert(150, "[1, 2, 3]")
    p.write_text("\n".join(lines) + "\n", "utf-8")
    return 2


CASES: dict[str, tuple[str, Callable[[World, Path], int]]] = {
    "gb18030": ("gb.csv", _gb18030), "bom": ("bom.csv", _bom), "quoted_newlines": ("qn.csv", _quoted_newlines),
    "broken_quote": ("bq.csv", _broken_quote), "huge_line": ("huge.csv", _huge_line),
    "mixed_delimiters": ("mixed.csv", _mixed_delimiters), "mysql": ("dump.sql", _mysql),
    "jsonl": ("rows.jsonl", _jsonl),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_stage_reads_the_same_file_alike(world: World, tmp_path: Path, case: str) -> None:
    name, make = CASES[case]
    path = tmp_path / name
    want_bad = make(world, path)
    report = analyze_dump(path, AnalyzeOptions(force=True, today=dt.date(2026, 1, 1)), data_dir=tmp_path / "data",
                          keys=world.ring)
    bad = report.malformed.rows
    if want_bad >= 0:
        assert bad == want_bad, report.malformed
    key_roles = {c.role: c.name for c in report.columns if c.role in ROLE_KIND}
    assert {"id_number", "mobile"} <= key_roles.keys(), report.columns

    # attribute (sample + canary check in one pass)
    match = attribute_file(path, world.registry, world.key, world.ring, sample_rows=100)
    assert match.dump is not None
    assert match.dump.malformed_rows == bad
    assert match.dump.rows + bad == report.rows
    assert match.dump.roles == key_roles

    # exposure index
    words = index_words(path, world.key, lambda u, t: None)
    assert words.malformed.rows == bad and words.rows + bad == report.rows
    assert words.columns == [c.name for c in report.columns] and words.roles == key_roles

    # the row reader behind org fingerprints and notice checks
    stream = open_rows(path, strict=False)
    assert stream.columns == [c.name for c in report.columns]
    n, _values = distinct_keys(stream, infer_roles(stream))
    assert stream.malformed is not None and stream.malformed.rows == bad and n + bad == report.rows
    assert infer_roles(stream).named(stream.columns) == key_roles
    if bad:  # an org's own export must be clean: the fingerprint reader refuses it, with the same count
        with pytest.raises(InputError, match=f"{bad} malformed rows"):
            fp_mod.export_values(path, "ACME")
    else:
        rows, kinds = fp_mod.export_values(path, "ACME")
        assert rows == report.rows and kinds["cn_id"]
