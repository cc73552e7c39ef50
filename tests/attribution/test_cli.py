"""The `org`, `attribute` and `exposure` commands: happy path and one-line errors with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf
from leaktrace.cli.app import main
from leaktrace.core.keyring import load_keyring
from leaktrace.core.settings import get_settings


def _fp_file(tmp_path: Path, key: oprf.ServerKey, org: str = "ACME") -> Path:
    export = tmp_path / f"{org}.csv"
    export.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i:04d},139{i:08d}\n" for i in range(60)), "utf-8")
    fp = fp_mod.build(export, org, key)
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / "k.pem"))
    fp_mod.save(fp, tmp_path / "fp.json")
    return tmp_path / "fp.json"


def test_register_canaries_and_attribute(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = oprf.ServerKey.from_keyring(load_keyring(get_settings()))
    assert main(["org", "register", str(_fp_file(tmp_path, key))]) == 0
    out = tmp_path / "c.json"
    assert main(["org", "canaries", "--org", "ACME", "--partner", "logistics", "--count", "2",
                 "--phone-range", "13800138000-13800138999", "--mail-domain", "acme.example.cn",
                 "--order-prefix", "AC", "--out", str(out)]) == 0
    recs = json.loads(out.read_text("utf-8"))["records"]
    assert all(13800138000 <= int(r["mobile"]) <= 13800138999 and r["order_id"].startswith("AC") for r in recs)
    dump = tmp_path / "dump.csv"
    dump.write_text("订单编号,联系电话,身份证号\n" + f"{recs[0]['order_id']},{recs[0]['mobile']},\n"
                    + "X1,13711112222,110101198001010011\n", "utf-8")
    capsys.readouterr()
    assert main(["attribute", str(dump), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["verdict"] == "lead" and res["org"] == "ACME" and res["partner"] == "logistics"
    assert recs[0]["mobile"] not in json.dumps(res)


def test_register_tampered_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = oprf.ServerKey.from_keyring(load_keyring(get_settings()))
    path = _fp_file(tmp_path, key)
    path.write_text(path.read_text().replace('"ACME"', '"EVIL"'))
    assert main(["org", "register", str(path)]) == 4
    err = capsys.readouterr().err
    assert "signature check failed" in err and err.count("\n") == 1


def test_attribute_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = oprf.ServerKey.from_keyring(load_keyring(get_settings()))
    assert main(["org", "register", str(_fp_file(tmp_path, key))]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\nx,y\n", "utf-8")
    assert main(["attribute", str(bad)]) == 2
    assert "no usable key columns" in capsys.readouterr().err
    assert main(["org", "register", str(bad)]) == 2


def test_offline_fingerprint_via_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "c.csv"
    export.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i:04d},139{i:08d}\n" for i in range(80)), "utf-8")
    req, st, resp, fp = (tmp_path / n for n in ("req.json", "st.json", "resp.json", "fp.json"))
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--request", str(req), "--state", str(st)]) == 0
    assert main(["org", "evaluate", str(req), "--out", str(resp)]) == 2  # no --org: nobody to charge
    assert not resp.exists()
    assert main(["org", "evaluate", str(req), "--org", "ACME", "--out", str(resp)]) == 0
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--response", str(resp), "--state", str(st),
                 "--out", str(fp), "--key-file", str(tmp_path / "k.pem")]) == 0
    assert main(["org", "register", str(fp)]) == 0
    assert "registered fingerprint of 'ACME'" in capsys.readouterr().out


def test_org_evaluate_charges_the_daily_allowance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offline evaluation is not unlimited: 160 elements fit a 200/day allowance once, not twice."""
    export = tmp_path / "c.csv"
    export.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i:04d},139{i:08d}\n" for i in range(80)), "utf-8")
    req, st, resp = (tmp_path / n for n in ("req.json", "st.json", "resp.json"))
    assert main(["org", "token", "--org", "ACME", "--daily-quota", "200"]) == 0  # the quota is kept with the token
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--request", str(req), "--state", str(st)]) == 0
    evaluate = ["org", "evaluate", str(req), "--org", "ACME", "--out", str(resp)]
    assert main(evaluate) == 0
    resp.unlink()
    capsys.readouterr()
    assert main(evaluate) == 2
    err = capsys.readouterr().err
    assert "daily OPRF allowance" in err and "40 of 200 left" in err and err.count("\n") == 1
    assert not resp.exists()
    assert main(["org", "evaluate", str(req), "--org", "OTHER", "--out", str(resp)]) == 2  # not its request
    ledger = get_settings().data_dir / "attribution" / "oprf-usage.jsonl"
    assert [json.loads(line)["n"] for line in ledger.read_text("utf-8").splitlines()] == [160]


@pytest.mark.parametrize(("args", "match"), [
    (["org", "fingerprint", "EXPORT", "--org", "ACME"], "give --server and --token"),
    (["org", "fingerprint", "EXPORT", "--org", "ACME", "--request", "r.json"], "--request needs --state"),
    (["org", "notice-check", "NOKEYS", "--server", "http://127.0.0.1:9", "--token", "t"], "no usable key columns"),
    (["attribute", "EMPTY"], "empty"),
    (["attribute", "HEADER_ONLY"], "no data rows"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                      match: str) -> None:
    key = oprf.ServerKey.from_keyring(load_keyring(get_settings()))
    assert main(["org", "register", str(_fp_file(tmp_path, key))]) == 0
    files = {"EXPORT": "身份证号\n110101199001010011\n", "NOKEYS": "name,city\nAlice,Paris\n", "EMPTY": "",
             "HEADER_ONLY": "身份证号,联系电话\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    capsys.readouterr()
    argv = [str(tmp_path / a) if a in files else a for a in args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1


def test_altered_canary_registry_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = oprf.ServerKey.from_keyring(load_keyring(get_settings()))
    assert main(["org", "register", str(_fp_file(tmp_path, key))]) == 0
    assert main(["org", "canaries", "--org", "ACME", "--partner", "p", "--count", "2", "--phone-range",
                 "13800138000-13800138999", "--mail-domain", "acme.example.cn", "--order-prefix", "AC",
                 "--out", str(tmp_path / "c.json")]) == 0
    reg = get_settings().data_dir / "attribution" / "canaries.json"
    doc = json.loads(reg.read_text("utf-8"))
    doc["entries"][0]["sealed"] = doc["entries"][1]["sealed"]
    reg.write_text(json.dumps(doc), "utf-8")
    dump = tmp_path / "d.csv"
    dump.write_text("联系电话\n13711112222\n", "utf-8")
    capsys.readouterr()
    assert main(["attribute", str(dump)]) == 4
    assert "registry was altered" in capsys.readouterr().err


def test_org_list_is_a_table_with_whole_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.attribution.registry import Registry
    from leaktrace.core.settings import get_settings

    assert main(["org", "list"]) == 0
    assert "no organisation registered yet" in capsys.readouterr().out
    reg = Registry(get_settings().data_dir)
    reg._ensure(reg._orgs_path).write_text(json.dumps({"华东优选商城有限公司": {
        "fingerprint": "fingerprints/x.json", "distinct": {"cn_id": 8481, "cn_mobile": 8000}, "sampling_rate": 0.25,
        "partners": ["logistics", "payment"], "registered": "2026-12-06T12:53:31Z"}}, ensure_ascii=False), "utf-8")
    assert main(["org", "list"]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "8,481" in out and "1/4" in out  # a table, not a Python dict
    assert "…" not in out and "华东优选" in out.replace("\n", "").replace("│", "").replace(" ", "")
