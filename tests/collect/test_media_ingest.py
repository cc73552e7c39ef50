"""Pictures and renderings at ingest: sealed with the capture, their OCR and rendering queued, run afterwards.

A simulated market with sample pictures is crawled: each listing's pictures
are sealed with its capture and nothing slow runs in the crawl (no OCR text,
no PNG in custody until the queued jobs are drained). The drain then reads
the pictures (the clean order table's six ID numbers, as keyed hashes and
masked text only) and renders the pages; the console's listing page shows
the screenshot and the "sample: N rows, M valid IDs, K provinces" line.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from _crawl_sources import add_source
from fastapi.testclient import TestClient

from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import Profile
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
from leaktrace.simulate.fonts import find_cjk_font
from leaktrace.simulate.serve import Behaviour, running_world
from leaktrace.simulate.social import generate_social
from leaktrace.store.models import Capture, IntelResult, Media, Post, url_key

CLEAN = "10000"  # m1's listing with the clean six-row order table (seed 5)
PASSWORD = "correct horse battery staple 42"


def cjk_font() -> Path:
    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))
    return find_cjk_font([]) or shipped


@pytest.fixture(scope="module")
def pic_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("picworld")
    truth = generate_social(out, seed=5, scale=1000, sample_rows=[], victim_org="优选商城",
                            claimed_records=2_000_000, members=2, listings_per_market=30, pictures=8, font=cjk_font())
    return out, truth["pictures"]["pictures"]


@pytest.fixture(autouse=True)
def _one_tesseract_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


def _crawl(ctx: Context, world: Path, profile: Profile) -> Any:
    from leaktrace.pipeline.render_runtime import RenderRuntime
    from leaktrace.service.media import drain_media

    add_source(ctx, "m1")
    with running_world(world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        host = url.split("/")[2]
        creds = w.credentials[host]
        report = run_crawl(CrawlOptions(profile=profile, source="m1", start_urls=[url], proxy=w.proxy_url,
                                        credentials={host: Credentials(creds["username"], creds["password"])},
                                        delay_s=0.0, concurrency=4, screenshots=True), ctx)
        before = [e.action for e in ctx.evidence.entries()]
        runtime = RenderRuntime(ctx.evidence, proxy=w.proxy_url)
        try:
            drained = drain_media(ctx, runtime, workers=2)
        finally:
            runtime.close()
    return report, before, drained


def test_crawl_seals_pictures_queues_ocr_and_console_shows_the_sample(
        ctx: Context, pic_world: tuple[Path, dict[str, Any]], sim_profile: Profile) -> None:
    world, truth = pic_world
    report, before, drained = _crawl(ctx, world, sim_profile)
    m1 = {name: t for name, t in truth.items() if str(t["listing"]).startswith("m1:")}
    assert len(m1) == 2
    # ingest: every picture of m1's listings sealed with its capture; nothing read or rendered yet
    assert before.count("picture") == len(m1) == report.media["pictures"] == report.media["ocr_queued"]
    assert "ocr-text" not in before and "screenshot" not in before
    assert drained.counts["ocr"] == {"done": 2} and drained.counts["render"].get("done", 0) > 0
    entries = list(ctx.evidence.entries())
    by_hash = {e.hash: e for e in entries}
    for e in (e for e in entries if e.action == "picture"):
        cap = by_hash[e.meta["capture_entry"]]  # names the capture's own custody entry
        assert cap.action == "capture" and cap.sha256 == e.meta["capture_sha256"] and "/listing/" in cap.source_url
    assert sum(e.action == "ocr-text" for e in entries) == 2
    with ctx.sessions() as s:
        post = s.query(Post).filter(Post.url_key == url_key(f"{_base(s)}/listing/{CLEAN}")).one()
        (pic,) = s.query(Media).filter(Media.post_id == post.id, Media.kind == "picture").all()
        clean = next(t for t in m1.values() if t["listing"] == f"m1:{CLEAN}")
        # the database holds keyed hashes and masked text, never the values read
        assert {v["hash"] for v in pic.values if v["type"] == "cn_id"} == {ctx.hasher.hash("cn_id", i)
                                                                          for i in clean["ids"]}
        assert not any(i in (pic.masked_text or "") for i in clean["ids"] + clean["mobiles"])
        assert pic.state == "done" and pic.sample_rows == len(clean["ids"]) and pic.confidence > 0.5
        # the raw text with its confidence is sealed as evidence, next to the picture
        record = json.loads(ctx.evidence.read_bytes(str(pic.ocr_sha256)))
        assert record["picture_sha256"] == pic.sha256 and all(i in record["text"] for i in clean["ids"])
        # the listing counts as offering a sample, with the count its pictures show
        (verdict,) = s.query(IntelResult).filter(IntelResult.post_id == post.id).all()
        assert verdict.facts["sample"] is True and verdict.facts["picture_sample"]["rows"] == len(clean["ids"])
        post_id = post.id
    provinces = {h.attrs["province"] for i in clean["ids"] for h in _scan(ctx, i)}
    page = _console(ctx, post_id)
    assert (f"sample: {len(clean['ids'])} rows, {len(clean['ids'])} valid IDs, {len(provinces)} provinces"
            in page["html"])
    assert 'id="screenshot"' in page["html"] and page["png"].startswith(b"\x89PNG")
    assert ctx.evidence.verify().ok


def _base(s: Any) -> str:
    url = s.query(Capture.url).filter(Capture.url.like("%/listing/%")).first()[0]
    return url.split("/listing/")[0]


def _scan(ctx: Context, value: str) -> list[Any]:
    from leaktrace.pii.scanner import Scanner

    return [h for h in Scanner(ctx.registry).scan(value) if h.type == "cn_id" and h.valid]


def _console(ctx: Context, post_id: int) -> dict[str, Any]:
    """The listing page and its screenshot as an analyst gets them from the console."""
    from leaktrace.service.access import local_operator
    from leaktrace.service.accounts import change_password, create_user
    from leaktrace.web.app import create_app

    _, once = create_user(ctx, "analyst9", "analyst", actor=local_operator("tests"))
    change_password(ctx, "analyst9", once, PASSWORD, None, "tests")
    with TestClient(create_app(ctx)) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token is not None
        r = c.post("/login", data={"csrf": token.group(1), "username": "analyst9", "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 303
        html = c.get(f"/listing/{post_id}").text
        png = c.get(f"/listing/{post_id}/screenshot").content
    return {"html": html, "png": png}


def _png(img: Any, fmt: str = "PNG", **kw: Any) -> bytes:
    import io

    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _big_gif() -> bytes:
    """~50 MB animated GIF: a blank first frame, then three frames of noise (LZW cannot shrink noise)."""
    import os

    from PIL import Image

    w, h = 4000, 3000
    first = Image.new("P", (w, h), 0)
    first.putpalette([255, 255, 255] + [i % 256 for i in range(765)])
    frames = [Image.frombytes("P", (w, h), os.urandom(w * h)) for _ in range(3)]
    for f in frames:
        f.putpalette(first.getpalette())
    return _png(first, "GIF", save_all=True, append_images=frames, duration=100, loop=0, optimize=False)


def _greek() -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    img = Image.new("RGB", (700, 120), "white")
    ImageDraw.Draw(img).text((20, 40), "Ελληνικά κείμενο εδώ γράφει", fill="black", font=font)
    return _png(img)


def test_telegram_photos_are_sealed_and_every_bad_one_is_a_record(
        ctx: Context, pic_world: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    from _import_helpers import approved, cli
    from PIL import Image

    world, truth = pic_world
    table_name = next(n for n, t in truth.items() if t["listing"] == f"m1:{CLEAN}")
    table = (world / "social" / "images" / table_name).read_bytes()
    noise = _png(Image.effect_noise((300, 200), 60).convert("RGB"), "JPEG")
    gif = _png(Image.effect_noise((300, 200), 60).convert("P"), "GIF")
    files = {
        "photos/table.png": table,
        "photos/bomb.png": _png(Image.new("1", (12_000, 12_000))),  # a few kB claiming 144 Mpx
        "photos/cut.jpg": noise[: len(noise) // 2],
        "photos/cut.gif": gif[: len(gif) // 2],
        "photos/mangled.png": table[:8] + b"\xff" * 40 + table[48:],
        "photos/big.gif": _big_gif(),
        "photos/blank.png": _png(Image.new("RGB", (400, 300), "white")),
        "photos/greek.png": _greek(),
    }
    export = tmp_path / "export"
    for name, data in files.items():
        (export / name).parent.mkdir(parents=True, exist_ok=True)
        (export / name).write_bytes(data)
    assert 45e6 < len(files["photos/big.gif"]) < 64e6
    messages = [{"id": i + 1, "type": "message", "date_unixtime": str(1_700_000_000 + i), "from": "seller",
                 "from_id": "user77", "text": f"样本 {i}", "photo": name} for i, name in enumerate(files)]
    messages += [
        {"id": 50, "type": "message", "date_unixtime": "1700000100", "from_id": "user77", "text": "escape",
         "photo": "../../outside.png"},
        {"id": 51, "type": "message", "date_unixtime": "1700000101", "from_id": "user77", "text": "left out",
         "photo": "(File not included. Change data exporting settings to download.)"},
        {"id": 52, "type": "message", "date_unixtime": "1700000102", "from_id": "user77", "text": "",
         "photo": "photos/table.png"},  # a photo with no caption: kept with the export, no post
    ]
    (tmp_path / "outside.png").write_bytes(files["photos/blank.png"])
    path = export / "result.json"
    path.write_text(json.dumps({"name": "shop", "type": "public_channel", "id": 99, "messages": messages},
                               ensure_ascii=False), encoding="utf-8")
    src = approved(ctx, "tg-photos")
    assert cli("import", "telegram", str(path), "--source", src) == 0
    with ctx.sessions() as s:
        posts = {p.url: p.id for p in s.query(Post).filter(Post.site == "telegram")}
        by_name = {r.url.removeprefix("file:///"): r for r in s.query(Media).filter(Media.kind == "picture")}
        assert len(by_name) == len(files) + 2
        # not got: a path leaving the folder, a photo the export left out (recorded, never read)
        refused = [r for r in by_name.values() if r.sha256 is None]
        assert sorted(r.problem for r in refused) == ["not included in the export",
                                                      "path leaves the export folder (refused)"]
        # every file in the folder is sealed and was read by the queued OCR; each bad one is a clear record
        got = {n: by_name[n] for n in files}
        assert all(r.sha256 is not None for r in got.values())
        assert all((r.state == "done" and r.ocr_sha256) or (r.state == "failed" and r.problem and not r.ocr_sha256)
                   for r in got.values())
        assert got["photos/table.png"].state == "done" and got["photos/table.png"].sample_rows == 6
        assert got["photos/table.png"].post_id == posts["tg://privatepost?channel=99&post=1"]
        assert got["photos/bomb.png"].state == "failed" and got["photos/bomb.png"].problem.startswith(
            "decompression bomb")
        for bad in ("photos/cut.jpg", "photos/cut.gif", "photos/mangled.png"):
            assert got[bad].state == "failed" and got[bad].problem, bad
        assert got["photos/big.gif"].state == "done" and "animated: first frame only" in got["photos/big.gif"].notes
        assert "no text found" in got["photos/blank.png"].notes and got["photos/blank.png"].sample_rows == 0
        assert any(n.startswith("low OCR confidence") for n in got["photos/greek.png"].notes)
        assert got["photos/greek.png"].values == []
    entries = list(ctx.evidence.entries())
    assert sum(e.action == "picture" for e in entries) == len(files)  # the caption-less copy is the same bytes
    assert sum(e.action == "picture-failed" for e in entries) == 2
    assert ctx.evidence.verify().ok


def test_crawl_command_renders_after_the_crawl_not_during_it(
        ctx: Context, pic_world: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`leaktrace crawl --screenshots` drains its own queue when the crawl is done: no service needed."""
    from _import_helpers import cli

    world, _ = pic_world
    with running_world(world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        creds = w.credentials[url.split("/")[2]]
        monkeypatch.setenv("LT_TEST_PW", creds["password"])
        assert cli("crawl", "simulated-market", "--url", url, "--source", "m1-cli", "--legal-basis", "test",
                   "--owner", "tester", "--proxy", w.proxy_url, "--username", creds["username"],
                   "--password-env", "LT_TEST_PW", "--delay", "0", "--screenshots",
                   "--json") == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    queued = report["media"]["render_queued"]
    assert queued > 0 and report["media_drain"]["jobs"]["render"] == {"done": queued}
    assert report["media_drain"]["render_per_s"] > 0
    entries = list(ctx.evidence.entries())
    last_capture = max(e.seq for e in entries if e.action == "capture")
    shots = [e for e in entries if e.action == "screenshot"]
    # every rendering was written after the crawl's last capture: none ran while it crawled
    assert len(shots) == queued and min(e.seq for e in shots) > last_capture


def test_saved_page_pictures_are_sealed_with_the_page(
        ctx: Context, pic_world: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """A page saved from a browser keeps its pictures beside it: they go into evidence with it, and are read."""
    from _import_helpers import approved, cli

    world, truth = pic_world
    table_name = next(n for n, t in truth.items() if t["listing"] == f"m1:{CLEAN}")
    folder = tmp_path / "saved"
    (folder / "listing_files").mkdir(parents=True)
    (folder / "listing_files" / "sample%201.png").write_bytes((world / "social" / "images" / table_name).read_bytes())
    (tmp_path / "secret.png").write_bytes(b"not for the import")
    (folder / "listing.html").write_text(
        '<!-- saved from url=(0032)http://shopxyz.onion/listing/42 --><html><head><title>出售 订单数据</title></head>'
        '<body><h1>出售 订单数据 样本</h1><img src="listing_files/sample%25201.png"><img src="../secret.png">'
        '<img src="http://shopxyz.onion/remote.png"></body></html>', encoding="utf-8")
    src = approved(ctx, "saved-pages")
    assert cli("import", "html", str(folder), "--source", src) == 0
    with ctx.sessions() as s:
        rows = {m.url: m for m in s.query(Media)}
        (post,) = s.query(Post).filter(Post.site == "saved-pages").all()
    assert set(rows) == {"file:///listing_files/sample%25201.png", "file:///../secret.png"}
    table, outside = rows["file:///listing_files/sample%25201.png"], rows["file:///../secret.png"]
    assert table.post_id == post.id and table.state == "done" and table.sample_rows == 6
    assert outside.sha256 is None and outside.problem == "path leaves the export folder (refused)"
