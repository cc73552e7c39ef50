"""Child processes that tests start (`leaktrace serve`, `worker`, a crawl, a shell script): never left running.

A `leaktrace serve` from a test run was found alive an hour later: tests
killed their child on the happy path only, or sent the signal to the
parent alone while its uvicorn workers, Chromium or a backgrounded
`simulate serve` lived on. `child_process` starts the command in its own
process group and, however the block is left (passed, failed, timed out,
interrupted), ends the whole group: SIGTERM, then SIGKILL after a grace
time, then SIGKILL again for children that outlived their leader.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any


def leaktrace(*args: str) -> list[str]:
    """The command line of `leaktrace ARGS` run by this interpreter."""
    return [sys.executable, "-m", "leaktrace.cli.app", *args]


def signal_group(proc: subprocess.Popen[Any], sig: int) -> None:
    """Send `sig` to the child's process group (it leads one: `start_new_session`); gone already is fine."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def end_group(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, grace: float = 20.0) -> tuple[Any, Any]:
    """Send `sig` to the group, wait up to `grace` s, then SIGKILL it; returns what communicate() read."""
    signal_group(proc, sig)
    try:
        out = proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        signal_group(proc, signal.SIGKILL)
        out = proc.communicate()
    signal_group(proc, signal.SIGKILL)  # workers, browsers, background jobs that outlived the leader
    return out


@contextmanager
def child_process(cmd: Sequence[str], *, grace: float = 10.0, **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """`subprocess.Popen(cmd, **popen)` in a new process group, whose every process is ended on leaving."""
    proc = subprocess.Popen(list(cmd), start_new_session=True, **popen)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            end_group(proc, signal.SIGTERM, grace)
        else:
            signal_group(proc, signal.SIGKILL)
