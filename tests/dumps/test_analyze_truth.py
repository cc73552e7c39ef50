"""Reports against simulate truth: rows, persons per province, duplicates, padding bound, novelty."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from _analyze import analyze

from leaktrace.dumps.analyze import AnalyzeOptions
from leaktrace.simulate.formats import FORMATS


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_is_exact(world: tuple[Path, dict[str, Any]], fmt: str) -> None:
    out, truth = world
    leak = truth["leak"]
    r = analyze(out / leak["files"][fmt])
    assert r.rows == leak["rows"]
    assert r.malformed.rows == 0 and not r.malformed.skipped
    roles = {c.role: c.index for c in r.columns}
    assert roles["id_number"] == 3 and roles["mobile"] == 4 and roles["address"] == 5
    assert r.duplicate_rows == leak["duplicate_rows"]
    assert r.distinct_rows == leak["distinct_rows"]
    assert r.distinct_valid_ids == leak["distinct_valid_ids"]
    assert {p.code: p.persons for p in r.provinces_by_id} == leak["distinct_valid_ids_by_province"]
    fabricated = leak["rows_by_kind"]["fabricated_invalid"] + leak["rows_by_kind"]["fabricated_valid"]
    assert r.padding is not None
    assert r.padding.low <= fabricated <= r.padding.high
    assert r.padding.invalid_id_rows == leak["rows_by_kind"]["fabricated_invalid"]
    assert sum(r.gender.values()) == r.distinct_valid_ids == sum(r.age_buckets.values())
    assert r.order_time_max is not None and r.order_time_max < "2024-07-01"


def test_novelty_against_earlier_dump(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    earlier = analyze(out / truth["earlier_dump"]["file"])
    assert earlier.distinct_valid_ids == truth["earlier_dump"]["distinct_valid_ids"]
    assert earlier.novelty.earlier_dumps == 0
    r = analyze(out / truth["leak"]["files"]["csv"])
    assert r.novelty.earlier_dumps == 1
    assert r.novelty.persons_seen_before == truth["leak"]["distinct_ids_also_in_earlier_dump"]
    assert r.novelty.persons_new == r.distinct_valid_ids - r.novelty.persons_seen_before


def test_finished_report_is_reused_and_force_recomputes(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    path = out / truth["leak"]["files"]["csv"]
    first = analyze(path)
    again = analyze(path)
    assert again.seconds == first.seconds  # the stored report, not a rerun
    redo = analyze(path, AnalyzeOptions(force=True))
    assert redo.distinct_valid_ids == first.distinct_valid_ids


def test_report_holds_no_raw_pii(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    path = out / truth["leak"]["files"]["csv"]
    r = analyze(path)
    text = json.dumps(r.model_dump(mode="json"), ensure_ascii=False)
    for line in path.read_text("utf-8").splitlines()[1:50]:
        fields = line.split(",")
        assert fields[3] not in text and fields[4] not in text and fields[5] not in text


def test_stored_report_found_by_content_not_by_name(world: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """A copy under another name gets the stored report (its hash is checked after the scan); a file
    changed in place keeping its size and mtime is hashed again, never served the old report."""
    import os
    import shutil

    out, truth = world
    src = out / truth["leak"]["files"]["csv"]
    first = analyze(src)
    copy = tmp_path / "renamed.csv"
    shutil.copy2(src, copy)
    assert analyze(copy).seconds == first.seconds
    edited = tmp_path / "edited.csv"
    shutil.copy2(src, edited)
    before = analyze(edited)
    st = edited.stat()
    data = bytearray(edited.read_bytes())
    at = data.index(b"\n") + 1  # first byte of the first data row: a digit of the order id
    data[at] = ord("9") if data[at] != ord("9") else ord("8")
    edited.write_bytes(bytes(data))
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = analyze(edited)
    # Analysed anew: the stored report of the old bytes carries their hash, so the new hash is proof enough (the
    # analysis time, compared here before, is 0.1 s either way now that a 3,000-row analysis is that fast).
    assert after.sha256 != before.sha256
    assert after.rows == before.rows


def test_failed_scan_abandons_the_file_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash runs beside the scan; when the scan fails, the error comes at once, not after hashing the file."""
    import threading

    from leaktrace.core.errors import InputError
    from leaktrace.dumps import analyze as az

    p = tmp_path / "d.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * (3 << 20))  # 12 MB: two chunks
    stop = threading.Event()
    stop.set()
    with pytest.raises(InterruptedError):
        az.file_sha256(p, stop)
    seen: dict[str, bool] = {}
    made: list[Any] = []

    class SlowPass(az.FilePass):  # the one side read (hash + long lines), as slow as a 100 GB file's
        def _run(self) -> None:
            made.append(self)
            seen["stopped"] = self._stop.wait(10)

    def failing_engine(*_a: Any) -> Any:
        raise InputError("broken on purpose")

    monkeypatch.setattr(az, "FilePass", SlowPass)
    monkeypatch.setattr(az, "_run_engine", failing_engine)
    t = time.monotonic()
    with pytest.raises(InputError, match="on purpose"):
        analyze(p, AnalyzeOptions(force=True))
    made[0]._t.join(10)
    assert seen == {"stopped": True} and time.monotonic() - t < 9


def test_outputs_are_owner_only(world: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """Hash sets, report and source record describe a seized dump's victims: 0600 files in a 0700 folder,
    whatever the umask."""
    import os
    import shutil
    import stat

    out, truth = world
    p = tmp_path / "mine.csv"
    shutil.copy2(out / truth["leak"]["files"]["csv"], p)
    with p.open("a", encoding="utf-8") as f:
        f.write("\n")  # new content: a directory of its own
    old = os.umask(0o022)
    try:
        r = analyze(p)
    finally:
        os.umask(old)
    folder = Path(r.hash_sets["persons"]).parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert {f.name for f in files} >= {"persons.parquet", "phones.parquet", "report.json",
                                       "source.json"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files), [(f.name, oct(f.stat().st_mode)) for f in files]
