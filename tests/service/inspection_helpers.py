"""Posts as the crawler stores them, a worker over the inspection handlers, and local receivers for deliveries."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.service.trackers import job_handlers
from leaktrace.service.worker import Worker
from leaktrace.store.models import Capture, Post, Source
from leaktrace.store.models.base import url_key
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.store.types import utcnow


def add_post(ctx: Context, title: str, body: str, *, author: str = "seller1", source: str = "m1",
             records: int | None = None, price: float | None = None, currency: str | None = None) -> int:
    """A source, a capture and a post, as a crawl leaves them; returns the post id."""
    with ctx.session() as s:
        src = s.scalar(select(Source).where(Source.name == source))
        if src is None:
            src = Source(name=source, kind="market", base_url=f"http://{source}.onion/", legal_basis="test",
                         owner="tests")
            s.add(src)
            s.flush()
        n = (s.scalar(select(Post.id).order_by(Post.id.desc()).limit(1)) or 0) + 1
        url = f"http://{source}.onion/listing/{n}"
        cap = Capture(source_id=src.id, url=url, url_key=url_key(url),
                      sha256=hashlib.sha256(f"{url}{title}{body}".encode()).hexdigest(), fetched_at=utcnow(),
                      status=200, content_type="text/html", size=len(body))
        s.add(cap)
        s.flush()
        post = Post(site=f"{source}.onion", url=url, url_key=url_key(url), source_id=src.id, capture_id=cap.id,
                    author_handle=author, title=title, body=body, volume_records=records, price_amount=price,
                    price_currency=currency, kind="listing")
        s.add(post)
        s.commit()
        return post.id


def fast_queue(ctx: Context) -> JobQueue:
    """The store's queue with back-off short enough for a test to watch retries happen."""
    return JobQueue(ctx.sessions, backoff=timedelta(milliseconds=1), lease=timedelta(seconds=30))


def worker(ctx: Context) -> Worker:
    return Worker(fast_queue(ctx), job_handlers(ctx), "test-worker", poll_seconds=0.01)


def drain(ctx: Context, *, rounds: int = 50) -> int:
    """Run due jobs until none is left, waiting out the (millisecond) back-offs."""
    w = worker(ctx)
    ran = 0
    for _ in range(rounds):
        n = w.drain()
        ran += n
        if n == 0:
            busy = sum(v for k, v in w.queue.counts().items() if k in ("queued", "running"))
            if not busy:
                break
            time.sleep(0.01)
    return ran


@dataclass
class Receiver:
    """A webhook receiver whose answers are scripted: a status code, or 'hang' (sleep past the timeout)."""

    script: list[Any] = field(default_factory=list)
    hang_s: float = 1.5
    received: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    url: str = ""


@contextmanager
def webhook_receiver(script: list[Any]) -> Iterator[Receiver]:
    rec = Receiver(list(script))

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            rec.attempts += 1
            step = rec.script.pop(0) if rec.script else 200
            if step == "hang":
                time.sleep(rec.hang_s)
                step = 200
                hung = True
            else:
                hung = False
            if step == 200 and not hung:
                rec.received.append({"headers": dict(self.headers), "body": body, "doc": json.loads(body)})
            self.send_response(int(step))
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()
