"""A 50 MB file with no newline: bounded memory, and hits on chunk borders found once.

Runs the real command in a subprocess so the peak RSS measured is that of
the scan alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ID = "11010519491231002X"
UNIT = "数据样本 data sample，"  # 2-byte-mixed text, so byte and character offsets differ
MIB = 1 << 20
SIZE = 50 * MIB
RSS_LIMIT_MB = 300

_CHILD = """
import resource, sys
from leaktrace.cli.app import main
code = main(["scan", sys.argv[1], "--types", "cn_id", "-o", sys.argv[2]])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
sys.exit(code)
"""


def _write_big(path: Path) -> list[int]:
    """Filler with an ID straddling every 1 MiB read boundary; returns their character offsets."""
    unit_b = UNIT.encode("utf-8")
    starts: list[int] = []
    chars = 0
    written = 0
    with path.open("wb") as fh:
        while written < SIZE:
            boundary = (written // MIB + 1) * MIB
            n = max(0, (boundary - 9 - written) // len(unit_b))
            block = UNIT * n
            fh.write(block.encode("utf-8"))
            written += len(unit_b) * n
            chars += len(block)
            pad = boundary - 9 - written  # ASCII pad: the ID's 10th byte is the boundary
            fh.write(b" " * pad)
            written += pad
            chars += pad
            starts.append(chars)
            fh.write(ID.encode("ascii") + b" ")
            written += len(ID) + 1
            chars += len(ID) + 1
    return starts


@pytest.mark.slow
def test_large_file_without_newline_bounded_memory(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    starts = _write_big(src)
    out = tmp_path / "hits.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(src), str(out)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    peak_mb = int(proc.stdout.strip().splitlines()[-1])
    print(f"peak RSS {peak_mb} MB for {SIZE // MIB} MB input")
    assert peak_mb < RSS_LIMIT_MB
    hits = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    got = sorted(h["start"] for h in hits if h["type"] == "cn_id" and h["valid"])
    assert got == starts  # every border-straddling ID, once, at its character offset
