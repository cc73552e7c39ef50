"""A case built from a small simulated world: the gang, its listings, the dump's truth, captures.

The lead wires the real stage outputs into cases later; these tests build the
same content types from `leaktrace.simulate`'s truth, so every figure a
report shows can be compared with what the world says is true.
"""

from __future__ import annotations

import csv
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cases.model import CaseContent, CaseInfo
from leaktrace.core.disclosure import may_hold_clear
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring, load_keyring
from leaktrace.core.masking import mask
from leaktrace.core.settings import get_settings
from leaktrace.evidence import EvidenceStore

MAX_LISTINGS = 5


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from leaktrace.simulate.world import generate_world

    out = tmp_path_factory.mktemp("world") / "w"
    truth = generate_world(out, scale=2000, seed=3, formats=["csv"])
    return out, truth


@pytest.fixture(scope="session")
def raw_rows(world: tuple[Path, dict[str, Any]]) -> list[dict[str, str]]:
    """A few real leak rows, raw: what must never show up in a report or export."""
    out, _ = world
    with (out / "leak" / "leak.csv").open(encoding="utf-8") as fh:
        return [row for _, row in zip(range(5), csv.DictReader(fh), strict=False)]


def _ident(kind: str, value: str, hasher: KeyedHasher) -> dict[str, Any]:
    """A seller's identifier as `case build` writes it: a suspect's, in clear where the rule allows."""
    if may_hold_clear(kind, "suspect"):
        return {"type": kind, "value": value, "hash": hasher.hash_normalised(kind, value), "role": "suspect"}
    return {"type": kind, "masked": mask(value), "hash": hasher.hash_normalised(kind, value), "role": "suspect"}


def case_docs(world: tuple[Path, dict[str, Any]], raw_rows: list[dict[str, str]], store: EvidenceStore) -> dict[str, list[dict[str, Any]]]:
    """Item documents (as `leaktrace case add` takes them) for the world's story, captures stored in `store`."""
    _, truth = world
    social, leak = truth["social"], truth["leak"]
    hasher = KeyedHasher(store.ring)
    markets = {m["id"]: m for m in social["markets"]}
    gang = social["gang"]
    accounts = social["accounts"]
    t0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    samples = [{k: mask(v) for k, v in row.items() if k in ("收货人", "身份证号", "联系电话")} for row in raw_rows[:3]]
    listings, captures = [], []
    picked = [(k, v) for k, v in social["listings"].items() if v.get("member") and "price" in v][:MAX_LISTINGS]
    for n, (key, item) in enumerate(picked):
        market_id, post = key.split(":", 1)
        onion = markets.get(market_id, {}).get("onion", "example.onion")
        url = f"http://{onion}/listing/{post}"
        seen = t0 + timedelta(hours=n)
        body = (f"<html><body><h1>{item['volume_text']}</h1>"
                + "".join(f"<p>{r['身份证号']} {r['联系电话']}</p>" for r in raw_rows[:2]) + "</body></html>").encode()
        ref = store.put_capture(url=url, status=200, headers=[("Content-Type", "text/html")], body=body,
                                fetched_at=seen, collector="test")
        captures.append({"sha256": ref.sha256, "url": url, "fetched_at": seen.isoformat(),
                         "media_type": "application/warc", "source": market_id, "size": ref.size})
        listings.append({
            "id": key, "market": markets.get(market_id, {}).get("name", market_id), "url": url,
            "title": f"{item['category']} 数据 {item['volume_text']}", "seller": item["seller"],
            "category": item["category"], "claimed_records": item["claimed_records"],
            "price": {"amount": item["price"]["amount"], "currency": item["price"]["currency"]},
            "sold": item.get("sold"), "first_seen": seen.isoformat(), "captures": [ref.sha256],
            "identifiers": [_ident(i["type"], i["value"], hasher) for i in item["identifiers"]],
            "samples": samples if item.get("story") else [],
        })
    actors, links = [], []
    for m in gang["members"]:
        handles = [accounts[a]["handle"] if a in accounts else a for a in m["accounts"]]
        idents = [_ident(k, v, hasher) for k, v in sorted(m["own_identifiers"].items())]
        if m.get("pgp"):
            idents.append(_ident("pgp", m["pgp"], hasher))
        actors.append({"id": m["id"], "name": handles[0], "role": m["role"], "province_code": m["province_code"],
                       "aliases": m["accounts"], "identifiers": idents, "group": "gang", "confidence": 0.9})
    member_of = {a: m["id"] for m in gang["members"] for a in m["accounts"]}
    for shared in social["shared_identifiers"]:
        owners = sorted({member_of[a] for a in shared["accounts"] if a in member_of})
        for a, b in itertools.pairwise(owners):
            links.append({"source": a, "target": b, "kind": f"shared {shared['type']}",
                          "evidence": shared["value"] if may_hold_clear(shared["type"], "suspect")
                          else mask(shared["value"])})
    group = {"id": "gang", "name": gang["channel"], "members": [m["id"] for m in gang["members"]], "links": links,
             "shared": [_ident("usdt_trc20", gang["shared_usdt_trc20"], hasher), _ident("pgp", gang["shared_pgp"], hasher),
                        _ident("telegram", gang["shared_telegram"], hasher)],
             "channel": gang["channel"], "confidence": 0.95}
    fabricated = leak["rows_by_kind"]["fabricated_invalid"] + leak["rows_by_kind"]["fabricated_valid"]
    dump = {"id": "dump-1", "name": "seized orders", "claimed_records": leak["claimed_records"], "rows": leak["rows"],
            "distinct_victims": leak["distinct_real_persons"], "valid_ids": leak["distinct_valid_ids"],
            "fabricated_rows": fabricated, "duplicate_rows": leak["duplicate_rows"],
            "recycled_ids": leak["distinct_ids_also_in_earlier_dump"], "new_ids": leak["new_valid_ids"],
            "by_province": leak["distinct_real_persons_by_province"], "fabricated_by_detail": leak["fabricated_by_detail"]}
    att = truth["attribution"]
    attribution = {"id": "att-1", "dump_id": "dump-1", "org_name": att["victim_name"], "org_id": att["victim_org"],
                   "confidence": 0.97, "method": "canary rows + customer fingerprint", "partner": att["leaking_partner"],
                   "evidence": [f"canary {c}" for c in att["canaries_in_leak"]]}
    wallets = [{"address": addr, "chain": "usdt_trc20", "actors": [owner] if owner != "gang" else [m["id"] for m in gang["members"]]}
               for addr, owner in sorted(social["wallets"].items())]
    wallets[0]["received"] = {"amount": 1234.5, "currency": "USDT"}
    return {"listings": listings, "actors": actors, "groups": [group], "dumps": [dump],
            "attributions": [attribution], "captures": captures, "wallets": wallets,
            "events": [{"at": (t0 - timedelta(days=1)).isoformat(), "text": "seller contacted on Telegram"}]}


def content_from_docs(docs: dict[str, list[dict[str, Any]]], *, ref: str = "LT-TEST-1", tlp: str = "amber") -> CaseContent:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    body = {k: v for k, v in docs.items() if k != "events"}
    return CaseContent.model_validate({
        "info": CaseInfo(ref=ref, title="电商订单数据 9亿条", tlp=tlp, created_at=now, updated_at=now).model_dump(),
        **body,
        "timeline": [{"at": e["at"], "kind": "event", "text": e["text"]} for e in docs.get("events", [])],
        "notes": [{"at": now.isoformat(), "author": "tester", "text": "dump seized from the wholesaler"}],
    })


@pytest.fixture
def store() -> EvidenceStore:
    return EvidenceStore(get_settings().data_dir, keys=lambda: load_keyring(get_settings()))


@pytest.fixture
def docs(world: tuple[Path, dict[str, Any]], raw_rows: list[dict[str, str]], store: EvidenceStore) -> dict[str, list[dict[str, Any]]]:
    return case_docs(world, raw_rows, store)


@pytest.fixture
def content(docs: dict[str, list[dict[str, Any]]]) -> CaseContent:
    return content_from_docs(docs)


@pytest.fixture(scope="module")
def shared_case(world: tuple[Path, dict[str, Any]], raw_rows: list[dict[str, str]],
                tmp_path_factory: pytest.TempPathFactory) -> tuple[EvidenceStore, CaseContent]:
    """One store and case for a whole module, for tests that only read them (builds are slow)."""
    store = EvidenceStore(tmp_path_factory.mktemp("shared"), keys=Keyring.generate())
    return store, content_from_docs(case_docs(world, raw_rows, store))


def dump_json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path
