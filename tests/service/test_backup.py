"""Backup and restore: rows, evidence blobs, custody and audit logs come back whole and verified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import alerts, backup, trackers
from leaktrace.service.access import Principal
from leaktrace.store.models import Alert, Capture, Post

from .conftest import backend_settings
from .inspection_helpers import add_post


def _fill(ctx: Context, shell: Principal) -> str:
    ref = ctx.evidence.put_bytes(b"<html>captured page</html>", source_url="http://m1.onion/1", collector="test",
                                 media_type="text/html")
    trackers.create_tracker(ctx, shell, "t", {"terms": ["社工库"]})
    pid = add_post(ctx, "社工库", "sgk")
    trackers.run_trackers_on_post(ctx, pid, None)
    return ref.sha256


def test_backup_then_restore_into_an_empty_store(ctx: Context, shell: Principal, tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    sha = _fill(ctx, shell)
    out = tmp_path / "bk"
    rep = backup.backup(ctx, shell, out)
    assert rep.verified and rep.tables["alerts"] == 1 and rep.tables["posts"] == 1 and rep.files >= 3
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert any(k.startswith("evidence/blobs/") for k in manifest["files"])
    assert "evidence/custody.jsonl" in manifest["files"]
    # Into a fresh data directory and store (same backend, same keyring).
    backend = "postgresql" if ctx.engine.dialect.name == "postgresql" else "sqlite"
    fresh = backend_settings(request, backend, data_dir=tmp_path / "restored")
    if backend == "sqlite":
        fresh = fresh.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'restored.sqlite'}"})
    with open_context(fresh, keyring=ctx.keyring) as other:
        got = backup.restore(other, shell, out)
        assert got.verified, got.problems
        assert (got.custody_entries, got.audit_entries) == (1, 1)  # the capture; tracker.create (backup is after)
        assert other.evidence.read_bytes(sha) == b"<html>captured page</html>"
        with other.session() as s:
            assert s.scalar(select(func.count()).select_from(Alert)) == 1
            assert s.scalar(select(Post.title)) == "社工库"
            assert s.scalar(select(Capture.sha256)) is not None
        # New rows after a restore get fresh ids (the sequences moved past the restored ones).
        assert alerts.list_alerts(other, shell)[0][0].id == 1
        pid = add_post(other, "社工库 2", "sgk", author="s2")
        trackers.run_trackers_on_post(other, pid, None)
        assert sorted(a.id for a in alerts.list_alerts(other, shell)[0]) == [1, 2]
        with pytest.raises(InputError, match="not empty"):
            backup.restore(other, shell, out)


def test_tampered_or_foreign_backups_are_refused(ctx: Context, shell: Principal, tmp_path: Path) -> None:
    _fill(ctx, shell)
    out = tmp_path / "bk"
    backup.backup(ctx, shell, out)
    with pytest.raises(InputError, match="already exists"):
        backup.backup(ctx, shell, out)
    rows = out / "db" / "alerts.jsonl"
    rows.write_text(rows.read_text("utf-8").replace('"new"', '"dismissed"'), "utf-8")
    check = backup.verify_backup(out)
    assert not check.verified and check.problems == ["db/alerts.jsonl: SHA-256 differs from the manifest"]
    with pytest.raises(IntegrityError, match=r"alerts\.jsonl"):
        backup.restore(ctx, shell, out)
    with pytest.raises(InputError, match="not a leaktrace backup"):
        backup.verify_backup(tmp_path)
