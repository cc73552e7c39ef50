"""Masked scan output carries no side fields that rebuild the value; `--detail` does, and is audited."""

from __future__ import annotations

import json
import random
import stat
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.simulate.pii_corpus import _Maker


def _ids(n: int) -> list[str]:
    maker = _Maker(random.Random(7))
    return [maker.cn_id() for _ in range(n)]


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(ln) for ln in out.splitlines() if ln.strip()], err


def test_masked_output_has_no_birth_date_or_district(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _ids(20)
    p = tmp_path / "t.txt"
    p.write_text("身份证 " + " ; 身份证 ".join(ids) + "\n", "utf-8")
    code, hits, _ = _scan(capsys, str(p), "--json")
    ids_found = [h for h in hits if h["type"] == "cn_id" and h["valid"]]
    assert code == 0 and len(ids_found) == 20
    for h, v in zip(ids_found, ids, strict=True):
        assert set(h["attrs"]) == {"province_code", "province", "birth_year", "gender"}, h["attrs"]
        assert h["attrs"]["birth_year"] == int(v[6:10])
    table = main(["scan", str(p)])
    out, _ = capsys.readouterr()
    assert table == 0 and "birth_date" not in out and "region" not in out
    assert not (get_settings().data_dir / "leaktrace.sqlite").exists()  # a plain scan never opens the store


def test_detail_adds_them_and_is_in_the_signed_audit_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    v = _ids(1)[0]
    p = tmp_path / "one.txt"
    p.write_text(f"身份证 {v}\n", "utf-8")
    code, hits, _ = _scan(capsys, str(p), "--json", "--detail")
    (h,) = [h for h in hits if h["type"] == "cn_id"]
    assert code == 0 and h["attrs"]["birth_date"] == f"{v[6:10]}-{v[10:12]}-{v[12:14]}" and "region" in h["attrs"]
    assert main(["audit", "show", "--action", "scan.detail", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    rec = json.loads(line)
    assert rec["target"] == f"file:{p.resolve()}" and rec["actor"].startswith("shell:") and rec["time"] and rec["sig"]
    assert v not in line and v[6:14] not in line
    assert main(["audit", "verify"]) == 0
    key = get_settings().data_dir / "audit" / "signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
