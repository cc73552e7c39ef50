"""The whole path with nobody typing: a scheduled source, its run, the track job, a tracker's alert; a site down."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.service import sources as svc
from leaktrace.service import trackers
from leaktrace.service.access import local_operator
from leaktrace.service.inspection import InspectionService
from leaktrace.store.models import Alert, Job, Source

ME = local_operator("tester")


def _a_term(export: Path) -> str:
    """Four Chinese characters some message of the export carries (what an analyst would watch for)."""
    data = json.loads(export.read_text(encoding="utf-8"))
    chats = data["chats"]["list"] if "chats" in data else [data]
    for chat in chats:
        for msg in chat["messages"]:
            text = msg.get("text")
            text = "".join(t if isinstance(t, str) else t.get("text", "") for t in text) if isinstance(
                text, list) else str(text or "")
            found = re.findall(r"[\u4e00-\u9fff]{4,}", text)
            if found:
                return found[0][:4]
    raise AssertionError("the simulated export has no Chinese text")


def test_a_scheduled_run_ends_in_a_trackers_alert(ctx: Context, small_world: Path, tmp_path: Path) -> None:
    export = small_world / "social" / "telegram" / "result.json"
    term = _a_term(export)
    tracker = trackers.create_tracker(ctx, ME, "watch", {"terms": [term]})
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(export, inbox / "result.json")
    svc.add(ctx, ME, "tg", source_kind="chat_export", legal_basis="test warrant", owner="tester",
            kind="telegram_inbox", inbox=str(inbox), interval_s=3600)
    service = InspectionService(ctx, workers=1, poll_s=0.2).start()
    try:
        deadline = time.monotonic() + 90
        alerts: list[Alert] = []
        while time.monotonic() < deadline and not alerts:
            time.sleep(0.3)
            with ctx.sessions() as s:
                alerts = list(s.scalars(select(Alert).where(Alert.tracker_id == tracker.id)))
    finally:
        service.stop()
    assert alerts, "no alert reached the tracker within 90 s of the source being scheduled"
    with ctx.sessions() as s:
        sid = s.scalar(select(Source.id).where(Source.name == "tg"))
        assert all(a.kind == "tracker" and a.source_id == sid for a in alerts)
        runs = s.scalars(select(Job.state).where(Job.kind == "crawl_run")).all()
        assert runs and set(runs) <= {"done", "queued"}
        assert s.scalar(select(Job.state).where(Job.kind == "track")) is not None
