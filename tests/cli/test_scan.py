"""`leaktrace scan` end to end: the JSON contract, encodings, stdin and bad input.

Runs the real entry point (`leaktrace.cli.app.main`) in-process; the
bounded-memory test runs it in a subprocess to measure that process's peak
RSS alone.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from leaktrace.cli.app import main

ID = "11010519491231002X"  # the GB 11643 worked example, not a person
MOBILE = "13800138000"
CARD = "6222021234567890128"  # ICBC BIN, Luhn-valid, random digits
EMAIL = "zhang.wei8@qq.com"
RAW = (ID, MOBILE, CARD, EMAIL)
TEXT = f"样本：身份证{ID}，手机{MOBILE}，银行卡号{CARD}，邮箱 {EMAIL}\n"
CONTRACT_KEYS = {"type", "start", "end", "text_masked", "valid", "attrs", "score"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def hits_of(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    p = tmp_path / "sample.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def test_json_contract_and_character_offsets(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    code, out, err = run(capsys, str(sample), "--json")
    assert code == 0, err
    hits = hits_of(out)
    by_type = {h["type"]: h for h in hits if h["valid"]}
    assert {"cn_id", "cn_mobile", "bank_card", "email"} <= set(by_type)
    for h in hits:
        assert set(h) == CONTRACT_KEYS
        assert isinstance(h["start"], int) and isinstance(h["end"], int) and isinstance(h["attrs"], dict)
        assert 0.0 <= h["score"] <= 1.0
    # Offsets count characters of the decoded text (the Chinese before the ID
    # is 3 bytes a character in UTF-8), so slicing the text gives the value.
    for t, value in (("cn_id", ID), ("cn_mobile", MOBILE), ("bank_card", CARD), ("email", EMAIL)):
        h = by_type[t]
        assert TEXT[h["start"] : h["end"]] == value
    assert by_type["cn_id"]["start"] == TEXT.index(ID) == 6
    a = by_type["cn_id"]["attrs"]
    assert (a["province_code"], a["birth_year"], a["gender"]) == ("11", 1949, "F")
    assert "birth_date" not in a and "region" not in a  # side fields that rebuild the ID: --detail only


@pytest.mark.parametrize("mode", [["--json"], []])
def test_no_raw_value_in_any_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sample: Path, mode: list[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # a wide table: no value folded across lines
    code, out, err = run(capsys, str(sample), *mode)
    assert code == 0
    assert "11**************2X" in out
    for value in RAW:
        assert value not in out and value not in err
        assert value[2:-2] not in out  # nor its middle, in any column


def test_types_filter(capsys: pytest.CaptureFixture[str], sample: Path) -> None:
    code, out, _ = run(capsys, str(sample), "--json", "--types", "cn_mobile,email")
    assert code == 0
    assert {h["type"] for h in hits_of(out)} == {"cn_mobile", "email"}
    code, _, err = run(capsys, str(sample), "--types", "nosuchtype")
    assert code == 3 and "unknown PII type" in err and len(err.strip().splitlines()) == 1


def _starts(out: str) -> dict[str, int]:
    """Start of the first valid hit of each type."""
    first: dict[str, int] = {}
    for h in hits_of(out):
        if h["valid"]:
            first.setdefault(h["type"], h["start"])
    return first


@pytest.mark.parametrize(
    ("encoding", "bom", "flag"),
    [
        ("gb18030", b"", ["--encoding", "gbk"]),
        ("gb18030", b"", []),  # sniffed: not UTF-8, decodes as GB18030
        ("utf-16-le", b"\xff\xfe", []),
        ("utf-16-be", b"\xfe\xff", []),
        ("utf-16-le", b"", []),  # no BOM: sniffed from the NUL pattern
        ("utf-8", b"\xef\xbb\xbf", []),
    ],
)
def test_encodings_give_the_same_offsets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, encoding: str, bom: bytes, flag: list[str]
) -> None:
    p = tmp_path / "enc.txt"
    p.write_bytes(bom + (TEXT * 3).encode(encoding))
    code, out, err = run(capsys, str(p), "--json", *flag)
    assert code == 0, err
    got = _starts(out)
    assert got["cn_id"] == TEXT.index(ID)
    assert got["email"] == TEXT.index(EMAIL)
    assert len([h for h in hits_of(out) if h["type"] == "cn_id" and h["valid"]]) == 3


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode("gb18030"))))
    code, out, err = run(capsys, "-", "--json")
    assert code == 0, err
    assert _starts(out)["cn_mobile"] == TEXT.index(MOBILE)


def _one_line_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_binary_file_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "blob.bin"
    p.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    code, out, err = run(capsys, str(p), "--json")
    assert code == 2 and out == ""
    line = _one_line_error(err)
    assert str(p) in line and "binary" in line


def test_undecodable_bytes_mid_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = ("纯文本内容，" * 20_000).encode("utf-8")  # 360 KB: past the sniffed head
    p = tmp_path / "broken.txt"
    p.write_bytes(good + b"\xff\xfe\xfd" + TEXT.encode("utf-8"))
    code, _, err = run(capsys, str(p), "--json")
    assert code == 2
    line = _one_line_error(err)
    assert f"byte offset {len(good)}" in line and str(p) in line
    # --errors replace streams on past the bad bytes and finds what follows.
    code, out, err = run(capsys, str(p), "--json", "--errors", "replace")
    assert code == 0, err
    text = good.decode("utf-8") + "\ufffd" * 3 + TEXT
    assert _starts(out)["cn_id"] == text.index(ID)


def test_output_file_is_all_or_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = ("纯文本内容，" * 20_000 + TEXT).encode("utf-8")
    broken = tmp_path / "broken.txt"
    broken.write_bytes(good + b"\xff" + good)
    out_file = tmp_path / "hits.jsonl"
    code, _, _ = run(capsys, str(broken), "-o", str(out_file))
    assert code == 2
    assert not out_file.exists() and list(tmp_path.glob("*.part")) == []
    ok = tmp_path / "ok.txt"
    ok.write_bytes(good)
    code, out, _ = run(capsys, str(ok), "-o", str(out_file))
    assert code == 0 and out == ""
    assert {h["type"] for h in hits_of(out_file.read_text("utf-8"))} >= {"cn_id", "email"}


def test_empty_file_exit_0_with_note(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    code, out, err = run(capsys, str(p), "--json")
    assert code == 0 and out == ""
    assert "empty" in _one_line_error(err)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_file_or_directory_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope.txt" if kind == "missing" else tmp_path
    code, out, err = run(capsys, str(target))
    assert code == 2 and out == ""
    line = _one_line_error(err)
    assert str(target) in line


def test_table_caps_rows_but_counts_all(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "many.txt"
    p.write_text(TEXT * 30, encoding="utf-8")
    code, out, _ = run(capsys, str(p), "--types", "cn_id", "--max-rows", "5")
    assert code == 0
    assert "30 hit(s) (25 not shown; use --json)" in out
