"""A 50 MB file with no newline: bounded memory, and hits on chunk borders found once.

Runs the real command in a subprocess. What is measured is how much the
peak RSS grows during the big scan over the RSS after importing the CLI and
scanning a small text holding every PII type once (so the detectors'
reference tables are loaded); the kernel's high-water mark is reset after
the warm-up (Linux `/proc/self/clear_refs`), so the peak is the scan's own: the import cost of the whole CLI
belongs to other commands and changes as they grow, while the scan's own
growth must stay under a limit that does not depend on the input size
(the scanner keeps one window of text, never the file).
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
# Growth of peak RSS allowed for the scan itself, whatever the input size.
RSS_GROWTH_LIMIT_MB = 64

_CHILD = """
import re, sys
from leaktrace.cli.app import main
def status(key):
    return int(re.search(key + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
code = main(["scan", sys.argv[3], "-o", sys.argv[2] + ".warm"])
base = status("VmRSS")
try:
    open("/proc/self/clear_refs", "w").write("5")  # reset the high-water mark to the current RSS
except OSError:  # not allowed here: measure against the peak so far (can only hide growth, never invent it)
    base = status("VmHWM")
code = code or main(["scan", sys.argv[1], "-o", sys.argv[2]])
print(base, status("VmHWM"))
sys.exit(code)
"""
# One value of each common type, so the warm-up loads every lazy table.
WARM_TEXT = (
    "姓名：张伟 身份证11010519491231002X 手机13800138000 卡号6222020200112233445 "
    "邮箱 zhang.wei@example.com 地址：北京市朝阳区建国路88号 车牌京A12345 IP 10.1.2.3 "
    "电话 010-62345678 护照E12345678 订单号 202312011234567890123\n"
)


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
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for the RSS high-water mark")
def test_large_file_without_newline_bounded_memory(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    starts = _write_big(src)
    warm = tmp_path / "warm.txt"
    warm.write_text(WARM_TEXT, "utf-8")
    out = tmp_path / "hits.jsonl"
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(src), str(out), str(warm)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    base_mb, peak_mb = map(int, proc.stdout.strip().splitlines()[-1].split())
    print(f"peak RSS {peak_mb} MB (baseline {base_mb} MB) for {SIZE // MIB} MB input, all detectors")
    assert peak_mb - base_mb < RSS_GROWTH_LIMIT_MB
    hits = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    got = sorted(h["start"] for h in hits if h["type"] == "cn_id" and h["valid"])
    assert got == starts  # every border-straddling ID, once, at its character offset
