"""Nothing is lost when the console is stopped mid-request: `leaktrace serve` in a process, triage and case
additions in flight, then SIGTERM (graceful: it finishes what it holds and exits by itself) and SIGKILL.

After each stop, every request that was answered with success is in the store, and nothing is half
written: a post in the case has its case item, its triage row and its audit entry, or none of them; the
audit chain verifies (`leaktrace audit verify`); the console starts again over the same store.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from console_world import PASSWORD, fill_world
from live_server import free_port
from sqlalchemy import select

from child_process import child_process, leaktrace
from leaktrace.cases.case_records import create_case
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.service.access import add_member, local_operator
from leaktrace.service.accounts import change_password, create_user
from leaktrace.store.models import AuditEntry, Case, CaseItem, Post, Triage

CASE = "LT-STOP"
CLIENTS = 6


def _world(tmp: Path, url: str | None) -> tuple[dict[str, str], list[int], Context]:
    ctx = Context(Settings(data_dir=tmp / "data", database_url=url), keyring=Keyring.generate())
    fill_world(ctx, tmp / "world", listings_per_market=4)
    _, once = create_user(ctx, "stopper", "analyst", actor=local_operator("tests"))
    change_password(ctx, "stopper", once, PASSWORD, None, "tests")
    with ctx.session() as s:
        create_case(s, "stop test", ref=CASE, created_by="tests")
        s.commit()
        posts = list(s.scalars(select(Post.id).order_by(Post.id)))
    add_member(ctx, local_operator("tests"), CASE, "stopper")
    env = {**os.environ, "LEAKTRACE_DATA_DIR": str(tmp / "data"), "LEAKTRACE_KEYRING": ctx.keyring.to_env()}
    if url:
        env["LEAKTRACE_DATABASE_URL"] = url
    return env, posts, ctx


def _serve(env: dict[str, str], workers: int, stack: ExitStack) -> tuple[subprocess.Popen[str], str]:
    """A `leaktrace serve` in its own process group, ended with every worker when `stack` closes (also when
    it never answers or the test fails midway)."""
    port = free_port()
    proc = stack.enter_context(child_process(
        leaktrace("serve", "--port", str(port), "--workers", str(workers), "--grace", "20"), env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stderr.read() if proc.stderr else ''}") from None
            time.sleep(0.1)
    raise AssertionError("serve did not answer in 90 s")


def _login(base: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=60)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    r = c.post("/login", data={"csrf": token.group(1), "username": "stopper", "password": PASSWORD},
               follow_redirects=True)
    assert r.status_code == 200 and "/feed" in str(r.url), r.text[:300]
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', r.text)
    assert csrf is not None
    return c, csrf.group(1)


def _fire(base: str, posts: list[int], stop: Callable[[], None], after: int) -> tuple[dict[int, str], int]:
    """Triage requests from CLIENTS sessions at once; `stop` runs once `after` of them were answered.
    Returns post -> what was asked ("dismiss" or "case") for each request answered with success, and how
    many of those answers came after `stop` ran (requests the server held when it was told to stop)."""
    sessions = [_login(base) for _ in range(CLIENTS)]
    done: dict[int, str] = {}
    stopped_at: list[float] = []
    late = [0]
    lock = threading.Lock()
    answered = threading.Event()

    def client(i: int) -> None:
        c, csrf = sessions[i]
        for pid in posts[i::CLIENTS]:
            action = "case" if pid % 2 else "dismiss"
            data = {"csrf": csrf, "action": action, "case": CASE, "reason": f"stop test {pid}"}
            try:
                # A fresh connection per request: a refused connection is then "not received", never a kept-alive
                # socket the stopping server closed under a request it never read.
                r = c.post(f"/triage/{pid}", data=data, headers={"Connection": "close"})
            except httpx.HTTPError:
                continue  # not answered: may or may not have been done, must not be half done
            if r.status_code == 303:
                with lock:
                    done[pid] = action
                    late[0] += bool(stopped_at)
                    if len(done) >= after:
                        answered.set()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    assert answered.wait(120), f"only {len(done)} requests answered"
    with lock:
        stopped_at.append(time.monotonic())
    stop()
    for t in threads:
        t.join(120)
    for c, _ in sessions:
        c.close()
    return done, late[0]


def _check_store(ctx: Context, env: dict[str, str], done: dict[int, str]) -> None:
    with ctx.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.ref == CASE))
        items = {int(k.removeprefix("post-")) for k in s.scalars(select(CaseItem.key).where(
            CaseItem.case_id == case_id, CaseItem.kind == "listing"))}  # listing items are keyed post-<id>
        triage = {t.post_id: t for t in s.scalars(select(Triage))}
        audited = [json.loads(a.detail)["post"] for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "case.add_item", AuditEntry.target == f"case:{CASE}"))]
    in_case = {pid for pid, t in triage.items() if t.state == "in_case"}
    for pid, action in done.items():  # every success is there
        assert pid in triage, pid
        if action == "case":
            assert triage[pid].state == "in_case" and triage[pid].case_ref == CASE
        else:
            assert triage[pid].state == "dismissed" and triage[pid].reason == f"stop test {pid}"
    # nothing half written: triage row, case item and audit entry together or not at all
    assert in_case == items == set(audited), (in_case ^ items, in_case ^ set(audited))
    assert len(audited) == len(set(audited))
    for t in triage.values():
        if t.state == "dismissed":
            assert t.reason == f"stop test {t.post_id}" and t.actor == "stopper"
    r = subprocess.run([sys.executable, "-m", "leaktrace.cli.app", "audit", "verify", "--json"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_stopping_the_server_mid_request_loses_nothing(tmp_path: Path, backend: str,
                                                       request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue("pg_new_schema_url")() if backend == "postgresql" else None
    workers = 2 if backend == "postgresql" else 1
    env, posts, ctx = _world(tmp_path, url)
    with ExitStack() as stack:
        stack.callback(ctx.close)
        half = len(posts) // 2
        # SIGTERM: stops accepting, finishes what it holds, exits by itself within the grace time.
        proc, base = _serve(env, workers, stack)
        done, late = _fire(base, posts[:half], lambda: proc.send_signal(signal.SIGTERM), after=8)
        code = proc.wait(60)  # uvicorn shuts down, then ends by the signal it was sent (-15), as is the custom
        err = proc.stderr.read() if proc.stderr else ""
        assert code in (0, -signal.SIGTERM) and "Traceback" not in err, err
        assert late >= 1  # what it held when told to stop was finished and answered
        _check_store(ctx, env, done)
        # SIGKILL of every process of the server: whatever was answered was committed before the answer.
        proc, base = _serve(env, workers, stack)
        killed, _ = _fire(base, posts[half:], lambda: os.killpg(proc.pid, signal.SIGKILL), after=8)
        proc.wait(30)
        _check_store(ctx, env, {**done, **killed})
        proc, base = _serve(env, workers, stack)  # the store opens again as it was left
        assert httpx.get(base + "/login", timeout=10).status_code == 200
