"""The console's navigation offers each user only the pages their role may open.

A partner used to see every staff page's link (feed, search, actors, cases…)
and was refused on each. The nav now asks `service.access.may_open`, and this
test holds it to the pages themselves: a link is shown exactly where a GET of
that page is not refused (403), for a partner, an analyst and an auditor.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from test_console_uploads import login

from leaktrace.service.access import PAGE_ACTIONS


def _nav_links(html: str) -> set[str]:
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S)
    assert nav is not None
    return set(re.findall(r'href="([^"]+)"', nav.group(1)))


@pytest.mark.parametrize(("who", "home", "must", "never"), [
    ("partner1", "/partner", {"/partner", "/dumps", "/notices"}, {"/feed", "/search", "/actors", "/cases", "/alerts"}),
    ("analyst1", "/feed", {"/feed", "/search", "/cases", "/upload"}, {"/admin", "/audit", "/orgs", "/partner"}),
    ("auditor1", "/audit", {"/audit", "/cases"}, {"/feed", "/dumps", "/admin"}),
])
def test_nav_shows_exactly_the_pages_that_open(app: object, who: str, home: str, must: set[str],
                                               never: set[str]) -> None:
    with TestClient(app) as client:  # type: ignore[arg-type]
        login(client, who)
        first = client.get(home)
        assert first.status_code == 200, first.text[:300]
        shown = _nav_links(first.text)
        assert must <= shown and not (never & shown), (who, sorted(shown))
        for page in PAGE_ACTIONS:
            status = client.get(page, follow_redirects=False).status_code  # 400: opened, nothing built yet
            assert status in (200, 400, 403), (who, page, status)
            assert (page in shown) == (status != 403), (who, page, status, sorted(shown))
