"""The console under load: p95 server time of feed, listing and search pages with 50 concurrent users.

Issue 17's numbers: with 10^6 posts bulk-loaded into PostgreSQL (COPY) and 50
concurrent users on loopback, feed and listing pages p95 <= 150 ms server
time, search p95 <= 300 ms; the same figures printed for SQLite at 10^5
posts; console start to first page < 3 s.

The posts are copies of an analysed generated world (`simulate` social
listings through the intel stage: real facts, identifiers and search
postings), multiplied to the size asked, with spread dates and scores
(PostgreSQL by COPY).

The server runs as `leaktrace serve` in its own process (its default
workers for the store: one per core on PostgreSQL, one on SQLite). The
load model is a load tool's (Locust's): each of `--users` sessions logs in
once, then pages feed -> listing -> search -> feed ... with a think time
drawn uniformly from `--think-min`..`--think-max` seconds (1-3 s) between
pages, for `--duration` seconds; a feed page is one of the first 10,000
rows (newest or score order), a listing a random post, a search one of ten
common words. Then, for transparency, the closed loop: the same users with
no think time (every user always waiting on the server) for
`--closed-rounds` cycles. Per page type it prints p50/p95/p99 of the server
time (the console's `Server-Timing` header: from the request entering the
application to the response) and of the client time (send to last byte),
the request rate served and offered, the target beside each p95 with its
ratio, and the load average. Console start to first page is the median of
`--starts` fresh spawns of `leaktrace serve` until the first 200 on /login.
The client runs on the same machine as the server.

Before the load, a second server with one worker serves `--cpu-requests`
pages of each type one at a time, and the CPU milliseconds a page costs are
printed: the console's process and, on PostgreSQL, the database backends
serving its connections (found by their application_name). These do not
depend on how loaded the machine is; at 50 users x one page per ~2 s, their
sum times ~25 pages/s is the CPU the machine must have to spare.

Bulk-loading 10^6 posts takes minutes: `--keep-schema NAME` keeps the loaded
PostgreSQL schema (and the keyring its identifier hashes were made with, in
`--state-dir`), and `--reuse-schema NAME` runs again over it without loading,
refusing a schema that is not at the store's head revision (load it again
after a migration). `DROP SCHEMA NAME CASCADE` gives the space back.

    python benchmarks/bench_console.py --scale 0.01     # 10^4 posts on PostgreSQL, 10^3 on SQLite
    python benchmarks/bench_console.py                  # the issue's sizes
    python benchmarks/bench_console.py --backends postgresql --keep-schema bench_1m    # load once ...
    python benchmarks/bench_console.py --backends postgresql --reuse-schema bench_1m   # ... run again
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.intel_stage import analyse_stored, model_version
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social
from leaktrace.store.models import IntelResult, Post, PostIdentifier, SearchDoc, SearchTerm, Source

PG_URL = os.environ.get("LEAKTRACE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "load test password 1234"
SEARCHES = ["开房", "数据", "快递", "手机号", "四件套", "网购 收货", "USDT", "身份证", "物流", "酒店"]
TARGETS = {"feed": 150.0, "listing": 150.0, "search": 300.0}
KINDS = ("feed", "listing", "search")
CPU_APP_NAME = "bench_console_cpu"  # application_name of the one-worker server's database connections
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def template(tmp: Path) -> tuple[Context, list[dict[str, Any]]]:
    """An analysed world: each post with its verdict, identifier links and search terms."""
    ctx = Context(Settings(data_dir=tmp / "tpl"), keyring=Keyring.generate())
    generate_social(tmp / "w", seed=11, scale=300, sample_rows=[], victim_org="某某电商", claimed_records=900_000_000,
                    listings_per_market=40)
    with ctx.session() as s:
        load_world(s, tmp / "w" / "social", ctx.hasher)
        s.commit()
    analyse_stored(ctx)
    version = model_version(ctx.intel_model())
    out = []
    with ctx.session() as s:
        links: dict[int, list[tuple[int, str]]] = {}
        for pid, iid, role in s.execute(select(PostIdentifier.post_id, PostIdentifier.identifier_id, PostIdentifier.role)):
            links.setdefault(pid, []).append((iid, role))
        docs = {pid: (t, d) for pid, t, d in s.execute(select(SearchDoc.post_id, SearchDoc.title_masked,
                                                                             SearchDoc.title_digest))}
        terms: dict[int, list[str]] = {}
        for term, pid in s.execute(select(SearchTerm.term, SearchTerm.post_id)):
            terms.setdefault(pid, []).append(term)
        for post, verdict in s.execute(select(Post, IntelResult).join(IntelResult, IntelResult.post_id == Post.id)
                                       .where(IntelResult.model_version == version)):
            out.append({"post": {c.name: getattr(post, c.name) for c in Post.__table__.columns},
                        "verdict": {c.name: getattr(verdict, c.name) for c in IntelResult.__table__.columns},
                        "links": links.get(post.id, []), "terms": terms.get(post.id, []),
                        "doc": docs.get(post.id, (None, None))})
    return ctx, out


def _rows(tpl: list[dict[str, Any]], n: int, source_id: int, version: str):  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        t = tpl[i % len(tpl)]
        p = dict(t["post"])
        seen = t0 + timedelta(minutes=rng.randrange(0, 525_600))
        p.update(id=i, url=f"{p['url']}#{i}", url_key=f"{i:064x}", source_id=source_id, capture_id=None,
                 first_seen_at=seen, last_seen_at=seen)
        v = dict(t["verdict"])
        v.update(id=i, post_id=i, model_version=version, score=min(1.0, max(0.0, v["score"] - rng.random() * 0.2)))
        yield p, v, t["links"], t["terms"], t["doc"]


def load_sqlite(ctx: Context, tpl: list[dict[str, Any]], n: int, version: str) -> None:
    with ctx.session() as s:
        sid = s.execute(insert(Source).values(name="bench", kind="market").returning(Source.id)).scalar_one()
        batch: dict[str, list[dict[str, Any]]] = {"p": [], "v": [], "l": [], "t": [], "d": []}

        def flush() -> None:
            for table, key in ((Post, "p"), (IntelResult, "v"), (PostIdentifier, "l"), (SearchTerm, "t"),
                               (SearchDoc, "d")):
                if batch[key]:
                    s.execute(insert(table), batch[key])
                    batch[key].clear()

        now = datetime.now(UTC)
        for p, v, links, terms, doc in _rows(tpl, n, sid, version):
            batch["p"].append(p)
            batch["v"].append(v)
            batch["l"] += [{"post_id": p["id"], "identifier_id": iid, "role": role, "count": 1} for iid, role in links]
            batch["t"] += [{"term": t, "post_id": p["id"]} for t in terms]
            batch["d"].append({"post_id": p["id"], "digest": "bench", "title_masked": doc[0], "title_digest": doc[1],
                               "indexed_at": now})
            if len(batch["p"]) >= 5000:
                flush()
        flush()
        s.commit()


def _copy(cur: Any, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def load_pg(ctx: Context, tpl: list[dict[str, Any]], n: int, version: str) -> None:
    """COPY the posts, verdicts, identifier links and postings (identifiers and users by the ORM)."""
    raw = ctx.engine.raw_connection()
    try:
        cur = raw.cursor()
        # The rows are consistent by construction: no per-row foreign-key triggers. Checked one by one they
        # also go wrong here: the checks' plans, made while `posts` had no statistics, may walk a whole
        # multi-column index of posts per linked row (hours at 10^6). Needs a superuser, as the bench's is.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("INSERT INTO sources (name, kind, created_at) VALUES ('bench', 'market', now()) RETURNING id")
        sid = cur.fetchone()[0]
        pcols = [c.name for c in Post.__table__.columns]
        vcols = [c.name for c in IntelResult.__table__.columns]
        chunk: dict[str, list[tuple[Any, ...]]] = {"p": [], "v": [], "l": [], "t": [], "d": []}
        now = datetime.now(UTC)

        def flush() -> None:
            _copy(cur, "posts", pcols, chunk["p"])
            _copy(cur, "intel_results", vcols, chunk["v"])
            _copy(cur, "post_identifiers", ["post_id", "identifier_id", "role", "count"], chunk["l"])
            _copy(cur, "search_terms", ["term", "post_id"], chunk["t"])
            _copy(cur, "search_docs", ["post_id", "digest", "title_masked", "title_digest", "indexed_at"], chunk["d"])
            for k in chunk:
                chunk[k].clear()

        for p, v, links, terms, doc in _rows(tpl, n, sid, version):
            chunk["p"].append(tuple(p[c] for c in pcols))
            chunk["v"].append(tuple(json.dumps(v[c], ensure_ascii=False) if c in ("categories", "facts") else v[c]
                                    for c in vcols))
            chunk["l"] += [(p["id"], iid, role, 1) for iid, role in links]
            chunk["t"] += [(t, p["id"]) for t in terms]
            chunk["d"].append((p["id"], "bench", doc[0], doc[1], now))
            if len(chunk["p"]) >= 20_000:
                flush()
        flush()
        cur.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT max(id) FROM posts))")
        cur.execute("SELECT setval(pg_get_serial_sequence('intel_results', 'id'), (SELECT max(id) FROM intel_results))")
        raw.commit()
        # Statistics, and the visibility map a long-running store's autovacuum would have made (index-only
        # scans), before anything is timed: VACUUM runs outside a transaction.
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        try:
            cur.execute("VACUUM (ANALYZE)")
        finally:
            raw.driver_connection.autocommit = False  # type: ignore[union-attr]
    finally:
        raw.close()


def copy_identifiers(src: Context, dst: Context) -> None:
    from leaktrace.store.models import Identifier

    with src.session() as s:
        rows = [{c.name: getattr(i, c.name) for c in Identifier.__table__.columns} for i in s.scalars(select(Identifier))]
    with dst.session() as s:
        s.execute(insert(Identifier), rows)
        s.commit()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process `pid` and its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, total = {pid}, 0.0
    changed = True
    while changed:
        changed = False
        for p, (ppid, _) in stats.items():
            if ppid in family and p not in family:
                family.add(p)
                changed = True
    for p in family:
        total += stats.get(p, (0, 0.0))[1]
    return total


def pg_backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the one-worker server (by application_name)."""
    from sqlalchemy import create_engine

    engine = create_engine(url.split("?", 1)[0])
    try:
        with engine.connect() as conn:
            pids = [int(p) for p in conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE application_name = :a"),
                                                  {"a": CPU_APP_NAME})]
    finally:
        engine.dispose()
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_per_page(env: dict[str, str], n_posts: int, n: int, pg_url: str | None) -> dict[str, tuple[float, float]]:
    """CPU milliseconds one page of each type costs: a one-worker server serves `n` of each, one at a time,
    after a warm-up; returns per type (console process, database backends; NaN for SQLite, whose work is in
    the console's process)."""
    env = dict(env)
    if pg_url is not None:
        env["LEAKTRACE_DATABASE_URL"] = f"{pg_url}&application_name={CPU_APP_NAME}"
    port = _free_port()
    proc, _ = start_server(env, port, 1)
    out: dict[str, tuple[float, float]] = {}
    try:
        async def main() -> None:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as c:
                await _login(c)
                rng = random.Random(3)
                for kind in KINDS:  # warm-up: templates, the connection, caches
                    for _ in range(3):
                        assert (await c.get(_path(kind, rng, n_posts))).status_code == 200
                for kind in KINDS:
                    db0 = pg_backend_cpu(pg_url) if pg_url is not None else {}
                    app0 = cpu_seconds(proc.pid)
                    for _ in range(n):
                        r = await c.get(_path(kind, rng, n_posts))
                        assert r.status_code == 200, (kind, r.status_code)
                    app = cpu_seconds(proc.pid) - app0
                    db1 = pg_backend_cpu(pg_url) if pg_url is not None else {}
                    db = sum(v - db0.get(p, 0.0) for p, v in db1.items()) if pg_url is not None else float("nan")
                    out[kind] = (app * 1000 / n, db * 1000 / n)

        asyncio.run(main())
    finally:
        stop_server(proc)
    return out


def start_server(settings_env: dict[str, str], port: int, workers: int = 0,
                 cpu: list[float] | None = None) -> tuple[subprocess.Popen[str], float]:
    """`leaktrace serve` in a process (its own process group); returns it and the seconds from spawn to the
    first 200 on /login (console start to first page); appends the CPU seconds it took to `cpu`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "leaktrace.cli.app", "serve", "--port", str(port),
                             "--workers", str(workers)],
                            env={**os.environ, **settings_env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                wall = time.perf_counter() - t0
                if cpu is not None:
                    cpu.append(cpu_seconds(proc.pid))
                return proc, wall
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"leaktrace serve exited: {proc.stderr.read() if proc.stderr else ''}") from None
            time.sleep(0.01)


def stop_server(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def start_times(env: dict[str, str], workers: int, n: int) -> tuple[list[float], list[float]]:
    """Start-to-first-page of `n` fresh starts over the loaded store: wall seconds and CPU seconds (all the
    server's processes), the second telling what the first would be on an idle machine."""
    out, cpu = [], []
    for _ in range(n):
        proc, secs = start_server(env, _free_port(), workers, cpu)
        stop_server(proc)
        out.append(secs)
    return out, cpu


async def _login(c: httpx.AsyncClient) -> None:
    page = await c.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = await c.post("/login", data={"csrf": csrf, "username": "bench", "password": PASSWORD})
    assert r.status_code in (200, 303), r.status_code


@dataclass
class Sample:
    kind: str
    server_ms: float  # the console's own time (Server-Timing: middleware entry to response)
    client_ms: float  # what the user waited (send to last byte, loopback)


def _path(kind: str, rng: random.Random, n_posts: int) -> str:
    if kind == "feed":  # a page of the first 10,000 rows, newest or highest score first
        return (f"/feed?sort={rng.choice(['newest', 'score'])}"
                f"&offset={rng.randrange(0, max(1, min(n_posts, 10_000) // 50)) * 50}")
    if kind == "listing":
        return f"/listing/{rng.randrange(1, n_posts + 1)}"
    return "/search?q=" + rng.choice(SEARCHES)


async def _user(c: httpx.AsyncClient, n_posts: int, seed: int, think: tuple[float, float], until: float,
                rounds: int, out: list[Sample]) -> None:
    """One analyst: feed, a listing, a search, again; `think` seconds (uniform) between pages. Runs until
    the monotonic time `until`, or `rounds` cycles when there is no think time (the closed loop)."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(*think))  # users do not all click at the same instant
    cycle = 0
    while (time.monotonic() < until) if think[1] > 0 else cycle < rounds:
        cycle += 1
        for kind in KINDS:
            if think[1] > 0 and time.monotonic() >= until:
                break
            path = _path(kind, rng, n_posts)
            t0 = time.perf_counter()
            try:
                r = await c.get(path)
            except httpx.RemoteProtocolError:  # the server closed an idle keep-alive connection as we reused it
                t0 = time.perf_counter()
                r = await c.get(path)
            client_ms = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, (path, r.status_code, r.text[:200])
            out.append(Sample(kind, float(r.headers["server-timing"].split("dur=")[1]), client_ms))
            if think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))


def load_test(base: str, n_posts: int, users: int, think: tuple[float, float], duration: float,
              rounds: int, pid: int | None = None) -> tuple[list[Sample], float, float]:
    """`users` sessions, each logged in once, then paging as `_user` does; returns the samples, the wall
    seconds of the paging and the CPU seconds server process `pid` and its workers spent on it (logins
    excluded)."""
    out: list[Sample] = []
    wall = [0.0, 0.0]

    async def main() -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)  # a browser tab: one connection
        clients = [httpx.AsyncClient(base_url=base, timeout=600, limits=limits) for _ in range(users)]
        for c in clients:  # one session each, logged in one after another (argon2 is not what is measured)
            await _login(c)
        cpu0 = cpu_seconds(pid) if pid else 0.0
        t0 = time.monotonic()
        await asyncio.gather(*[_user(c, n_posts, i, think, t0 + duration, rounds, out)
                               for i, c in enumerate(clients)])
        wall[0] = time.monotonic() - t0
        wall[1] = cpu_seconds(pid) - cpu0 if pid else float("nan")
        for c in clients:
            await c.aclose()

    asyncio.run(main())
    return out, wall[0], wall[1]


def pct(xs: list[float], q: int) -> float:
    """The q-th percentile (inclusive method); the one value when there is one."""
    if not xs:
        return float("nan")
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1]


def report(title: str, samples: list[Sample], wall: float, users: int, think: tuple[float, float]) -> None:
    rate = len(samples) / wall if wall else float("nan")
    mean_client = statistics.fmean(s.client_ms for s in samples) / 1000 if samples else 0.0
    offered = users / ((think[0] + think[1]) / 2 + mean_client)
    print(f"  {title}: {len(samples)} requests in {wall:.0f} s = {rate:.1f} requests/s served "
          f"(offered by {users} users: {offered:.1f}/s)", flush=True)
    for kind in KINDS:
        xs = [s.server_ms for s in samples if s.kind == kind]
        cs = [s.client_ms for s in samples if s.kind == kind]
        p95 = pct(xs, 95)
        print(f"    {kind:8s} server p50 {pct(xs, 50):7.1f}  p95 {p95:7.1f}  p99 {pct(xs, 99):7.1f} ms"
              f" | client p50 {pct(cs, 50):7.1f}  p95 {pct(cs, 95):7.1f}  p99 {pct(cs, 99):7.1f} ms"
              f" | target p95 <= {TARGETS[kind]:.0f} ms (ratio {p95 / TARGETS[kind]:.2f})  n={len(xs)}", flush=True)


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _state(args: argparse.Namespace, schema: str) -> Path:
    """Where a kept schema's keyring and data directory live between runs."""
    return Path(args.state_dir) / schema


def _open_kept(args: argparse.Namespace, schema: str) -> tuple[Keyring, Path, str, int]:
    """A kept schema's keyring, data directory, URL and post count; refuses one not at the store's head."""
    from leaktrace.store.migrate import current, head

    state = _state(args, schema)
    ring_file = state / "keyring.env"
    if not ring_file.is_file():
        raise SystemExit(f"--reuse-schema {schema}: no {ring_file} (load it first with --keep-schema {schema})")
    keyring = Keyring.from_env(ring_file.read_text().strip())
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    ctx = Context(Settings(data_dir=state / "data", database_url=url), keyring=keyring, migrate=False)
    try:
        at, want = current(ctx.engine), head()
        if at != want:
            raise SystemExit(f"--reuse-schema {schema}: the schema is at revision {at}, the store's head is {want}; "
                             f"load it again (DROP SCHEMA {schema} CASCADE, then --keep-schema {schema})")
        with ctx.session() as s:
            n = int(s.scalar(select(func.max(Post.id))) or 0)
    finally:
        ctx.close()
    if n == 0:
        raise SystemExit(f"--reuse-schema {schema}: it holds no posts")
    return keyring, state / "data", url, n


def _fresh_schema(data_dir: Path, keyring: Keyring, schema: str, keep: bool) -> None:
    admin = Context(Settings(data_dir=data_dir, database_url=PG_URL), keyring=keyring, migrate=False)
    try:
        with admin.engine.begin() as conn:
            if keep:
                exists = conn.scalar(text("SELECT 1 FROM pg_namespace WHERE nspname = :n"), {"n": schema})
                if exists:
                    raise SystemExit(f"--keep-schema {schema}: the schema exists already (--reuse-schema {schema} "
                                     f"runs over it; DROP SCHEMA {schema} CASCADE to load it again)")
            else:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        admin.close()


def run(backend: str, n: int, template_of: Any, args: argparse.Namespace, tmp: Path) -> None:
    """Load `n` posts into `backend` (or reuse a kept schema), then time start-up, CPU per page and the load.
    `template_of()` makes (or returns the already made) analysed template world."""
    from leaktrace.cli.serve import default_workers
    from leaktrace.service.access import local_operator
    from leaktrace.service.accounts import change_password, create_user

    reuse = backend == "postgresql" and args.reuse_schema is not None
    keep = backend == "postgresql" and args.keep_schema is not None
    url = schema = None
    load_s = float("nan")
    if reuse:
        schema = args.reuse_schema
        keyring, data_dir, url, n = _open_kept(args, schema)
    else:
        tpl_ctx, tpl = template_of()
        keyring = tpl_ctx.keyring
        data_dir = tmp / f"data-{backend}"
        if backend == "postgresql":
            schema = args.keep_schema if keep else f"bench_console_{os.getpid()}"
            if keep:
                state = _state(args, schema)
                state.mkdir(parents=True, exist_ok=True, mode=0o700)
                data_dir = state / "data"
            _fresh_schema(data_dir, keyring, schema, keep)
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    env = {"LEAKTRACE_DATA_DIR": str(data_dir), "LEAKTRACE_KEYRING": keyring.to_env()}
    if url is not None:
        env["LEAKTRACE_DATABASE_URL"] = url
    workers = args.workers or default_workers(url)
    think = (args.think_min, args.think_max)
    try:
        if not reuse:
            ctx = Context(Settings(data_dir=data_dir, database_url=url), keyring=keyring)
            version = model_version(ctx.intel_model())
            copy_identifiers(tpl_ctx, ctx)
            t0 = time.perf_counter()
            (load_pg if backend == "postgresql" else load_sqlite)(ctx, tpl, n, version)
            load_s = time.perf_counter() - t0
            _, once = create_user(ctx, "bench", "analyst", actor=local_operator("bench"))
            change_password(ctx, "bench", once, PASSWORD, None, "bench")
            ctx.close()
            if keep:  # the identifier hashes were made with this keyring: the next run needs it
                ring_file = _state(args, schema) / "keyring.env"  # type: ignore[arg-type]
                ring_file.touch(mode=0o600)
                ring_file.write_text(keyring.to_env())
        loaded = f"reused schema {schema}" if reuse else f"bulk-loaded in {load_s:.0f} s"
        print(f"\n{backend}: {n:,} posts ({loaded}), leaktrace serve --workers {workers}, "
              f"{args.users} users; load average {load_average()} on {os.cpu_count()} cores", flush=True)
        if args.starts:
            starts, cpu = start_times(env, workers, args.starts)
            med = statistics.median(starts)
            print(f"  console start to first page: median {med:.2f} s wall of {len(starts)} starts "
                  f"(min {min(starts):.2f}, max {max(starts):.2f}; target < 3 s, ratio {med / 3:.2f}); "
                  f"CPU used by the server until then: median {statistics.median(cpu):.2f} s", flush=True)
        if args.cpu_requests:
            per = cpu_per_page(env, n, args.cpu_requests, url)
            db = backend == "postgresql"
            print(f"  CPU per page, one worker, one request at a time ({args.cpu_requests} of each): "
                  + ", ".join(f"{k} {a:.1f} ms console" + (f" + {d:.1f} ms PostgreSQL = {a + d:.1f} ms" if db else "")
                              for k, (a, d) in per.items()), flush=True)
            total = statistics.fmean(a + (d if db else 0.0) for a, d in per.values())
            rate = args.users / ((args.think_min + args.think_max) / 2)
            print(f"    mean {total:.1f} ms a page x {rate:.0f} pages/s offered by {args.users} users = "
                  f"{total * rate / 1000:.2f} cores busy of {os.cpu_count()}", flush=True)
        port = _free_port()
        proc, _ = start_server(env, port, workers)
        try:
            base = f"http://127.0.0.1:{port}"
            load_test(base, n, 5, (0.0, 0.0), 0, 2)  # warm-up: templates, connection pools, caches
            runs = [("one user alone, no think time (no queueing in the console)", 1, (0.0, 0.0), args.solo_rounds),
                    (f"think time {think[0]:g}-{think[1]:g} s (uniform) for {args.duration:g} s", args.users, think, 0),
                    (f"closed loop, no think time, {args.closed_rounds} rounds of 3 pages a user", args.users,
                     (0.0, 0.0), args.closed_rounds)]
            for title, users, pause, rounds in runs:
                if (pause[1] == 0 and rounds == 0) or (args.duration == 0 and pause[1] > 0):
                    continue
                samples, wall, used = load_test(base, n, users, pause, args.duration, rounds, proc.pid)
                report(title, samples, wall, users, pause)
                print(f"    console CPU {used * 1000 / max(1, len(samples)):.0f} ms a request (all its processes; "
                      f"the database server's not counted); load average after: {load_average()}", flush=True)
        finally:
            stop_server(proc)
    finally:
        if schema is not None and not (keep or reuse):  # the loaded copy is of no further use: give the space back
            admin = Context(Settings(data_dir=data_dir, database_url=PG_URL), keyring=keyring, migrate=False)
            with admin.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the issue's sizes (10^6 PG, 10^5 SQLite)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--think-min", type=float, default=1.0, help="least think time between a user's pages (s)")
    ap.add_argument("--think-max", type=float, default=3.0, help="most think time between a user's pages (s)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of paging with think time")
    ap.add_argument("--closed-rounds", type=int, default=2,
                    help="then feed + listing + search cycles per user with no think time (0: skip)")
    ap.add_argument("--solo-rounds", type=int, default=10, help="cycles of one user alone first (0: skip)")
    ap.add_argument("--starts", type=int, default=5, help="fresh starts timed for start-to-first-page")
    ap.add_argument("--backends", default="postgresql,sqlite")
    ap.add_argument("--workers", type=int, default=0, help="leaktrace serve --workers (0: its default for the store)")
    ap.add_argument("--cpu-requests", type=int, default=30,
                    help="pages of each type served one at a time by a one-worker server, for CPU ms a page (0: skip)")
    ap.add_argument("--keep-schema", metavar="NAME", help="load PostgreSQL into schema NAME and keep it (a new one)")
    ap.add_argument("--reuse-schema", metavar="NAME", help="run over schema NAME kept by --keep-schema, no load")
    ap.add_argument("--state-dir", default=str(Path(tempfile.gettempdir()) / "leaktrace-bench-console"),
                    help="where a kept schema's keyring and data directory are kept")
    args = ap.parse_args()
    for name in (args.keep_schema, args.reuse_schema):
        if name is not None and not _SCHEMA_NAME.match(name):
            raise SystemExit(f"schema {name!r}: lower-case letters, digits and _ only, not starting with a digit")
    if args.keep_schema and args.reuse_schema:
        raise SystemExit("--keep-schema and --reuse-schema: one or the other")
    sizes = {"postgresql": max(100, int(1_000_000 * args.scale)), "sqlite": max(100, int(100_000 * args.scale))}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        made: list[tuple[Context, list[dict[str, Any]]]] = []

        def template_of() -> tuple[Context, list[dict[str, Any]]]:
            if not made:
                made.append(template(tmp))
                tpl = made[0][1]
                print(f"template: {len(tpl)} analysed posts, "
                      f"{sum(len(t['terms']) for t in tpl) / len(tpl):.0f} search terms a post", flush=True)
            return made[0]

        for backend in args.backends.split(","):
            run(backend, sizes[backend], template_of, args, tmp)


if __name__ == "__main__":
    main()
