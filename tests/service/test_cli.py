"""`leaktrace users ...` and `leaktrace audit ...` end to end, on SQLite and on PostgreSQL by URL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import update

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context
from leaktrace.service import accounts, tokens
from leaktrace.store.models import AuditEntry


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgresql":
        monkeypatch.setenv("LEAKTRACE_DATABASE_URL", request.getfixturevalue("pg_new_schema_url")())
        get_settings.cache_clear()
    return str(request.param)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_lifecycle(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "users", "add", "Ana", "--role", "analyst", "--json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["username"], doc["role"], doc["must_change_password"]) == ("ana", "analyst", True)
    otp = doc["one_time_password"]
    with open_context(get_settings()) as ctx:
        p = accounts.change_password(ctx, "ana", otp, "a much longer password", None, "c")
        assert p.username == "ana"
    code, out, _ = _run(capsys, "users", "add", "acme", "--role", "partner", "--org", "ACME")
    assert code == 0 and "one-time password: " in out
    code, _, err = _run(capsys, "users", "add", "ana", "--role", "analyst")
    assert code == 2 and "already exists" in err
    code, _, err = _run(capsys, "users", "add", "bob", "--role", "wizard")
    assert code == 2 and "role 'wizard'" in err
    code, out, _ = _run(capsys, "users", "list", "--json")
    rows = [json.loads(x) for x in out.splitlines()]
    assert [(r["username"], r["role"], r["org_id"]) for r in rows] == [("acme", "partner", "ACME"), ("ana", "analyst", None)]
    assert _run(capsys, "users", "role", "ana", "supervisor")[:2] == (0, "ana: supervisor\n")
    with open_context(get_settings()) as ctx:
        from leaktrace.pipeline.case_items import create_case

        with ctx.session() as s:
            ref = create_case(s, "cli membership", created_by="shell:tests").ref
            s.commit()
    assert _run(capsys, "users", "member", ref, "ana")[:2] == (0, f"ana: member of {ref}\n")
    assert _run(capsys, "users", "member", ref, "ana", "--remove")[:2] == (0, f"ana: removed from {ref}\n")
    code, _, err = _run(capsys, "users", "member", ref, "acme")
    assert code != 0 and "partner" in err  # partners are never case members
    code, out, _ = _run(capsys, "users", "reset", "ana", "--json")
    assert code == 0 and json.loads(out)["one_time_password"] != otp
    assert _run(capsys, "users", "disable", "ana")[:2] == (0, "ana: disabled\n")
    code, out, _ = _run(capsys, "users", "token", "acme", "--scope", "exposure", "--days", "30")
    token = out.strip()
    assert code == 0 and token.startswith("lt_")
    code, out, _ = _run(capsys, "users", "tokens", "acme", "--json")
    [tv] = [json.loads(x) for x in out.splitlines()]
    assert tv["scopes"] == ["exposure"] and token not in out
    with open_context(get_settings()) as ctx:
        assert tokens.principal_for_token(ctx, token, "c") is not None
    assert _run(capsys, "users", "revoke-token", tv["token_id"])[0] == 0
    with open_context(get_settings()) as ctx:
        assert tokens.principal_for_token(ctx, token, "c") is None
    code, out, _ = _run(capsys, "audit", "show", "--json", "--limit", "100")
    actions = [json.loads(x)["action"] for x in out.splitlines()]
    for expected in ("user.create", "login.password_change", "user.role", "case.member_add", "case.member_remove",
                     "user.reset", "user.disable", "token.issue", "token.revoke"):
        assert expected in actions
    assert all(json.loads(x)["actor"].startswith("shell:") for x in out.splitlines()
               if json.loads(x)["action"].startswith("user."))
    assert otp not in out and token not in out


def test_audit_verify_export_and_tamper(backend: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(capsys, "users", "add", "ana", "--role", "analyst")[0] == 0
    assert _run(capsys, "users", "add", "ben", "--role", "auditor")[0] == 0
    code, out, _ = _run(capsys, "audit", "verify")
    assert code == 0 and out.startswith("ok: 2 audit entries, chain and signatures verified; head 2:")
    dest = tmp_path / "audit.jsonl"
    code, out, _ = _run(capsys, "audit", "export", "-o", str(dest), "--action", "user.*")
    assert code == 0 and "wrote 2 entries" in out
    assert oct(dest.stat().st_mode & 0o777) == "0o600"
    assert [json.loads(x)["target"] for x in dest.read_text().splitlines()] == ["user:ana", "user:ben"]
    code, out, _ = _run(capsys, "audit", "show", "--action", "audit.export", "--json")
    assert code == 0 and json.loads(out)["detail"]["entries"] == 2
    with open_context(get_settings()) as ctx, ctx.session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(target="user:mallory"))
        s.commit()
    code, out, err = _run(capsys, "audit", "verify", "--json")
    assert code == 4
    assert json.loads(out) == {"ok": False, "entries": 2, "first_bad_seq": 2,
                               "problem": "its content does not match its hash (the entry was altered)", "head": None}
    assert "audit log: entry 2:" in err
    code, _, err = _run(capsys, "audit", "show", "--since", "yesterday")
    assert code == 2 and "--since" in err
    assert os.environ.get("LEAKTRACE_DATABASE_URL", "").startswith("postgresql") == (backend == "postgresql")


def test_exports_from_the_shell_are_audited(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(capsys, "case", "new", "电商订单", "--ref", "C-9")[0] == 0
    assert _run(capsys, "case", "export", "C-9", "--format", "stix", "--out", str(tmp_path / "x"))[0] == 0
    assert _run(capsys, "case", "export", "C-9", "--format", "csv", "--out", str(tmp_path / "y"))[0] == 0
    code, out, _ = _run(capsys, "audit", "show", "--action", "export.download", "--json")
    rows = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and [(r["target"], r["detail"]["format"]) for r in rows] == [("case:C-9", "csv"), ("case:C-9", "stix")]
    assert rows[1]["detail"]["path"] == str(tmp_path / "x" / "C-9.stix.json")


def test_admin_lists_and_revokes_sessions_from_the_shell(capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.service import sessions

    with open_context(get_settings()) as ctx:
        _, otp = accounts.create_user(ctx, "ana", "analyst")
        token = sessions.open_session(ctx, accounts.change_password(ctx, "ana", otp, "a much longer password",
                                                                    None, "10.1.2.3"))
    code, out, _ = _run(capsys, "users", "sessions", "ana", "--json")
    [row] = [json.loads(x) for x in out.splitlines()]
    assert code == 0 and (row["username"], row["client"]) == ("ana", "10.1.2.3") and token not in out
    assert _run(capsys, "users", "sessions", "--revoke", row["session_id"])[0] == 0
    with open_context(get_settings()) as ctx:
        assert sessions.principal_for_session(ctx, token, "10.1.2.3") is None
    assert _run(capsys, "users", "sessions", "--json")[1] == ""
    code, _, err = _run(capsys, "users", "sessions", "--revoke", "nope")
    assert code == 2 and "no such session" in err
