"""The engine's Spark defaults yield to the user's spark-defaults.conf and --conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.dumps.spark_conf import STATIC_DEFAULTS, static_defaults, user_keys

KEY = "spark.driver.extraJavaOptions"


def test_defaults_apply_when_the_user_set_nothing(tmp_path: Path) -> None:
    env = {"SPARK_CONF_DIR": str(tmp_path)}  # no spark-defaults.conf there
    assert static_defaults(env) == STATIC_DEFAULTS
    assert KEY in static_defaults(env)


@pytest.mark.parametrize("line", [f"{KEY} -Xss4m", f"{KEY}=-Xss4m", f"  {KEY}   -XX:+UseG1GC"])
def test_spark_defaults_conf_wins(tmp_path: Path, line: str) -> None:
    (tmp_path / "spark-defaults.conf").write_text(f"# comment\nspark.eventLog.dir file:///x\n{line}\n", "utf-8")
    env = {"SPARK_CONF_DIR": str(tmp_path)}
    assert {KEY, "spark.eventLog.dir"} <= user_keys(env)
    assert KEY not in static_defaults(env)


@pytest.mark.parametrize("args", [f"--conf {KEY}=-Xss4m pyspark-shell", "--driver-java-options -Xss4m pyspark-shell"])
def test_submit_args_win(tmp_path: Path, args: str) -> None:
    assert KEY not in static_defaults({"SPARK_CONF_DIR": str(tmp_path), "PYSPARK_SUBMIT_ARGS": args})


def test_the_context_hands_spark_variables_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from leaktrace.core.settings import Settings
    from leaktrace.pipeline.context import Context

    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", f"--conf {KEY}=-Xss4m pyspark-shell")
    monkeypatch.delenv("SPARK_CONF_DIR", raising=False)
    opts = Context(Settings(data_dir=tmp_path)).dump_options()
    assert opts.spark_env["PYSPARK_SUBMIT_ARGS"].startswith("--conf") and KEY not in static_defaults(opts.spark_env)
