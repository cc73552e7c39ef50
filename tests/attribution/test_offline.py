"""The offline fingerprint path: blinded request file, platform evaluation, finish; nothing in clear on the way."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import numpy as np
import pytest

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import offline, oprf
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.keyring import Keyring


def _export(path: Path, n: int = 120, shift: int = 0) -> Path:
    path.write_text("订单编号,身份证号,联系电话\n" + "".join(
        f"SO{i + shift:010d},11010119900101{i:04d},139{i:08d}\n" for i in range(n)), "utf-8")
    return path


@pytest.fixture
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


def _evaluate(req: Path, key: oprf.ServerKey, resp: Path, org: str = "ACME", limit: int = 10**6) -> int:
    return offline.evaluate_request(req, key, resp, org, UsageLedger(None), limit)


def test_offline_equals_online_and_registers(tmp_path: Path, key: oprf.ServerKey) -> None:
    export = _export(tmp_path / "c.csv")
    req, st, resp = tmp_path / "req.json", tmp_path / "state.json", tmp_path / "resp.json"
    counts = offline.make_request(export, "ACME", req, st)
    assert counts == {"order_id": 120, "cn_id": 120, "cn_mobile": 120}
    assert stat.S_IMODE(st.stat().st_mode) == 0o600
    assert _evaluate(req, key, resp) == 360
    fp = offline.finish(export, "ACME", st, resp, fp_mod.DEFAULT_RATE)
    online = fp_mod.build(export, "ACME", key)
    assert fp.key_id == key.key_id and fp.distinct == online.distinct
    assert all(np.array_equal(fp.tags[k], online.tags[k]) for k in online.tags)
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / "k.pem"))
    fp_mod.save(fp, tmp_path / "fp.json")
    assert fp_mod.load(tmp_path / "fp.json", key.key_id).org == "ACME"


def test_request_and_state_hold_no_values(tmp_path: Path, key: oprf.ServerKey) -> None:
    export = _export(tmp_path / "c.csv")
    offline.make_request(export, "ACME", tmp_path / "req.json", tmp_path / "state.json")
    for name in ("req.json", "state.json"):
        text = (tmp_path / name).read_text()
        assert "13900000007" not in text and "110101199001010007" not in text and "SO0000000007" not in text
    req = json.loads((tmp_path / "req.json").read_text())
    raw = base64.b64decode(req["kinds"]["cn_mobile"])
    h = oprf.hash_to_group(oprf.oprf_input("cn_mobile", "13900000007"))
    assert h not in raw  # blinded: not even the unkeyed hash-to-group point


def test_changed_export_or_foreign_response_rejected(tmp_path: Path, key: oprf.ServerKey) -> None:
    export = _export(tmp_path / "c.csv")
    offline.make_request(export, "ACME", tmp_path / "req.json", tmp_path / "st.json")
    _evaluate(tmp_path / "req.json", key, tmp_path / "resp.json")
    _export(export, shift=1)  # the orders changed between the steps
    with pytest.raises(IntegrityError, match="changed since the request"):
        offline.finish(export, "ACME", tmp_path / "st.json", tmp_path / "resp.json", 0.25)
    other = _export(tmp_path / "d.csv", 30)
    offline.make_request(other, "ACME", tmp_path / "req2.json", tmp_path / "st2.json")
    with pytest.raises(IntegrityError, match="belongs to request"):
        offline.finish(other, "ACME", tmp_path / "st2.json", tmp_path / "resp.json", 0.25)


def test_bad_request_files(tmp_path: Path, key: oprf.ServerKey) -> None:
    (tmp_path / "x.json").write_text('{"format": "leaktrace-oprf-request/1", "org": "ACME", "kinds": {"cn_id": "!!"}}')
    with pytest.raises(InputError, match="not base64"):
        _evaluate(tmp_path / "x.json", key, tmp_path / "o.json")
    bogus = base64.b64encode(b"\xff" * 32).decode()
    (tmp_path / "y.json").write_text(json.dumps({"format": "leaktrace-oprf-request/1", "org": "ACME",
                                                     "kinds": {"cn_id": bogus}}))
    with pytest.raises(InputError, match="not a valid ristretto255 point"):
        _evaluate(tmp_path / "y.json", key, tmp_path / "o.json")
    assert not (tmp_path / "o.json").exists()
    (tmp_path / "z.json").write_text("[]")
    with pytest.raises(InputError, match="not a leaktrace-oprf-request"):
        _evaluate(tmp_path / "z.json", key, tmp_path / "o.json")


def test_evaluation_is_charged_per_org_and_day(tmp_path: Path, key: oprf.ServerKey) -> None:
    """A request file is not a free enumeration: each element counts against the org's allowance, in a ledger
    that another process (a second UsageLedger on the same file, e.g. the online service) sees too."""
    export = _export(tmp_path / "c.csv")
    req, resp = tmp_path / "req.json", tmp_path / "resp.json"
    offline.make_request(export, "ACME", req, tmp_path / "st.json")
    path = tmp_path / "usage.jsonl"
    assert offline.evaluate_request(req, key, resp, "ACME", UsageLedger(path), 500) == 360
    resp.unlink()
    other_process = UsageLedger(path)
    assert other_process.used("ACME") == 360 and other_process.used("BETA") == 0
    with pytest.raises(InputError, match="140 of 500 left"):
        offline.evaluate_request(req, key, resp, "ACME", UsageLedger(path), 500)
    assert not resp.exists()
    with pytest.raises(InputError, match="charged to 'BETA'"):
        offline.evaluate_request(req, key, resp, "BETA", UsageLedger(path), 500)
    assert other_process.used("ACME") == 360  # refusals charge nothing


def test_ledger_counts_per_utc_day(tmp_path: Path) -> None:
    now = [86_400.0 * 20_000 + 100]
    ledger = UsageLedger(tmp_path / "u.jsonl", clock=lambda: now[0])
    assert ledger.charge("ACME", 90, 100, "test") and not ledger.charge("ACME", 11, 100, "test")
    now[0] += 86_400
    assert ledger.charge("ACME", 100, 100, "test")  # a new UTC day, a new allowance
    (tmp_path / "u.jsonl").write_text("{broken\n")
    with pytest.raises(IntegrityError, match="unreadable entry"):
        UsageLedger(tmp_path / "u.jsonl").used("ACME")
    with pytest.raises(IntegrityError, match="append-only"):
        ledger.used("ACME")  # it read more than the file now holds: somebody truncated it


def test_offline_answers_are_useless_against_the_exposure_index(tmp_path: Path) -> None:
    """Domain separation: what an org gets evaluated (fingerprint key) is not what the exposure set holds."""
    ring = Keyring.generate()
    fp_key = oprf.ServerKey.from_keyring(ring, purpose=oprf.FINGERPRINT)
    ex_key = oprf.ServerKey.from_keyring(ring, purpose=oprf.EXPOSURE)
    assert fp_key.key_id != ex_key.key_id
    assert fp_key.key_id == oprf.ServerKey.from_keyring(ring).key_id  # registered fingerprints stay valid
    export = _export(tmp_path / "c.csv", 20)
    req, st, resp = tmp_path / "req.json", tmp_path / "st.json", tmp_path / "resp.json"
    offline.make_request(export, "ACME", req, st)
    _evaluate(req, fp_key, resp)
    fp = offline.finish(export, "ACME", st, resp, 1.0)
    exposed = {oprf.split_output(ex_key.evaluate(oprf.oprf_input("cn_mobile", f"139{i:08d}")))[1] for i in range(20)}
    assert len(fp.tags["cn_mobile"]) == 20 and not exposed & {int(t) for t in fp.tags["cn_mobile"]}


def test_state_file_is_private_even_over_a_leftover_tmp(tmp_path: Path) -> None:
    export = _export(tmp_path / "c.csv", 10)
    st = tmp_path / "st.json"
    leftover = tmp_path / "st.json.tmp"
    leftover.write_text("old")
    leftover.chmod(0o644)
    offline.make_request(export, "ACME", tmp_path / "req.json", st)
    assert stat.S_IMODE(st.stat().st_mode) == 0o600 and not leftover.exists()
