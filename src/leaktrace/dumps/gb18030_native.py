"""GB18030 to UTF-8 through the compiled loop of `_gb18030.c`, tables taken from Python's own codec.

A GB18030 dump is decoded into the engine's pipe chunk by chunk. The
compiled loop does ~5x iconv's rate in-process (no child, no relay of its
output through Python) and releases the GIL; the mapping it applies is
built here by asking Python's `gb18030` codec about every 2-byte sequence
and every 4-byte one of the BMP range, so the two agree by construction
(tests compare them on random valid and broken bytes). The extension is
optional: `available()` says whether it was built, and the stream falls
back to iconv or Python's codec.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from functools import cache

try:
    from leaktrace.dumps import _gb18030 as _native
except ImportError:  # built without a compiler
    _native = None

LEADS = range(0x81, 0xFF)
TRAILS = range(0x40, 0xFF)  # a 2-byte sequence's second byte (0x7F is never one)


def available() -> bool:
    return _native is not None


@cache
def tables() -> tuple[bytes, bytes]:
    """(2-byte table, BMP 4-byte table) as uint16 code points, 0 where Python's codec refuses the sequence."""
    two = array("H", bytes(2 * len(LEADS) * len(TRAILS)))
    for i, b1 in enumerate(LEADS):
        for j, b2 in enumerate(TRAILS):
            cp = _one(bytes((b1, b2)))
            two[i * len(TRAILS) + j] = cp
    four = array("H", bytes(2 * 4 * 10 * 126 * 10))
    at = 0
    for b1 in range(0x81, 0x85):
        for b2 in range(0x30, 0x3A):
            for b3 in range(0x81, 0xFF):
                for b4 in range(0x30, 0x3A):
                    four[at] = _one(bytes((b1, b2, b3, b4)))
                    at += 1
    return two.tobytes(), four.tobytes()


def _one(seq: bytes) -> int:
    try:
        ch = seq.decode("gb18030")
    except UnicodeDecodeError:
        return 0
    if len(ch) != 1 or ord(ch) > 0xFFFF:  # never seen; the tables hold one BMP character a sequence
        raise RuntimeError(f"gb18030 {seq.hex()} decodes to {len(ch)} characters or beyond the BMP")
    return ord(ch)


@dataclass(frozen=True)
class Decoded:
    """One chunk's UTF-8 (a view of the decoder's buffer, valid until its next call) and its newlines."""

    text: memoryview
    newlines: int
    first_nl: int  # -1: none
    last_nl: int
    longest: int  # the longest line lying wholly between two newlines of `text`


class Decoder:
    """An incremental GB18030 decoder giving UTF-8; errors name the absolute byte offset."""

    def __init__(self) -> None:
        if _native is None:
            raise RuntimeError("the compiled GB18030 decoder was not built")
        self._two, self._four = tables()
        self._pending = b""
        self._buf = bytearray()
        self.offset = 0  # bytes of the input consumed so far

    def decode(self, chunk: bytes | memoryview, final: bool = False) -> Decoded:
        """The complete characters so far; UnicodeDecodeError at the first invalid sequence.

        With `final`, an incomplete character at the end is an error too
        (its offset is `exc.start`, counted from the first byte ever fed).
        """
        data = self._pending + chunk if self._pending else chunk
        need = 2 * len(data) + 8
        if len(self._buf) < need:
            self._buf = bytearray(need)
        written, used, err, lines, first, last, longest = _native.decode(  # type: ignore[union-attr]
            self._two, self._four, data, final, self._buf)
        if err >= 0:
            at = self.offset + err
            raise UnicodeDecodeError("gb18030", bytes(data[err:err + 4]), at, at + 1, "invalid or incomplete sequence")
        self._pending = bytes(data[used:])
        self.offset += used
        return Decoded(memoryview(self._buf)[:written], lines, first, last, longest)
