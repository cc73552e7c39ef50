"""What the console's browser tests share: Debian's Chromium (or a clear skip), the login form, and pages that record
every script error, CSP refusal and dialog, so that a test module can assert none happened.

Playwright is imported inside the functions: a module calls `require_chromium()` before anything drives a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from console_world import PASSWORD
from live_server import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


def require_chromium() -> None:
    """Skip the calling module on a machine without Debian's chromium; under CI=true a missing browser fails."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} missing (CI=true: `make test` installs Debian's chromium)", pytrace=False)
        pytest.skip(f"{CHROMIUM} not installed", allow_module_level=True)


@contextmanager
def launched_browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class PageRecorder:
    """New browser contexts (separate cookie jars) at 1280 px, each page recording console errors, uncaught
    exceptions (`pageerror: ...`) and dialogs (dismissed), for the module's own checks at the end."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []

    def new(self, base_url: str, *, session: str | None = None, accept_downloads: bool = False) -> Page:
        """A page on `base_url`; `session`: a session token set as the login cookie (as login does)."""
        context = self.browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                           accept_downloads=accept_downloads)
        if session is not None:
            context.add_cookies([{"name": "lt_session", "value": session, "url": base_url}])
        page = context.new_page()
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.contexts.append(context)
        return page

    def close(self) -> None:
        for c in self.contexts:
            c.close()

    def refused(self) -> list[str]:
        """What the Content-Security-Policy refused."""
        return [p for p in self.problems if "Content Security Policy" in p or "Refused" in p]


def login(page: Page, username: str, code: str | None = None) -> None:
    """Fill and send the login form (`code`: the TOTP code, for roles that need one)."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if code:
        page.fill("#totp", code)
    page.click("#login-submit")
