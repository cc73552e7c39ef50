"""A sealed blob's clear bytes as a path (or a seekable stream) that readers needing a file (DuckDB, iconv) can open, never on disk.

The dump analysis reads its input by path, several times (sniffing, the
engine's scan, the hash and long-line pass). A console upload must never be
written in clear outside the evidence store, so its bytes are decrypted into
an anonymous memory file (Linux `memfd_create`): it has no name on any
filesystem, the kernel frees it when the last descriptor closes (also when
the process dies), and `/proc/<pid>/fd/<n>` opens it like a regular file,
also from a child process such as iconv. It costs memory (swappable) the
size of the file, which is why uploads are capped by `console_upload_max_bytes`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from leaktrace.core.errors import LeaktraceError

PIECE = 1 << 20


@contextmanager
def memory_copy(stream: BinaryIO, name: str = "lt-upload") -> Iterator[Path]:
    """Copy `stream` into an anonymous memory file; yield a path to it; free it when the block ends."""
    if not hasattr(os, "memfd_create"):
        raise LeaktraceError("this platform has no memfd_create: analyse the dump with `leaktrace dump analyze`")
    fd = os.memfd_create(name, 0)
    try:
        with os.fdopen(os.dup(fd), "wb") as out:
            while piece := stream.read(PIECE):
                out.write(piece)
        yield Path(f"/proc/{os.getpid()}/fd/{fd}")
    finally:
        os.close(fd)


class Reopening(io.RawIOBase):
    """A sealed blob's stream made seekable by reopening it: seeking back decrypts again from the start.

    For readers that check their input's framing after a first pass (the
    WARC reader re-reads the last record to catch a truncated one), without
    ever writing the clear bytes out. `opener` returns a fresh stream from
    the beginning each time.
    """

    def __init__(self, opener: Callable[[], BinaryIO]) -> None:
        super().__init__()
        self._opener = opener
        self._f = opener()
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._f.read(len(b))
        n = len(data)
        b[:n] = data
        self._pos += n
        return n

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            pos += self._pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a sealed blob seeks from its start or the current position only")
        if pos < self._pos:
            self._f.close()
            self._f = self._opener()
            self._pos = 0
        while self._pos < pos:
            data = self._f.read(min(PIECE, pos - self._pos))
            if not data:
                break
            self._pos += len(data)
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()
