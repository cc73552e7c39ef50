"""The region rows kept between processes are exactly the rows the sources give, and a bad cache is rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.pii import regions


def test_cache_round_trip_equals_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_CACHE_DIR", str(tmp_path))
    want = regions._merged_rows()
    path = regions._cache_file()
    assert path.parent.parent == tmp_path and not path.exists()
    assert regions._cached_rows() == want  # built from the sources, then written
    assert path.is_file()
    monkeypatch.setattr(regions, "_merged_rows", lambda: pytest.fail("read back, not rebuilt"))
    assert regions._cached_rows() == want  # read back: same rows, same order


def test_broken_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_CACHE_DIR", str(tmp_path))
    path = regions._cache_file()
    path.parent.mkdir(parents=True)
    path.write_text('[["110000", "truncated', "utf-8")
    assert regions._cached_rows() == regions._merged_rows()
    assert regions._cached_rows() == regions._merged_rows()  # and rewritten whole


def test_cache_name_follows_its_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_CACHE_DIR", str(tmp_path))
    before = regions._cache_file()
    monkeypatch.setattr(regions, "_supplement_text", lambda: "code\tname\n999999\tnew\n")
    assert regions._cache_file() != before


def test_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LEAKTRACE_CACHE_DIR", str(blocker))  # a file where the folder would go
    assert regions._cached_rows() == regions._merged_rows()
