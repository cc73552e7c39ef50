"""`leaktrace demo` at a small scale: every printed finding is checked against the world's truth."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from leaktrace.core.errors import InputError
from leaktrace.pipeline.demo import MARKER, DemoOptions, DemoResult, console_for, run_demo

SCALE = 1000  # as conftest's shared `demo` fixture (one small run, also compared with the walkthrough)


def test_findings_equal_the_truth(demo: tuple[DemoResult, dict[str, Any]]) -> None:
    result, truth = demo
    checks = {c.what: c for c in result.checks}
    failed = [f"{c.what}: {c.found!r} != {c.truth!r}" for c in result.checks if not c.ok]
    assert not failed, failed
    # The checks compare what the stages found with the truth file, not with themselves.
    assert checks["victim company ranked first"].truth == truth["attribution"]["victim_name"]
    assert checks["distinct victims (valid ID numbers)"].truth == truth["leak"]["distinct_valid_ids"]
    assert checks["gang members identified, each as an actor of their own accounts"].truth == len(
        truth["social"]["gang"]["members"])
    # Every alias pair that evidence on show can join is linked; the truth side comes from truth.json alone.
    assert checks["gang alias pairs that the identifiers on show can join, linked"].truth > 0
    # Alias completeness over all pairs is a figure (bench_graph measures ~0.88 pairwise recall over 100 worlds on
    # strong identifiers alone); here only a floor that catches a broken linker.
    assert result.figures["graph"]["linked_strong"] >= 0.7 * result.figures["graph"]["alias_pairs"] > 0
    assert result.figures["crawl"]["pages"] > 100 and result.figures["crawl"]["failed"] == 0


def test_report_shows_the_story_and_no_raw_pii(demo: tuple[DemoResult, dict[str, Any]]) -> None:
    result, truth = demo
    assert result.report_html is not None
    html = result.report_html.read_text("utf-8")
    assert truth["attribution"]["victim_name"] in html
    assert f"{truth['leak']['distinct_valid_ids']:,}" in html or str(truth["leak"]["distinct_valid_ids"]) in html
    leak_csv = result.directory / "world" / truth["leak"]["files"]["csv"]
    lines = leak_csv.read_text("utf-8").splitlines()[1:200]
    for line in lines:
        fields = line.split(",")
        for value in fields[3:5]:  # ID number, mobile
            if len(value) >= 11:
                assert value not in html
    for name in ("stix", "misp", "bundle"):
        assert Path(result.exports[name]).exists()


def test_existing_directory_is_refused_or_reused(tmp_path: Path) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me", "utf-8")
    with pytest.raises(InputError, match="not a leaktrace demo directory"):
        run_demo(DemoOptions(directory=other, scale=SCALE), console_for(quiet=True))
    assert (other / "mine.txt").read_text("utf-8") == "keep me"
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / MARKER).write_text("{}", "utf-8")
    (earlier / "world").mkdir()
    with pytest.raises(InputError, match="--reuse"):
        run_demo(DemoOptions(directory=earlier, scale=SCALE), console_for(quiet=True))


def test_port_in_use_picks_another() -> None:
    from leaktrace.pipeline.demo import free_port

    notes: list[str] = []
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        assert free_port(busy, notes.append, "market server") == 0
    assert notes and "in use" in notes[0]
