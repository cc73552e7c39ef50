"""`streams.LongLines`: the memchr fast paths (`scan`, and `feed` without an over-long line) against a plain reference.

FilePass and long_lines_of_file use `scan`, the pipe feeder `feed`; both
must find exactly the lines a line-by-line reading finds, with the same
line numbers and heads, however the bytes are cut into chunks.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.dumps.streams import _SAMPLE_BYTES, LongLines


def reference(data: bytes, limit: int) -> tuple[int, list[tuple[int, bytes]], bytes]:
    """(count, first five (line, head), the bytes passed on) by splitting the whole input at once."""
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: not a finished line
    found, kept = [], []
    for i, ln in enumerate(lines, start=1):
        if len(ln) >= limit:
            found.append((i, ln[:_SAMPLE_BYTES]))
        else:
            kept.append(ln + b"\n")
    if len(tail) >= limit:
        found.append((len(lines) + 1, tail[:_SAMPLE_BYTES]))
    elif tail:
        kept.append(tail)
    return len(found), found[:5], b"".join(kept)


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


line = st.one_of(st.integers(0, 6), st.integers(7, 40)).map(lambda n: b"y" * n)


@settings(max_examples=300, deadline=None)
@given(st.lists(line, max_size=30), st.booleans(), st.lists(st.integers(0, 2000), max_size=8),
       st.sampled_from([2, 5, 8, 16]))
def test_scan_and_feed_match_a_line_by_line_reading(lines: list[bytes], end_nl: bool, cuts: list[int],
                                                    limit: int) -> None:
    data = b"\n".join(lines) + (b"\n" if end_nl and lines else b"")
    want_n, want_samples, want_out = reference(data, limit)
    scanned, fed = LongLines(limit), LongLines(limit)
    out = b""
    for chunk in _cut(data, cuts):
        scanned.scan(chunk)
        out += fed.feed(chunk)
    out += fed.finish()
    for got in (scanned, fed):
        # A head may run past its line when the limit is under _SAMPLE_BYTES (tests only); the limit's worth is exact.
        assert (got.count, [(n, h[:limit]) for n, h in got.samples]) == (want_n, [(n, h[:limit]) for n, h in want_samples])
    assert out == want_out


def test_scan_of_plain_lines_takes_the_fast_path_and_counts_lines() -> None:
    found = LongLines(1 << 10)
    for _ in range(3):
        found.scan(b"a,b,c\n" * 1000 + b"part")
    assert (found.count, found._line) == (0, 3001)  # the two partial "part" lines joined the next chunk's first
