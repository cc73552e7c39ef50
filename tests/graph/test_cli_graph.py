"""`leaktrace graph ...` end to end on a generated world in the data directory's store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import igraph as ig
import pytest
from sqlalchemy import func, select

from leaktrace.cli.app import main
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social
from leaktrace.store import make_engine, session_factory, upgrade
from leaktrace.store.models import WalletTransfer


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    truth = generate_social(tmp_path, seed=7, scale=1000, sample_rows=[], victim_org="某某电商",
                            claimed_records=900_000_000)
    engine = make_engine(get_settings())
    upgrade(engine)
    with session_factory(engine).begin() as s:
        load_world(s, tmp_path / "social", KeyedHasher(load_keyring(get_settings())))
    engine.dispose()
    return {"truth": truth, "social": tmp_path / "social"}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in out.splitlines() if x.strip()]


def test_before_build_commands_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "graph", "actors", "--json")
    assert code == 2 and "run 'leaktrace graph build' first" in err


def test_build_review_import_export(world: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    code, out, _ = _run(capsys, "graph", "build", "--json")
    assert code == 0 and json.loads(out)["counts"]["groups"] >= 1
    code, out, _ = _run(capsys, "graph", "actors", "--json")
    actors = _lines(out)
    supplier = next(a for a in actors if a["role"] == "supplier")
    assert supplier["role_basis"] == "inferred" and supplier["wallets"]
    gang = {m["id"]: m for m in world["truth"]["gang"]["members"]}
    members = {world["truth"]["accounts"][k]["member"] for k in supplier["accounts"]}
    assert members == {next(i for i, m in gang.items() if m["role"] == "supplier")}

    # money: the gang's collection wallet receives sales once transfers are imported
    code, out, _ = _run(capsys, "graph", "import-tx", str(world["social"] / "wallet_transactions.csv"), "--json")
    assert code == 0 and json.loads(out)["new"] == world["truth"]["transactions"]["count"]
    code, out, _ = _run(capsys, "graph", "import-tx", str(world["social"] / "wallet_transactions.csv"), "--json")
    assert json.loads(out)["new"] == 0  # importing twice adds nothing
    _run(capsys, "graph", "build")
    _, out, _ = _run(capsys, "graph", "actors", "--json")
    shared = world["truth"]["gang"]["shared_usdt_trc20"]
    wallets = [w for a in _lines(out) for w in a["wallets"] if w["address"] == shared]
    assert wallets and wallets[0]["received"] > 0 and wallets[0]["sent"] > 0 and wallets[0]["counterparties"]

    # review: reject a strong link by id, confirm an inferred one by accounts; both survive rebuilds
    _, out, _ = _run(capsys, "graph", "links", "--basis", "strong", "--json")
    strong = _lines(out)[0]
    assert _run(capsys, "graph", "reject", strong["id"], "--note", "test")[0] == 0
    _run(capsys, "graph", "build")
    _, out, _ = _run(capsys, "graph", "links", "--json")
    again = next(x for x in _lines(out) if x["id"] == strong["id"])
    assert again["basis"] == "rejected" and not again["same_actor"]
    code, out, _ = _run(capsys, "graph", "build", "--json")
    assert any(strong["id"] in c and "rejected" in c for c in json.loads(out)["conflicts"])
    _, out, _ = _run(capsys, "graph", "links", "--basis", "inferred", "--json")
    inferred = _lines(out)
    assert inferred, "a generated world always has style leads"
    lead = inferred[0]
    graphml = tmp_path / "g.graphml"
    _run(capsys, "graph", "export", str(graphml))
    g = ig.Graph.Read_GraphML(str(graphml))
    alias = [e for e in g.es if e["kind"] == "alias"]
    assert alias and all(e["basis"] in ("strong", "confirmed") for e in alias)
    assert all(e["evidence"] for e in alias)
    assert _run(capsys, "graph", "confirm", lead["a"], lead["b"])[0] == 6  # a verdict needs its reason (ReasonRequired)
    assert _run(capsys, "graph", "confirm", lead["a"], lead["b"], "--note", "same PGP signature")[0] == 0
    _run(capsys, "graph", "build")
    out_json = tmp_path / "g.json"
    code, out, _ = _run(capsys, "graph", "export", str(out_json), "--json")
    assert code == 0
    data = json.loads(out_json.read_text("utf-8"))
    pairs = {(e["source"], e["target"], e["basis"]) for e in data["edges"] if e["kind"] == "alias"}
    assert (f"account:{lead['a']}", f"account:{lead['b']}", "confirmed") in pairs
    assert not any(e.get("basis") == "inferred" for e in data["edges"])
    assert "supplier" not in out_json.read_text("utf-8")  # roles are leads: never exported


def test_bad_transfer_csv_is_refused_whole(world: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    src = (world["social"] / "wallet_transactions.csv").read_text("utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    cells = src[3].split(",")
    cells[4] = '"not-an-address"'
    bad.write_text("\n".join([*src[:3], ",".join(cells), *src[4:]]) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, "graph", "import-tx", str(bad))
    assert code == 2 and "line 4" in err and "'sender'" in err
    engine = make_engine(get_settings())
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(WalletTransfer)) == 0
    engine.dispose()
    noheader = tmp_path / "nohdr.csv"
    noheader.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    code, _, err = _run(capsys, "graph", "import-tx", str(noheader))
    assert code == 2 and "no column for" in err


def test_export_refuses_unknown_format(world: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                       tmp_path: Path) -> None:
    _run(capsys, "graph", "build")
    code, _, err = _run(capsys, "graph", "export", str(tmp_path / "g.gexf"))
    assert code == 2 and "format 'gexf' unknown" in err
