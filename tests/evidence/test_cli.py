"""`leaktrace evidence` commands, driven in-process through the real app."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.keyring import Keyring


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_verify_export(ring: Keyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dump = tmp_path / "dump.csv"
    dump.write_bytes("姓名,身份证\n张三,110101199003077777\n".encode("gb18030"))
    sha = hashlib.sha256(dump.read_bytes()).hexdigest()
    code, out, _ = _run(capsys, "evidence", "add", str(dump), "--source-url", "http://m.onion/", "--collector", "a", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["sha256"] == sha and doc["entry"]["action"] == "intake"
    code, out, _ = _run(capsys, "evidence", "list", "--json")
    assert code == 0 and json.loads(out)["sha256"] == sha
    code, out, _ = _run(capsys, "evidence", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = _run(capsys, "evidence", "export", sha, "--out", str(tmp_path / "x"))
    assert code == 0
    original = Path(out.splitlines()[0])
    assert original.read_bytes() == dump.read_bytes()


def test_verify_failure_is_one_line_exit_4(ring: Keyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.txt"
    f.write_text("evidence")
    assert _run(capsys, "evidence", "add", str(f))[0] == 0
    log = tmp_path / "data" / "evidence" / "custody.jsonl"
    log.write_text(log.read_text().replace('"a.txt"', '"b.txt"'))
    code, _out, err = _run(capsys, "evidence", "verify")
    assert code == 4
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "line 1" in lines[0] and "edited" in lines[0]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("evidence", "add", "/nonexistent/dump.csv"), "no such file"),
        (("evidence", "export", "0" * 64), "no such evidence"),
        (("evidence", "export", "not-a-hash"), "not a SHA-256"),
    ],
)
def test_bad_input_one_line_nonzero(
    ring: Keyring, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], needle: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_no_keyring_is_config_error(ring: Keyring, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.core.settings import get_settings

    monkeypatch.delenv("LEAKTRACE_KEYRING")
    get_settings.cache_clear()
    f = tmp_path / "a.txt"
    f.write_text("x")
    code, _, err = _run(capsys, "evidence", "add", str(f))
    assert code == 3 and "LEAKTRACE_KEYRING" in err


def test_rollback_refused_with_outside_anchor(ring: Keyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16 item 10: cut the log back and restore an older signed head from an export's provenance record."""
    from leaktrace.core.settings import get_settings

    root = get_settings().data_dir / "evidence"
    files = []
    for i in range(3):
        f = tmp_path / f"f{i}.txt"
        f.write_text(f"capture {i}\n")
        files.append(f)
        assert main(["evidence", "add", str(f), "--collector", "a"]) == 0
    sha0 = hashlib.sha256(files[0].read_bytes()).hexdigest()
    assert main(["evidence", "export", sha0, "--out", str(tmp_path / "x")]) == 0  # entry 4; record holds head 4
    record = tmp_path / "x" / f"{sha0}.provenance.json"
    old_lines = root.joinpath("custody.jsonl").read_bytes()
    f = tmp_path / "later.txt"
    f.write_text("a later capture\n")
    assert main(["evidence", "add", str(f), "--collector", "a"]) == 0  # entry 5
    newest = json.loads(root.joinpath("custody.head").read_text())
    anchor = f"{newest['seq']}:{newest['hash']}"
    capsys.readouterr()
    # The roll-back: the log cut back to entry 4 and the signed head from the provenance record.
    root.joinpath("custody.jsonl").write_bytes(old_lines)
    head = json.loads(record.read_text())["custody_head"]
    root.joinpath("custody.head").write_text(json.dumps(head))
    assert main(["evidence", "verify"]) == 0  # alone, the data directory cannot tell
    capsys.readouterr()
    code, out, err = _run(capsys, "evidence", "verify", "--expect-head", anchor)
    errors = [ln for ln in err.splitlines() if ln.startswith("leaktrace: error:")]
    assert code == 4 and len(errors) == 1  # (the rolled-back blob shows as an orphan warning)
    assert "ends at entry 4" in err and "outside anchor" in err and "entry 5" in err
    # the older record is a consistent anchor: verify says which anchor it checked against
    code, out, _ = _run(capsys, "evidence", "verify", "--expect-head", str(record), "--json")
    assert code == 0
    assert json.loads(out)["anchor"]["seq"] == 4 and json.loads(out)["anchor"]["source"] == str(record)
    # a log that differs from the anchor at the anchored entry
    code, _, err = _run(capsys, "evidence", "verify", "--expect-head", f"4:{'0' * 64}")
    assert code == 4 and "differs from the outside anchor" in err
    for bad in ("not-an-anchor", f"0:{'0' * 64}", str(files[0])):
        code, _, err = _run(capsys, "evidence", "verify", "--expect-head", bad)
        assert code == 2 and bad in err and len(err.strip().splitlines()) == 1
