"""A Spark standalone cluster on this machine (a master and N workers), for tests and benchmarks.

The pip `pyspark` distribution has no start scripts, so the daemons are
started with `spark-class org.apache.spark.deploy.master.Master` and
`...deploy.worker.Worker` directly, on free loopback ports, with their work
and log folders under a directory the caller owns. The context manager waits
until every worker has registered with the master (its JSON status page)
and stops the daemons, by their process ids, when it ends.

    with local_cluster(tmp_path, workers=2) as cluster:   # cluster.url: spark://127.0.0.1:PORT
        analyze_dump(path, AnalyzeOptions(engine="spark", spark_master=cluster.url), ...)
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaktrace.core.errors import ConfigError
from leaktrace.core.private_files import private_dir

START_TIMEOUT_S = 120.0


@dataclass
class LocalCluster:
    """A running local cluster: its master URL and its worker daemons' process ids."""

    url: str
    worker_pids: list[int] = field(default_factory=list)

    def executor_pids(self, worker: int) -> list[int]:
        """Executor processes the worker with index `worker` launched (children of its daemon)."""
        parent = self.worker_pids[worker]
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                out.append(int(stat.parent.name))
        return out


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as r:
            return int(json.load(r).get("aliveworkers", 0))
    except (OSError, ValueError):
        return 0


def _stop_sessions_on(url: str) -> None:
    """Stop this process's Spark session if it runs on `url` (it would outlive the cluster, unusable)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master == url:
        active.stop()


@contextlib.contextmanager
def local_cluster(root: Path, workers: int = 2, cores: int = 1, memory: str = "1g",
                  timeout: float = START_TIMEOUT_S) -> Iterator[LocalCluster]:
    """Start a master and `workers` workers (each `cores` cores, `memory`); yields the running cluster."""
    private_dir(root)
    port, ui = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(name: str, args: list[str]) -> None:
        log = (root / f"{name}.log").open("wb")
        logs.append(log)
        procs.append(subprocess.Popen([str(spark_class()), *args], stdout=log, stderr=subprocess.STDOUT,
                                      cwd=root, start_new_session=True))

    try:
        start("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                         "--webui-port", str(ui)])
        for i in range(workers):
            work = private_dir(root / f"worker{i}")
            start(f"worker{i}", ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                 "--cores", str(cores), "--memory", memory, "--webui-port", str(_free_port()),
                                 "--work-dir", str(work), url])
        deadline = time.monotonic() + timeout
        while _alive_workers(ui) < workers:
            dead = [p.args for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise ConfigError(f"local Spark cluster did not start ({'a daemon exited' if dead else 'timeout'}); "
                                  f"logs in {root}")
            time.sleep(0.5)
        yield LocalCluster(url, [p.pid for p in procs[1:]])
    finally:
        _stop_sessions_on(url)
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
