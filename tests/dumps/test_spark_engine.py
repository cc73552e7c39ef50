"""The Spark engine gives the DuckDB engine's report on the same input (one local session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from _analyze import analyze

from leaktrace.dumps.analyze import AnalyzeOptions

pytest.importorskip("pyspark")
pytest.importorskip("pandas")


def test_spark_report_equals_duckdb(tmp_path: Path, world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    lines = (out / truth["leak"]["files"]["csv"]).read_text("utf-8").splitlines()[:1201]
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines) + "\n", "utf-8")
    day = dt.date(2026, 1, 1)
    duck = analyze(small, AnalyzeOptions(force=True, today=day)).model_dump()
    spark = analyze(small, AnalyzeOptions(force=True, today=day, engine="spark")).model_dump()
    assert spark.pop("engine") == "spark" and duck.pop("engine") == "duckdb"
    spark.pop("seconds"), duck.pop("seconds")
    assert spark == duck
    assert duck["rows"] == 1200 and duck["distinct_valid_ids"] > 0


def test_spark_hash_sets_native_and_sql_equal_duckdb(tmp_path: Path, world: tuple[Path, dict[str, Any]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark's keyed hashes, by the compiled HMAC in its Python workers or by SQL in the JVM, are DuckDB's."""
    import pyarrow.parquet as pq

    from leaktrace.core import hashing_batch
    from leaktrace.dumps import engine_spark

    bound: list[bool] = []
    register = engine_spark._register_native_hashers
    monkeypatch.setattr(engine_spark, "_register_native_hashers", lambda *a: bound.append(register(*a)) or bound[-1])

    out, truth = world
    lines = (out / truth["leak"]["files"]["csv"]).read_text("utf-8").splitlines()[:601]
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines) + "\n", "utf-8")

    def sets(r: Any) -> dict[str, list[tuple[Any, ...]]]:
        return {k: sorted(tuple(d.values()) for d in pq.read_table(p).to_pylist()) for k, p in r.hash_sets.items()}

    duck = sets(analyze(small, AnalyzeOptions(force=True)))
    assert len(duck["persons"]) > 0 and len(duck["phones"]) > 0
    for native in (True, False):
        assert sets(analyze(small, AnalyzeOptions(force=True, engine="spark", native_hash=native))) == duck, native
    # The native run bound the Arrow UDFs (Spark >= 4.1 with the extension built); the SQL run never asked.
    assert bound == [hashing_batch.available() and hasattr(__import__("pyspark.sql.functions").sql.functions,
                                                           "arrow_udf")]


def test_spark_mapped_tables_are_private_parquet_removed_at_the_end(tmp_path: Path, world: tuple[Path, dict[str, Any]],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """facts and idv (packed IDs) are written by the workers into an owner-only run folder that the run removes."""
    import stat

    from leaktrace.core.keyring import Keyring
    from leaktrace.dumps import engine_spark
    from leaktrace.dumps.analyze import analyze_dump

    seen: list[tuple[str, int, int, int]] = []
    orig = engine_spark.SparkEngine.cache_mapped

    def spy(self: Any, name: str, input_sql: str, rule: Any) -> None:
        orig(self, name, input_sql, rule)
        d = self._work / name
        rows = self.fetch_one(f"SELECT count(*) AS n FROM {name}")["n"]
        seen.append((name, stat.S_IMODE(self._work.stat().st_mode), stat.S_IMODE(d.stat().st_mode),
                     rows if list(d.glob("part-*.parquet")) else -1))

    monkeypatch.setattr(engine_spark.SparkEngine, "cache_mapped", spy)
    out, truth = world
    lines = (out / truth["leak"]["files"]["csv"]).read_text("utf-8").splitlines()[:301]
    small = tmp_path / "small.csv"
    small.write_text("\n".join(lines) + "\n", "utf-8")
    data = tmp_path / "data"
    r = analyze_dump(small, AnalyzeOptions(force=True, engine="spark"), data_dir=data, keys=Keyring.generate())
    assert [s[0] for s in seen] == ["facts", "idv"]
    assert all(work == 0o700 and folder == 0o700 for _, work, folder, _ in seen), seen
    assert seen[0][3] == r.rows == 300 and seen[1][3] > 0
    assert not list((data / "tmp" / "spark").glob("run-*"))
