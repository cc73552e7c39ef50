"""The copy of a case a report or export shows: TLP decides which items, roles decide which values in clear."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cases import misp, stix, tables
from leaktrace.cases.disclosure import shared_view
from leaktrace.cases.model import CaseContent, Ident
from leaktrace.cases.report import render_html
from leaktrace.cli.app import main

from .conftest import dump_json


@pytest.fixture(scope="module")
def content(shared_case: tuple[Any, CaseContent]) -> CaseContent:
    return shared_case[1]


def _sellers(world: tuple[Path, dict[str, Any]]) -> list[tuple[str, str]]:
    _, truth = world
    return [(k, v) for m in truth["social"]["gang"]["members"] for k, v in m["own_identifiers"].items()
            if k in ("qq", "wechat", "telegram")]


def _all(c: CaseContent) -> str:
    return "".join([render_html(c, "en"), stix.to_json(c), misp.to_json(c), *tables.build_tables(c).values()])


def test_investigators_copy_shows_sellers_contacts(content: CaseContent, world: tuple[Path, dict[str, Any]]) -> None:
    copy = shared_view(content)
    html = render_html(copy, "en")
    for _k, v in _sellers(world):
        assert v in html


def test_tlp_decides_which_items_a_copy_holds(content: CaseContent) -> None:
    marked = content.model_copy(deep=True)
    marked.listings[0].tlp = "green"
    marked.actors[0].tlp = "red"
    green = shared_view(marked, tlp="green")
    assert green.info.tlp == "green"
    assert [x.id for x in green.listings] == [marked.listings[0].id]
    assert not green.actors and not green.groups and not green.dumps and not green.attributions
    assert not green.notes and green.info.description is None  # case-wide text carries the case's AMBER
    assert all(e.ref == marked.listings[0].id for e in green.timeline)
    amber = shared_view(marked)  # the case's own TLP: everything but what is marked stricter
    assert len(amber.listings) == len(marked.listings) and len(amber.actors) == len(marked.actors) - 1
    whole = shared_view(marked, every_item=True)  # `case show`: every item, the case's marking
    assert whole.info.tlp == "amber" and len(whole.actors) == len(marked.actors) and whole.notes == marked.notes
    red = shared_view(marked, tlp="red")
    assert len(red.actors) == len(marked.actors)
    rows = list(csv.DictReader(io.StringIO(tables.build_tables(red)["entities"])))
    assert {r["tlp"] for r in rows if r["id"] == marked.actors[0].id} == {"red"}
    doc = json.loads(stix.to_json(green))
    assert "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" in {o["id"] for o in doc["objects"]}  # GREEN


def test_redact_suspects_masks_their_identifiers_everywhere(content: CaseContent,
                                                            world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    copy = shared_view(content, redact_suspects=True)
    text = _all(copy)
    for _k, v in _sellers(world):
        assert v not in text
    for w in truth["social"]["wallets"]:
        assert w not in text
    for m in truth["social"]["gang"]["members"]:
        for account in m["accounts"]:
            assert account not in [a for x in copy.actors for a in x.aliases]
    assert all(i.value is None for x in copy.actors for i in x.identifiers)
    assert all(i.value is None for g in copy.groups for i in g.shared)
    channel = truth["social"]["gang"]["channel"]
    assert all(g.channel != channel for g in copy.groups)  # the channel field; the group's name is the unit's


def test_a_value_seen_as_a_victims_is_masked_whoever_claims_it(content: CaseContent,
                                                               world: tuple[Path, dict[str, Any]]) -> None:
    kind, value = _sellers(world)[0]
    copy = shared_view(content, is_victim=lambda i: (i.type, i.value) == (kind, value))
    assert value not in _all(copy)
    hit = [i for x in copy.actors for i in x.identifiers if i.type == kind and i.role == "victim"]
    assert hit and all(i.value is None and "*" in i.masked and i.hash for i in hit)


def test_case_items_refuse_clear_contacts_of_victims_and_unknown_people() -> None:
    with pytest.raises(ValueError, match="not in the clear"):
        Ident(type="cn_mobile", value="13812345678", role="victim")
    with pytest.raises(ValueError, match="not in the clear"):
        Ident(type="telegram", value="someone")
    seller = Ident(type="qq", value="72284479", role="suspect")
    assert seller.shown == "72284479" and seller.masked == "7******9"


def test_cli_export_tlp_and_redaction(docs: dict[str, list[dict[str, Any]]], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], world: tuple[Path, dict[str, Any]]) -> None:
    assert main(["case", "new", "tlp test", "--ref", "T-1"]) == 0
    docs = json.loads(json.dumps(docs))
    docs["listings"][0]["tlp"] = "green"
    docs["listings"][1]["tlp"] = "clear"
    assert main(["case", "add", "T-1", str(dump_json(tmp_path / "items.json", docs))]) == 0
    capsys.readouterr()

    def identifiers(*extra: str) -> list[dict[str, str]]:
        out = tmp_path / "x" / "-".join(extra or ("plain",))
        assert main(["case", "export", "T-1", "--format", "csv", "--out", str(out), *extra]) == 0
        capsys.readouterr()
        return list(csv.DictReader((out / "T-1.identifiers.csv").open(encoding="utf-8")))

    plain = identifiers()
    assert {(r["type"], r["value"].removeprefix("'")) for r in plain} >= set(_sellers(world))
    redacted = identifiers("--redact-suspects")
    assert redacted and all(r["value"] == "" for r in redacted if r["role"] == "suspect")
    ids = [x["id"] for x in docs["listings"][:2]]
    green = identifiers("--tlp", "green")
    assert green and {r["owner_id"] for r in green} <= set(ids)
    assert {r["tlp"] for r in green} <= {"green", "clear"}
    assert all(r["value"] for r in green if r["type"] in ("qq", "telegram", "wechat"))  # GREEN: not redacted
    clear = identifiers("--tlp", "clear")
    assert clear and {r["owner_id"] for r in clear} == {ids[1]}
    assert all(r["value"] == "" and r["masked"] for r in clear)  # CLEAR: suspects redacted by default
    unredacted = identifiers("--tlp", "clear", "--no-redact-suspects")
    assert any(r["value"] for r in unredacted)
    assert main(["case", "export", "T-1", "--format", "csv", "--tlp", "white", "--out", str(tmp_path / "y")]) != 0
    assert "--tlp" in capsys.readouterr().err
