"""`analyze_dump` as an entry point calls it: data directory and keyring from the process settings."""

from __future__ import annotations

from pathlib import Path

from leaktrace.core.dump_types import DumpReport
from leaktrace.core.keyring import load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.dumps.analyze import AnalyzeOptions, analyze_dump


def analyze(path: Path, opts: AnalyzeOptions | None = None) -> DumpReport:
    settings = get_settings()
    return analyze_dump(path, opts, data_dir=settings.data_dir, keys=lambda: load_keyring(settings))
