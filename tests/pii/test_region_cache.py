"""The region rows kept between processes are exactly the rows the sources give, and a bad cache is rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.pii import regions


def test_cache_round_trip_equals_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = regions._merged_rows()
    path = regions.cache_file(tmp_path)
    assert path.parent == tmp_path and not path.exists()
    assert regions.cached_rows(tmp_path) == want  # built from the sources, then written
    assert path.is_file()
    monkeypatch.setattr(regions, "_merged_rows", lambda: pytest.fail("read back, not rebuilt"))
    assert regions.cached_rows(tmp_path) == want  # read back: same rows, same order


def test_primed_table_equals_parsed_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = regions.region_table()
    regions.cached_rows(tmp_path)  # the cache file exists
    monkeypatch.setattr(regions, "_primed", [])
    regions.region_table.cache_clear()
    try:
        monkeypatch.setattr(regions, "_merged_rows", lambda: pytest.fail("primed from the cache, not parsed"))
        regions.prime_region_table(tmp_path)
        assert regions.region_table() == parsed
    finally:
        regions.region_table.cache_clear()


def test_broken_cache_is_rebuilt(tmp_path: Path) -> None:
    path = regions.cache_file(tmp_path)
    path.write_text('[["110000", "truncated', "utf-8")
    assert regions.cached_rows(tmp_path) == regions._merged_rows()
    assert regions.cached_rows(tmp_path) == regions._merged_rows()  # and rewritten whole


def test_cache_name_follows_its_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = regions.cache_file(tmp_path)
    monkeypatch.setattr(regions, "_supplement_text", lambda: "code\tname\n999999\tnew\n")
    assert regions.cache_file(tmp_path) != before


def test_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where the folder would go
    assert regions.cached_rows(blocker) == regions._merged_rows()
