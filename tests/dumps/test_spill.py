"""DuckDB's spill during `dump analyze`: owner-only, per run, and gone after it (issue 16: kill -9 left IDs behind)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from _analyze import analyze

from leaktrace.core.settings import get_settings
from leaktrace.dumps import engine_duckdb
from leaktrace.dumps.analyze import AnalyzeOptions
from leaktrace.dumps.spill import spill_dir

# What DuckDB's spill holds: packed ID numbers as little-endian int64.
_PACKED = (110101199003071234).to_bytes(8, "little") * 1000


def _spill_root() -> Path:
    return get_settings().data_dir / "tmp" / "duckdb"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_a_killed_runs_spill_is_removed_at_the_next_start(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    root = _spill_root()
    root.mkdir(parents=True, mode=0o755)
    os.chmod(root, 0o755)
    (root / "duckdb_temp_storage_S32K-0.tmp").write_bytes(_PACKED)  # the layout a kill -9 left
    (root / "run-dead").mkdir()
    (root / "run-dead" / "duckdb_temp_block-1.block").write_bytes(_PACKED)
    (root / "run-dead.lock").write_bytes(b"")
    r = analyze(out / truth["leak"]["files"]["csv"], AnalyzeOptions(memory_limit="50MB", force=True))
    assert r.distinct_persons > 0
    assert _mode(root) == 0o700
    assert [p.name for p in root.iterdir() if p.name != ".lock"] == []


def test_the_spill_folder_is_owner_only_and_removed_when_the_run_ends(world: tuple[Path, dict[str, Any]],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    out, truth = world
    seen: list[tuple[Path, int, int]] = []
    real = engine_duckdb.connect

    def spy(opts: AnalyzeOptions, tmp: Path) -> Any:
        con = real(opts, tmp)
        used = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
        seen.append((used, _mode(used), _mode(used.parent)))
        return con

    monkeypatch.setattr(engine_duckdb, "connect", spy)
    analyze(out / truth["leak"]["files"]["csv"], AnalyzeOptions(memory_limit="50MB", force=True))
    (used, mode, parent_mode), = seen
    assert (mode, parent_mode) == (0o700, 0o700)
    assert used.parent == _spill_root() and not used.exists()


def test_a_live_runs_spill_is_kept(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    with spill_dir(_spill_root()) as live:
        (live / "duckdb_temp_block-1.block").write_bytes(_PACKED)
        analyze(out / truth["leak"]["files"]["csv"], AnalyzeOptions(force=True))
        assert (live / "duckdb_temp_block-1.block").exists()
    assert not live.exists()
