"""The console in a real browser: headless Chromium (Debian's) driven by Playwright, over a generated world.

Skipped on a machine without /usr/bin/chromium, except under CI=true, where
`make test` installs it first and a missing browser is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_kit import PageRecorder, login, require_chromium
from console_world import PASSWORD, ConsoleWorld
from live_server import serving
from playwright.sync_api import Browser, expect

require_chromium()


@pytest.fixture(scope="module")
def base_url(console_world: ConsoleWorld) -> Iterator[str]:
    with serving(console_world.ctx) as base:
        yield base


@pytest.fixture
def page_for(browser: Browser, base_url: str) -> Iterator[Any]:
    """New browser contexts (separate cookie jars), each recording CSP violations and script errors."""
    pages = PageRecorder(browser)
    yield lambda: pages.new(base_url)
    pages.close()
    assert not pages.refused(), pages.problems


def test_login_with_totp(page_for: Any, console_world: ConsoleWorld) -> None:
    page = page_for()
    login(page, "super1")
    expect(page.locator("#login-error")).to_be_visible()  # the password was right: the code is asked for
    page.fill("#password", PASSWORD)
    page.fill("#totp", console_world.accounts.fresh_code(console_world.ctx, "super1"))
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/feed"))
    expect(page.locator("header .who")).to_contain_text("super1")
    expect(page.locator("#counts")).to_be_visible()


def test_triage_a_listing_into_a_case_with_the_keyboard(page_for: Any) -> None:
    page = page_for()
    login(page, "analyst1")
    page.goto("/feed?triage=new&sort=score")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    row = page.locator("tr.row.selected")
    expect(row).to_have_count(1)
    post = row.get_attribute("data-post")
    row.locator("input.case-input").fill("LT-MEMBERS")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("c")
    swapped = page.locator(f"#row-{post}")
    expect(swapped).to_have_class(re.compile(r"state-in_case"))
    expect(swapped.locator("a[href='/cases/LT-MEMBERS']")).to_be_visible()
    page.goto("/cases/LT-MEMBERS")
    expect(page.locator("#case-items")).to_contain_text(f"post-{post}")


def test_pages_fit_1280_pixels(page_for: Any) -> None:
    page = page_for()
    login(page, "analyst1")
    page.goto("/feed?sort=score")
    href = page.locator("tr.row a.open").first.get_attribute("href")
    for path in ("/feed?sort=score", str(href), "/search?q=开房", "/sessions"):
        page.goto(path)
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 1280, (path, width)


def test_unmask_with_a_reason_then_find_it_in_the_audit_log(page_for: Any, console_world: ConsoleWorld) -> None:
    page = page_for()
    login(page, "analyst1")
    page.goto("/feed?sort=score")
    href = page.locator("tr.row a.open").first.get_attribute("href")
    assert href is not None
    page.goto(href)
    page.fill("#unmask-reason", "browser test: check the sample")
    page.click("#unmask")
    expect(page.locator("#clear-text")).to_be_visible()
    auditor = page_for()
    login(auditor, "auditor1")
    auditor.goto("/audit?action=unmask")
    expect(auditor.locator("#audit")).to_contain_text("browser test: check the sample")
    expect(auditor.locator("#audit")).to_contain_text("post:" + href.rsplit("/", 1)[1])


def test_analyst_not_a_member_cannot_open_the_case(page_for: Any) -> None:
    page = page_for()
    login(page, "analyst2")
    page.goto("/cases/LT-MEMBERS")
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#needed-role")).to_contain_text("supervisor")
    page.goto("/cases/LT-OTHER")
    expect(page.locator("#case-ref")).to_have_text("LT-OTHER")


def test_partner_cannot_see_results_through_pages_or_api(page_for: Any, console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token

    ctx = console_world.ctx
    p = console_world.accounts.principals["partner2"]
    token = issue_token(ctx, p, p.user_id, ["feed", "listing", "search", "identifier"])
    page = page_for()
    login(page, "partner2")
    for path in ("/feed", "/listing/1", "/search?q=数据", "/identifier/1"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.locator("#needed-role")).to_contain_text("analyst")
    api = page.request.get("/api/v1/feed", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 403 and "analyst" in api.json()["needed_roles"]


def test_a_revoked_session_is_logged_out(page_for: Any) -> None:
    first, second = page_for(), page_for()
    login(first, "analyst2")
    login(second, "analyst2")
    second.wait_for_url(re.compile(r"/feed"))
    first.goto("/sessions")
    other = first.locator("#sessions tbody tr", has_not=first.locator("em.current")).first
    other.locator("button.revoke").click()
    first.wait_for_url(re.compile(r"/sessions"))
    second.goto("/feed")
    second.wait_for_url(re.compile(r"/login"))
    expect(second.locator("#notice")).to_be_visible()
    first.goto("/feed")
    expect(first.locator("#counts")).to_be_visible()  # the revoking session itself lives on


def test_language_switch_is_per_user(page_for: Any) -> None:
    page = page_for()
    login(page, "auditor1")
    page.goto("/audit")
    page.click("#switch-lang")
    expect(page.locator("h1")).to_have_text("审计日志")
    page.click("#switch-lang")
    expect(page.locator("h1")).to_have_text("Audit log")
