"""Find one blob's custody entries without reading the whole log: an in-memory index of line offsets.

The listing page shows the custody entries of its capture. Reading every
line of the log per page costs time in proportion to everything ever
captured; this index remembers, per blob, where its lines start. The log
only grows (appends under a lock, nothing rewritten), so the index reads
only what was appended since it last looked; a log that shrank or was
replaced (a different file, or shorter than what was read) is indexed again
from the start. Each entry found is parsed and its hash checked against the
blob asked for, so a stale or colliding offset can never show another
blob's entry; `leaktrace evidence verify` remains what checks the chain.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from leaktrace.evidence.custody import CustodyEntry, parse_line

_SHA = re.compile(rb'"sha256":"([0-9a-f]{64})"')
_KEY_HEX = 15  # 60 bits of the SHA-256 as the dict key: small ints, collisions resolved by parsing


class CustodyIndex:
    """Offsets of the custody lines of each blob in one log file, kept up to date on each look-up."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._offsets: dict[int, int | list[int]] = {}
        self._read = 0  # bytes of the log indexed so far (always at a line end)
        self._file: tuple[int, int] | None = None  # (device, inode) of the file indexed

    def entries_for(self, sha256: str, limit: int = 50) -> list[CustodyEntry]:
        """The first `limit` entries about blob `sha256`, in log order."""
        with self._lock:
            offsets = self._refresh().get(int(sha256[:_KEY_HEX], 16))
        if offsets is None:
            return []
        found: list[CustodyEntry] = []
        with self.path.open("rb") as fh:
            for offset in [offsets] if isinstance(offsets, int) else offsets:
                fh.seek(offset)
                try:
                    entry, error = parse_line(fh.readline())
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged line: `evidence verify` names it
                if error is None and entry.sha256 == sha256:
                    found.append(entry)
                    if len(found) >= limit:
                        break
        return found

    def _refresh(self) -> dict[int, int | list[int]]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._offsets, self._read, self._file = {}, 0, None
            return self._offsets
        if self._file != (st.st_dev, st.st_ino) or st.st_size < self._read:
            self._offsets, self._read, self._file = {}, 0, (st.st_dev, st.st_ino)
        if st.st_size == self._read:
            return self._offsets
        with self.path.open("rb") as fh:
            fh.seek(self._read)
            data = fh.read(st.st_size - self._read)
        end = data.rfind(b"\n") + 1  # a line still being written is read next time
        pos = 0
        while pos < end:
            nl = data.index(b"\n", pos)
            for m in _SHA.finditer(data, pos, nl):  # meta may name a sha256 too: parsing on look-up decides
                self._add(int(m.group(1)[:_KEY_HEX], 16), self._read + pos)
            pos = nl + 1
        self._read += end
        return self._offsets

    def _add(self, key: int, offset: int) -> None:
        have = self._offsets.get(key)
        if have is None:
            self._offsets[key] = offset
        elif isinstance(have, int):
            if have != offset:
                self._offsets[key] = [have, offset]
        elif have[-1] != offset:
            have.append(offset)
