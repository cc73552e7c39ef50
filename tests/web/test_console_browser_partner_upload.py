"""Uploads and partner isolation in a real browser (Debian's Chromium via Playwright), as test_console_browser.

The upload form is sent by the browser itself (multipart, streamed by the
console into sealed evidence); a partner logs in, lands on its
organisation's page and cannot open another organisation's result or any
download.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from console_world import ConsoleWorld
from partner_world import ensure_attributions
from test_console_browser import base_url, login, page_for  # noqa: F401  (fixtures, and the skip)
from test_console_uploads import SOURCE, simulated_warc

from playwright.sync_api import expect  # isort: skip  (after the module that skips without Chromium)


def test_analyst_uploads_a_warc_and_a_damaged_one_is_refused(page_for: Any, console_world: ConsoleWorld) -> None:  # noqa: F811
    page = page_for()
    login(page, "analyst1")
    page.wait_for_url(re.compile(r"/feed"))
    page.click("#nav-upload")
    page.wait_for_url(re.compile(r"/upload"))
    data = simulated_warc(console_world.root, "BROWSERWARC", n=2)
    page.select_option("#upload-kind", "warc")
    page.fill("#upload-source", SOURCE["source"])
    page.fill("input[name=legal_basis]", SOURCE["legal_basis"])
    page.fill("input[name=owner]", SOURCE["owner"])
    page.set_input_files("#upload-file", files=[{"name": "browser.warc.gz", "mimeType": "application/warc",
                                                 "buffer": data}])
    page.click("#upload-send")
    expect(page.locator("#result-sha")).to_have_text(hashlib.sha256(data).hexdigest())
    expect(page.locator("#result-summary")).to_contain_text("2 document(s)")
    page.select_option("#upload-kind", "warc")
    page.fill("#upload-source", SOURCE["source"])
    page.set_input_files("#upload-file", files=[{"name": "cut.warc.gz", "mimeType": "application/warc",
                                                 "buffer": data[:-150]}])
    page.click("#upload-send")
    expect(page.locator("#upload-error")).to_contain_text("cut.warc.gz: ")


def test_partner_sees_its_own_organisation_only(page_for: Any, console_world: ConsoleWorld) -> None:  # noqa: F811
    from leaktrace.service.tokens import issue_token

    ids = ensure_attributions(console_world.ctx)
    page = page_for()
    login(page, "partner1")
    page.wait_for_url(re.compile(r"/partner"))
    expect(page.locator("#partner-org")).to_have_text("org-a")
    expect(page.locator(f'[data-attribution="{ids["att-a"]}"]')).to_be_visible()
    expect(page.locator(f'[data-attribution="{ids["att-b"]}"]')).to_have_count(0)
    expect(page.locator("#nav-upload")).to_have_count(0)
    page.locator(f'[data-attribution="{ids["att-a"]}"] a').click()
    expect(page.locator("#attribution-id")).to_have_text(str(ids["att-a"]))
    for guessed in (ids["att-b"], ids["att-a-red"]):
        response = page.goto(f"/partner/attributions/{guessed}")
        assert response is not None and response.status == 404
        expect(page.locator("#error .message")).to_have_text(f"attribution result {guessed}: no such attribution result")
    response = page.goto("/listing/1/screenshot")
    assert response is not None and response.status == 403
    p = console_world.accounts.principals["partner1"]
    token = issue_token(console_world.ctx, p, p.user_id, ["attribution"])
    api = page.request.get(f"/api/v1/partner/attributions/{ids['att-b']}", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 404


def test_oversize_upload_shows_the_413_page(page_for: Any, console_world: ConsoleWorld,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_world.ctx.settings, "console_upload_max_bytes", 70_000)
    page = page_for()
    login(page, "analyst2")
    page.wait_for_url(re.compile(r"/feed"))
    page.goto("/upload")
    page.select_option("#upload-kind", "dump")
    page.set_input_files("#upload-file", files=[{"name": "big.csv", "mimeType": "text/csv",
                                                 "buffer": b"a,b\n" + b"1,2\n" * 500_000}])
    with page.expect_response(lambda r: r.url.endswith("/upload") and r.request.method == "POST") as info:
        page.click("#upload-send")
    assert info.value.status == 413
    expect(page.locator("#upload-error")).to_contain_text("upload limit of 70,000 bytes")
