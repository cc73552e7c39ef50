"""Renderings of a proxied source's captures make no network request at all, so they need no proxy.

The service renders with one Chromium and no proxy (InspectionService).
That is right only if a rendering fetches nothing: it must draw the
sealed capture and the pictures sealed with it, and refuse the rest. The
test crawls a simulated market through its SOCKS5h proxy with screenshots
on (renderings queued, not run), takes the market and the proxy down, puts
listeners on their ports that count every connection, and only then lets
the service's render thread run the queued jobs: the screenshots are sealed
with the listing pictures drawn from evidence, and the listeners saw
nothing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from _inspect import schedule
from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.media import PICTURE, RENDER, SCREENSHOT
from leaktrace.service.inspection import InspectionService
from leaktrace.simulate.fonts import find_cjk_font
from leaktrace.simulate.serve import Behaviour, running_world
from leaktrace.simulate.social import generate_social
from leaktrace.store.models import Media
from leaktrace.store.repo.jobs import JobQueue


class Trap:
    """Listens on a port and counts the connections made to it."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module")
def pic_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world whose listings show sample pictures (the page asks for them; the rendering must not)."""
    out = tmp_path_factory.mktemp("renderworld")
    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))
    generate_social(out, seed=5, scale=1000, sample_rows=[], victim_org="优选商城", claimed_records=2_000_000,
                    members=2, listings_per_market=8, pictures=8, font=find_cjk_font([]) or shipped)
    return out


@pytest.fixture()
def traps() -> Iterator[list[Trap]]:
    made: list[Trap] = []
    yield made
    for t in made:
        t.close()


def _wait(cond, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_renderings_of_a_proxied_source_touch_no_network(ctx: Context, pic_world: Path,
                                                         traps: list[Trap]) -> None:
    queue = JobQueue(ctx.sessions)
    with running_world(pic_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        ports = (w.http_port, w.socks_port)
        schedule(ctx, w, "m1", interval=3600, screenshots=True)
        crawl = InspectionService(ctx, workers=1, media_workers=0, poll_s=0.1).start()
        try:
            _wait(lambda: queue.counts("crawl_run").get("done"), 120, "the run through the proxy")
        finally:
            crawl.stop()
    queued = queue.counts(RENDER).get("queued", 0)
    assert queued >= 8  # every listing and seller page of the market
    with ctx.sessions.begin() as s:  # one picture the crawl did not get (as a picture-failed row reads): the
        sealed = s.scalars(select(Media).where(Media.kind == PICTURE, Media.sha256.is_not(None))  # page still asks
                           .order_by(Media.id)).all()
        assert len(sealed) >= 2, "too few pictures on the listings"
        lost = sealed[0]
        lost.sha256, lost_url = None, lost.url
    traps.extend(Trap(p) for p in ports)  # the proxy and the market are gone; anything that calls them is seen
    render = InspectionService(ctx, workers=0, media_workers=1, scheduler=False, poll_s=0.1).start()
    try:
        _wait(lambda: not queue.counts(RENDER).get("queued") and not queue.counts(RENDER).get("running"), 300,
              "the renderings")
    finally:
        render.stop()
    assert [t.hits for t in traps] == [0, 0], "a rendering connected to the proxy or the market"
    with ctx.sessions() as s:
        shots = s.scalars(select(Media).where(Media.kind == SCREENSHOT)).all()
        pictures = s.scalars(select(Media.url).where(Media.kind == PICTURE, Media.sha256.is_not(None))).all()
    assert len(shots) == queued and all(m.state == "done" for m in shots), [m.problem for m in shots]
    assert pictures  # the listings' pictures were sealed at the crawl, and drawn from evidence
    entries = [e for e in ctx.evidence.entries() if e.action == SCREENSHOT]
    blocked = [b["url"] for e in entries for b in e.meta.get("blocked", [])]
    assert not set(blocked) & set(pictures)  # a sealed picture is never refused ...
    assert lost_url in blocked  # ... one not sealed is refused and named, not fetched
    assert ctx.evidence.verify().ok
