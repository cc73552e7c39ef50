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
