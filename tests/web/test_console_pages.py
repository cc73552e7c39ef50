"""The console over HTTP (in process): login, CSRF, headers, refusals, the API, and hostile captured content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient

from leaktrace.pipeline.intel_stage import analyse_item
from leaktrace.service.access import add_member, local_operator
from leaktrace.service.feed import model_version
from leaktrace.service.triage import add_to_case
from leaktrace.store.repo import PostSighting, upsert_post

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "handler": '<img src=x onerror="alert(2)">',
    "css": '<style>body{display:none}</style><div style="position:fixed;inset:0">cover</div>',
    "js_link": '<a href="javascript:alert(3)">click</a>',
    "rtl": "invoice\u202egnp.exe",
    "zero_width": "社\u200b工\u200d库",
}
BIG = "料" * 1_000_000  # a 1 MB title (3 MB in UTF-8)


def _login(c: TestClient, username: str, code: str | None = None) -> None:
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    data = {"csrf": token.group(1), "username": username, "password": PASSWORD}
    if code:
        data["totp"] = code
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == ("/partner" if username.startswith("partner")
                                                              else "/feed"), r.text[:500]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


@pytest.fixture
def analyst(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst1")
        yield c


@pytest.fixture(scope="module")
def hostile_post(console_world: ConsoleWorld) -> int:
    """A listing whose every field carries an attack, stored and analysed as a crawl would, then put in a case."""
    ctx = console_world.ctx
    title = " ".join(HOSTILE.values()) + " 出售料子 " + BIG
    body = "\n".join(HOSTILE.values()) + "\n联系 QQ 2233445566 样本 13766665555\n" + "<iframe src=//evil>" * 10
    with ctx.session() as s:
        pid = upsert_post(s, PostSighting(site="hostile", url="javascript:alert(4)//" + HOSTILE["rtl"],
                                          author_handle=HOSTILE["script"] + HOSTILE["rtl"], title=title, body=body),
                          seen_at=datetime.now(UTC)).post_id
        analyse_item(s, pid, title, body, ctx.hasher, version=model_version(ctx), model=ctx.intel_model(),
                     lexicon=ctx.lexicon())
        s.commit()
    from leaktrace.cases.case_records import create_case

    with ctx.session() as s:
        create_case(s, HOSTILE["script"] + " case", ref="LT-HOSTILE", created_by="tests")
        s.commit()
    add_member(ctx, local_operator("tests"), "LT-HOSTILE", "analyst1")
    add_to_case(ctx, console_world.accounts.principals["analyst1"], pid, "LT-HOSTILE")
    return pid


def _inert(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe" not in html
    assert 'href="javascript:' not in html and "<style>body" not in html and 'style="position' not in html
    assert "\u202e" not in html and "\u200b" not in html and "\u200d" not in html
    assert len(html) < 400_000, len(html)


def test_headers_forbid_inline_script_and_framing(analyst: TestClient) -> None:
    r = analyst.get("/feed")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text and " on" + "click=" not in r.text  # no inline script or handlers
    assert re.search(r"<script(?![^>]*src=)", r.text) is None


def test_session_cookie_is_httponly_and_samesite(app: object) -> None:
    with TestClient(app) as c:  # type: ignore[arg-type]
        page = c.get("/login")
        r = c.post("/login", data={"csrf": _csrf(page.text), "username": "analyst2", "password": PASSWORD},
                   follow_redirects=False)
        cookie = r.headers["set-cookie"].lower()
        assert "lt_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    with TestClient(app, base_url="https://console.test") as c:  # type: ignore[arg-type]
        page = c.get("/login")
        r = c.post("/login", data={"csrf": _csrf(page.text), "username": "analyst2", "password": PASSWORD},
                   follow_redirects=False)
        assert "secure" in r.headers["set-cookie"].lower()


def test_state_change_without_csrf_token_is_refused_clearly(analyst: TestClient, console_world: ConsoleWorld) -> None:
    r = analyst.post("/triage/1", data={"action": "watch"})
    assert r.status_code == 403 and "CSRF" in r.text and 'id="error"' in r.text
    r = analyst.post("/triage/1", data={"action": "watch"}, headers={"HX-Request": "true"})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = analyst.post("/triage/1", data={"action": "watch", "csrf": "0" * 64})
    assert r.status_code == 403
    page = analyst.get("/feed")
    r = analyst.post("/triage/1", data={"action": "watch"}, headers={"X-CSRF-Token": _csrf(page.text)},
                     follow_redirects=False)
    assert r.status_code == 303


def test_403_names_the_role_needed(app: object) -> None:
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "auditor1")
        r = c.get("/feed")
        assert r.status_code == 403 and 'id="needed-role"' in r.text and "analyst" in r.text
        assert c.get("/audit").status_code == 200


def test_not_logged_in_goes_to_login_and_api_says_401(app: object) -> None:
    with TestClient(app) as c:  # type: ignore[arg-type]
        r = c.get("/feed", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        r = c.get("/api/v1/feed")
        assert r.status_code == 401 and r.json()["error"]
        r = c.get("/api/v1/feed", headers={"Authorization": "Bearer lt_revoked_or_unknown"})
        assert r.status_code == 401


def test_api_with_a_bearer_token_and_openapi(app: object, console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token

    ctx = console_world.ctx
    p = console_world.accounts.principals["analyst1"]
    token = issue_token(ctx, p, p.user_id, ["feed", "listing", "search"])
    with TestClient(app) as c:  # type: ignore[arg-type]
        h = {"Authorization": f"Bearer {token}"}
        feed = c.get("/api/v1/feed?sort=score&limit=5", headers=h).json()
        assert len(feed["rows"]) == 5 and "new" in feed["counts"]
        one = c.get(f"/api/v1/listings/{feed['rows'][0]['post_id']}", headers=h)
        assert one.status_code == 200 and "identifiers" in one.json()
        assert c.get("/api/v1/cases/LT-MEMBERS", headers=h).status_code == 403  # token scope lacks `case`
        spec = c.get("/api/v1/openapi.json").json()
        assert "/api/v1/feed" in spec["paths"] and "/api/v1/search" in spec["paths"]


def test_a_revoked_api_token_gets_401_json(app: object, console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token, list_tokens, revoke_token

    ctx = console_world.ctx
    p = console_world.accounts.principals["analyst2"]
    token = issue_token(ctx, p, p.user_id, ["feed"], name="to revoke")
    with TestClient(app) as c:  # type: ignore[arg-type]
        h = {"Authorization": f"Bearer {token}"}
        assert c.get("/api/v1/feed?limit=1", headers=h).status_code == 200
        view = next(t for t in list_tokens(ctx, p) if t.name == "to revoke")
        revoke_token(ctx, p, view.token_id)
        r = c.get("/api/v1/feed?limit=1", headers=h)
        assert r.status_code == 401 and r.json()["status"] == 401


def test_partner_sees_no_staff_results_through_pages_or_api(app: object, console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token

    ctx = console_world.ctx
    p = console_world.accounts.principals["partner1"]
    token = issue_token(ctx, p, p.user_id, ["feed", "listing", "search", "identifier", "case"])
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "partner1")
        for path in ("/feed", "/listing/1", "/search?q=数据", "/identifier/1", "/cases/LT-MEMBERS"):
            r = c.get(path)
            assert r.status_code == 403, path
        h = {"Authorization": f"Bearer {token}"}
        for path in ("/api/v1/feed", "/api/v1/listings/1", "/api/v1/search?q=x", "/api/v1/identifiers/1",
                     "/api/v1/cases/LT-MEMBERS"):
            r = c.get(path, headers=h)
            assert r.status_code == 403 and r.json()["needed_roles"], path


def test_analyst_not_member_cannot_open_case(app: object) -> None:
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst2")
        r = c.get("/cases/LT-MEMBERS")
        assert r.status_code == 403 and "supervisor" in r.text
        assert c.get("/cases/LT-OTHER").status_code == 200


@pytest.mark.parametrize("page", ["feed", "listing", "search", "identifier", "case", "audit", "seller"])
def test_hostile_content_renders_inert_and_readable(app: object, console_world: ConsoleWorld, hostile_post: int,
                                                    page: str) -> None:
    from leaktrace.store.models import PostIdentifier

    with console_world.ctx.session() as s:
        ident = s.query(PostIdentifier.identifier_id).filter(PostIdentifier.post_id == hostile_post).first()
    assert ident is not None
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst1")
        if page == "audit":  # the reason an analyst types is shown to the auditor: hostile too
            listing = c.get(f"/listing/{hostile_post}")
            c.post(f"/listing/{hostile_post}/unmask", data={"csrf": _csrf(listing.text),
                                                            "reason": HOSTILE["script"] + HOSTILE["rtl"]})
            c.cookies.clear()
            _login(c, "auditor1")
        path = {"feed": "/feed", "listing": f"/listing/{hostile_post}", "search": "/search?q=料子",
                "identifier": f"/identifier/{ident[0]}", "case": "/cases/LT-HOSTILE", "audit": "/audit",
                "seller": "/feed?seller=" + HOSTILE["script"] + HOSTILE["rtl"]}[page]
        r = c.get(path)
        assert r.status_code == 200, r.text[:300]
        html = r.text
        _inert(html)
        if page in ("feed", "listing", "search", "case", "audit", "seller"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, readable
            assert "⟦U+202E⟧" in html
        if page in ("feed", "listing", "search"):
            assert "characters, first" in html  # the 1 MB title is cut, with its size said


def test_unmask_page_shows_clear_text_after_a_reason(analyst: TestClient, hostile_post: int) -> None:
    listing = analyst.get(f"/listing/{hostile_post}")
    assert "13766665555" not in listing.text  # a victim's phone in the sample: masked by default
    r = analyst.post(f"/listing/{hostile_post}/unmask", data={"csrf": _csrf(listing.text), "reason": ""})
    assert r.status_code == 403 and "reason" in r.text
    r = analyst.post(f"/listing/{hostile_post}/unmask", data={"csrf": _csrf(listing.text), "reason": "lead check"},
                     headers={"HX-Request": "true"})
    assert r.status_code == 200 and "13766665555" in r.text
    _inert(r.text)
