"""A PostgreSQL cluster of the test's own (initdb in a temp dir, its own free port) that it may stop and start.

The shared server on 5432 is never touched: a test that restarts
PostgreSQL restarts only this one. As root, the server binaries run as the
`postgres` user (they refuse root) on a directory chowned to it. No
binaries: `pytest.skip`, or `pytest.fail` under CI=true, where the fault
test must run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def pg_bin() -> Path | None:
    """The newest installed server's bin directory (Debian layout), or the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnCluster:
    """initdb'd on `start`; `stop(mode)` and `start()` again keep its data, port and URL."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="lt-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {out.returncode}: {out.stderr.strip()[-800:]}")

    def init(self) -> OwnCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        return self.start()

    def start(self) -> OwnCluster:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", opts, "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended and the server shuts down cleanly; `immediate`: as on a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def own_cluster() -> Iterator[OwnCluster]:
    """A started cluster of this test's own, stopped and deleted afterwards."""
    bindir = pg_bin()
    if bindir is None:
        msg = "no PostgreSQL server binaries (initdb) installed"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: the PostgreSQL restart test must run)", pytrace=False)
        pytest.skip(msg)
    cluster = OwnCluster(bindir)
    try:
        yield cluster.init()
    finally:
        cluster.remove()
