"""The sources page and a listing's history: shown to staff, changed only by supervisors and admins, escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient

from leaktrace.service import sources as svc
from leaktrace.service.access import local_operator
from leaktrace.store.repo import PostSighting, upsert_post
from leaktrace.web.app import create_app


def _client(world: ConsoleWorld, username: str) -> TestClient:
    c = TestClient(create_app(world.ctx))
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    data = {"csrf": token.group(1), "username": username, "password": PASSWORD}
    if username in ("admin1", "super1"):
        data["totp"] = world.accounts.fresh_code(world.ctx, username)
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return c


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


def test_sources_page_lists_and_only_supervisors_act(console_world: ConsoleWorld) -> None:
    ctx = console_world.ctx
    svc.add(ctx, local_operator("tests"), "web-src", source_kind="forum", legal_basis="warrant <b>1</b>",
            owner="tester", kind="crawl", profile="generic-forum", start_urls=["https://forum.example/"],
            interval_s=900, no_proxy=True)
    analyst = _client(console_world, "analyst1")
    page = analyst.get("/sources")
    assert page.status_code == 200 and 'data-name="web-src"' in page.text and "every 900 s" in page.text
    assert 'class="pause"' not in page.text  # no buttons for an analyst
    r = analyst.post("/sources/web-src/pause", data={"csrf": _csrf(page.text)})
    assert r.status_code == 403
    boss = _client(console_world, "super1")
    page = boss.get("/sources")
    assert 'class="pause"' in page.text
    r = boss.post("/sources/web-src/pause", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert [v.state for v in svc.sources(ctx, local_operator("tests")) if v.name == "web-src"] == ["paused"]
    r = boss.post("/sources/web-src/pause", data={"csrf": _csrf(page.text)})
    assert r.status_code == 400 and "not active" in r.text


def test_listing_history_shows_each_version_as_a_diff(console_world: ConsoleWorld) -> None:
    ctx = console_world.ctx
    t0 = datetime.now(UTC) - timedelta(hours=2)
    url = "http://hist.onion/listing/1"
    with ctx.session() as s:
        pid = upsert_post(s, PostSighting(site="hist", url=url, title="<script>x</script> 数据", price_amount=300,
                                          price_currency="USDT", author_handle="ace"), seen_at=t0).post_id
        upsert_post(s, PostSighting(site="hist", url=url, price_amount=250, price_currency="USDT",
                                    author_handle="bob"), seen_at=t0 + timedelta(hours=1))
        upsert_post(s, PostSighting(site="hist", url=url, status="removed"), seen_at=t0 + timedelta(hours=2))
        s.commit()
    page = _client(console_world, "analyst1").get(f"/listing/{pid}/history")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="version">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 3
    assert re.search(r"<del>300(\.0)?</del> → <ins>250(\.0)?</ins>", rows[1])
    assert "<del>ace</del> → <ins>bob</ins>" in rows[1]
    assert "<ins>removed</ins>" in rows[2]
    assert "<script>x" not in page.text  # titles are digests in history, never text
