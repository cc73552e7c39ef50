"""Tests' child processes end with their test: the helper kills the whole group, and no test bypasses it.

A stray `leaktrace serve` from a test run was found alive an hour later.
`child_process` (tests/child_process.py) ends the child's whole process
group however its block is left; the scan below keeps tests from starting
`leaktrace` (serve, worker, crawl…) with a bare `subprocess.Popen` again.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from child_process import child_process

TESTS = Path(__file__).resolve().parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead; only its parent (init, once the shell is gone) still has to reap it
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def test_a_failing_block_ends_the_child_and_its_background_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    script = f"sleep 300 & echo $! > {pidfile}; wait"  # like the walkthrough's backgrounded `simulate serve`
    with pytest.raises(RuntimeError), child_process(["bash", "-c", script]) as proc:
        deadline = time.monotonic() + 30
        while not pidfile.exists() or not pidfile.read_text().strip():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        raise RuntimeError("the test failed midway")
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while (_alive(grandchild) or proc.poll() is None) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.returncode is not None and not _alive(grandchild)


def test_a_child_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    with child_process(["bash", "-c", "trap '' TERM; sleep 300 & wait; sleep 300"], grace=0.5) as proc:
        time.sleep(0.2)
    assert proc.returncode is not None


def test_no_test_starts_leaktrace_with_a_bare_popen() -> None:
    bare = []
    for path in TESTS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"subprocess\.Popen\(", text):
            if re.search(r"leaktrace|_cmd\(", text[m.end():m.end() + 300]):
                bare.append(f"{path.relative_to(TESTS)}:{text.count(chr(10), 0, m.start()) + 1}")
    assert not bare, f"start these through child_process.child_process (killed with the test): {bare}"


def test_popen_of_the_helper_is_a_new_session() -> None:
    with child_process(["sleep", "5"], stdout=subprocess.DEVNULL) as proc:
        assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)
