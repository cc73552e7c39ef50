"""The soak: live simulated markets under the inspection service, judged against the changelog.

Shared by tests/inspection/test_soak.py (the 2-minute, 3-source CI run) and
benchmarks/bench_soak.py (the issue's 30-minute, 10-source run), so both
make the same checks: versions exactly once, alerts exactly once, RSS growth
over the second half, capture-to-alert and appearance-to-alert latency with
renderings queued, and the page count. The caller sets the environment
(data directory, keyring, database URL) before calling `run_soak`.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

WATCH_TERM = "灰鸽监控"  # no market of the simulated world says it; only the live new listings that carry it
TARGET_CAPTURE_TO_ALERT_P95_S = 60.0
TARGET_APPEARANCE_SLACK_S = 60.0  # appearance -> alert within the source's interval plus this
TARGET_RSS_GROWTH = 0.10


@dataclass
class SoakConfig:
    """How big and how fast a soak is (see benchmarks/bench_soak.py for what each means)."""

    sources: int = 3
    minutes: float = 2.0
    scale: int = 30  # listings per market
    tick_s: float = 2.0
    changes_per_tick: int = 1
    interval_s: int = 10
    workers: int = 3
    seed: int = 0
    watch_share: float = 0.5
    screenshots: bool = True
    stay_s: float | None = None  # None: the longest cycle the run saw (inspection.longest_cycle)
    error_rate: float = 0.01


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _quantile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


@dataclass
class SoakResult:
    """What a soak measured, and the issue's checks on it."""

    cfg: SoakConfig
    runs_ok: int
    runs_failed: int
    pages: int
    cycle_s: float
    stay_s: float
    versions: int
    versions_due: int
    missed: list[object]
    twice: list[object]
    version_latency_s: list[float]
    alerts_due: int
    alerts: int
    alerts_missing: list[tuple[str, str]]
    alerts_unexpected: list[tuple[str, str]]
    capture_to_alert_s: list[float]
    appearance_to_alert_s: list[float]
    rss_half_mb: float
    rss_end_mb: float
    renders: dict[str, int]
    screenshots: int

    @property
    def rss_growth(self) -> float:
        return (self.rss_end_mb - self.rss_half_mb) / self.rss_half_mb

    def checks(self, *, min_pages: int = 0, capture_p95_s: float = TARGET_CAPTURE_TO_ALERT_P95_S,
               appearance_slack_s: float = TARGET_APPEARANCE_SLACK_S,
               rss_growth: float = TARGET_RSS_GROWTH) -> dict[str, bool]:
        """The issue's checks, name -> passed (a test may pass looser latency bounds)."""
        bound = self.cfg.interval_s + appearance_slack_s
        return {
            "every due version recorded exactly once": not self.missed and not self.twice,
            "every alert the truth calls for raised exactly once, no other": (
                not self.alerts_missing and not self.alerts_unexpected and self.alerts_due > 0),
            f"RSS growth < {rss_growth:.0%} over the second half": self.rss_growth < rss_growth,
            f"capture-to-alert p95 <= {capture_p95_s:g} s": bool(self.capture_to_alert_s) and _quantile(
                self.capture_to_alert_s, 0.95) <= capture_p95_s,
            f"appearance-to-alert <= interval + {appearance_slack_s:g} s = {bound:g} s, every alert": bool(
                self.appearance_to_alert_s) and max(self.appearance_to_alert_s) <= bound,
            "renderings queued and done while alerts ran": (not self.cfg.screenshots) or (
                self.renders.get("done", 0) + self.renders.get("failed", 0) > 0),
            f"pages >= {min_pages}": self.pages >= min_pages,
        }

    def lines(self) -> list[str]:
        c = self.cfg
        lat, cap, app = self.version_latency_s, self.capture_to_alert_s, self.appearance_to_alert_s

        def dist(xs: list[float]) -> str:
            if not xs:
                return "none"
            return f"median {statistics.median(xs):.1f} s, p95 {_quantile(xs, 0.95):.1f} s, max {max(xs):.1f} s"

        return [
            f"sources {c.sources}, {c.minutes:g} min, tick {c.tick_s:g} s x {c.changes_per_tick}, interval "
            f"{c.interval_s} s, {c.scale} listings per market, {c.workers} workers + 1 render/OCR thread, "
            f"screenshots {'on' if c.screenshots else 'off'}",
            f"runs: {self.runs_ok} ok, {self.runs_failed} failed (site or proxy down); pages {self.pages}, "
            f"pages/min {self.pages / c.minutes:.0f}; longest cycle (run-start gap + run) {self.cycle_s:.1f} s",
            f"versions: {self.versions} in the changelog, {self.versions_due} stayed up >= {self.stay_s:.0f} s; "
            f"missed {len(self.missed)}, recorded twice {len(self.twice)}",
            f"change-to-version latency: {dist(lat)}",
            f"alerts on the watched term: {self.alerts_due} due by the truth, {self.alerts} raised; missing "
            f"{len(self.alerts_missing)}, unexpected or twice {len(self.alerts_unexpected)}",
            f"capture-to-alert: {dist(cap)}; ours / target (p95 / {TARGET_CAPTURE_TO_ALERT_P95_S:g} s) = "
            f"{_quantile(cap, 0.95) / TARGET_CAPTURE_TO_ALERT_P95_S:.3f}",
            f"appearance-to-alert: {dist(app)}; max / (interval + 60 s) = "
            f"{(max(app) if app else float('nan')) / (c.interval_s + TARGET_APPEARANCE_SLACK_S):.3f}",
            f"renderings: {sum(self.renders.values())} queued in all, {self.renders} by state at the end; "
            f"{self.screenshots} screenshots sealed",
            f"RSS: {self.rss_half_mb:.1f} MB at half time, {self.rss_end_mb:.1f} MB at the end: growth "
            f"{self.rss_end_mb - self.rss_half_mb:+.1f} MB ({self.rss_growth * 100:+.1f}%) over the second half",
        ]


def run_soak(world: Path, work: Path, cfg: SoakConfig,
             progress: Callable[[float, float], None] | None = None) -> SoakResult:
    """Serve `world` live with `cfg.sources` markets, inspect each for `cfg.minutes`, judge the store.

    `world`: a directory written by `generate_social`; `work`: where the changelog goes.
    """
    from leaktrace.pipeline.context import open_context
    from leaktrace.pipeline.media import RENDER, SCREENSHOT
    from leaktrace.service import sources as svc
    from leaktrace.service import trackers
    from leaktrace.service.access import local_operator
    from leaktrace.service.inspection import InspectionService, longest_cycle
    from leaktrace.simulate.serve import Behaviour, LiveConfig, running_world
    from leaktrace.simulate.serve.live import check_alerts, check_versions, read_changelog
    from leaktrace.store.models import Alert, Job, ListingSnapshot, Media, Post
    from leaktrace.store.repo.jobs import JobQueue
    from leaktrace.store.types import utcnow

    log = work / "changelog.jsonl"
    live = LiveConfig(log, tick_s=cfg.tick_s, seed=cfg.seed, weights=(3.0, 4.0, 1.0, 0.2, 0.0, 0.0), down_ticks=5,
                      changes_per_tick=cfg.changes_per_tick, watch_term=WATCH_TERM, watch_share=cfg.watch_share,
                      settle_s=cfg.interval_s / 2)
    seconds = cfg.minutes * 60
    samples: list[tuple[float, float]] = []
    with running_world(world, behaviour=Behaviour(rate_per_s=0, error_rate=cfg.error_rate, seed=cfg.seed),
                       live=live, markets=cfg.sources) as w, open_context() as ctx:
        me = local_operator("soak")
        tracker = trackers.create_tracker(ctx, me, "soak watch", {"terms": [WATCH_TERM]})
        markets = sorted(w.hosts.values(), key=lambda m: (len(m), m))
        for m in markets:
            url = w.url(m)
            host = url.split("/")[2]
            os.environ[f"LT_SOAK_{m.upper()}"] = w.credentials[host]["password"]
            svc.add(ctx, me, m, source_kind="market", legal_basis="soak test", owner="bench", kind="crawl",
                    profile="simulated-market", start_urls=[url], interval_s=cfg.interval_s, proxy=w.proxy_url,
                    delay_s=0, concurrency=4, username=w.credentials[host]["username"],
                    password_env=f"LT_SOAK_{m.upper()}", screenshots=cfg.screenshots)
        service = InspectionService(ctx, workers=cfg.workers, poll_s=0.2, lease_s=30).start()
        t0 = time.monotonic()
        stop = threading.Event()
        while not stop.wait(5.0) and time.monotonic() - t0 < seconds:
            samples.append((time.monotonic() - t0, _rss_mb()))
            if progress is not None:
                progress(samples[-1][0], samples[-1][1])
        until = utcnow()
        samples.append((time.monotonic() - t0, _rss_mb()))
        service.stop()
        hosts = {mid: h for h, mid in w.hosts.items()}
        with ctx.sessions() as s:
            results = s.scalars(select(Job.result).where(Job.kind == "crawl_run", Job.state == "done")).all()
            failed = s.scalars(select(Job.last_error).where(Job.kind == "crawl_run", Job.state == "failed")).all()
            urls = {p.id: p.url for p in s.scalars(select(Post).where(Post.url.like("%/listing/%")))}
            seen: dict[str, list] = {}
            for snap in s.scalars(select(ListingSnapshot).order_by(ListingSnapshot.seen_at)):
                if snap.post_id in urls:
                    seen.setdefault(urls[snap.post_id], []).append(snap.seen_at)
            raised = s.execute(select(Alert.post_id, Alert.actor, Alert.first_seen_at, Alert.captured_at)
                               .where(Alert.tracker_id == tracker.id)).all()
            shots = len(s.scalars(select(Media.id).where(Media.kind == SCREENSHOT)).all())
        renders = JobQueue(ctx.sessions).counts(RENDER)
        cycle = longest_cycle(ctx, cfg.interval_s)  # (a loaded machine stretches rounds past the interval)
    stay = timedelta(seconds=cfg.stay_s) if cfg.stay_s is not None else cycle
    rows = read_changelog(log)
    vc = check_versions(rows, hosts, seen, stay=stay, until=until, markets=set(markets))
    alerts = [(urls.get(pid, f"post:{pid}"), actor, first) for pid, actor, first, _ in raised]
    ac = check_alerts(rows, hosts, alerts, stay=stay, until=until, markets=set(markets))
    half = min(samples, key=lambda x: abs(x[0] - seconds / 2))[1]
    return SoakResult(
        cfg, len(results), len(failed), sum(int((r or {}).get("pages", 0)) for r in results),
        cycle.total_seconds(), stay.total_seconds(), vc.versions, vc.due, vc.missing, vc.duplicated,
        vc.latencies_s, ac.due, len(raised), ac.missing, ac.unexpected,
        [(first - cap).total_seconds() for _, _, first, cap in raised if cap is not None], ac.appearance_s,
        half, samples[-1][1], renders, shots)


def print_progress(t: float, rss: float) -> None:
    print(f"\r{t:6.0f} s  rss {rss:6.1f} MB", end="", file=sys.stderr)
