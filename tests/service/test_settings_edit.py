"""Settings changed from the console: written to the settings file line by line, never where the environment
decides, never secrets; validated with the setting's type and audited."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from leaktrace.core.errors import InputError
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, local_operator
from leaktrace.service.accounts import create_user
from leaktrace.service.admin_view import admin_page
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.settings_edit import set_setting

FILE = """# deployment settings, kept by ops
smtp_host = "mail.internal"  # the relay
notify_timeout_s = 10.0

[extra]
note = "a table this editor leaves alone"
"""


@pytest.fixture
def world(tmp_path: Path) -> tuple[Context, Principal, Principal, Path]:
    ctx = Context(Settings(data_dir=tmp_path / "data"), keyring=Keyring.generate())
    shell = local_operator("tests")
    admin = create_user(ctx, "adm", "admin", actor=shell)[0]
    analyst = create_user(ctx, "ana", "analyst", actor=shell)[0]
    path = tmp_path / "leaktrace.toml"
    path.write_text(FILE, "utf-8")
    yield (ctx, Principal(admin.id, "adm", Role.ADMIN, None, None, "t"),
           Principal(analyst.id, "ana", Role.ANALYST, None, None, "t"), path)
    ctx.close()


def test_a_setting_is_written_to_the_file_keeping_every_other_line(world: tuple[Context, Principal, Principal, Path]) -> None:
    ctx, adm, _, path = world
    env = {"LEAKTRACE_CONFIG": str(path)}
    assert set_setting(ctx, adm, "notify_timeout_s", "2.5", environ=env) == 2.5
    assert set_setting(ctx, adm, "smtp_from", 'ops "desk" <ops@example.org>', environ=env) == 'ops "desk" <ops@example.org>'
    assert set_setting(ctx, adm, "smtp_starttls", "true", environ=env) is True
    text = path.read_text("utf-8")
    assert text.startswith("# deployment settings, kept by ops\nsmtp_host = \"mail.internal\"  # the relay\n")
    doc = tomllib.loads(text)
    assert doc["notify_timeout_s"] == 2.5 and doc["smtp_from"] == 'ops "desk" <ops@example.org>'
    assert doc["smtp_starttls"] is True and doc["extra"] == {"note": "a table this editor leaves alone"}
    assert set_setting(ctx, adm, "smtp_host", "", environ=env) is None  # empty: back to the default
    assert "smtp_host" not in tomllib.loads(path.read_text("utf-8"))
    changes = [(e.target, e.detail["from"], e.detail["to"]) for e in audit.query(ctx, action="settings.change")]
    assert ("setting:notify_timeout_s", 10.0, 2.5) in changes and ("setting:smtp_host", "mail.internal", None) in changes
    page = admin_page(ctx, adm, environ=env)
    assert page.settings_file == str(path) and "smtp_from" in page.editable and "keyring" not in page.editable


def test_refusals_name_the_setting_and_leave_the_file_alone(world: tuple[Context, Principal, Principal, Path]) -> None:
    ctx, adm, ana, path = world
    env = {"LEAKTRACE_CONFIG": str(path), "LEAKTRACE_SMTP_PORT": "2525"}
    cases = [("smtp_port", "25", "set by the environment"), ("notify_timeout_s", "-1", "notify_timeout_s"),
             ("notify_timeout_s", "soon", "notify_timeout_s"), ("taxii_max_tlp", "red", "taxii_max_tlp"),
             ("taxii_password", "hunter2", "not changed from the console"),
             ("database_url", "sqlite:////tmp/x", "not changed from the console"),
             ("secret_file", "/tmp/k", "not changed from the console"), ("no_such", "1", "no such setting")]
    for name, value, why in cases:
        with pytest.raises(InputError, match=why):
            set_setting(ctx, adm, name, value, environ=env)
    with pytest.raises(PermissionDenied):
        set_setting(ctx, ana, "smtp_from", "x@example.org", environ=env)
    with pytest.raises(InputError, match="no settings file"):
        set_setting(ctx, adm, "smtp_from", "x@example.org", environ={})
    assert path.read_text("utf-8") == FILE and audit.query(ctx, action="settings.change") == []
    page = admin_page(ctx, adm, environ=env)
    assert "smtp_port" not in page.editable and "smtp_from" in page.editable
    assert admin_page(ctx, adm, environ={}).editable == frozenset()
