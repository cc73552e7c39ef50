"""Operations: a health check, Prometheus metrics, and structured logs that never carry personal data.

Metrics are read from the store at each scrape (a custom collector), not
counted in one process's memory: the console, the workers and the CLI are
separate processes over one store, and the store is where the queue, the
crawl frontier and the alerts already are. Nothing here names a person:
queue depth per job kind and state, failed crawl fetches per source,
alerts per state and kind, notifications per channel and
state, and the latency from a page's capture to its
alert.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text

from leaktrace.core.masking import mask
from leaktrace.pipeline.context import Context
from leaktrace.store.models import (
    Alert,
    AlertDelivery,
    AlertSubscription,
    FrontierItem,
    Job,
    Source,
)
from leaktrace.store.types import utcnow

LATENCY_WINDOW = timedelta(hours=24)
QUANTILES = (0.5, 0.95, 0.99)


def health(ctx: Context) -> dict[str, Any]:
    """`{"status": "ok"|"degraded", "checks": {...}}`: the store answers, the data directory is writable."""
    checks: dict[str, Any] = {}
    try:
        with ctx.session() as s:
            s.execute(text("SELECT 1"))
            depth = s.scalar(select(func.count()).select_from(Job).where(Job.state == "queued")) or 0
        checks["store"] = "ok"
        checks["queued_jobs"] = int(depth)
    except Exception as exc:  # the check reports, it never raises
        checks["store"] = f"error: {type(exc).__name__}"
    try:
        d = ctx.data_dir
        checks["data_dir"] = "ok" if os.access(d, os.W_OK) else "not writable"
    except Exception as exc:
        checks["data_dir"] = f"error: {type(exc).__name__}"
    ok = checks.get("store") == "ok" and checks.get("data_dir") == "ok"
    return {"status": "ok" if ok else "degraded", "checks": checks}


def latency_quantiles(ctx: Context, window: timedelta = LATENCY_WINDOW) -> dict[float, float]:
    """Seconds from capture to alert over the alerts first raised in `window` (the benchmark's figure too)."""
    since = utcnow() - window
    with ctx.session() as s:
        rows = s.execute(select(Alert.captured_at, Alert.first_seen_at)
                         .where(Alert.first_seen_at >= since, Alert.captured_at.is_not(None))).all()
    lat = sorted(max(0.0, (b - a).total_seconds()) for a, b in rows)
    if not lat:
        return {}
    return {q: lat[min(len(lat) - 1, int(q * len(lat)))] for q in QUANTILES}


class StoreCollector:
    """A prometheus-client collector that reads the figures from the store on each scrape."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        jobs = GaugeMetricFamily("leaktrace_jobs", "Jobs in the queue by kind and state (queue depth: state=queued)",
                                 labels=["kind", "state"])
        crawl = GaugeMetricFamily("leaktrace_crawl_failed_urls", "Crawl URLs that failed for good, per source",
                                  labels=["source"])
        alerts = GaugeMetricFamily("leaktrace_alerts", "Alerts by state and kind", labels=["state", "kind"])
        deliveries = GaugeMetricFamily("leaktrace_alert_deliveries", "Alert notifications by channel and state "
                                       "(failed: every retry used up)", labels=["channel", "state"])
        lat = GaugeMetricFamily("leaktrace_alert_latency_seconds",
                                "Capture-to-alert latency over the last 24 hours", labels=["quantile"])
        with self.ctx.session() as s:
            for kind, state, n in s.execute(select(Job.kind, Job.state, func.count()).group_by(Job.kind, Job.state)):
                jobs.add_metric([kind, state], n)
            for name, n in s.execute(select(Source.name, func.count()).join(FrontierItem, FrontierItem.source_id ==
                                                                            Source.id)
                                     .where(FrontierItem.state == "failed").group_by(Source.name)):
                crawl.add_metric([name], n)
            for state, kind, n in s.execute(select(Alert.state, Alert.kind, func.count())
                                            .group_by(Alert.state, Alert.kind)):
                alerts.add_metric([state, kind], n)
            for channel, state, n in s.execute(
                    select(AlertSubscription.channel, AlertDelivery.state, func.count())
                    .join(AlertSubscription, AlertSubscription.id == AlertDelivery.subscription_id)
                    .group_by(AlertSubscription.channel, AlertDelivery.state)):
                deliveries.add_metric([channel, state], n)
        for q, v in latency_quantiles(self.ctx).items():
            lat.add_metric([str(q)], v)
        yield from (jobs, crawl, alerts, deliveries, lat)


def metrics_text(ctx: Context) -> tuple[bytes, str]:
    """The Prometheus exposition of the store's figures, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(ctx))  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


# -- structured logs ----------------------------------------------------------------------

# Runs that look like personal values: long digit runs (IDs, mobiles, cards, QQ), e-mail addresses.
_DIGITS = re.compile(r"(?<![0-9])[0-9][0-9 \-]{5,}[0-9Xx](?![0-9])")
_EMAIL = re.compile(r"[^\s@\"'<>]{1,64}@[^\s@\"'<>]{1,255}\.[A-Za-z]{2,}")


def scrub(message: str) -> str:
    """Mask what could be a personal value (2+2 characters shown), whatever the caller put in the message."""
    message = _EMAIL.sub(lambda m: mask(m.group()), message)
    return _DIGITS.sub(lambda m: mask(m.group()), message)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (scrubbed), and the exception's type only.

    An exception's text and traceback can quote the input that caused them
    (a row of a dump, a captured page), so only the exception's type is kept.
    """

    def format(self, record: logging.LogRecord) -> str:
        doc = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
               "level": record.levelname.lower(), "logger": record.name, "msg": scrub(record.getMessage())}
        if record.exc_info and record.exc_info[0] is not None:
            doc["exc"] = record.exc_info[0].__name__
        return json.dumps(doc, ensure_ascii=False)


def configure_json_logging(level: int = logging.INFO, stream: Any = None) -> logging.Handler:
    """Send the root logger's records as scrubbed JSON lines (the worker and the console use this)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler
