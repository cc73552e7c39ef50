"""The dump and case pages in a real browser (Debian's headless Chromium, Playwright): charts drawn under the strict
CSP, the map's click, the partner's view, case filters, sign-off and exports from the page.

Skipped on a machine without /usr/bin/chromium, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_kit import PageRecorder, require_chromium
from console_world import ConsoleWorld
from live_server import serving
from playwright.sync_api import Browser, Page, expect
from records_world import Dumps

from leaktrace.service.case_work import create_case
from leaktrace.service.sessions import open_session

require_chromium()


@pytest.fixture(scope="module")
def base_url(console_world: ConsoleWorld, dumps: Dumps) -> Iterator[str]:
    """The console, and a worker beside it that builds the case exports the pages queue (as `serve` runs one)."""
    from leaktrace.service.case_export_jobs import export_handlers
    from leaktrace.service.worker import Worker, start_in_thread
    from leaktrace.store.repo.jobs import JobQueue

    ctx = console_world.ctx
    thread, stop = start_in_thread(Worker(JobQueue(ctx.sessions), export_handlers(ctx), "browser-exports",
                                          poll_seconds=0.2))
    try:
        with serving(ctx) as base:
            yield base
    finally:
        stop.set()
        thread.join(30)


@pytest.fixture
def page_as(browser: Browser, base_url: str, console_world: ConsoleWorld) -> Iterator[Any]:
    """A page logged in as the named account (a session opened for it, as login does), recording CSP violations."""
    pages = PageRecorder(browser)

    def make(name: str) -> Page:
        token = open_session(console_world.ctx, console_world.accounts.principals[name])
        return pages.new(base_url, session=token, accept_downloads=True)

    yield make
    pages.close()
    assert not pages.refused(), pages.problems
    assert not [p for p in pages.problems if "echarts" in p.lower() or "TypeError" in p], pages.problems


def test_dump_page_draws_its_charts_and_a_click_on_the_map_lists_that_provinces_cities(page_as: Any,
                                                                                       dumps: Dumps) -> None:
    page = page_as("analyst1")
    page.goto(f"/dumps/dump-{dumps.attributed[:16]}")
    for kind in ("map", "ages", "gender", "padding"):
        expect(page.locator(f"[data-chart='{kind}']")).to_have_attribute("data-drawn", "1")
        expect(page.locator(f"[data-chart='{kind}'] canvas")).to_have_count(1)
    page.wait_for_function("() => window.echarts.getInstanceByDom(document.getElementById('map'))"
                           ".getOption().series[0].data.length > 0")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.6)  # over central China: a tooltip
    page.wait_for_timeout(300)  # the tooltip's element is styled by script: the CSP must not refuse it
    page.evaluate("() => window.echarts.getInstanceByDom(document.getElementById('map'))"
                  ".trigger('click', {name: '44', componentType: 'series'})")
    expect(page.locator("#cities h3")).to_contain_text("广东")
    codes = page.locator("#city-table tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes and all(c.startswith("44") for c in codes)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280


def test_partner_sees_its_own_organisations_dump_only_and_no_rows(page_as: Any, dumps: Dumps) -> None:
    page = page_as("partner1")
    page.goto("/dumps")
    expect(page.locator("#dumps")).to_contain_text(f"dump-{dumps.attributed[:16]}")
    expect(page.locator("#dumps")).not_to_contain_text(f"dump-{dumps.old[:16]}")
    page.goto(f"/dumps/dump-{dumps.attributed[:16]}")
    expect(page.locator("#partner-note")).to_be_visible()
    expect(page.locator("[data-chart='map']")).to_have_attribute("data-drawn", "1")
    expect(page.locator("#malformed")).to_have_count(0)
    expect(page.locator("#columns")).to_have_count(0)
    expect(page.locator("#ranking")).not_to_contain_text("org-b")
    other = page_as("partner2")
    response = other.goto(f"/dumps/dump-{dumps.attributed[:16]}")
    assert response is not None and response.status == 403


def test_case_list_filters(page_as: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    red = create_case(ctx, p["super1"], "browser filter red", tlp="red")
    clear = create_case(ctx, p["super1"], "browser filter clear", tlp="clear")
    page = page_as("super1")
    page.goto("/cases")
    page.select_option("#filter-tlp", "red")
    page.click("#filter-apply")
    page.wait_for_url(re.compile(r"tlp=red"))
    expect(page.locator(f"tr.case-row[data-ref='{red}']")).to_have_count(1)
    expect(page.locator(f"tr.case-row[data-ref='{clear}']")).to_have_count(0)
    page.select_option("#filter-tlp", "")
    page.select_option("#filter-status", "closed")
    page.click("#filter-apply")
    expect(page.locator(f"tr.case-row[data-ref='{red}']")).to_have_count(0)


def test_a_case_author_cannot_sign_off_their_own_case(page_as: Any) -> None:
    author = page_as("super1")
    author.goto("/cases")
    author.fill("#new-case-title", "browser sign-off case")
    author.click("#new-case-submit")
    author.wait_for_url(re.compile(r"/cases/LT-"))
    ref = author.locator("#case-ref").inner_text()
    expect(author.locator("#signoff-refusal")).to_contain_text("author")
    expect(author.locator("#signoff-submit")).to_have_count(0)
    expect(author.locator("[data-chart='timeline']")).to_have_attribute("data-drawn", "1")
    other = page_as("admin1")
    other.goto(f"/cases/{ref}")
    other.click("#signoff-submit")
    expect(other.locator("#signed-off")).to_contain_text("admin1")
    author.reload()
    expect(author.locator("#signed-off")).to_contain_text("admin1")
    auditor = page_as("auditor1")
    auditor.goto("/audit?action=case.signoff")
    expect(auditor.locator("#audit")).to_contain_text(f"case:{ref}")


def test_exports_build_from_the_page_and_download(page_as: Any, console_world: ConsoleWorld) -> None:
    """Each build is queued; the page polls its job (htmx) until the worker has built it, then links the file."""
    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["analyst1"], "browser exports")
    page = page_as("analyst1")
    page.goto(f"/cases/{ref}")
    for kind in ("stix", "misp", "csv", "report"):
        page.select_option("#export-kind", kind)
        page.click("#export-submit")
        page.wait_for_url(re.compile(r"#exports"))
        expect(page.locator(f"#export-jobs tr[data-kind='{kind}']")).to_have_count(1)
    for kind in ("stix", "misp", "csv", "report"):  # swapped in by the poll, no reload
        expect(page.locator(f"#export-jobs tr[data-kind='{kind}'][data-state='done'] a.job-file")).to_have_count(
            1, timeout=60_000)
    with page.expect_download() as got:
        page.locator("#export-jobs tr[data-kind='stix'] a.job-file").click()
    assert got.value.suggested_filename == f"{ref}.stix.json"
    page.reload()
    for kind in ("stix", "misp", "csv", "report"):
        expect(page.locator(f"#built-files tr[data-kind='{kind}']")).to_have_count(1)


def test_admin_adds_a_case_member_and_the_member_then_opens_the_case(page_as: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["super1"], "browser membership")
    member = page_as("analyst2")
    assert member.goto(f"/cases/{ref}").status == 403
    admin = page_as("admin1")
    admin.goto("/admin")
    admin.fill("#member-form input[name='case']", ref)
    admin.fill("#member-form input[name='username']", "analyst2")
    admin.select_option("#member-form select[name='action']", "add")
    admin.click("#member-submit")
    admin.wait_for_url(re.compile(r"/admin#users"))
    expect(admin.locator("tr[data-user='analyst2']")).to_contain_text(ref)
    assert member.goto(f"/cases/{ref}").status == 200
