"""`leaktrace db upgrade|current` on the embedded default and on PostgreSQL by URL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.store import head


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    rc = main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def test_db_upgrade_and_current_on_sqlite(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEAKTRACE_DATABASE_URL", raising=False)
    rc, out, _ = run(capsys, "db", "current", "--json")
    assert rc == 0 and json.loads(out)["current"] is None and json.loads(out)["up_to_date"] is False
    rc, out, _ = run(capsys, "db", "upgrade")
    assert rc == 0 and f"upgraded <empty> -> {head()}" in out
    assert (tmp_path / "data" / "leaktrace.sqlite").is_file()
    rc, out, _ = run(capsys, "db", "upgrade", "--json")
    assert rc == 0 and json.loads(out)["before"] == json.loads(out)["after"] == head()
    rc, out, _ = run(capsys, "db", "current")
    assert rc == 0 and out.strip() == head()
    rc, out, _ = run(capsys, "db", "current", "--json")
    doc = json.loads(out)
    assert doc["up_to_date"] is True and doc["drift"] == [] and doc["current"] == doc["head"] == head()


@pytest.mark.postgres
def test_db_upgrade_on_postgresql_by_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, pg_schemas: Callable[[], str], pg_url: str
) -> None:
    schema = pg_schemas()
    url = pg_url.replace("postgresql+psycopg://", "postgresql://") + f"?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("LEAKTRACE_DATABASE_URL", url)
    rc, out, _ = run(capsys, "db", "upgrade", "--json")
    assert rc == 0 and json.loads(out)["after"] == head()
    rc, out, _ = run(capsys, "db", "current", "--json")
    doc = json.loads(out)
    assert doc["up_to_date"] is True and doc["database"].startswith("postgresql+psycopg://")


def test_unreachable_database_is_one_line_exit_3(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    rc, out, err = run(capsys, "db", "current")
    assert rc == 3 and out == ""
    assert err.count("\n") == 1 and "cannot connect" in err and "secret" not in err


def test_unsupported_backend_is_config_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_DATABASE_URL", "mysql://u@h/db")
    rc, _, err = run(capsys, "db", "upgrade")
    assert rc == 3 and "not supported" in err
