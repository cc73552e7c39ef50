"""`leaktrace search reindex` and `leaktrace serve` from the shell, over a simulated world."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from live_server import free_port
from typer.testing import CliRunner

from child_process import child_process, end_group, leaktrace
from leaktrace.cli.app import app
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social


def test_reindex_indexes_posts_loaded_without_the_intel_stage(tmp_path: Path) -> None:
    generate_social(tmp_path, seed=3, scale=100, sample_rows=[], victim_org="某某电商", claimed_records=10_000,
                    listings_per_market=4)
    with open_context(get_settings()) as ctx, ctx.session() as s:
        n = load_world(s, tmp_path / "social", ctx.hasher)
        s.commit()
    r = CliRunner().invoke(app, ["search", "reindex", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"posts": n, "reindexed": n}
    r = CliRunner().invoke(app, ["search", "reindex", "--json"])
    assert json.loads(r.output) == {"posts": n, "reindexed": 0}  # nothing changed: nothing rewritten


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_prints_the_one_time_admin_password_and_answers(tmp_path: Path, workers: int) -> None:
    port = free_port()
    env = {**os.environ, "LEAKTRACE_DATA_DIR": str(tmp_path / "data")}
    t0 = time.monotonic()
    with child_process(leaktrace("serve", "--port", str(port), "--workers", str(workers)), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        status = None
        while time.monotonic() - t0 < 60 and status is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code
            except httpx.HTTPError:
                time.sleep(0.1)
        _, err = end_group(proc)  # the server and its workers; on a failure above, leaving the block ends them
    assert status == 200
    assert "one-time password" in err and "admin" in err
