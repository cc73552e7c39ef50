"""The dump, case, organisation and admin pages over HTTP (in process), as each role sees them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from console_world import ConsoleWorld
from fastapi.testclient import TestClient
from records_world import Dumps

from leaktrace.service import audit
from leaktrace.service.case_work import create_case, set_assignee, set_status
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.sessions import open_session


@pytest.fixture
def as_user(app: object, console_world: ConsoleWorld) -> Iterator[Any]:
    """A TestClient logged in as the named account (a session opened for its principal, as login does)."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(app)  # type: ignore[arg-type]
        c.cookies.set("lt_session", open_session(console_world.ctx, console_world.accounts.principals[name]))
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


def test_dump_page_draws_every_section_with_its_table(as_user: Any, dumps: Dumps) -> None:
    r = as_user("analyst1").get(f"/dumps/dump-{dumps.attributed[:16]}")
    assert r.status_code == 200, r.text[:300]
    html = r.text
    for part in ('data-chart="map"', 'id="province-table"', 'id="city-table"', 'data-chart="ages"', 'id="age-table"',
                 'data-chart="gender"', 'id="gender-table"', 'id="padding-table"', 'id="novelty-table"',
                 'id="ranking"', "org-b", "2e-09"):
        assert part in html, part
    assert 'id="missing-fields"' not in html
    assert re.search(r"<script(?![^>]*src=)", html) is None  # chart numbers ride in a data attribute, not a script


def test_click_on_a_province_lists_its_cities_only(as_user: Any, dumps: Dumps) -> None:
    r = as_user("analyst1").get(f"/dumps/{dumps.attributed[:12]}/cities?province=44")
    assert r.status_code == 200
    codes = re.findall(r'<tr data-code="(\d+)"', r.text)
    assert codes and all(c.startswith("44") for c in codes)
    assert "广州" in r.text or "深圳" in r.text


def test_an_older_report_shows_what_it_has_and_names_what_is_missing(as_user: Any, dumps: Dumps) -> None:
    r = as_user("analyst1").get(f"/dumps/dump-{dumps.old[:16]}")
    assert r.status_code == 200
    missing = re.search(r'id="missing-fields">[^<]*<code>([^<]*)</code>', r.text)
    assert missing is not None
    for field in ("padding", "novelty", "age_buckets", "gender", "cities_by_id"):
        assert field in missing.group(1)
    assert "北京市" in r.text and "600" in r.text  # what it has is shown
    assert 'id="padding-table"' not in r.text and 'id="no-attribution"' in r.text


def test_partner_sees_only_its_own_organisations_dump_without_rows(as_user: Any, dumps: Dumps) -> None:
    own = as_user("partner1")  # org-a, the dump's lead
    listed = own.get("/dumps").text
    assert f"dump-{dumps.attributed[:16]}" in listed and f"dump-{dumps.old[:16]}" not in listed
    page = own.get(f"/dumps/dump-{dumps.attributed[:16]}")
    assert page.status_code == 200 and 'id="partner-note"' in page.text
    assert "org-b" not in page.text  # another organisation's line of the ranking
    assert 'id="malformed"' not in page.text and 'id="columns"' not in page.text and "orders.csv" not in page.text
    other = as_user("partner2")  # org-b
    assert other.get(f"/dumps/dump-{dumps.attributed[:16]}").status_code == 403
    assert f"dump-{dumps.attributed[:16]}" not in other.get("/dumps").text
    assert own.get(f"/dumps/dump-{dumps.old[:16]}").status_code == 403


def test_case_list_filters_by_status_assignee_and_tlp(as_user: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    red = create_case(ctx, p["super1"], "filter red", tlp="red")
    green = create_case(ctx, p["super1"], "filter green", tlp="green")
    set_status(ctx, p["super1"], green, "in_review")
    set_assignee(ctx, p["super1"], red, "analyst2")
    c = as_user("super1")

    def refs(query: str) -> set[str]:
        return set(re.findall(r'class="case-row" data-ref="([^"]+)"', c.get("/cases?" + query).text))

    assert {red, green} <= refs("")
    assert red in refs("tlp=red") and green not in refs("tlp=red")
    assert green in refs("status=in_review") and red not in refs("status=in_review")
    assert refs("assignee=analyst2") >= {red} and green not in refs("assignee=analyst2")
    assert c.get("/cases?status=bogus").status_code == 400
    assert red in set(re.findall(r'data-ref="([^"]+)"', as_user("analyst2").get("/cases").text))  # made a member
    assert red not in set(re.findall(r'data-ref="([^"]+)"', as_user("analyst1").get("/cases").text))


def test_the_author_cannot_sign_off_a_supervisor_who_is_not_can(as_user: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["super1"], "sign-off by another supervisor")
    author = as_user("super1")
    page = author.get(f"/cases/{ref}")
    assert "built-in method" not in page.text and "built-in method" not in author.get("/cases").text  # no key missed
    assert 'id="signoff-refusal"' in page.text and 'id="signoff-form"' not in page.text
    r = author.post(f"/cases/{ref}/signoff", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 403 and "author" in r.text
    admin = as_user("admin1")
    page = admin.get(f"/cases/{ref}")
    r = admin.post(f"/cases/{ref}/signoff", data={"csrf": _csrf(page.text), "note": "checked"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "admin1" in admin.get(f"/cases/{ref}").text
    entries = [e for e in audit.query(ctx, action="case.signoff", limit=50) if e.target == f"case:{ref}"]
    assert [e.actor for e in entries] == ["admin1"]
    with pytest.raises(PermissionDenied):  # twice is refused too
        from leaktrace.service.case_work import sign_off

        sign_off(ctx, p["super1"], ref)


def test_exports_build_from_the_page_and_downloads_are_audited(as_user: Any, console_world: ConsoleWorld) -> None:
    """The page queues each build as a `case.export` job; it shows the job's progress until a worker has built
    it, then the file's download link."""
    from leaktrace.service.case_export_jobs import export_handlers
    from leaktrace.service.worker import Worker
    from leaktrace.store.repo.jobs import JobQueue

    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["analyst1"], "exports from the page")
    # A bundle carries the store's custody log: the store has one once anything was taken into evidence.
    ctx.evidence.put_bytes(b"<html>seized listing</html>", source_url="http://market.onion/1", collector="tests",
                           media_type="text/html")
    c = as_user("analyst1")
    for kind in ("stix", "misp", "csv", "report", "bundle"):
        page = c.get(f"/cases/{ref}")
        r = c.post(f"/cases/{ref}/export", data={"csrf": _csrf(page.text), "kind": kind, "lang": "en"},
                   follow_redirects=False)
        assert r.status_code == 303, (kind, r.text[:300])
    page = c.get(f"/cases/{ref}").text
    assert re.findall(r'data-kind="([a-z_]+)" data-state="queued"', page) == ["bundle", "report", "csv", "misp", "stix"]
    assert 'id="built-files"' in page and "<tr data-kind=" not in page  # nothing built inside the request
    poll = c.get(f"/cases/{ref}/exports").text
    assert 'hx-trigger="every 2s"' in poll and poll.count('data-state="queued"') == 5
    assert Worker(JobQueue(ctx.sessions), export_handlers(ctx), "test-exports").drain() == 5
    poll = c.get(f"/cases/{ref}/exports").text
    assert "hx-trigger" not in poll and poll.count('data-state="done"') == 5 and poll.count('class="job-file"') == 5
    page = c.get(f"/cases/{ref}").text
    links = {k: h for k, h in re.findall(r'<tr data-kind="([a-z_]+)"><td><a href="([^"]+)"', page)}
    assert set(links) == {"stix", "misp", "csv", "report", "bundle"}
    stix = c.get(links["stix"])
    assert stix.status_code == 200 and stix.json()["type"] == "bundle"
    assert "attachment" in stix.headers["content-disposition"]
    assert c.get(links["bundle"]).content[:2] == b"PK"
    assert ref in c.get(links["report"]).text
    got = [e for e in audit.query(ctx, action="evidence.download", limit=200) if e.target == f"case:{ref}"]
    assert any(e.detail.get("downloaded") for e in got), got
    assert c.get(f"/cases/{ref}/files/..%2F..%2Fkeys/x").status_code in (400, 404)
    assert as_user("analyst2").get(links["stix"]).status_code == 403  # not a member
    assert as_user("analyst2").get(f"/cases/{ref}/exports").status_code == 403
    other = as_user("analyst2")
    r = other.post(f"/cases/{ref}/export", data={"csrf": _csrf(other.get("/cases").text), "kind": "stix"},
                   follow_redirects=False)
    assert r.status_code == 403 and "not a member" in r.text  # refused when asked, not later in the worker


def test_orgs_page_lists_partner_accounts_tokens_and_quotas(as_user: Any, console_world: ConsoleWorld) -> None:
    from leaktrace.service.partners import issue_org_token

    issue_org_token(console_world.ctx, console_world.accounts.principals["admin1"], "org-a", daily_quota=5000)
    html = as_user("super1").get("/orgs").text
    row = re.search(r'data-org="org-a">(.*?)</tr>', html, re.S)
    assert row is not None and "partner1" in row.group(1) and "5,000" in row.group(1)
    assert as_user("analyst1").get("/orgs").status_code == 403


def test_admin_page_redacts_secrets_and_shows_sources(as_user: Any) -> None:
    html = as_user("admin1").get("/admin").text
    assert 'data-setting="data_dir"' in html and 'id="sources"' in html and 'data-user="partner1"' in html
    assert "LT-MEMBERS" in html  # analyst1's membership
    assert as_user("super1").get("/admin").status_code == 403
