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
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.keyring import Keyring


def _export(path: Path, n: int = 120, shift: int = 0) -> Path:
    path.write_text("订单编号,身份证号,联系电话\n" + "".join(
        f"SO{i + shift:010d},11010119900101{i:04d},139{i:08d}\n" for i in range(n)), "utf-8")
    return path


@pytest.fixture
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


def test_offline_equals_online_and_registers(tmp_path: Path, key: oprf.ServerKey) -> None:
    export = _export(tmp_path / "c.csv")
    req, st, resp = tmp_path / "req.json", tmp_path / "state.json", tmp_path / "resp.json"
    counts = offline.make_request(export, "ACME", req, st)
    assert counts == {"order_id": 120, "cn_id": 120, "cn_mobile": 120}
    assert stat.S_IMODE(st.stat().st_mode) == 0o600
    assert offline.evaluate_request(req, key, resp) == 360
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
    offline.evaluate_request(tmp_path / "req.json", key, tmp_path / "resp.json")
    _export(export, shift=1)  # the orders changed between the steps
    with pytest.raises(IntegrityError, match="changed since the request"):
        offline.finish(export, "ACME", tmp_path / "st.json", tmp_path / "resp.json", 0.25)
    other = _export(tmp_path / "d.csv", 30)
    offline.make_request(other, "ACME", tmp_path / "req2.json", tmp_path / "st2.json")
    with pytest.raises(IntegrityError, match="belongs to request"):
        offline.finish(other, "ACME", tmp_path / "st2.json", tmp_path / "resp.json", 0.25)


def test_bad_request_files(tmp_path: Path, key: oprf.ServerKey) -> None:
    (tmp_path / "x.json").write_text('{"format": "leaktrace-oprf-request/1", "kinds": {"cn_id": "!!"}}')
    with pytest.raises(InputError, match="not base64"):
        offline.evaluate_request(tmp_path / "x.json", key, tmp_path / "o.json")
    bogus = base64.b64encode(b"\xff" * 32).decode()
    (tmp_path / "y.json").write_text(json.dumps({"format": "leaktrace-oprf-request/1", "kinds": {"cn_id": bogus}}))
    with pytest.raises(InputError, match="not a valid ristretto255 point"):
        offline.evaluate_request(tmp_path / "y.json", key, tmp_path / "o.json")
    assert not (tmp_path / "o.json").exists()
    (tmp_path / "z.json").write_text("[]")
    with pytest.raises(InputError, match="not a leaktrace-oprf-request"):
        offline.evaluate_request(tmp_path / "z.json", key, tmp_path / "o.json")
