"""Spark on a standalone cluster (a master and two workers on this machine) gives DuckDB's report and sets."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from leaktrace.core.errors import ConfigError
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analyze import AnalyzeOptions, analyze_dump

pytest.importorskip("pyspark")
pytest.importorskip("pandas")

DAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from leaktrace.dumps.spark_cluster import local_cluster

    with local_cluster(tmp_path_factory.mktemp("spark-cluster"), workers=2, cores=1, memory="1g") as running:
        yield running


def _sets(paths: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    return {k: sorted(tuple(r.values()) for r in pq.read_table(p).to_pylist()) for k, p in paths.items()}


def test_cluster_report_and_hash_sets_equal_duckdb(cluster: Any, tmp_path: Path,
                                                   world: tuple[Path, dict[str, Any]]) -> None:
    """Parity with DuckDB, while an executor is killed mid-job: Spark reruns its tasks, the report is unchanged."""
    out, truth = world
    lines = (out / truth["leak"]["files"]["csv"]).read_text("utf-8").splitlines()[:801]
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines) + "\n", "utf-8")
    ring = Keyring.generate()
    killed: list[int] = []
    done = threading.Event()

    def kill_one_executor() -> None:  # as soon as worker 0 runs an executor for this job, and it is busy
        while not done.is_set():
            pids = cluster.executor_pids(0)
            if pids:
                time.sleep(3)
                for pid in cluster.executor_pids(0):
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_one_executor, daemon=True)
    killer.start()
    try:
        spark = analyze_dump(small, AnalyzeOptions(force=True, today=DAY, engine="spark", spark_master=cluster.url,
                                                   record_hashes=True), data_dir=tmp_path / "s", keys=ring)
    finally:
        done.set()
        killer.join()
    duck = analyze_dump(small, AnalyzeOptions(force=True, today=DAY, record_hashes=True), data_dir=tmp_path / "d",
                        keys=ring)
    assert killed, "no executor was killed: the job ended before one started"
    assert _sets(spark.hash_sets) == _sets(duck.hash_sets)
    a, b = spark.model_dump(), duck.model_dump()
    assert (a.pop("engine"), b.pop("engine")) == ("spark", "duckdb")
    for k in ("seconds", "hash_sets"):
        a.pop(k), b.pop(k)
    assert a == b
    assert duck.rows == 800 and duck.distinct_valid_ids > 0


def test_unreachable_cluster_is_a_clear_error_within_30s(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = tmp_path / "x.csv"
    f.write_text("身份证号,手机\n11010119900307663X,13800138000\n", "utf-8")
    t = time.monotonic()
    with pytest.raises(ConfigError, match=f"no Spark master answers at 127.0.0.1:{port}"):
        analyze_dump(f, AnalyzeOptions(engine="spark", spark_master=f"spark://127.0.0.1:{port}"),
                     data_dir=tmp_path / "data", keys=Keyring.generate())
    assert time.monotonic() - t < 30
    assert not (tmp_path / "data" / "dumps").exists() or not any((tmp_path / "data" / "dumps").iterdir())


def test_master_urls_name_their_endpoints() -> None:
    from leaktrace.dumps.engine_spark import _endpoints

    assert _endpoints("spark://a:7077,b:7078") == [("a", 7077), ("b", 7078)]
    assert _endpoints("spark://h") == [("h", 7077)]
    assert _endpoints("sc://h/;token=x") == [("h", 15002)]
    with pytest.raises(ConfigError, match="not host:port"):
        _endpoints("spark://h:port")
