"""`leaktrace case ...` end to end on the embedded default, and its one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cli.app import main

from .conftest import dump_json


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_case_workflow(docs: dict[str, list[dict[str, Any]]], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    code, out, _ = _run(capsys, "case", "new", "电商订单 9亿条", "--tlp", "red", "--json")
    assert code == 0
    ref = json.loads(out)["ref"]
    items = dump_json(tmp_path / "items.json", docs)
    code, out, _ = _run(capsys, "case", "add", ref, str(items))
    n = sum(len(v) for v in docs.values())
    assert (code, out.strip()) == (0, f"{ref}: {n} added, 0 replaced")
    code, out, _ = _run(capsys, "case", "add", ref, str(items), "--json")
    assert code == 0 and sum(1 for i in json.loads(out)["items"] if i["replaced"]) == n - len(docs["events"])
    assert _run(capsys, "case", "note", ref, "wholesaler arrested", "--author", "det. li")[0] == 0
    code, out, _ = _run(capsys, "case", "show", ref, "--json")
    shown = json.loads(out)
    assert len(shown["actors"]) == 7 and shown["notes"][0]["author"] == "det. li"
    assert shown["attributions"][0]["org_name"] == truth["attribution"]["victim_name"]
    code, out, _ = _run(capsys, "case", "show")
    assert code == 0 and ref in out
    code, out, _ = _run(capsys, "case", "show", ref)
    assert code == 0 and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC ", out)  # times carry their zone
    code, out, _ = _run(capsys, "case", "report", ref, "--lang", "en", "--out", str(tmp_path / "r"), "--json")
    html = Path(json.loads(out)["html"]).read_text("utf-8")
    assert "TLP:RED" in html and "wholesaler arrested" in html and "seller contacted on Telegram" in html
    for fmt in ("stix", "misp", "csv"):
        code, out, _ = _run(capsys, "case", "export", ref, "--format", fmt, "--out", str(tmp_path / "x"))
        assert code == 0 and all(Path(p).is_file() for p in out.split())
    code, out, _ = _run(capsys, "case", "export", ref, "--out", str(tmp_path / "bundle"), "--zip")
    assert code == 0 and out.strip().endswith("bundle.zip")
    code, out, _ = _run(capsys, "evidence", "verify-bundle", out.strip())
    assert code == 0 and out.startswith(f"ok: case {ref}")


def test_add_is_all_or_nothing(docs: dict[str, list[dict[str, Any]]], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "case", "new", "x", "--ref", "C-1")[0] == 0
    bad = [*({**a, "kind": "actor"} for a in docs["actors"]), {"kind": "listing", "id": "m9:1", "samples": [{"身份证号": "110105194912310029"}]}]
    path = dump_json(tmp_path / "bad.json", bad)
    code, _, err = _run(capsys, "case", "add", "C-1", str(path))
    assert code == 2
    assert err.strip() == f"leaktrace: error: {path}: item 8: field 'samples': sample row 1, column '身份证号': value is not masked"
    assert "110105194912310029" not in err
    code, out, _ = _run(capsys, "case", "show", "C-1", "--json")
    assert json.loads(out)["actors"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["case", "show", "nope"], "case 'nope': no such case"),
        (["case", "new", "x", "--tlp", "purple"], "field 'tlp'"),
        (["case", "report", "C-2", "--lang", "fr"], "--lang: 'fr'"),
        (["case", "export", "C-2", "--format", "pdf"], "--format: 'pdf'"),
        (["case", "add", "C-2", "missing.json"], "missing.json: no such file"),
    ],
)
def test_errors_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "case", "new", "x", "--ref", "C-2")[0] == 0
    code, _, err = _run(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_add_jsonl_and_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 docs: dict[str, list[dict[str, Any]]]) -> None:
    assert _run(capsys, "case", "new", "x", "--ref", "C-3")[0] == 0
    lines = "\n".join(json.dumps(w) for w in docs["wallets"]) + "\n"
    (tmp_path / "w.jsonl").write_text(lines)
    assert _run(capsys, "case", "add", "C-3", str(tmp_path / "w.jsonl"), "--kind", "wallet")[0] == 0
    (tmp_path / "bad.jsonl").write_text(lines + "{not json\n")
    code, _, err = _run(capsys, "case", "add", "C-3", str(tmp_path / "bad.jsonl"), "--kind", "wallet")
    assert code == 2 and f"line {len(docs['wallets']) + 1}: not JSON" in err


def test_free_text_is_masked_on_the_way_in(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sample ID or phone pasted into a title, note or event never reaches the case in the clear."""
    raw_id, raw_phone = "110105194912310029", "13812345678"
    assert _run(capsys, "case", "new", f"订单 {raw_id}", "--ref", "C-4", "--description", f"tel {raw_phone}")[0] == 0
    items = [{"kind": "listing", "id": "m1:7", "title": f"出 顺丰 订单 样本 {raw_id} {raw_phone} 1500w",
              "seller": f"m1:{raw_phone}"},
             {"kind": "event", "at": "2026-03-01T08:00:00+00:00", "text": f"called {raw_phone}"},
             {"kind": "attribution", "id": "a1", "dump_id": "d1", "org_name": "某商城", "confidence": 0.9,
              "method": "record keys", "evidence": [f"order of {raw_id} matched"]},
             {"kind": "group", "id": "g1", "name": "gang", "members": [],
              "links": [{"source": "x", "target": "y", "kind": "wallet", "evidence": f"both show {raw_phone}"}]}]
    assert _run(capsys, "case", "add", "C-4", str(dump_json(tmp_path / "i.json", items)))[0] == 0
    assert _run(capsys, "case", "note", "C-4", f"owner of {raw_id} interviewed")[0] == 0
    code, out, _ = _run(capsys, "case", "show", "C-4", "--json")
    assert code == 0 and raw_id not in out and raw_phone not in out
    shown = json.loads(out)
    assert "1500w" in shown["listings"][0]["title"] and "11" in shown["listings"][0]["title"]
    code, out, _ = _run(capsys, "case", "report", "C-4", "--lang", "en", "--out", str(tmp_path / "r"), "--json")
    html = Path(json.loads(out)["html"]).read_text("utf-8")
    assert code == 0 and raw_id not in html and raw_phone not in html
    assert "interviewed" in html and "matched" in html and "both show" in html  # the fields are shown, masked


def test_ref_with_trailing_newline_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """`--ref "$(cat ref.txt)"`-style input with a newline: one error line, nothing created."""
    code, _, err = _run(capsys, "case", "new", "x", "--ref", "C-9\n")
    assert code == 2 and "field 'ref'" in err and len(err.strip().splitlines()) == 1
    code, out, _ = _run(capsys, "case", "show", "--json")
    assert code == 0 and "C-9" not in out
