"""Every stored post is analysed (at import, and by `leaktrace analyze`), and posts are read back by command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _import_helpers import approved, cli, count, posts
from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.store.models import Identifier, IntelResult, PostIdentifier


def _import_channel(ctx: Context, sim_world: Path, *extra: str) -> str:
    src = approved(ctx, "tg")
    assert cli("import", "telegram", str(sim_world / "social" / "telegram" / "result.json"), "--source", src, *extra) == 0
    return src


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]


def test_import_analyses_every_post_and_analyze_is_idempotent(ctx: Context, sim_world: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _import_channel(ctx, sim_world, "--json")
    report = _lines(capsys)[0]
    n = len(posts(ctx, "telegram"))
    assert n > 10 and report["analysis"]["posts"] == n
    assert count(ctx, IntelResult) == n  # a verdict for every stored post, without a second command
    with ctx.session() as s:  # the sellers' contacts and wallets reached the store, for the graph
        contacts = s.scalar(select(PostIdentifier).join(Identifier).where(PostIdentifier.role == "contact").limit(1))
    assert contacts is not None
    assert cli("analyze", "--json") == 0
    assert _lines(capsys)[0]["posts"] == 0  # nothing left to do
    assert cli("analyze", "--redo", "--source", "tg", "--json") == 0
    assert _lines(capsys)[0]["posts"] == n
    assert count(ctx, IntelResult) == n  # redone in place, one verdict per post and model


def test_analyze_catches_up_on_posts_imported_without_it(ctx: Context, sim_world: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.collect.importers.telegram import iter_export
    from leaktrace.pipeline.importing import run_import

    src = approved(ctx, "tg")
    run_import(ctx, iter_export(sim_world / "social" / "telegram" / "result.json", site="telegram"), source=src,
               collector="t", analyse=False)
    assert count(ctx, IntelResult) == 0
    assert cli("analyze", "--source", "nope") == 2
    assert "no such source" in capsys.readouterr().err
    assert cli("analyze", "--since", "2999-01-01", "--json") == 0
    assert _lines(capsys)[0]["posts"] == 0
    assert cli("analyze", "--source", src) == 0
    assert "analysed" in capsys.readouterr().out
    assert count(ctx, IntelResult) == len(posts(ctx, "telegram"))


def test_posts_list_search_show_with_filters(ctx: Context, sim_world: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _import_channel(ctx, sim_world)
    capsys.readouterr()
    every = posts(ctx, "telegram")
    assert cli("posts", "list", "--limit", "1000", "--json") == 0
    listed = _lines(capsys)
    assert {d["id"] for d in listed} == {p.id for p in every}
    assert all(d["analysed"] and d["source"] == "tg" for d in listed)
    seller = every[0].author_handle
    assert cli("posts", "list", "--seller", seller, "--limit", "1000", "--json") == 0
    assert {d["id"] for d in _lines(capsys)} == {p.id for p in every if p.author_handle == seller}
    assert cli("posts", "list", "--trafficking", "--min-score", "0.5", "--limit", "1000", "--json") == 0
    hot = _lines(capsys)
    assert hot and all(d["trafficking"] and d["score"] >= 0.5 for d in hot)
    cat = next(c for d in hot for c in d["categories"])
    assert cli("posts", "list", "--category", cat, "--limit", "1000", "--json") == 0
    assert all(cat in d["categories"] for d in _lines(capsys))
    word = next(w for p in every for w in (p.body or "").split() if len(w) >= 4 and w.isalpha())
    assert cli("posts", "search", word.upper(), "--json") == 0  # case-insensitive
    found = _lines(capsys)
    assert found and all(word.lower() in ((p := next(x for x in every if x.id == d["id"])).body or "").lower()
                         or word.lower() in (p.title or "").lower() for d in found)
    assert cli("posts", "search", "100%_no_such") == 0  # LIKE wildcards are literal
    assert "no posts match" in capsys.readouterr().out
    assert cli("posts", "show", str(every[0].id), "--json") == 0
    shown = _lines(capsys)[0]
    assert shown["id"] == every[0].id and "body" in shown and shown["facts"] is not None
    assert cli("posts", "list") == 0 and "tg" in capsys.readouterr().out  # the table


def test_bad_arguments_are_one_line_errors(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("posts", "show", "999999") == 2
    assert "no such post" in capsys.readouterr().err
    assert cli("posts", "list", "--since", "yesterday") == 2
    assert "--since 'yesterday'" in capsys.readouterr().err
    assert cli("posts", "list", "--min-score", "7") == 2
    assert cli("posts", "list", "--limit", "0") == 2


def test_shown_text_masks_victims_data(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from leaktrace.core.capture import CaptureDocument
    from leaktrace.core.capture import ParsedItem as Item
    from leaktrace.pipeline.ingest import Ingestor

    src = approved(ctx, "paste")
    body = "样本 张三 110101199003077777 13812345678"
    with ctx.session() as s:
        Ingestor(s, evidence=ctx.evidence).capture(CaptureDocument(
            source=src, url="http://paste.example/1", body=body.encode(), fetched_at=datetime.now(UTC), status=200,
            items=[Item(site="paste", url="http://paste.example/1", title="出售 样本", body=body)]))
        s.commit()
    assert cli("posts", "list", "--json") == 0
    pid = _lines(capsys)[0]["id"]
    assert cli("posts", "show", str(pid)) == 0
    out = capsys.readouterr().out
    assert "110101199003077777" not in out and "13812345678" not in out
