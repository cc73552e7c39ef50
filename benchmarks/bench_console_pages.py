"""The dump and case pages under load: p95 server time per page type, one user and many at once.

Issue 18's numbers: dump and case pages p95 <= 300 ms server time at the
part-1 benchmark's scale. What these pages read is cases (with their items,
notes, timeline and members) and the dump reports in the data directory,
never the posts table, so the store is filled with what they do read, sized
like the part-1 world: `--scale 1` is 2,000 cases of 60 items and 120
timeline entries each, one large case of 5,000 items and 10,000 entries
(the page shows 50 items and 100 entries a page and counts all), and 500 analysed dumps
(copies of one real `dump analyze` report of a generated 20,000-row dump,
each with a kept attribution and case attribution items pointing at it).

Load model: `leaktrace serve` in its own process (`--workers`, default the
CPU count) on SQLite or PostgreSQL; each simulated user holds a supervisor's
session (sees every case) and repeats a round of five requests: the case
list (a random filter of status, TLP or assignee, or none), a case page (one
in ten the large case), the dump list, a dump page (a random dump, half of
them with a province picked) and a province's city table (what a click on
the map fetches). Three runs, as the part-1 benchmark (`bench_console.py`)
measures: "single" is one user, one request at a time; "think time" is that
benchmark's load model, a load tool's (Locust's): `--users` (50) users each
wait a think time drawn uniformly from 1-3 s between requests, for
`--duration` seconds, the load the target is about; "closed loop" is
`--closed-users` (20) users with no think time at all (every user always
waiting on the server), printed for transparency: on one worker it
measures the queue, not a page. Server time is the console's `Server-Timing`
header; with one worker the server's CPU milliseconds per request of each
kind are printed too (what the console costs, apart from waiting for a
core on a loaded machine). Each figure is printed with its target and the ratio, and the
machine's `uptime` before and after (the load it was measured under).

    python benchmarks/bench_console_pages.py --scale 0.1 --backends sqlite
    python benchmarks/bench_console_pages.py                    # the issue's size, both backends
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text

from leaktrace.core.keyring import Keyring
from leaktrace.core.match_types import Match, OrgMatch
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context

PG_URL = os.environ.get("LEAKTRACE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_MS = 300.0
KINDS = ("case_list", "case", "dump_list", "dump", "cities")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGIONS = ("110101", "120101", "130102", "310101", "320102", "330106", "370102", "410102", "420102", "440106",
           "440305", "450102", "510104", "530102", "610102", "650102")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "uptime unavailable"


def _cn_id(region: str, birth: str, seq: int) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


def _dump_file(path: Path, rows: int) -> None:
    rnd = random.Random(9)
    with path.open("w", encoding="utf-8") as f:
        f.write("id,name,mobile\n")
        for i in range(rows):
            birth = f"{rnd.randint(1950, 2004)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
            ident = _cn_id(rnd.choice(REGIONS), birth, i % 1000) if i % 13 else f"{rnd.choice(REGIONS)}{birth}0000"
            f.write(f"{ident},name{i},1{rnd.choice('3589')}{rnd.randint(0, 999_999_999):09d}\n")


def fill(ctx: Context, tmp: Path, scale: float) -> dict[str, Any]:
    """Cases, items, events, members and dumps as described in the module docstring; returns what to ask for."""
    from leaktrace.dumps.analyze import analyze_dump
    from leaktrace.pipeline.case_items import create_case
    from leaktrace.pipeline.dump_records import save_attribution
    from leaktrace.service.access import Principal, Role, local_operator
    from leaktrace.service.accounts import create_user
    from leaktrace.service.sessions import open_session
    from leaktrace.store.models import Case, CaseEvent, CaseItem, CaseMember, CaseNote, User

    n_cases, n_dumps = max(10, int(2000 * scale)), max(5, int(500 * scale))
    src = tmp / "orders.csv"
    _dump_file(src, 20_000)
    report = analyze_dump(src, ctx.dump_options(), data_dir=ctx.data_dir, keys=ctx.get_keyring)
    base = ctx.data_dir / "dumps" / report.sha256
    shas = []
    rnd = random.Random(4)
    for i in range(n_dumps):
        sha = f"{i:016x}" + report.sha256[16:]
        if sha != report.sha256:
            (ctx.data_dir / "dumps" / sha).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / "report.json", ctx.data_dir / "dumps" / sha / "report.json")
        org = f"org-{i % 20}"
        save_attribution(ctx.data_dir, sha, Match(
            verdict="lead", org=org, partner="logistics", confidence=0.99, false_attribution_probability=1e-8,
            summary=f"{org} leads", ranking=[OrgMatch(org=f"org-{(i + k) % 20}", p_value=10.0 ** -(9 - k),
                                                      lead=k == 0) for k in range(8)]))
        shas.append(sha)
    shell = local_operator("bench")
    staff = []
    for name, role in (("bench-super", "supervisor"), *((f"analyst{k}", "analyst") for k in range(10))):
        view, _ = create_user(ctx, name, role, actor=shell)
        staff.append((view.id, name))
    sup = Principal(staff[0][0], "bench-super", Role.SUPERVISOR, None, None, "bench", "en")
    now = datetime.now(UTC)
    statuses, tlps = ("open", "in_review", "closed"), ("clear", "green", "amber", "amber+strict", "red")
    with ctx.session() as s:
        for i in range(n_cases):
            create_case(s, f"bench case {i}", ref=f"BENCH-{i:05d}", tlp=tlps[i % 5], created_by=staff[1 + i % 10][1])
        s.commit()
        ids = dict(s.execute(select(Case.ref, Case.id)).all())
        rows_items, rows_events, rows_members, rows_notes = [], [], [], []
        for i, (_ref, cid) in enumerate(sorted(ids.items())):
            big = i == 0
            n_items, n_events = (5000, 10_000) if big else (60, 120)
            s.execute(Case.__table__.update().where(Case.id == cid).values(
                status=statuses[i % 3], assignee=staff[1 + i % 10][1], updated_at=now - timedelta(minutes=i)))
            for k in range(n_items):
                kind = "listing" if k % 10 else "capture"
                if kind == "listing":
                    payload: dict[str, Any] = {"id": f"post-{k}", "title": f"出售 数据 {k}", "market": "m1",
                                               "identifiers": []}
                else:
                    payload = {"sha256": f"{k:064x}", "url": f"http://m1.onion/{k}"}
                rows_items.append({"case_id": cid, "kind": kind, "key": payload.get("id") or payload["sha256"],
                                   "payload": payload, "added_by": "bench", "added_at": now})
            rows_items.append({"case_id": cid, "kind": "attribution", "key": f"att-dump-{shas[i % len(shas)][:16]}",
                               "payload": {"id": f"att-dump-{shas[i % len(shas)][:16]}", "dump_id": f"dump-{shas[i % len(shas)][:16]}",
                                           "org_name": f"org-{i % 20}", "confidence": 0.9, "evidence": ["bench"]},
                               "added_by": "bench", "added_at": now})
            for k in range(n_events):
                rows_events.append({"case_id": cid, "at": now - timedelta(hours=rnd.randrange(0, 24 * 90)),
                                    "kind": "item", "text": f"listing post-{k} added", "ref": f"post-{k}",
                                    "recorded_at": now})
            rows_members += [{"case_id": cid, "user_id": staff[1 + (i + j) % 10][0], "added_by": "bench",
                              "added_at": now} for j in range(3)]
            rows_notes += [{"case_id": cid, "author": "bench", "text": f"note {j}", "created_at": now} for j in range(3)]
            if len(rows_events) > 50_000 or i == len(ids) - 1:
                for table, rows in ((CaseItem, rows_items), (CaseEvent, rows_events), (CaseMember, rows_members),
                                    (CaseNote, rows_notes)):
                    if rows:
                        s.execute(insert(table), rows)
                        rows.clear()
        s.commit()
        assert s.scalar(select(User.id).where(User.username == "bench-super")) is not None
    with ctx.engine.begin() as conn:  # what autovacuum does after a bulk load: the planner sees the real sizes
        conn.execute(text("ANALYZE"))
    return {"token": open_session(ctx, sup), "cases": sorted(ids), "dumps": shas,
            "assignees": [n for _, n in staff[1:]]}


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "leaktrace.cli.app", "serve", "--port", str(port),
                             "--workers", str(workers)], env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300  # a loaded machine starts slowly; start-up is not what is measured
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"leaktrace serve exited: {proc.stderr.read() if proc.stderr else ''}") from None
            time.sleep(0.05)
    proc.terminate()
    raise SystemExit(f"leaktrace serve did not answer in 300 s: {proc.communicate(timeout=30)[1][-2000:]}")


def _round(rng: random.Random, w: dict[str, Any]) -> list[tuple[str, str]]:
    f = rng.choice(["", "status=" + rng.choice(["open", "in_review", "closed"]), "tlp=" + rng.choice(["red", "amber"]),
                    "assignee=" + rng.choice(w["assignees"])])
    case = w["cases"][0] if rng.random() < 0.1 else rng.choice(w["cases"])
    dump = "dump-" + rng.choice(w["dumps"])[:16]
    prov = rng.choice(["11", "31", "44", "51", "65"])
    return [("case_list", f"/cases?{f}"), ("case", f"/cases/{case}"), ("dump_list", "/dumps"),
            ("dump", f"/dumps/{dump}" + (f"?province={prov}" if rng.random() < 0.5 else "")),
            ("cities", f"/dumps/{dump}/cities?province={prov}")]


async def _user(base: str, w: dict[str, Any], rounds: int, seed: int, out: dict[str, list[float]],
                think: tuple[float, float] = (0.0, 0.0), until: float = 0.0) -> None:
    """One supervisor paging rounds of five requests: `rounds` of them with no think time, or, with a think
    time (uniform, seconds) between requests, until the monotonic time `until`."""
    rng = random.Random(seed)
    thinking = think[1] > 0
    async with httpx.AsyncClient(base_url=base, timeout=600, cookies={"lt_session": w["token"]}) as c:
        if thinking:
            await asyncio.sleep(rng.uniform(*think))  # users do not all click at the same instant
        done = 0
        while (time.monotonic() < until) if thinking else done < rounds:
            done += 1
            for kind, path in _round(rng, w):
                if thinking and time.monotonic() >= until:
                    break
                try:
                    r = await c.get(path)
                except httpx.RemoteProtocolError:
                    r = await c.get(path)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
                out[kind].append(float(r.headers["server-timing"].split("dur=")[1]))
                if thinking:
                    await asyncio.sleep(rng.uniform(*think))


def load(base: str, w: dict[str, Any], users: int, rounds: int, think: tuple[float, float] = (0.0, 0.0),
         duration: float = 0.0) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in KINDS}

    async def main() -> None:
        until = time.monotonic() + duration
        await asyncio.gather(*[_user(base, w, rounds, i, out, think, until) for i in range(users)])

    asyncio.run(main())
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def cpu_per_request(base: str, w: dict[str, Any], pid: int, n: int = 20) -> dict[str, float]:
    """CPU milliseconds the server spends on one request of each kind (one at a time, `n` of each).

    On a machine other jobs load, wall-clock server time mostly measures the
    wait for a core; CPU time per request is what the console itself costs.
    """
    rng = random.Random(11)
    out = {}
    with httpx.Client(base_url=base, timeout=600, cookies={"lt_session": w["token"]}) as c:
        for i, kind in enumerate(KINDS):
            paths = [_round(rng, w)[i][1] for _ in range(n)]
            before = cpu_seconds(pid)
            for path in paths:
                assert c.get(path).status_code == 200, path
            out[kind] = (cpu_seconds(pid) - before) * 1000 / n
    return out


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 2 else (xs[0] if xs else float("nan"))


def run(backend: str, scale: float, args: argparse.Namespace, tmp: Path) -> None:
    rounds, workers = args.rounds, args.workers
    think = (args.think_min, args.think_max)
    keyring = Keyring.generate()
    data_dir = tmp / f"data-{backend}"
    env = {"LEAKTRACE_DATA_DIR": str(data_dir), "LEAKTRACE_KEYRING": keyring.to_env()}
    url = schema = None
    if backend == "postgresql":
        schema = f"bench_pages_{os.getpid()}"
        admin = Context(Settings(data_dir=data_dir, database_url=PG_URL), keyring=keyring, migrate=False)
        with admin.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.close()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        env["LEAKTRACE_DATABASE_URL"] = url
    ctx = Context(Settings(data_dir=data_dir, database_url=url), keyring=keyring)
    t0 = time.perf_counter()
    w = fill(ctx, tmp, scale)
    fill_s = time.perf_counter() - t0
    ctx.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    proc = start_server(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        print(f"\n{backend}: {len(w['cases']):,} cases (one of 5,000 items), {len(w['dumps']):,} dumps, filled in "
              f"{fill_s:.1f} s; {workers} worker(s)", flush=True)
        print(f"  uptime before: {uptime()}")
        load(base, w, 1, 1)  # warm: templates compiled, caches filled
        runs = [("single: 1 user, no think time", 1, rounds * 2, (0.0, 0.0)),
                (f"think time {think[0]:g}-{think[1]:g} s (uniform): {args.users} users for {args.duration:g} s",
                 args.users, 0, think),
                (f"closed loop, no think time: {args.closed_users} users x {rounds} rounds", args.closed_users, rounds,
                 (0.0, 0.0))]
        for label, n_users, n_rounds, pause in runs:
            if n_users <= 0:
                continue
            t0 = time.perf_counter()
            times = load(base, w, n_users, n_rounds, pause, args.duration)
            wall = time.perf_counter() - t0
            total = sum(len(v) for v in times.values())
            print(f"  {label}: {total} requests in {wall:.1f} s ({total / wall:.1f}/s)")
            for kind in KINDS:
                v = p95(times[kind])
                print(f"    {kind:9s} p95 server time {v:7.1f} ms  median {statistics.median(times[kind]):6.1f} ms  "
                      f"(target <= {TARGET_MS:.0f} ms, ratio {v / TARGET_MS:.2f})", flush=True)
        if workers == 1:  # one process serves: its CPU time is the console's
            cpu = cpu_per_request(base, w, proc.pid)
            print("  CPU per request (one at a time): " + ", ".join(f"{k} {v:.0f} ms" for k, v in cpu.items()))
        print(f"  uptime after:  {uptime()}")
    finally:
        proc.terminate()
        proc.wait(30)
        if schema is not None:
            admin = Context(Settings(data_dir=data_dir, database_url=PG_URL), keyring=keyring, migrate=False)
            with admin.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of the sizes in the module docstring")
    ap.add_argument("--users", type=int, default=50, help="users with think time (the part-1 load model)")
    ap.add_argument("--think-min", type=float, default=1.0, help="least think time between a user's requests (s)")
    ap.add_argument("--think-max", type=float, default=3.0, help="most think time between a user's requests (s)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of paging with think time")
    ap.add_argument("--closed-users", type=int, default=20, help="users of the closed loop (0: skip it)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of five requests per user (single, closed loop)")
    ap.add_argument("--backends", default="postgresql,sqlite")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="leaktrace serve --workers")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for backend in args.backends.split(","):
            run(backend, args.scale, args, Path(d))


if __name__ == "__main__":
    main()
