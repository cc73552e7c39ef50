"""`leaktrace trackers ...` and `leaktrace alerts ...` end to end on the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context

from .inspection_helpers import add_post


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_trackers_and_alerts_from_the_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_context(get_settings()) as ctx:
        hit = add_post(ctx, "出售社工库", "sgk 100万条")
        add_post(ctx, "别的", "没有")
    code, out, err = _run(capsys, "trackers", "add", "sgk", "--term", "社工库", "--regex", r"\d+万条", "--json")
    assert code == 0, err
    t = json.loads(out)
    assert t["spec"] == {"terms": ["社工库"], "regex": [r"\d+万条"]} and t["version"] == 1
    code, out, err = _run(capsys, "trackers", "add", "bad", "--regex", r"(a)\1")
    assert code != 0 and "regex[0]" in err and "Traceback" not in err
    spec = tmp_path / "t.json"
    spec.write_text('{"terms": ["x"], "colour": 1}', "utf-8")
    code, _, err = _run(capsys, "trackers", "add", "bad2", "--file", str(spec))
    assert code != 0 and "'colour'" in err
    code, out, err = _run(capsys, "trackers", "retrohunt", str(t["id"]), "--wait", "--json")
    assert code == 0, err
    assert json.loads(out) == {"tracker_id": t["id"], "job_id": 1, "state": "done", "done": 2, "total": 2,
                               "result": {"posts": 2, "alerts": 1, "new": 1}}
    code, out, _ = _run(capsys, "alerts", "list", "--json")
    alerts = [json.loads(x) for x in out.splitlines()]
    assert [a["post_id"] for a in alerts] == [hit] and alerts[0]["state"] == "new"
    aid = str(alerts[0]["id"])
    code, _, err = _run(capsys, "alerts", "dismiss", aid)
    assert code != 0 and "--reason" in err
    code, out, _ = _run(capsys, "alerts", "dismiss", aid, "--reason", "known test listing", "--json")
    assert code == 0 and json.loads(out)["state"] == "dismissed"
    code, out, _ = _run(capsys, "trackers", "list")
    assert code == 0 and "sgk" in out and "1 alerts" in out
    code, out, _ = _run(capsys, "alerts", "subscribe", "--user", "nobody", "--webhook", "http://127.0.0.1:9/x")
    assert code != 0


def test_backup_verify_and_health_from_the_shell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with open_context(get_settings()) as ctx:
        ctx.evidence.put_bytes(b"page", source_url=None, collector="t")
    code, out, err = _run(capsys, "backup", str(tmp_path / "bk"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["verified"] and doc["files"] >= 3
    code, out, _ = _run(capsys, "backup", str(tmp_path / "bk"), "--verify")
    assert code == 0 and "verified" in out
    (tmp_path / "bk" / "files" / "evidence" / "custody.jsonl").write_text("tampered\n", "utf-8")
    code, out, err = _run(capsys, "backup", str(tmp_path / "bk"), "--verify")
    assert code == 4 and "custody.jsonl" in out and "custody.jsonl" in err
    code, out, _ = _run(capsys, "restore", str(tmp_path / "bk"))
    assert code != 0
    code, out, _ = _run(capsys, "health", "--json")
    assert code == 0 and json.loads(out)["status"] == "ok"
    code, _, err = _run(capsys, "retention", "set", "nowhere", "--days", "30")
    assert code != 0 and "no such source" in err


def test_share_needs_one_target_and_a_collection(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "alerts", "share")
    assert code == 2 and "alert id or --case" in err
    code, _, err = _run(capsys, "alerts", "share", "--case", "LT-NONE")
    assert code != 0 and "Traceback" not in err
