"""Two `dump analyze` runs on the same dump at once: neither trips over the other's files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _analyze import analyze

from leaktrace.dumps import steps
from leaktrace.dumps.analyze import AnalyzeOptions


def test_a_second_run_mid_write_does_not_break_the_first(world: tuple[Path, dict[str, Any]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out, truth = world
    src = out / truth["leak"]["files"]["csv"]
    real = steps.make_private
    nested: list[Any] = []

    def interleave(path: Path) -> None:
        # The first run has just written a hash set's temporary file: the second run runs whole now.
        if not nested:
            nested.append(None)
            nested[0] = analyze(src, AnalyzeOptions(force=True))
        real(path)

    monkeypatch.setattr(steps, "make_private", interleave)
    first = analyze(src, AnalyzeOptions(force=True))
    assert nested[0].distinct_persons == first.distinct_persons > 0
    assert nested[0].hash_sets == first.hash_sets
    leftovers = [p.name for p in Path(first.hash_sets["persons"]).parent.iterdir() if ".part" in p.name or p.name.endswith(".old")]
    assert leftovers == []
