"""`leaktrace scan` on hostile input: each case ends in one clear line or a streamed result.

Complements tests/cli/test_scan.py (NUL-bearing binary, bad bytes mid-file,
empty file, missing file): binary without NUL bytes, binary on standard
input, UTF-16 cut inside a character, a BOM and nothing else, an unknown
--encoding, and a long line with no newline scanned in many small windows
(forced through the setting) that must give the same hits as one pass.
"""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner
from leaktrace.simulate.pii_corpus import generate_corpus


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _noise(n: int, seed: int = 3) -> bytes:
    """Random bytes without a NUL, so only the control-byte rule can refuse them."""
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(n))


def test_binary_without_nul_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "noise.dat"
    p.write_bytes(_noise(5000))
    code, out, err = run(capsys, str(p), "--json")
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("leaktrace: error: ") and str(p) in line and "binary" in line


def test_binary_on_stdin_is_refused(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(_noise(4000, seed=9))))
    code, out, err = run(capsys, "-", "--json")
    assert code == 2 and out == ""
    assert "<stdin>" in one_line(err)


def test_utf16_cut_inside_a_character(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "cut16.txt"
    data = "身份证 11010519491231002X".encode("utf-16-le")
    p.write_bytes(data + b"\x31")  # one stray byte: half a UTF-16 code unit
    code, _out, err = run(capsys, str(p), "--json")
    assert code == 2
    line = one_line(err)
    assert "ends inside" in line and f"byte offset {len(data) + 1}" in line


def test_bom_only_file_is_an_empty_scan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "bom.txt"
    p.write_bytes(b"\xef\xbb\xbf")
    code, out, err = run(capsys, str(p), "--json")
    assert code == 0 and out == "" and "Traceback" not in err


def test_unknown_encoding_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("x", "utf-8")
    code, _out, err = run(capsys, str(p), "--encoding", "klingon-8")
    assert code == 2
    assert "klingon-8" in one_line(err)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_no_newline_in_small_windows_equals_one_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, encoding: str
) -> None:
    # A corpus with its newlines removed, streamed through 2 k-character
    # windows: dozens of window borders cut through values, and every hit
    # must come out once, at its character offset, as in one pass.
    text = generate_corpus(120_000, seed=17).text.replace("\n", " ")
    p = tmp_path / f"flat-{encoding}.txt"
    p.write_bytes(text.encode(encoding))
    monkeypatch.setenv("LEAKTRACE_SCAN_CHUNK_CHARS", "2048")
    get_settings.cache_clear()
    code, out, err = run(capsys, str(p), "--json")
    assert code == 0, err
    got = [(h["type"], h["start"], h["end"], h["valid"]) for h in map(json.loads, out.splitlines())]
    want = [(h.type, h.start, h.end, h.valid) for h in Scanner(default_registry()).scan(text)]
    assert len(want) > 100
    assert got == want
