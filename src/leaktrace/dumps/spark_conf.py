"""Spark settings the dump engine chooses when nobody else did (spark-defaults.conf and --conf win).

Measured on this machine's standalone cluster (two 1-core workers, 10^6
rows, CPU seconds of every process of the run; docs/dumps.md): the driver
JVM spent 17-22 CPU-s of a 73-83 CPU-s run planning ~50 short queries it
runs once each, most of it in C2 compiler threads, code whose C2 compiles
never pay back; with C1 only (and the parallel collector) it spent 9-10.
A driver of a long job on a big cluster plans the same ~50 queries, so C1
costs it nothing there either; a deployment that
wants other driver flags sets them in spark-defaults.conf (or --conf), and
then this default is not applied. The executors keep C2: their C2 compiler
threads took ~45 CPU-s of that run (more than their task threads, ~30),
but that is a fixed cost per executor, and at 10^7 rows and beyond the
per-row loops want C2's code.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

# Set only where the user's configuration does not name the key (static: read when the JVMs start).
STATIC_DEFAULTS = {
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC -XX:TieredStopAtLevel=1",
}


def _defaults_file(env: Mapping[str, str]) -> Path | None:
    conf_dir = env.get("SPARK_CONF_DIR")
    if conf_dir:
        return Path(conf_dir) / "spark-defaults.conf"
    home = env.get("SPARK_HOME")
    if not home:
        try:
            import pyspark
        except ImportError:
            return None
        home = str(Path(pyspark.__file__).parent)
    return Path(home) / "conf" / "spark-defaults.conf"


def user_keys(env: Mapping[str, str]) -> set[str]:
    """Keys the user set for spark-submit: in spark-defaults.conf, or as --conf / --driver-java-options in PYSPARK_SUBMIT_ARGS."""
    keys: set[str] = set()
    f = _defaults_file(env)
    if f is not None and f.is_file():
        for line in f.read_text("utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "!")):
                keys.add(line.replace("=", " ", 1).replace(":", " ", 1).split()[0])
    args = shlex.split(env.get("PYSPARK_SUBMIT_ARGS", ""))
    for i, a in enumerate(args):
        if a == "--conf" and i + 1 < len(args):
            keys.add(args[i + 1].split("=", 1)[0])
        elif a.startswith("--conf="):
            keys.add(a[len("--conf="):].split("=", 1)[0])
        elif a.startswith("--driver-java-options"):
            keys.add("spark.driver.extraJavaOptions")
    return keys


def static_defaults(env: Mapping[str, str]) -> dict[str, str]:
    """The `STATIC_DEFAULTS` the user's configuration leaves unset; `env`: Spark's variables
    (`core.settings.spark_environment`, handed down by the entry point's context)."""
    taken = user_keys(env)
    return {k: v for k, v in STATIC_DEFAULTS.items() if k not in taken}
