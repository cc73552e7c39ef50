"""Saved HTML pages: right decoding without a charset, malformed markup, limits, profiles, idempotence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _import_helpers import approved, cli, count, posts

from leaktrace.collect.importers.base import Document, Skipped
from leaktrace.collect.importers.html import decode_html, iter_folder
from leaktrace.collect.profile import load_profile
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import run_import
from leaktrace.simulate.serve import pages
from leaktrace.simulate.serve.data import load_world
from leaktrace.store.models import Capture

GBK_TITLE = "出售 某快递 物流面单 20万条"


def saved_folder(root: Path) -> Path:
    root.mkdir()
    (root / "utf8.html").write_text(
        "<!-- saved from url=(0033)http://shop.onion/thread/42?x=1 -->\n<html><head><meta charset='utf-8'>"
        "<title>身份证 数据</title><script>alert(1)</script></head><body><nav>menu</nav>"
        "<main><p>第一行</p><p>第二行<br>第三行</p></main></body></html>", encoding="utf-8")
    # GBK with no charset anywhere: must not turn into mojibake.
    (root / "gbk.htm").write_bytes(f"<html><head><title>{GBK_TITLE}</title></head><body>"
                                   f"<div class='content'>联系QQ 12345 价格 3元/条</div></body></html>".encode("gbk"))
    (root / "sub").mkdir()
    (root / "sub" / "broken.html").write_text(
        "<html><head><title>broken</title><body><div><p>unclosed <b>bold <table><tr><td>cell</div></p><p", encoding="utf-8")
    (root / "sub" / "binary.html").write_bytes(bytes(range(256)) * 4)
    (root / "huge.html").write_bytes(b"<html><body>" + b"a" * 5000 + b"</body></html>")
    (root / "empty.html").write_bytes(b"")
    (root / "style.css").write_text("body{}", encoding="utf-8")
    return root


def test_decode_prefers_what_decodes() -> None:
    gbk = f"<html><title>{GBK_TITLE}</title></html>".encode("gbk")
    assert decode_html(gbk, "x")[0].count(GBK_TITLE) == 1
    # A declared charset that is wrong (UTF-8 declared, GBK sent) loses to the bytes.
    assert GBK_TITLE in decode_html(gbk, "x", declared="utf-8")[0]
    lying_meta = b"<meta charset='utf-8'>" + gbk
    assert GBK_TITLE in decode_html(lying_meta, "x")[0]


def test_folder_import(ctx: Context, tmp_path: Path) -> None:
    folder = saved_folder(tmp_path / "saved")
    src = approved(ctx, "saved-pages")
    docs = list(iter_folder(folder, site="shop", max_bytes=4096))
    kept = [d for d in docs if isinstance(d, Document)]
    skipped = {Path(s.where).name: s.reason for s in docs if isinstance(s, Skipped)}
    assert sorted(Path(d.where).name for d in kept) == ["broken.html", "gbk.htm", "utf8.html"]
    assert "binary data" in skipped["binary.html"] and "exceeds the limit of 4096" in skipped["huge.html"]
    assert skipped["empty.html"] == "empty file" and "1 other file" in skipped["saved"]
    report = run_import(ctx, iter(docs), source=src, collector="tester")
    assert report.error is None and report.captures_new == 3 and report.posts["new"] == 3
    by_url = {p.url: p for p in posts(ctx, "shop")}
    page = by_url["http://shop.onion/thread/42?x=1"]
    assert page.title == "身份证 数据" and page.body == "第一行\n第二行\n第三行"
    assert by_url["file:///gbk.htm"].title == GBK_TITLE and "3元/条" in (by_url["file:///gbk.htm"].body or "")
    broken = by_url["file:///sub/broken.html"]
    assert broken.title == "broken" and "unclosed bold" in (broken.body or "") and "cell" in (broken.body or "")
    assert ctx.evidence.verify().ok


def test_reimport_changes_nothing(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = saved_folder(tmp_path / "saved")
    src = approved(ctx, "saved-pages")
    assert cli("import", "html", str(folder), "--source", src, "--max-bytes", "4096") == 0
    out, err = capsys.readouterr()
    first, analysed = out.splitlines()
    assert first == ("saved-pages: 3 document(s): 3 new capture(s), 0 already captured; "
                     "posts 3 new, 0 changed, 0 unchanged; 4 skipped")
    assert analysed.startswith("analysed 3 post(s): ")  # the intel stage ran at import
    assert err.count("leaktrace: skipped: ") == 4 and "binary.html: binary data" in err
    before = (count(ctx, Capture), len(list(ctx.evidence.entries())))
    assert cli("import", "html", str(folder), "--source", src, "--max-bytes", "4096") == 0
    assert (count(ctx, Capture), len(list(ctx.evidence.entries()))) == before == (3, 3)
    (folder / "gbk.htm").write_bytes((folder / "gbk.htm").read_bytes().replace("20万".encode("gbk"), "30万".encode("gbk")))
    assert cli("import", "html", str(folder), "--source", src, "--max-bytes", "4096") == 0
    assert count(ctx, Capture) == 4  # the changed page is a new capture of the same URL


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("<title>secret</title>", encoding="utf-8")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "link.html").symlink_to(outside)
    docs = list(iter_folder(folder, site="s"))
    assert not any(isinstance(d, Document) for d in docs)


def test_profile_on_pages_saved_from_the_simulated_market(ctx: Context, tmp_path: Path, sim_world: Path) -> None:
    world = load_world(sim_world)
    market = next(m for m in world.values() if m.encoding != "utf-8")  # a GBK market
    folder = tmp_path / "market"
    folder.mkdir()
    rows = list(market.by_id.values())[:5]
    for n, r in enumerate(rows):
        html = pages.listing(market, r)
        if n % 2:  # saved without its <meta charset>: the GBK must be recognised from the bytes
            html = html.replace(f'<meta charset="{market.encoding}">', "")
        (folder / f"listing-{r['id']}.html").write_bytes(html.encode(market.encoding, "xmlcharrefreplace"))
    src = approved(ctx, "sim")
    report = run_import(ctx, iter_folder(folder, site=market.id, profile=load_profile("simulated-market")),
                        source=src, collector="tester")
    assert report.error is None and report.posts["new"] == len(rows)
    got = {(p.title, p.author_handle) for p in posts(ctx, market.id)}
    assert got == {(r["title"], r["seller"]) for r in rows}
