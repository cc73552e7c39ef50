"""`AnalyzeOptions`: what a `dump analyze` run is asked for (engines and the report read it, none imports another)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from leaktrace.pii.regions import RegionMode

DEFAULT_MEMORY_LIMIT = "3GB"  # the default of the setting `dump_memory_limit`


@dataclass
class AnalyzeOptions:
    engine: str = "duckdb"
    encoding: str | None = None
    roles: list[str] = field(default_factory=list)
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    force: bool = False
    progress: bool = False
    today: dt.date | None = None
    spark_master: str | None = None
    # Resident-ID region check (setting `cn_id_region_mode`): part of the result, so of the fingerprint.
    region_mode: RegionMode = "lenient"
    # Keyed hashes and the facts' row rules through the compiled extensions (setting `native_hash`):
    # same results either way.
    native_hash: bool = True
    # The per-record hash set (`records.parquet`): no stage reads it, so it is written only when asked.
    record_hashes: bool = False
    # Spark's own environment (SPARK_CONF_DIR, SPARK_HOME, PYSPARK_SUBMIT_ARGS), from the entry point's
    # context: the Spark engine's defaults yield to what it names (`spark_conf`).
    spark_env: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("force", "progress", "memory_limit", "threads", "spark_master", "native_hash", "spark_env"):
            d.pop(k)
        if not d["record_hashes"]:  # reports stored before the option existed still match
            d.pop("record_hashes")
        d["today"] = str(self.today) if self.today else None
        return d
