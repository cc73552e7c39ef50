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
