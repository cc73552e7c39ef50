"""STIX validates with stix2, MISP has the expected objects, CSV tables are marked; no per-victim rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import stix2

from leaktrace.cases import misp, stix, tables
from leaktrace.cases.model import CaseContent
from leaktrace.core.errors import IntegrityError


@pytest.fixture(scope="module")
def content(shared_case: tuple[Any, CaseContent]) -> CaseContent:
    return shared_case[1]


@pytest.fixture(scope="module")
def stix_text(content: CaseContent) -> str:
    return stix.to_json(content)


@pytest.fixture
def stix_doc(stix_text: str) -> dict[str, Any]:
    return json.loads(stix_text)


def test_stix_validates_and_covers_the_case(stix_doc: dict[str, Any], content: CaseContent,
                                            world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    parsed = stix.validate(json.dumps(stix_doc))
    assert isinstance(parsed, stix2.Bundle)
    objs = stix_doc["objects"]
    types = {o["type"] for o in objs}
    assert {"threat-actor", "identity", "indicator", "observed-data", "relationship", "report",
            "extension-definition", "cryptocurrency-wallet", "user-account",
            "url", "marking-definition"} <= types
    actors = [o for o in objs if o["type"] == "threat-actor" and "criminal" in o["threat_actor_types"]]
    assert len(actors) == 7
    assert {a for o in actors for a in o.get("aliases", [])} == {
        a for m in truth["social"]["gang"]["members"] for a in m["accounts"]}
    victims = [o for o in objs if o["type"] == "identity" and o.get("identity_class") == "organization"]
    assert [v["name"] for v in victims] == [truth["attribution"]["victim_name"]]
    # every wallet/phone SCO names the extension that defines it, and the definition ships along
    defs = {o["id"] for o in objs if o["type"] == "extension-definition"}
    for o in objs:
        if o["type"] in ("cryptocurrency-wallet", "phone-number"):
            assert set(o["extensions"]) <= defs
            assert o["extensions"][next(iter(o["extensions"]))]["extension_type"] == "new-sco"
    # TLP on everything: the case's objects amber, the shared producer/extension definitions clear
    for o in objs:
        if o["type"] == "marking-definition":
            continue
        shared = o["id"] == stix.PRODUCER_ID or o["type"] == "extension-definition"
        want = stix2.TLP_WHITE.id if shared else stix2.TLP_AMBER.id
        assert o.get("object_marking_refs") == [want], o["type"]
    report = next(o for o in objs if o["type"] == "report")
    ids = {o["id"] for o in objs}
    assert set(report["object_refs"]) <= ids
    for o in objs:
        if o["type"] == "relationship":
            assert o["source_ref"] in ids and o["target_ref"] in ids


def test_stix_no_raw_personal_data(stix_doc: dict[str, Any], raw_rows: list[dict[str, str]],
                                   world: tuple[Path, dict[str, Any]]) -> None:
    text = json.dumps(stix_doc, ensure_ascii=False)
    for row in raw_rows:
        assert row["身份证号"] not in text and row["联系电话"] not in text
    _, truth = world
    accounts = {(o["account_type"], o["account_login"]) for o in stix_doc["objects"] if o["type"] == "user-account"}
    sellers = [(k, v) for m in truth["social"]["gang"]["members"] for k, v in m["own_identifiers"].items()
               if k in ("qq", "wechat", "telegram")]
    assert sellers and set(sellers) <= accounts  # a seller's own contacts travel in clear
    phones = [o for o in stix_doc["objects"] if o["type"] == "phone-number"]
    assert all("*" in o["value_masked"] for o in phones)


def test_stix_tampered_bundle_rejected(stix_doc: dict[str, Any]) -> None:
    actor = next(o for o in stix_doc["objects"] if o["type"] == "threat-actor")
    name = actor.pop("name")  # required property
    with pytest.raises(IntegrityError, match="does not validate"):
        stix.validate(json.dumps(stix_doc))
    actor["name"] = name
    actor["created"] = "yesterday"
    with pytest.raises(IntegrityError):
        stix.validate(json.dumps(stix_doc))
    actor["created"] = actor["modified"]
    actor["x_smuggled"] = "custom content outside the declared extensions"
    with pytest.raises(IntegrityError):
        stix.validate(json.dumps(stix_doc))
    del actor["x_smuggled"]
    stix.validate(json.dumps(stix_doc))


@pytest.mark.parametrize("tlp", ["red", "amber+strict"])
def test_stix_tlp_levels(content: CaseContent, tlp: str) -> None:
    c = content.model_copy(update={"info": content.info.model_copy(update={"tlp": tlp})})
    doc = json.loads(stix.to_json(c))
    marks = [o for o in doc["objects"] if o["type"] == "marking-definition"]
    if tlp == "red":
        assert stix2.TLP_RED.id in {m["id"] for m in marks}
    else:
        assert any("AMBER+STRICT" in json.dumps(m) for m in marks)


def test_misp_event_shape(content: CaseContent, world: tuple[Path, dict[str, Any]], raw_rows: list[dict[str, str]]) -> None:
    _, truth = world
    text = misp.to_json(content)
    event = json.loads(text)["Event"]
    assert event["info"].startswith(content.info.ref)
    assert {"name": "tlp:amber"} in event["Tag"]
    names = {o["name"] for o in event["Object"]}
    assert {"coin-address", "pgp-meta", "telegram-account", "tor-hiddenservice"} <= names
    for obj in event["Object"]:
        assert obj["Attribute"]
        for attr in obj["Attribute"]:
            assert {"name": "tlp:amber"} in attr["Tag"]
    for attr in event["Attribute"]:
        assert {"name": "tlp:amber"} in attr["Tag"]
    orgs = [a["value"] for a in event["Attribute"] if a["type"] == "target-org"]
    assert orgs == [truth["attribution"]["victim_name"]]
    wallets = {a["value"] for o in event["Object"] if o["name"] == "coin-address" for a in o["Attribute"]
               if a["object_relation"].startswith("address")}
    assert set(truth["social"]["wallets"]) <= wallets
    onions = {a["value"] for o in event["Object"] if o["name"] == "tor-hiddenservice" for a in o["Attribute"]
              if a["object_relation"] == "address"}
    assert onions and all(h.endswith(".onion") for h in onions)
    for row in raw_rows:
        assert row["身份证号"] not in text and row["联系电话"] not in text
    # stable ids: the same case exports the same event
    assert json.loads(misp.to_json(content))["Event"]["uuid"] == event["uuid"]


def test_csv_tables(content: CaseContent, world: tuple[Path, dict[str, Any]], tmp_path: Path,
                    raw_rows: list[dict[str, str]]) -> None:
    _, truth = world
    hostile = content.model_copy(deep=True)
    hostile.listings[0].title = "=HYPERLINK(\"http://x\")"
    paths = tables.write_tables(hostile, tmp_path)
    assert [p.name for p in paths] == [f"{content.info.ref}.{n}.csv" for n in tables.TABLES]
    read = {p.name.split(".")[-2]: list(csv.DictReader(io.StringIO(p.read_text("utf-8")))) for p in paths}
    for name, rows in read.items():
        assert rows, name
        assert all(r["tlp"] == "amber" for r in rows)
    actors = [r for r in read["entities"] if r["kind"] == "actor"]
    assert len(actors) == 7
    prov = {r["province_code"]: int(r["distinct_victims"]) for r in read["provinces"]}
    assert prov == truth["leak"]["distinct_real_persons_by_province"]
    assert read["listings"][0]["title"].startswith("'=")
    # no per-victim rows: the raw rows' values appear nowhere, province rows are counts only
    everything = "".join(p.read_text("utf-8") for p in paths)
    for row in raw_rows:
        for col in ("身份证号", "联系电话", "收货人", "收货地址"):
            assert row[col] not in everything
    assert set(read["provinces"][0]) == {"dump_id", "province_code", "province_zh", "province_en", "distinct_victims", "tlp"}
    contacts = [r for r in read["identifiers"] if r["type"] in ("qq", "wechat", "telegram")]
    own = {(k, v) for m in truth["social"]["gang"]["members"] for k, v in m["own_identifiers"].items()}
    # sellers' QQ, WeChat and Telegram: in clear, so a preservation request can name them
    assert contacts and all(r["value"] and r["role"] == "suspect" and r["keyed_hash"] for r in contacts)
    assert {(r["type"], r["value"].removeprefix("'")) for r in contacts if r["owner_kind"] == "actor"} <= own
