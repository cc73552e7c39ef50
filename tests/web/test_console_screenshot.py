"""The listing's screenshot route: the stored image as it was captured, only PNG or JPEG, sandboxed; and the
custody entries of the listing's capture on its page."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient

from leaktrace.pipeline.intel_stage import analyse_item
from leaktrace.service.feed import model_version
from leaktrace.store.models import Capture, Media, Post, Source
from leaktrace.store.models.base import url_key
from leaktrace.store.repo import PostSighting, upsert_post
from leaktrace.web.app import create_app


def _png() -> bytes:
    """A real 2x1 PNG (no image library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    raw = b"\x00\xff\x00\x00\x00\x00\xff"  # one row: filter byte, two RGB pixels
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (2).to_bytes(4, "big") + (1).to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = _png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _listing(world: ConsoleWorld, name: str, shot: bytes | None) -> int:
    """A post whose capture (HTML) and screenshot (`shot`, a `media` row of kind screenshot on that capture) are in
    the evidence store, as the queued rendering leaves them."""
    ctx = world.ctx
    url = f"http://{name}.onion/item/1"
    now = datetime.now(UTC)
    html = ctx.evidence.put_bytes(f"<html>{name}</html>".encode(), source_url=url, collector="tests",
                                  media_type="text/html")
    with ctx.session() as s:
        source = Source(name=f"shots-{name}", kind="market")
        s.add(source)
        s.flush()
        page = Capture(source_id=source.id, url=url, url_key=url_key(url), sha256=html.sha256, fetched_at=now,
                       status=200, content_type="text/html", size=html.size)
        s.add(page)
        s.flush()
        if shot is not None:
            img = ctx.evidence.put_bytes(shot, source_url=url, collector="tests", media_type="image/png")
            s.add(Media(capture_id=page.id, kind="screenshot", url=url, url_key=url_key(url), sha256=img.sha256,
                        state="done", notes=[], values=[], media_type="image/png"))
            s.flush()
        pid = upsert_post(s, PostSighting(site=f"shots-{name}", url=url, title=f"出售 {name}", body="样本"),
                          seen_at=now, source_id=source.id).post_id
        s.get(Post, pid).capture_id = page.id  # type: ignore[union-attr]
        # analysed and indexed as a crawled post is (the shared world's other tests count its postings)
        analyse_item(s, pid, f"出售 {name}", "样本", ctx.hasher, version=model_version(ctx), model=ctx.intel_model(),
                     lexicon=ctx.lexicon())
        s.commit()
    return pid


@pytest.fixture(scope="module")
def client(console_world: ConsoleWorld) -> Iterator[TestClient]:
    with TestClient(create_app(console_world.ctx)) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token is not None
        r = c.post("/login", data={"csrf": token.group(1), "username": "analyst1", "password": PASSWORD},
                   follow_redirects=False)
        assert r.status_code == 303
        yield c


def test_screenshot_is_served_as_stored_and_sandboxed(client: TestClient, console_world: ConsoleWorld) -> None:
    pid = _listing(console_world, "withshot", PNG)
    page = client.get(f"/listing/{pid}")
    assert page.status_code == 200 and f'src="/listing/{pid}/screenshot"' in page.text
    r = client.get(f"/listing/{pid}/screenshot")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert "sandbox" in r.headers["content-security-policy"] and r.headers["x-content-type-options"] == "nosniff"


def test_listing_shows_its_capture_custody_entries(client: TestClient, console_world: ConsoleWorld) -> None:
    pid = _listing(console_world, "custody", None)
    with console_world.ctx.session() as s:
        sha = s.get(Capture, s.get(Post, pid).capture_id).sha256  # type: ignore[union-attr]
    expected = [e for e in console_world.ctx.evidence.entries() if e.sha256 == sha]
    page = client.get(f"/listing/{pid}").text
    assert expected and all(f"#{e.seq} capture" in page and e.hash[:16] in page for e in expected)
    assert sum(page.count(f"#{e.seq} ") for e in console_world.ctx.evidence.entries() if e.sha256 != sha) == 0


def test_a_listing_without_screenshot_answers_404(client: TestClient, console_world: ConsoleWorld) -> None:
    pid = _listing(console_world, "noshot", None)
    assert 'class="shot"' not in client.get(f"/listing/{pid}").text
    r = client.get(f"/listing/{pid}/screenshot")
    assert r.status_code == 404 and "no such screenshot" in r.text


def test_stored_bytes_that_are_not_png_or_jpeg_are_refused(client: TestClient, console_world: ConsoleWorld) -> None:
    pid = _listing(console_world, "svgshot", SVG)
    r = client.get(f"/listing/{pid}/screenshot")
    assert r.status_code == 400 and "not a PNG or JPEG" in r.text
    assert b"<script>" not in r.content and r.headers["content-type"].startswith("text/html")


def test_screenshot_needs_a_login(console_world: ConsoleWorld) -> None:
    pid = _listing(console_world, "anon", PNG)
    with TestClient(create_app(console_world.ctx)) as c:
        r = c.get(f"/listing/{pid}/screenshot", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert b"PNG" not in r.content
