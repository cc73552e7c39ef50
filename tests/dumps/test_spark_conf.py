"""The engine's Spark defaults yield to the user's spark-defaults.conf and --conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.dumps.spark_conf import STATIC_DEFAULTS, static_defaults, user_keys

KEY = "spark.driver.extraJavaOptions"


def test_defaults_apply_when_the_user_set_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))  # no spark-defaults.conf there
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    assert static_defaults() == STATIC_DEFAULTS
    assert KEY in static_defaults()


@pytest.mark.parametrize("line", [f"{KEY} -Xss4m", f"{KEY}=-Xss4m", f"  {KEY}   -XX:+UseG1GC"])
def test_spark_defaults_conf_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    (tmp_path / "spark-defaults.conf").write_text(f"# comment\nspark.eventLog.dir file:///x\n{line}\n", "utf-8")
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    assert {KEY, "spark.eventLog.dir"} <= user_keys()
    assert KEY not in static_defaults()


@pytest.mark.parametrize("args", [f"--conf {KEY}=-Xss4m pyspark-shell", "--driver-java-options -Xss4m pyspark-shell"])
def test_submit_args_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: str) -> None:
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", args)
    assert KEY not in static_defaults()
