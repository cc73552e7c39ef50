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
from leaktrace.store.models import Capture, Media, Post, url_key

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
