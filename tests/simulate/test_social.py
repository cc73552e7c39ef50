"""The social world: deterministic, valid identifiers, truth consistent with the files."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import base58
import bech32
import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.simulate.social import generate_social
from leaktrace.simulate.social.volumes import render_volume

SEED = 7
CLAIMED = 900_000_000


def _gen(out: Path, seed: int = SEED, **kw: object) -> dict:
    rows = [{"收货人": f"测试{i}", "证件号": f"1101051990010{i:04d}", "电话": f"1380000{i:04d}"} for i in range(12)]
    return generate_social(out, seed=seed, scale=10_000, sample_rows=rows, victim_org="优选商城",
                           claimed_records=CLAIMED, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("social")
    return out / "social", _gen(out)


def _files(base: Path) -> dict[str, bytes]:
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _listings(base: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (base / "listings.jsonl").read_text(encoding="utf-8").splitlines()]
    return {f"{r['market']}:{r['id']}": r for r in rows}


def _telegram(base: Path) -> dict[int, dict]:
    export = json.loads((base / "telegram" / "result.json").read_text(encoding="utf-8"))
    return {m["id"]: m for m in export["messages"]}


def _tg_text(msg: dict) -> str:
    return "".join(e["text"] for e in msg["text_entities"])


def test_same_seed_same_bytes_other_seed_differs(world: tuple[Path, dict], tmp_path: Path) -> None:
    base, truth = world
    again = _gen(tmp_path / "a")
    assert _files(tmp_path / "a" / "social") == _files(base)
    assert json.dumps(again, sort_keys=True) == json.dumps(truth, sort_keys=True)
    _gen(tmp_path / "b", seed=SEED + 1)
    assert _files(tmp_path / "b" / "social")["listings.jsonl"] != _files(base)["listings.jsonl"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["social"]


def test_gang_shape(world: tuple[Path, dict]) -> None:
    _, truth = world
    members = truth["gang"]["members"]
    assert len(members) == 7
    assert [m["role"] for m in members].count("supplier") == 1
    assert {m["role"] for m in members} == {"supplier", "wholesaler", "agent"}
    agents = [m for m in members if m["role"] == "agent"]
    assert len({m["province_code"] for m in agents}) == len(agents) >= 3
    for m in members:
        market_accounts = [a for a in m["accounts"] if not a.startswith("telegram:")]
        assert 1 <= len(m["accounts"]) <= 4 and market_accounts
        assert len({a.split(":")[0] for a in market_accounts}) == len(market_accounts)
    posts = sorted((a["posts"] for a in truth["accounts"].values() if a["member"]), reverse=True)
    assert posts[0] >= 25 and posts[-1] < 25  # measurable style for some, not for all
    assert any(a["member"] is None for a in truth["accounts"].values())


def test_listing_sellers_belong_to_truth_members(world: tuple[Path, dict]) -> None:
    base, truth = world
    listings = _listings(base)
    vendors = {(v["market"], v["handle"]) for v in map(json.loads, (base / "vendors.jsonl").open(encoding="utf-8"))}
    member_accounts = {a: m["id"] for m in truth["gang"]["members"] for a in m["accounts"]}
    assert set(listings) | {k for k in truth["listings"] if k.startswith("telegram:")} == set(truth["listings"])
    for key, row in listings.items():
        t = truth["listings"][key]
        account = f"{row['market']}:{row['seller']}"
        assert t["seller"] == account and (row["market"], row["seller"]) in vendors
        assert t["member"] == member_accounts.get(account) == truth["accounts"][account]["member"]
    for key, t in truth["listings"].items():
        if key.startswith("telegram:"):
            msg = _telegram(base)[int(key.split(":")[1])]
            assert t["seller"] == "telegram:" + msg["from_id"]
            assert t["member"] == member_accounts.get(t["seller"])


def test_shared_identifiers_appear_in_each_accounts_posts(world: tuple[Path, dict]) -> None:
    base, truth = world
    texts: dict[str, str] = {}
    for row in _listings(base).values():
        key = f"{row['market']}:{row['seller']}"
        texts[key] = texts.get(key, "") + row["title"] + "\n" + row["body"] + "\n"
    for msg in _telegram(base).values():
        if msg["type"] == "message":
            key = "telegram:" + msg["from_id"]
            texts[key] = texts.get(key, "") + _tg_text(msg) + "\n"
    shared = truth["shared_identifiers"]
    kinds = {s["type"] for s in shared if any(truth["accounts"][a]["member"] for a in s["accounts"])}
    assert {"pgp", "usdt_trc20", "telegram"} <= kinds
    for s in shared:
        for account in s["accounts"]:
            assert s["value"] in texts[account], (s["type"], account)
    gang_pgp = truth["gang"]["shared_pgp"]
    assert any(s["value"] == gang_pgp and len(s["accounts"]) >= 3 for s in shared)


_UNITS = {"亿": 10**8, "kw": 10**7, "万": 10**4, "w": 10**4, "M": 10**6, "k": 10**3}


def parse_volume(text: str) -> int:
    """Test-side reading of a claimed volume: 9亿条, 1500w, 2.3kw, 50万, 900M, 1,234 records."""
    m = re.fullmatch(r"([\d,]+(?:\.\d+)?)\s*(亿|kw|万|w|M|k)?\s*(?:条| records)?", text.strip())
    assert m, text
    number = float(m.group(1).replace(",", ""))
    return round(number * _UNITS.get(m.group(2) or "", 1))


def test_claimed_volumes_parse_back_and_appear(world: tuple[Path, dict]) -> None:
    base, truth = world
    listings = _listings(base)
    traffic = {k: t for k, t in truth["listings"].items() if t["trafficking"]}
    assert 30 <= len(traffic) < len(truth["listings"]) // 2 + 30
    cats = {t["category"] for t in traffic.values()}
    assert {"orders", "id", "phone", "bank", "education", "medical"} <= cats
    for key, t in traffic.items():
        assert parse_volume(t["volume_text"]) == t["claimed_records"]
        text = (listings[key]["title"] + listings[key]["body"]) if key in listings else _tg_text(
            _telegram(base)[int(key.split(":")[1])])
        assert t["volume_text"] in text and t["price"]["text"] in text
    story = [t for t in traffic.values() if t.get("story") and t["member"] == "M1"]
    assert story and all(t["claimed_records"] == CLAIMED for t in story)
    forms = {re.sub(r"[\d.,]", "", t["volume_text"]) for t in traffic.values()}
    assert len(forms) >= 4


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=3 * 10**9), st.sampled_from(["zh", "en", "mixed"]), st.integers(0, 99))
def test_every_volume_rendering_is_exact(value: int, lang: str, seed: int) -> None:
    import random

    assert parse_volume(render_volume(value, random.Random(seed), lang)) == value


def _onion_ok(host: str) -> bool:
    raw = base64.b32decode(host.removesuffix(".onion").upper())
    pub, check, version = raw[:32], raw[32:34], raw[34:]
    return version == b"\x03" and hashlib.sha3_256(b".onion checksum" + pub + version).digest()[:2] == check


def _eip55_ok(addr: str) -> bool:
    body = addr[2:]
    digest = keccak.new(digest_bits=256, data=body.lower().encode()).hexdigest()
    return all((c.upper() if int(digest[i], 16) >= 8 else c.lower()) == c for i, c in enumerate(body))


def test_identifiers_are_checksum_valid(world: tuple[Path, dict]) -> None:
    _, truth = world
    seen: dict[str, int] = {}
    idents = [i for a in truth["accounts"].values() for i in a["identifiers"]]
    for ident in idents:
        kind, value = ident["type"], ident["value"]
        seen[kind] = seen.get(kind, 0) + 1
        if kind == "usdt_trc20":
            assert value.startswith("T") and base58.b58decode_check(value)[:1] == b"\x41"
        elif kind == "btc" and value.startswith("bc1"):
            assert bech32.decode("bc", value) == (0, list(bech32.decode("bc", value)[1]))
            assert len(bech32.decode("bc", value)[1]) == 20
        elif kind == "btc":
            assert base58.b58decode_check(value)[:1] == b"\x00"
        elif kind == "usdt_erc20":
            assert re.fullmatch(r"0x[0-9a-fA-F]{40}", value) and _eip55_ok(value)
        elif kind == "qq":
            assert re.fullmatch(r"[1-9]\d{4,10}", value)
        elif kind == "telegram":
            assert re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]", value)
        elif kind == "wechat":
            assert re.fullmatch(r"[a-z][A-Za-z0-9_-]{5,19}", value)
        elif kind == "pgp":
            assert re.fullmatch(r"[0-9A-F]{40}", value)
    assert {"usdt_trc20", "btc", "qq", "telegram", "wechat", "pgp"} <= set(seen)
    assert all(_onion_ok(m["onion"]) for m in truth["markets"])
    assert not _eip55_ok("0x" + "aB" * 20) or not _eip55_ok("0x" + "Ab" * 20)


@pytest.mark.skipif(shutil.which("gpg") is None, reason="GnuPG not installed")
def test_pgp_blocks_import_into_gnupg_with_their_fingerprint(world: tuple[Path, dict]) -> None:
    base, _ = world
    vendors = [json.loads(line) for line in (base / "vendors.jsonl").open(encoding="utf-8")]
    blocks = {v["pgp"] for v in vendors if v["pgp"]}
    assert len(blocks) >= 3
    with tempfile.TemporaryDirectory() as home:
        for block in sorted(blocks)[:4]:
            out = subprocess.run(["gpg", "--homedir", home, "--batch", "--with-colons", "--import-options",
                                  "show-only", "--import"], input=block.encode(), capture_output=True, check=True)
            fprs = [line.split(":")[9] for line in out.stdout.decode().splitlines() if line.startswith("fpr:")]
            assert fprs and fprs[0] in {v["bio"].split("pgp: ")[-1][:40] for v in vendors if v["pgp"] == block}
            subprocess.run(["gpg", "--homedir", home, "--batch", "--import"], input=block.encode(),
                           capture_output=True, check=True)
        sigs = subprocess.run(["gpg", "--homedir", home, "--batch", "--with-colons", "--check-sigs"],
                              capture_output=True, check=True).stdout.decode()
        assert sigs.count("sig:!") == min(4, len(blocks))  # every self-signature verifies


def test_no_unmasked_pii_in_social_files(world: tuple[Path, dict]) -> None:
    base, _ = world
    for name, data in _files(base).items():
        text = data.decode("utf-8")
        assert not re.search(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", text), name
        assert not re.search(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])", text), name
    samples = [s for r in _listings(base).values() for s in r["sample"]]
    assert samples and all("**" in s for s in samples)


def test_telegram_export_shape(world: tuple[Path, dict]) -> None:
    base, truth = world
    export = json.loads((base / "telegram" / "result.json").read_text(encoding="utf-8"))
    assert {"name", "type", "id", "messages"} <= set(export)
    ids = [m["id"] for m in export["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    kinds = {m["type"] for m in export["messages"]}
    assert kinds == {"message", "service"}
    for m in export["messages"]:
        local = datetime.fromtimestamp(int(m["date_unixtime"]), tz=UTC) + timedelta(hours=8)
        assert m["date"] == local.replace(tzinfo=None).isoformat()
        if m["type"] == "message":
            flat = m["text"] if isinstance(m["text"], str) else "".join(
                p if isinstance(p, str) else p["text"] for p in m["text"])
            assert flat == _tg_text(m) and m["from_id"].startswith("user")
    entity_types = {e["type"] for m in export["messages"] for e in m["text_entities"]}
    assert {"plain", "mention", "code"} <= entity_types
    members = {a for m in truth["gang"]["members"] for a in m["accounts"] if a.startswith("telegram:")}
    senders = {"telegram:" + m["from_id"] for m in export["messages"] if m["type"] == "message"}
    assert members and members <= senders


def test_wallet_csv_matches_truth(world: tuple[Path, dict]) -> None:
    base, truth = world
    with (base / "wallet_transactions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == truth["transactions"]["count"] > 0
    stamps = [int(r["UnixTimestamp"]) for r in rows]
    assert stamps == sorted(stamps)
    gang = truth["gang"]["shared_usdt_trc20"]
    income = round(sum(float(r["TokenValue"]) for r in rows if r["To"] == gang), 2)
    assert income == pytest.approx(truth["transactions"]["gang_income_usdt"], abs=0.05)
    owners = truth["wallets"]
    supplier = next(m for m in truth["gang"]["members"] if m["role"] == "supplier")
    paid_supplier = {owners.get(r["From"]) for r in rows if r["To"] == supplier["own_identifiers"]["usdt_trc20"]}
    assert "gang" in paid_supplier and any(o and o != "gang" for o in paid_supplier)


def test_large_market_is_generated_fast(tmp_path: Path) -> None:
    start = time.perf_counter()
    truth = _gen(tmp_path, listings_per_market=5000)
    elapsed = time.perf_counter() - start
    per_market: dict[str, int] = {}
    for key in truth["listings"]:
        per_market[key.split(":")[0]] = per_market.get(key.split(":")[0], 0) + 1
    assert all(per_market[m] >= 5000 for m in ("m1", "m2", "m3"))
    assert elapsed < 30, elapsed


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    from leaktrace.core.errors import InputError

    with pytest.raises(InputError, match="listings_per_market"):
        _gen(tmp_path, listings_per_market=10**9)
    with pytest.raises(InputError, match="claimed_records"):
        generate_social(tmp_path, seed=1, scale=1, sample_rows=[], victim_org="x", claimed_records=0)
    assert not (tmp_path / "social").exists()
