"""Health, Prometheus metrics read from the store, and JSON logs that mask personal values."""

from __future__ import annotations

import io
import json
import logging
from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

from leaktrace.pipeline.context import Context
from leaktrace.service import ops, trackers
from leaktrace.service.access import Principal

from .inspection_helpers import add_post, drain, fast_queue


def test_health_and_metrics(ctx: Context, shell: Principal) -> None:
    assert ops.health(ctx) == {"status": "ok", "checks": {"store": "ok", "queued_jobs": 0, "data_dir": "ok"}}
    trackers.create_tracker(ctx, shell, "t", {"terms": ["社工库"]})
    pid = add_post(ctx, "社工库", "sgk")
    q = fast_queue(ctx)
    q.enqueue("track", {"post_id": pid, "capture_id": None}, key=uuid4().hex)
    q.enqueue("render", {"capture_id": 1}, key="r1")  # a kind nobody here handles: stays queued
    drain(ctx)
    body, ctype = ops.metrics_text(ctx)
    assert ctype.startswith("text/plain")
    fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
    jobs = {(s.labels["kind"], s.labels["state"]): s.value for s in fams["leaktrace_jobs"].samples}
    assert jobs[("track", "done")] == 1 and jobs[("render", "queued")] == 1
    assert {(s.labels["state"], s.labels["kind"]): s.value for s in fams["leaktrace_alerts"].samples} == {
        ("new", "tracker"): 1}
    lat = {s.labels["quantile"]: s.value for s in fams["leaktrace_alert_latency_seconds"].samples}
    assert set(lat) == {"0.5", "0.95", "0.99"} and 0 <= lat["0.95"] < 600
    assert ops.health(ctx)["checks"]["queued_jobs"] == 1


def test_json_logs_mask_personal_values() -> None:
    buf = io.StringIO()
    handler = ops.configure_json_logging(stream=buf)
    try:
        log = logging.getLogger("leaktrace.test")
        log.warning("row %s from %s", "110101199003077777,13812345678", "wang.xm@example.com")
        try:
            raise ValueError("bad row 13812345678")
        except ValueError:
            log.exception("parse failed")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    text = buf.getvalue()
    assert "13812345678" not in text and "110101199003077777" not in text and "wang.xm@example.com" not in text
    assert lines[0]["level"] == "warning" and "11**************77" in lines[0]["msg"]
    assert lines[1]["exc"] == "ValueError" and "bad row" not in text
