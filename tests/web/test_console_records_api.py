"""The REST routes of the dump, case and admin pages: each rule shown twice, once through the page (session
cookie) and once through the API (bearer token), because both call the same service function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from console_world import ConsoleWorld
from fastapi.testclient import TestClient
from records_world import Dumps

from leaktrace.service import audit
from leaktrace.service.case_work import create_case
from leaktrace.service.sessions import open_session
from leaktrace.service.tokens import issue_token


@pytest.fixture
def clients(app: object, console_world: ConsoleWorld) -> Iterator[Any]:
    """`clients(name, scopes)`: (page client with the account's session, API client with a token of `scopes`)."""
    made: list[TestClient] = []
    ctx, p = console_world.ctx, console_world.accounts.principals

    def make(name: str, scopes: list[str]) -> tuple[TestClient, TestClient]:
        page = TestClient(app)  # type: ignore[arg-type]
        page.cookies.set("lt_session", open_session(ctx, p[name]))
        api = TestClient(app, headers={"Authorization": "Bearer " + issue_token(ctx, p[name], p[name].user_id, scopes)})  # type: ignore[arg-type]
        made.extend((page, api))
        return page, api

    yield make
    for c in made:
        c.close()


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


def test_partner_sees_its_own_dump_attribution_in_page_and_api(clients: Any, dumps: Dumps) -> None:
    own_page, own_api = clients("partner1", ["dump"])  # org-a, the dump's lead
    listed = own_api.get("/api/v1/dumps")
    assert listed.status_code == 200
    assert [r["dump_id"] for r in listed.json()["rows"]] == re.findall(r'<a href="/dumps/(dump-[0-9a-f]+)"',
                                                                        own_page.get("/dumps").text)
    assert [r["dump_id"] for r in listed.json()["rows"]] == [f"dump-{dumps.attributed[:16]}"]
    d = own_api.get(f"/api/v1/dumps/dump-{dumps.attributed[:16]}").json()
    assert d["partner_view"] and d["name"] == "" and d["malformed_samples"] == [] and d["columns"] == []
    assert [r["org"] for r in d["attribution"]["ranking"]] == ["org-a"]  # not org-b's line
    other_page, other_api = clients("partner2", ["dump"])  # org-b
    for r in (other_page.get(f"/dumps/dump-{dumps.attributed[:16]}"),
              other_api.get(f"/api/v1/dumps/dump-{dumps.attributed[:16]}")):
        assert r.status_code == 403
    assert other_api.get("/api/v1/dumps").json()["rows"] == []
    staff = clients("analyst1", ["dump"])[1].get(f"/api/v1/dumps/dump-{dumps.attributed[:16]}?province=11").json()
    assert staff["name"] == "orders.csv" and {r["org"] for r in staff["attribution"]["ranking"]} == {"org-a", "org-b"}
    assert all(c["code"].startswith("11") for c in staff["cities"])
    assert clients("analyst1", ["case"])[1].get("/api/v1/dumps").status_code == 403  # scope without `dump`


def test_non_member_is_refused_the_case_in_page_and_api(clients: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["analyst1"], "api case")
    page, api = clients("analyst1", ["case", "export"])
    assert page.get(f"/cases/{ref}").status_code == 200
    v = api.get(f"/api/v1/cases/{ref}/page").json()
    assert v["ref"] == ref and v["members"] == ["analyst1"] and v["items_page"] == 0 and not v["items_more"]
    assert ref in [r["ref"] for r in api.get("/api/v1/cases").json()["rows"]]
    outsider_page, outsider_api = clients("analyst2", ["case", "export"])
    for r in (outsider_page.get(f"/cases/{ref}"), outsider_api.get(f"/api/v1/cases/{ref}/page"),
              outsider_api.post(f"/api/v1/cases/{ref}/exports", json={"kind": "stix"})):
        assert r.status_code == 403 and "not a member" in r.text, r.text[:200]
    assert ref not in [r["ref"] for r in outsider_api.get("/api/v1/cases").json()["rows"]]
    assert api.get("/api/v1/cases?status=bogus").status_code == 400


def test_export_job_through_the_api_and_audited_download(clients: Any, console_world: ConsoleWorld) -> None:
    from leaktrace.service.case_export_jobs import export_handlers
    from leaktrace.service.worker import Worker
    from leaktrace.store.repo.jobs import JobQueue

    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["analyst1"], "api export")
    _, api = clients("analyst1", ["case", "export"])
    r = api.post(f"/api/v1/cases/{ref}/exports", json={"kind": "misp", "lang": "en"})
    assert r.status_code == 202
    jobs = api.get(f"/api/v1/cases/{ref}/exports").json()["jobs"]
    assert [(j["id"], j["state"], j["file"]) for j in jobs] == [(r.json()["job"], "queued", None)]
    assert Worker(JobQueue(ctx.sessions), export_handlers(ctx), "test-api-exports").drain() == 1
    job = api.get(f"/api/v1/cases/{ref}/exports").json()["jobs"][0]
    assert job["state"] == "done" and (job["done"], job["total"]) == (1, 1) and job["file"].endswith(".json")
    f = api.get(f"/api/v1/cases/{ref}/files/{job['file']}")
    assert f.status_code == 200 and "attachment" in f.headers["content-disposition"] and "Event" in f.json()
    got = [e for e in audit.query(ctx, action="export.download", limit=100) if e.target == f"case:{ref}"]
    assert any(e.detail.get("downloaded") and e.actor == "analyst1" for e in got)
    assert api.post(f"/api/v1/cases/{ref}/exports", json={"kind": "exe"}).status_code == 400


def test_admin_edits_roles_and_memberships_in_page_and_api(clients: Any, console_world: ConsoleWorld) -> None:
    ctx, p = console_world.ctx, console_world.accounts.principals
    ref = create_case(ctx, p["super1"], "admin edits")
    admin_page, admin_api = clients("admin1", ["admin", "users", "case"])
    html = admin_page.get("/admin").text
    assert 'action="/admin/members"' in html and 'class="inline role-form"' in html
    r = admin_page.post("/admin/members", data={"csrf": _csrf(html), "case": ref, "username": "analyst2",
                                                "action": "add"}, follow_redirects=False)
    assert r.status_code == 303
    analyst2_page, analyst2_api = clients("analyst2", ["case"])
    assert analyst2_page.get(f"/cases/{ref}").status_code == 200
    assert analyst2_api.get(f"/api/v1/cases/{ref}/page").status_code == 200
    assert ref in admin_api.get("/api/v1/admin").json()["memberships"]["analyst2"]
    r = admin_api.post(f"/api/v1/cases/{ref}/members", json={"username": "analyst2", "action": "remove"})
    assert r.status_code == 200
    assert analyst2_api.get(f"/api/v1/cases/{ref}/page").status_code == 403
    assert analyst2_page.get(f"/cases/{ref}").status_code == 403
    kinds = [e.action for e in audit.query(ctx, limit=500) if e.target == f"case:{ref}"]
    assert "case.member_add" in kinds and "case.member_remove" in kinds
    # The edit needs the CSRF token, and an admin's role (analyst: refused in both).
    assert admin_page.post("/admin/members", data={"case": ref, "username": "analyst2", "action": "add"},
                           follow_redirects=False).status_code == 403
    assert analyst2_page.post("/admin/members", data={"csrf": _csrf(analyst2_page.get("/cases").text), "case": ref,
                                                      "username": "analyst2", "action": "add"}).status_code == 403
    assert analyst2_api.get("/api/v1/admin").status_code == 403

    # Roles: the page and the API call `accounts.set_role`, what `leaktrace users role` calls (audited there).
    r = admin_page.post("/admin/users/auditor1/role", data={"csrf": _csrf(admin_page.get("/admin").text),
                                                            "role": "analyst"}, follow_redirects=False)
    assert r.status_code == 303
    users = {u["username"]: u for u in admin_api.get("/api/v1/admin").json()["users"]}
    assert users["auditor1"]["role"] == "analyst"
    r = admin_api.post("/api/v1/admin/users/auditor1/role", json={"role": "auditor"})
    assert r.status_code == 200 and r.json()["role"] == "auditor"
    roles = [(e.actor, e.detail.get("to")) for e in audit.query(ctx, action="user.role", limit=50)
             if e.target == "user:auditor1"]
    assert ("admin1", "analyst") in roles and ("admin1", "auditor") in roles
    assert admin_api.post("/api/v1/admin/users/partner1/role", json={"role": "partner"}).status_code == 400  # no org
    assert admin_api.post("/api/v1/admin/users/auditor1/role", json={"role": "root"}).status_code == 400


def test_admin_api_redacts_secrets_and_openapi_documents_the_routes(clients: Any, app: Any, console_world: ConsoleWorld,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import SecretStr

    ctx = console_world.ctx
    monkeypatch.setattr(ctx, "settings", ctx.settings.model_copy(update={
        "keyring_passphrase": SecretStr("hunter2-passphrase"),
        "database_url": "postgresql+psycopg://lt:hunter2-db@db.internal/leaktrace"}))
    _, api = clients("admin1", ["admin", "users"])
    assert clients("admin1", ["admin"])[1].get("/api/v1/admin").status_code == 403  # accounts need `users` too
    r = api.get("/api/v1/admin")
    assert r.status_code == 200 and "hunter2" not in r.text
    settings = {row["name"]: row for row in r.json()["settings"]}
    assert settings["keyring_passphrase"]["value"] == "***" and "***" in settings["database_url"]["value"]
    paths = TestClient(app).get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/dumps", "/api/v1/dumps/{ref}", "/api/v1/cases", "/api/v1/cases/{ref}/page",
                 "/api/v1/cases/{ref}/exports", "/api/v1/cases/{ref}/files/{build_dir}/{name}",
                 "/api/v1/cases/{ref}/members", "/api/v1/admin", "/api/v1/admin/users/{username}/role"):
        assert path in paths, path


def test_settings_edited_on_the_admin_page_and_the_api(clients: Any, console_world: ConsoleWorld, tmp_path: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import tomllib

    page, api = clients("admin1", ["admin", "users"])
    html = page.get("/admin").text
    assert 'class="inline setting-form"' not in html and 'id="settings-note"' in html  # no settings file: read-only
    path = tmp_path / "leaktrace.toml"
    path.write_text("# ops\nsmtp_host = \"relay.internal\"\n", "utf-8")
    monkeypatch.setenv("LEAKTRACE_CONFIG", str(path))
    monkeypatch.setenv("LEAKTRACE_SMTP_PORT", "2525")
    html = page.get("/admin").text
    assert 'action="/admin/settings/smtp_from"' in html and 'action="/admin/settings/smtp_port"' not in html
    assert 'action="/admin/settings/keyring' not in html and 'action="/admin/settings/database_url"' not in html
    r = page.post("/admin/settings/smtp_from", data={"csrf": _csrf(html), "value": "desk@example.org"},
                  follow_redirects=False)
    assert r.status_code == 303
    r = api.post("/api/v1/admin/settings/notify_timeout_s", json={"value": "3"})
    assert r.status_code == 200 and r.json()["value"] == 3.0
    r = api.post("/api/v1/admin/settings/smtp_port", json={"value": "25"})
    assert r.status_code == 400 and "set by the environment" in r.json()["error"]
    doc = tomllib.loads(path.read_text("utf-8"))
    assert doc == {"smtp_host": "relay.internal", "smtp_from": "desk@example.org", "notify_timeout_s": 3.0}
    assert page.post("/admin/settings/smtp_from", data={"value": "x@example.org"}).status_code == 403  # no CSRF
    _, analyst_api = clients("analyst1", ["admin"])
    assert analyst_api.post("/api/v1/admin/settings/smtp_from", json={"value": "x@example.org"}).status_code == 403
    assert tomllib.loads(path.read_text("utf-8"))["smtp_from"] == "desk@example.org"


def test_an_export_queued_by_an_account_disabled_since_builds_nothing(console_world: ConsoleWorld) -> None:
    from leaktrace.service.access import Principal, Role, local_operator
    from leaktrace.service.accounts import create_user, disable_user
    from leaktrace.service.case_export_jobs import export_handlers, export_jobs, queue_build
    from leaktrace.service.worker import Worker
    from leaktrace.store.repo.jobs import JobQueue

    ctx = console_world.ctx
    view, _ = create_user(ctx, "leaver", "analyst", actor=local_operator("tests"))
    leaver = Principal(view.id, "leaver", Role.ANALYST, None, None, "tests")
    ref = create_case(ctx, leaver, "queued then disabled")
    queue_build(ctx, leaver, ref, "stix")
    disable_user(ctx, "leaver", actor=local_operator("tests"))
    assert Worker(JobQueue(ctx.sessions), export_handlers(ctx), "test-leaver").drain() == 1
    job = export_jobs(ctx, console_world.accounts.principals["super1"], ref)[0]
    assert job.state == "failed" and job.file is None and "disabled" in (job.error or "")
    assert not (ctx.data_dir / "exports" / ref).exists()
