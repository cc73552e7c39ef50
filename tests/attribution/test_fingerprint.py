"""Fingerprint files: sampling, signature, server-key binding, and bad org exports."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.keyring import Keyring


def _export(path: Path, n: int = 400) -> Path:
    lines = ["订单编号,下单时间,身份证号,联系电话,收货地址"]
    for i in range(n):
        lines.append(f"SO{i:010d},2023-05-{1 + i % 28:02d} 10:{i % 60:02d}:00,11010119900101{i:04d},"
                     f"139{i:08d},北京市东城区长安街{i}号")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


def test_build_sample_sign_roundtrip(tmp_path: Path, key: oprf.ServerKey) -> None:
    fp = fp_mod.build(_export(tmp_path / "e.csv"), "ACME", key, rate=0.25)
    assert fp.source_rows == 400
    assert set(fp.tags) == {"cn_id", "cn_mobile", "order_id", "order_tuple"}
    assert all(fp.distinct[k] == 400 for k in fp.tags)
    for arr in fp.tags.values():
        assert 50 < len(arr) < 150  # ~100 expected at rate 1/4
    # consistent sampling: exactly the values whose PRF word is under the threshold
    outs = key.evaluate_many([oprf.oprf_input("order_id", f"SO{i:010d}") for i in range(400)])
    assert np.array_equal(fp.tags["order_id"], fp_mod.sampled_tags(outs, 0.25))
    sk = fp_mod.load_or_create_signing_key(tmp_path / "k.pem")
    fp_mod.sign(fp, sk)
    fp_mod.save(fp, tmp_path / "fp.json")
    back = fp_mod.load(tmp_path / "fp.json", key.key_id)
    assert back.org == "ACME" and all(np.array_equal(back.tags[k], fp.tags[k]) for k in fp.tags)
    text = (tmp_path / "fp.json").read_text()
    assert "13900000001" not in text and "110101199001010001" not in text


def _signed(tmp_path: Path, key: oprf.ServerKey) -> Path:
    fp = fp_mod.build(_export(tmp_path / "e.csv", 100), "ACME", key)
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / "k.pem"))
    fp_mod.save(fp, tmp_path / "fp.json")
    return tmp_path / "fp.json"


def test_tampered_file_rejected(tmp_path: Path, key: oprf.ServerKey) -> None:
    path = _signed(tmp_path, key)
    doc = json.loads(path.read_text())
    tags = bytearray(base64.b64decode(doc["kinds"]["cn_id"]["tags"]))
    tags[0] ^= 1
    doc["kinds"]["cn_id"]["tags"] = base64.b64encode(bytes(tags)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(IntegrityError, match="altered"):
        fp_mod.load(path, key.key_id)


def test_other_server_key_rejected(tmp_path: Path, key: oprf.ServerKey) -> None:
    path = _signed(tmp_path, key)
    other = oprf.ServerKey.from_keyring(Keyring.generate())
    with pytest.raises(IntegrityError, match="made under OPRF key"):
        fp_mod.load(path, other.key_id)


def test_resigned_with_wrong_counts_rejected(tmp_path: Path, key: oprf.ServerKey) -> None:
    fp = fp_mod.build(_export(tmp_path / "e.csv", 200), "ACME", key)
    fp.distinct["cn_id"] = 10_000_000  # claims a huge customer base to dilute chance
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / "k.pem"))
    fp_mod.save(fp, tmp_path / "fp.json")
    with pytest.raises(IntegrityError, match="do not fit"):
        fp_mod.load(tmp_path / "fp.json", key.key_id)


@pytest.mark.parametrize(("content", "match"), [
    ("", "empty"),
    ("身份证号,联系电话\n", "no data rows"),
    ("身份证号,联系电话\n110101199001010001,13900000001\n110101199001010002\n", "line 3: expected 2 fields"),
    ("name,city\nAlice,Paris\nBob,Rome\n", "no usable key columns"),
])
def test_bad_exports(tmp_path: Path, key: oprf.ServerKey, content: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(InputError, match=match):
        fp_mod.build(path, "ACME", key)


def test_not_a_fingerprint(tmp_path: Path, key: oprf.ServerKey) -> None:
    (tmp_path / "x.json").write_text("{\"format\": \"other\"}")
    with pytest.raises(InputError, match="not a leaktrace-fingerprint"):
        fp_mod.load(tmp_path / "x.json", key.key_id)


def test_pii_shaped_first_row_is_data_not_header(tmp_path: Path) -> None:
    """The dumps rule: a first row holding an e-mail or a long digit run is a customer, never a header."""
    from leaktrace.attribution.table import read_rows

    p = tmp_path / "noheader.csv"
    p.write_text("alice@example.cn,张三\nbob@example.cn,李四\n", "utf-8")
    rows = read_rows(p)
    assert not rows.has_header and rows.total_rows == 2
    h = tmp_path / "header.csv"
    h.write_text("邮箱,姓名\nalice@example.cn,张三\n", "utf-8")
    assert read_rows(h).has_header and read_rows(h).total_rows == 1


def test_tiny_sampling_rate_cannot_inflate_the_customer_base(tmp_path: Path, key: oprf.ServerKey) -> None:
    """At rate 2^-20 a few dozen tags "prove" ~10^8 customers (and a quota to match): refused below 1/64."""
    from leaktrace.attribution.registry import Registry

    fp = fp_mod.build(_export(tmp_path / "e.csv", 200), "ACME", key)
    fp.rate = 2.0**-20
    fp.distinct = {k: len(v) * 2**20 for k, v in fp.tags.items()}  # consistent with its tags at that rate
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / "k.pem"))
    fp_mod.save(fp, tmp_path / "fp.json")
    with pytest.raises(IntegrityError, match="1/64"):
        fp_mod.load(tmp_path / "fp.json", key.key_id)
    with pytest.raises(InputError, match="1/64"):
        Registry(tmp_path / "data").register_fingerprint(fp)
    with pytest.raises(InputError, match="1/64"):
        fp_mod.build(_export(tmp_path / "e.csv", 20), "ACME", key, rate=1 / 65)
    assert fp_mod.threshold(fp_mod.MIN_RATE) > 0
