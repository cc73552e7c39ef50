"""Hostile dumps: a clear error, or a report that says exactly what was skipped."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from _analyze import analyze

from leaktrace.core.errors import InputError
from leaktrace.dumps import readers


def _leak_lines(world: tuple[Path, dict[str, Any]], n: int) -> list[str]:
    out, truth = world
    return (out / truth["leak"]["files"]["csv"]).read_text("utf-8").splitlines()[: n + 1]


def test_wrong_encoding_is_a_clear_error(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    with pytest.raises(InputError, match="not valid utf-8 at byte"):
        analyze(out / truth["leak"]["files"]["csv-gb18030"], _opts(encoding="utf-8"))


def test_bad_bytes_mid_file_name_the_offset(tmp_path: Path, world: tuple[Path, dict[str, Any]]) -> None:
    lines = _leak_lines(world, 3000)  # bad bytes beyond the sniffed head: found while streaming
    data = "\n".join(lines).encode("gb18030")
    cut = len("\n".join(lines[:2900]).encode("gb18030"))
    assert cut > (256 << 10)
    p = tmp_path / "bad.csv"
    p.write_bytes(data[:cut] + b"\n\xff\xff\xff,x\n" + data[cut:])
    with pytest.raises(InputError, match=r"(?i)not valid gb18030"):
        analyze(p, _opts(encoding="gb18030"))


def _write(p: Path, text: str, streamed: bool) -> Path:
    """Plain UTF-8 is read in parallel from the file; gzip goes through the pipe and the Arrow hand-over."""
    if not streamed:
        p.write_text(text, "utf-8")
        return p
    gz = p.with_name(p.name + ".gz")
    gz.write_bytes(gzip.compress(text.encode("utf-8")))
    return gz


@pytest.mark.parametrize("streamed", [False, True])
def test_quoting_broken_mid_file_is_reread_and_said(tmp_path: Path, world: tuple[Path, dict[str, Any]],
                                                    streamed: bool) -> None:
    lines = _leak_lines(world, 300)
    quoted = [lines[0]] + [",".join(f'"{f}"' for f in ln.split(",")) for ln in lines[1:]]
    quoted.insert(150, '"20200101,"2020-01-01 00:00:00,x,y,z,w,v,1')  # unterminated quote
    p = _write(tmp_path / "q.csv", "\n".join(quoted) + "\n", streamed)
    r = analyze(p)
    assert any("quoting broke at line" in s for s in r.malformed.skipped)
    assert r.rows == 301  # every line is either analysed or counted as malformed
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(lines) + "\n", "utf-8")
    assert r.distinct_valid_ids == analyze(plain).distinct_valid_ids  # field quotes were stripped


@pytest.mark.parametrize("streamed", [False, True])
def test_huge_single_line_is_counted_not_buffered(tmp_path: Path, world: tuple[Path, dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch, streamed: bool) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1 << 16)
    lines = _leak_lines(world, 200)
    lines.insert(100, "1" * (1 << 18))
    p = _write(tmp_path / "long.csv", "\n".join(lines) + "\n", streamed)
    r = analyze(p)
    assert r.rows == 201
    assert r.malformed.rows == 1
    sample = r.malformed.samples[0]
    assert sample.line == 101 and sample.problem == "line_size_over_maximum"
    assert "1" * 20 not in sample.text_masked


def test_truncated_gzip_says_what_is_missing(tmp_path: Path, world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    data = (out / truth["leak"]["files"]["csv.gz"]).read_bytes()
    p = tmp_path / "cut.csv.gz"
    p.write_bytes(data[: len(data) // 2])
    r = analyze(p)
    assert any("gzip stream truncated" in s for s in r.malformed.skipped)
    assert 0 < r.rows < truth["leak"]["rows"]


def test_xlsx_bomb_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (64 << 20) + b"/>")
    with pytest.raises(InputError, match="zip bomb"):
        analyze(p)


def test_sql_dump_of_another_dialect_is_named(tmp_path: Path) -> None:
    p = tmp_path / "pg.sql"
    p.write_text("-- PostgreSQL database dump\nSET search_path = public;\n"
                 "COPY public.t (a, b) FROM stdin;\n1\t2\n\\.\n", "utf-8")
    with pytest.raises(InputError, match="PostgreSQL"):
        analyze(p)


def test_bad_sql_tuples_are_counted(tmp_path: Path) -> None:
    rows = ",".join(f"('{i}','110105194912310025','13800138000')" for i in range(20))
    p = tmp_path / "m.sql"
    p.write_text("-- MySQL dump 10.13\nCREATE TABLE `t` (\n  `a` varchar(9),\n  `id` varchar(18),\n  `m` varchar(11)\n);\n"
                 f"INSERT INTO `t` VALUES {rows},('x','y');\nINSERT INTO `other` VALUES (1),(2);\n", "utf-8")
    r = analyze(p)
    assert r.rows == 21 and r.malformed.rows == 1
    assert any("table other" in s for s in r.malformed.skipped)


def test_broken_json_lines_are_counted_and_masked(tmp_path: Path) -> None:
    good = ['{"idcard":"11010519491231002X","phone":"13800138000"}'] * 30
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join([*good[:10], '{"idcard":"11010519491231002X", broken', *good[10:]]) + "\n", "utf-8")
    r = analyze(p)
    assert r.rows == 31 and r.malformed.by_problem == {"bad_json": 1}
    assert "11010519491231002X" not in r.malformed.samples[0].text_masked


def test_zip_with_several_members_reports_the_others(tmp_path: Path, world: tuple[Path, dict[str, Any]]) -> None:
    lines = _leak_lines(world, 100)
    p = tmp_path / "two.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("data.csv", "\n".join(lines) + "\n")
        zf.writestr("readme.txt", "hello")
    r = analyze(p)
    assert r.rows == 100 and any("readme.txt" in s for s in r.malformed.skipped)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        analyze(tmp_path / "e.csv")
    with pytest.raises(InputError, match="no such file"):
        analyze(tmp_path / "nope.csv")


def test_gzip_of_gb18030_streams(tmp_path: Path, world: tuple[Path, dict[str, Any]]) -> None:
    lines = _leak_lines(world, 100)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb") as g:
        g.write(("\n".join(lines) + "\n").encode("gb18030"))
    p = tmp_path / "g.csv.gz"
    p.write_bytes(buf.getvalue())
    r = analyze(p)
    assert r.rows == 100 and r.encoding == "gb18030" and r.format == "csv+gzip"


def _opts(**kw: Any) -> Any:
    from leaktrace.dumps.analyze import AnalyzeOptions

    return AnalyzeOptions(**kw)


def test_deeply_nested_json_is_a_row_not_a_crash(tmp_path: Path) -> None:
    """json.loads of the sniffed head raised RecursionError on a line nested a few thousand deep."""
    good = '{"name": "x", "mobile": "13800138000"}'
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    p = tmp_path / "deep.jsonl"
    p.write_text(f"{deep}\n{good}\n{{\"mobile\": {'[' * 5000}{']' * 5000}}}\n", "utf-8")
    r = analyze(p)
    assert r.rows == 3
    assert r.distinct_valid_mobiles == 1


@pytest.mark.parametrize("streamed", [False, True])
def test_a_line_longer_than_the_engine_buffer_is_counted(tmp_path: Path, world: tuple[Path, dict[str, Any]],
                                                         streamed: bool) -> None:
    """DuckDB dropped a line over its 32 MB read buffer without a word (a 50 MB one-line file: rows 0)."""
    lines = _leak_lines(world, 20)
    long = "name 13800138000 " * ((33 << 20) // 17 + 1)  # just over the buffer: the smallest that vanished
    p = _write(tmp_path / "long.csv", "\n".join([*lines[:11], long, *lines[11:]]) + "\n", streamed)
    r = analyze(p)
    assert r.rows == 21
    assert r.malformed.by_problem == {"line_size_over_maximum": 1}
    assert r.malformed.samples[0].line == 12 and "13800138000" not in r.malformed.samples[0].text_masked


def test_a_one_line_file_over_the_buffer_is_counted(tmp_path: Path) -> None:
    p = tmp_path / "one.txt"
    p.write_bytes(b"name 13800138000 " * ((33 << 20) // 17 + 1))
    r = analyze(p)
    assert (r.rows, r.malformed.rows) == (1, 1)


def test_a_plain_file_is_read_once_beside_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The content hash and the over-long lines come from one side read (streams.FilePass), not two."""
    from leaktrace.dumps import analyze as analyze_mod
    from leaktrace.dumps import readers, streams

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a second side read of the file")

    monkeypatch.setattr(readers, "long_lines_of_file", refuse)
    monkeypatch.setattr(analyze_mod, "file_sha256", refuse)
    opened: list[str] = []
    real_run = streams.FilePass._run

    def counted(self: streams.FilePass) -> None:
        opened.append(str(self.path))
        real_run(self)

    monkeypatch.setattr(streams.FilePass, "_run", counted)
    p = tmp_path / "long.csv"
    body = "".join(f"11010119900307{i:04d},1380013{i:04d}\n" for i in range(50))
    p.write_text("身份证号,手机\n" + body + "1" * (2 << 20) + ",x\n" + body, "utf-8")
    r = analyze(p, _opts(force=True))
    assert opened == [str(p)]
    assert r.malformed.by_problem.get("line_size_over_maximum") == 1 and r.rows == 101
    assert r.sha256 == hashlib.sha256(p.read_bytes()).hexdigest()
