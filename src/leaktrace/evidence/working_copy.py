"""A sealed blob's clear bytes as a path that readers needing a file (DuckDB, iconv) can open, never on disk.

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

import os
from collections.abc import Iterator
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
