"""Actor pages in a real browser (Debian's headless Chromium, Playwright): the chart, a supervisor's decision,
hostile labels and a graph too large to draw. Every page is watched for CSP violations and script errors.

Skipped on a machine without /usr/bin/chromium, except under CI=true (as test_console_browser).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from browser_kit import PageRecorder, require_chromium
from browser_kit import login as fill_login
from console_world import PASSWORD, ConsoleWorld, open_case
from graph_fixtures import HOSTILE, first_pending, graph_ready, synthetic_graph
from live_server import serving
from playwright.sync_api import Browser, Page, expect

from leaktrace.core.graph_types import GraphResult
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.graph.build import save_snapshot
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.service.access import local_operator
from leaktrace.service.audit import query

require_chromium()

SUPERVISOR = "super_graph"


@pytest.fixture(scope="module")
def graph(console_world: ConsoleWorld) -> GraphResult:
    return graph_ready(console_world.ctx)


@pytest.fixture(scope="module")
def supervisor_seed(console_world: ConsoleWorld) -> str:
    """A supervisor of this module's own (its TOTP steps are not spent by other modules' logins)."""
    from leaktrace.service.accounts import change_password, create_user, enroll_totp

    ctx = console_world.ctx
    _, once = create_user(ctx, SUPERVISOR, "supervisor", actor=local_operator("tests"))
    seed = enroll_totp(ctx, SUPERVISOR).secret
    change_password(ctx, SUPERVISOR, once, PASSWORD, pyotp.TOTP(seed).now(), "tests")
    return seed


@pytest.fixture(scope="module")
def base_url(console_world: ConsoleWorld, graph: GraphResult) -> Iterator[str]:
    with serving(console_world.ctx) as base:
        yield base


def _close_clean(pages: PageRecorder) -> None:
    """Close the pages; none may have had a CSP refusal, an uncaught script error or a dialog."""
    pages.close()
    assert not pages.refused() and not [p for p in pages.problems if "pageerror" in p], pages.problems
    assert not pages.dialogs, pages.dialogs


@pytest.fixture
def page_for(browser: Browser, base_url: str) -> Iterator[Any]:
    pages = PageRecorder(browser)
    yield lambda: pages.new(base_url, accept_downloads=True)
    _close_clean(pages)


def login(page: Page, username: str, code: str | None = None) -> None:
    fill_login(page, username, code)
    page.wait_for_url(re.compile(r"/feed"))


def _rendered(page: Page) -> None:
    page.wait_for_selector("#link-chart[data-rendered='1']", timeout=20_000)


def _lead(graph: GraphResult) -> tuple[str, str]:
    lead = first_pending(graph)
    return next(a.actor for a in graph.accounts if a.key == lead.a), lead.id


def test_open_an_actor_and_expand_its_chart(page_for: Any, graph: GraphResult) -> None:
    aid, _ = _lead(graph)
    actor = next(a for a in graph.actors if a.id == aid)
    page = page_for()
    login(page, "analyst1")
    page.goto("/actors")
    page.click(f"a.actor-link[href='/actors/{aid}']")
    _rendered(page)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280  # laid out for 1280 px
    expect(page.locator("#aliases")).to_contain_text(actor.accounts[0])
    page.select_option("#chart-depth", "0")
    expect(page.locator("#link-chart")).to_have_attribute("data-nodes", str(len(actor.accounts)))
    _rendered(page)
    before = int(page.locator("#link-chart").get_attribute("data-nodes") or 0)
    page.locator("#link-chart").scroll_into_view_if_needed()
    # Two frames for the page's scroll handlers: cytoscape learns its container's new place from them, and a click
    # before that lands where the chart used to be (seen on a loaded machine).
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    x, y = page.evaluate("(() => { const p = window.ltChart.nodes()[0].renderedPosition(); return [p.x, p.y]; })()")
    box = page.locator("#link-chart").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)  # a real click on the node's disc
    expect(page.locator("#chart-expand")).to_be_enabled()
    page.click("#chart-expand")
    expect(page.locator("#link-chart")).not_to_have_attribute("data-nodes", str(before))
    assert int(page.locator("#link-chart").get_attribute("data-nodes") or 0) > before
    # Filters: only inferred edges left visible, and the table behind the toggle lists exactly those.
    for box_ in page.locator("input.standing-filter").all():
        if box_.get_attribute("value") != "inferred":
            box_.uncheck()
    shown = page.evaluate("window.ltChart.edges().not('.filtered').length")
    inferred = page.evaluate("window.ltChart.edges('[standing = \"inferred\"]').length")
    assert shown == inferred
    page.click("button[data-toggle='link-table']")
    expect(page.locator("#link-table tbody tr")).to_have_count(shown)
    with page.expect_download() as dl:
        page.click("#chart-png")
    assert dl.value.suggested_filename == f"leaktrace-{aid}.png"
    page.click("button[data-toggle='price-table']")
    expect(page.locator("#price-table tbody tr")).to_have_count(actor.posts)
    page.wait_for_selector("#price-chart[data-rendered='1']")


def test_group_page_draws_map_and_money_flows(page_for: Any, graph: GraphResult) -> None:
    g = graph.groups[0]
    page = page_for()
    login(page, "analyst1")
    page.goto(f"/groups/{g.id}")
    expect(page.locator("#members tbody tr")).to_have_count(len(g.actors))
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    page.wait_for_selector("#province-map[data-rendered='1']", timeout=20_000)
    page.wait_for_selector("#money-sankey[data-rendered='1']", timeout=20_000)
    expect(page.locator("#province-table tbody tr").first).to_be_visible()  # the table beside the map
    expect(page.locator("#flow-table")).to_be_hidden()
    page.click("button[data-toggle='flow-table']")
    expect(page.locator("#flow-table tbody tr").first).to_be_visible()


def test_a_supervisor_confirms_an_inferred_link_and_the_next_build_and_report_show_it(
        page_for: Any, graph: GraphResult, supervisor_seed: str, console_world: ConsoleWorld, tmp_path: Path) -> None:
    from leaktrace.pipeline.case_assembly import build_case
    from leaktrace.pipeline.case_exports import write_case_report

    ctx = console_world.ctx
    aid, link_id = _lead(graph)
    lead = next(lk for lk in graph.links if lk.id == link_id)
    page = page_for()
    login(page, SUPERVISOR, pyotp.TOTP(supervisor_seed).at(time.time() + 30))  # the set-up spent this step
    page.goto(f"/actors/{aid}")
    row = page.locator(f"#pending-{link_id}")
    row.locator("input.decision-reason").fill("same PGP-signed message on both markets")
    row.locator("button.do-confirm").click()
    expect(row).to_contain_text("applies at the next graph build")
    entry = next(e for e in query(ctx, action="link.confirm", limit=20) if e.target == f"link:{link_id}")
    assert entry.actor == SUPERVISOR and entry.reason == "same PGP-signed message on both markets"

    rebuilt = graph_access.rebuild(ctx)  # what `leaktrace graph build` does
    link = next(lk for lk in rebuilt.links if lk.id == link_id)
    assert link.basis == "confirmed"
    new_actor = next(a.actor for a in rebuilt.accounts if a.key == lead.a)
    page.goto(f"/actors/{new_actor}")
    _rendered(page)
    assert page.evaluate(f"window.ltChart.getElementById('{link_id}').data('standing')") == "confirmed"
    expect(page.locator(f"#pending-{link_id}")).to_have_count(0)

    open_case(ctx, "LT-GRAPH", [])
    build_case(ctx, "LT-GRAPH", added_by="tests")
    files = write_case_report(ctx, "LT-GRAPH", tmp_path / "report", lang="en")
    html = Path(files.html).read_text(encoding="utf-8")
    rows = [r for r in re.findall(r"<tr>.*?</tr>", html, flags=re.S) if lead.a in r and lead.b in r]
    assert rows and any(re.search(r">\s*confirmed\s*<", r) for r in rows), rows[:2]


def test_an_analyst_cannot_confirm(page_for: Any, graph: GraphResult, console_world: ConsoleWorld) -> None:
    now = graph_access.snapshot(console_world.ctx)
    lead = next((lk for lk in now.links if lk.basis == "inferred"), now.links[0])
    aid = next(a.actor for a in now.accounts if a.key == lead.a)
    page = page_for()
    login(page, "analyst1")
    page.goto(f"/actors/{aid}")
    expect(page.locator("#supervisor-only")).to_be_visible()
    expect(page.locator("button.do-confirm")).to_have_count(0)
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    r = page.request.post("/links/decision", form={"csrf": token or "", "link": lead.id, "decision": "confirm",
                                                   "reason": "I am only an analyst"},
                          headers={"HX-Request": "true"})
    assert r.status == 403 and "supervisor" in r.json()["needed_roles"]


# -- hostile and oversized graphs, in a data directory of their own ------------------------------------

@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from leaktrace.service.accounts import change_password, create_user

    root = tmp_path_factory.mktemp("hostile-graph")
    ctx = Context(Settings(data_dir=root / "data"), keyring=Keyring.generate())
    try:
        save_snapshot(synthetic_graph(5001, 5000, hostile=True), ctx.data_dir)  # a star: A0 has 5,000 neighbours
        _, once = create_user(ctx, "hostile_an", "analyst", actor=local_operator("tests"))
        change_password(ctx, "hostile_an", once, PASSWORD, None, "tests")
        with serving(ctx) as base:
            yield base
    finally:
        ctx.close()


@pytest.fixture
def hostile_page(browser: Browser, hostile_base: str) -> Iterator[Page]:
    pages = PageRecorder(browser)
    page = pages.new(hostile_base, accept_downloads=True)
    login(page, "hostile_an")
    yield page
    _close_clean(pages)


def test_hostile_handles_are_drawn_inert(hostile_page: Page) -> None:
    page = hostile_page
    for n, text in enumerate(HOSTILE, start=1):
        page.goto(f"/actors/A{n}")
        _rendered(page)
        assert "pwned" not in page.title()
        assert page.locator("img[src=x], #link-chart script").count() == 0
        labels = page.evaluate("window.ltChart.nodes().map(n => n.data('label'))")
        assert labels and all(len(x) <= 62 for x in labels)
        alias = page.locator("#aliases td.alias").first.inner_text()
        if text.startswith("<"):
            assert text[:12] in alias  # shown as text
        if "\u202e" in text or "\u200b" in text:
            assert "U+20" in alias and "\u202e" not in alias and "\u200b" not in alias
        if len(text) > 1000:
            assert len(alias) < 400
    assert page.evaluate("document.dir") in ("", "ltr")


def test_a_graph_too_large_says_filter_first(hostile_page: Page) -> None:
    page = hostile_page
    page.goto("/actors/A0")
    message = page.locator("#chart-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Filter first")
    expect(page.locator("#link-chart")).to_be_hidden()
    assert page.evaluate("1 + 1") == 2  # the tab still answers
    page.select_option("#chart-depth", "0")
    _rendered(page)
    expect(page.locator("#link-chart")).to_have_attribute("data-nodes", "1")
    # Expanding the hub from a small chart is refused the same way, and the chart stays as it was.
    page.goto("/actors/A9")
    _rendered(page)
    page.evaluate("window.ltChart.getElementById('bench:seller00000').select()")
    page.click("#chart-expand")
    expect(page.locator("#chart-message")).to_contain_text("Filter first")
    expect(page.locator("#link-chart")).to_have_attribute("data-nodes", "2")
