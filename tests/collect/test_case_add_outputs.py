"""`leaktrace case add` takes what leaktrace itself printed, and items by id (issue 15).

Found by a user: `case add CASE dump.json` with the JSON of `dump analyze --json`
failed with "field 'id': Field required", and `graph actors --json` with "Extra
inputs are not permitted". Each output must go in as it was printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _import_helpers import approved, cli

from leaktrace.cases.case_records import get_case, load_content
from leaktrace.core.match_types import KindEvidence, Match, MatchedDump, OrgMatch
from leaktrace.pipeline.context import Context


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def _content(ctx: Context, ref: str):  # type: ignore[no-untyped-def]
    with ctx.session() as s:
        return load_content(s, get_case(s, ref))


def _small_dump(tmp_path: Path) -> Path:
    from leaktrace.simulate.world import generate_world

    out = tmp_path / "w"
    truth = generate_world(out, scale=600, seed=3, orgs=2, formats=["csv"], social=False)
    return out / truth["leak"]["files"]["csv"]


@pytest.fixture()
def imported(ctx: Context, sim_world: Path, capsys: pytest.CaptureFixture[str]) -> Context:
    src = approved(ctx, "tg")
    assert cli("import", "telegram", str(sim_world / "social" / "telegram" / "result.json"), "--source", src) == 0
    assert cli("graph", "build") == 0
    assert cli("case", "new", "Order data sold on a channel", "--ref", "LT-A-1") == 0
    capsys.readouterr()
    return ctx


def test_dump_report_and_attribution_json_go_in_as_printed(imported: Context, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    dump = _small_dump(tmp_path)
    assert cli("dump", "analyze", str(dump), "--json") == 0
    report = json.loads(_out(capsys).splitlines()[-1])
    (tmp_path / "dump.json").write_text(json.dumps(report), encoding="utf-8")
    assert cli("case", "add", "LT-A-1", str(tmp_path / "dump.json")) == 0
    content = _content(imported, "LT-A-1")
    assert [d.sha256 for d in content.dumps] == [report["sha256"]]
    assert content.dumps[0].rows == report["rows"] and content.dumps[0].name == dump.name

    # An attribution result, as `attribute --json` prints it, joins the dump already in the case.
    match = Match(verdict="lead", org="优选商城", partner="p2", confidence=0.97, false_attribution_probability=1e-9,
                  summary="lead: 优选商城", dump=MatchedDump(path=str(tmp_path / "elsewhere" / dump.name), rows=600,
                                                            sampled_rows=600, canary_candidate_rows=0,
                                                            unsplittable_sampled_rows=0),
                  ranking=[OrgMatch(org="优选商城", lead=True, p_value=1e-10, false_attribution_probability=1e-9,
                                    kinds={"cn_id": KindEvidence(sampled=400, hits=390, containment=0.975,
                                                                 chance_containment=0.01, log10_p=-300.0)})])
    (tmp_path / "att.json").write_text(json.dumps(match.to_json()), encoding="utf-8")
    assert cli("case", "add", "LT-A-1", str(tmp_path / "att.json"), "--json") == 0
    atts = _content(imported, "LT-A-1").attributions
    assert len(atts) == 1 and atts[0].dump_id == content.dumps[0].id and atts[0].org_name == "优选商城"
    assert any("cn_id" in e for e in atts[0].evidence)


def test_attribution_of_a_dump_nobody_added_is_refused(imported: Context, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    match = Match(verdict="lead", org="X", partner=None, confidence=0.9, false_attribution_probability=1e-6,
                  summary="lead: X", ranking=[OrgMatch(org="X", lead=True)],
                  dump=MatchedDump(path=str(tmp_path / "gone.csv"), rows=1, sampled_rows=1, canary_candidate_rows=0,
                                   unsplittable_sampled_rows=0))
    (tmp_path / "att.json").write_text(json.dumps(match.to_json()), encoding="utf-8")
    assert cli("case", "add", "LT-A-1", str(tmp_path / "att.json")) == 2
    err = capsys.readouterr().err
    assert "gone.csv" in err and "dump analyze" in err and len(err.strip().splitlines()) == 1
    assert _content(imported, "LT-A-1").attributions == []


def test_graph_actors_and_posts_json_lines_go_in_by_id(imported: Context, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("graph", "actors", "--json") == 0
    lines = [json.loads(x) for x in _out(capsys).splitlines() if x.strip()]
    people = [a for a in lines if not a["hub"]]
    assert people, "the telegram world has sellers"
    (tmp_path / "actors.jsonl").write_text("\n".join(json.dumps(a) for a in people[:3]), encoding="utf-8")
    assert cli("case", "add", "LT-A-1", str(tmp_path / "actors.jsonl")) == 0
    capsys.readouterr()
    content = _content(imported, "LT-A-1")
    assert sorted(a.id for a in content.actors) == sorted(a["id"] for a in people[:3])

    assert cli("posts", "list", "--trafficking", "--limit", "4", "--json") == 0
    posts = [json.loads(x) for x in _out(capsys).splitlines() if x.strip()]
    assert posts
    (tmp_path / "posts.jsonl").write_text("\n".join(json.dumps(p) for p in posts), encoding="utf-8")
    assert cli("case", "add", "LT-A-1", str(tmp_path / "posts.jsonl")) == 0
    listings = _content(imported, "LT-A-1").listings
    assert sorted(x.id for x in listings) == sorted(f"post-{p['id']}" for p in posts)


def test_items_by_id_and_by_search(imported: Context, capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.graph.build import load_snapshot

    graph = load_snapshot(imported.data_dir)
    group = next(g for g in graph.groups if len(g.actors) >= 2)
    assert cli("case", "add", "LT-A-1", "--group", group.id, "--json") == 0
    doc = json.loads(_out(capsys).splitlines()[-1])
    kinds = [i["kind"] for i in doc["items"]]
    assert kinds.count("group") == 1 and kinds.count("actor") >= 2  # the members come with their group
    content = _content(imported, "LT-A-1")
    assert set(content.groups[0].members) <= {a.id for a in content.actors}

    assert cli("posts", "list", "--limit", "1", "--json") == 0
    post = json.loads(_out(capsys).splitlines()[0])
    assert cli("case", "add", "LT-A-1", "--listing", str(post["id"]), "--evidence",
               _capture_sha(imported, post["capture_id"])) == 0
    capsys.readouterr()
    content = _content(imported, "LT-A-1")
    assert f"post-{post['id']}" in {x.id for x in content.listings}
    assert _capture_sha(imported, post["capture_id"]) in {c.sha256 for c in content.captures}

    assert cli("posts", "show", str(post["id"]), "--json") == 0
    title = json.loads(_out(capsys))["body"] or post["title"]
    word = next(title[i:i + 2] for i in range(len(title) - 1) if not ({"*", " "} & set(title[i:i + 2])))
    assert cli("case", "add", "LT-A-1", "--search", word, "--json") == 0
    assert json.loads(_out(capsys).splitlines()[-1])["items"]


def _capture_sha(ctx: Context, capture_id: int) -> str:
    from leaktrace.store.models import Capture

    with ctx.session() as s:
        return s.get(Capture, capture_id).sha256  # type: ignore[union-attr]


@pytest.mark.parametrize("args, needle", [
    (["--actor", "a-nobody"], "--actor 'a-nobody'"),
    (["--group", "g-nothing"], "--group 'g-nothing'"),
    (["--wallet", "TNoSuchWallet"], "--wallet 'TNoSuchWallet'"),
    (["--listing", "999999"], "--listing 999999"),
    (["--listing", "abc"], "--listing 'abc'"),
    (["--evidence", "0" * 64], "--evidence"),
    (["--search", "zzqqxxnotthere"], "--search"),
])
def test_unknown_ids_are_refused_and_nothing_is_added(imported: Context, capsys: pytest.CaptureFixture[str],
                                                      args: list[str], needle: str) -> None:
    from leaktrace.graph.build import load_snapshot

    real = next(a.id for a in load_snapshot(imported.data_dir).actors if not a.hub)
    assert cli("case", "add", "LT-A-1", "--actor", real, *args) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert _content(imported, "LT-A-1").actors == []  # all or nothing: the good actor did not go in either


def test_add_needs_a_file_or_a_selection(imported: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("case", "add", "LT-A-1") == 2
    assert "--listing" in capsys.readouterr().err
