"""Byte streams in front of the engine: decompress and transcode without touching disk.

DuckDB reads UTF-8 only (ARCHITECTURE "Measured facts"), and a seized dump
must not be copied out of evidence in clear, so a GB18030/UTF-16 or
compressed dump is decoded by a thread (or `iconv`) writing UTF-8 into a
named pipe that the engine reads once. Errors found while streaming (bad
bytes, a truncated gzip) are kept and surfaced after the engine's pass:
a truncated gzip becomes a "skipped" note, bad bytes an InputError.
"""

from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from leaktrace.core.errors import InputError
from leaktrace.dumps import gb18030_native

CHUNK = 1 << 20
_SAMPLE_BYTES = 160


class LongLines:
    """Physical lines of at least `limit` bytes (newline excluded) in the UTF-8 the engine reads.

    DuckDB's CSV reader rejects such a line when it reads a file, but one
    longer than its read buffer (32 MB, less when it straddles two buffers)
    vanishes without a row or a reject (a 50 MB one-line file gave rows 0),
    and through a pipe it buffers and returns a line of any length as a row.
    So the lines are counted here from the bytes, and a stream passes through
    `feed`, which holds back at most `limit` bytes and leaves the over-long
    lines out. Work is vectorised per chunk (numpy finds the newlines).
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.samples: list[tuple[int, bytes]] = []  # (line number, first bytes) of the first few
        self._line = 1  # number of the line that `_carry` (or the line being dropped) starts
        self._carry = b""
        self._dropping = False

    def feed(self, chunk: bytes) -> bytes:
        """The bytes to pass on: whole lines shorter than `limit`."""
        import numpy as np

        if self._dropping:
            i = chunk.find(b"\n")
            if i < 0:
                return b""
            self._dropping, self._line, chunk = False, self._line + 1, chunk[i + 1:]
        data = self._carry + chunk
        last = data.rfind(b"\n")
        if last >= 0 and self._no_long_line(data, 0, last):
            # The common case: count the lines (memchr speed) instead of locating each one.
            self._line += data.count(b"\n", 0, last + 1)
            out, data = data[: last + 1], data[last + 1:]
            if len(data) >= self.limit:
                self._flag(self._line, data[:_SAMPLE_BYTES])
                self._dropping, data = True, b""
            self._carry = data
            return out
        nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        out = b""
        if len(nl):
            starts = np.concatenate(([0], nl[:-1] + 1))
            too_long = np.flatnonzero(nl - starts >= self.limit)
            if not len(too_long):
                out = data[: int(nl[-1]) + 1]
            else:
                parts, at = [], 0
                for i in too_long:
                    start = int(starts[i])
                    self._flag(self._line + int(i), data[start:start + _SAMPLE_BYTES])
                    parts.append(data[at:start])
                    at = int(nl[i]) + 1
                parts.append(data[at: int(nl[-1]) + 1])
                out = b"".join(parts)
            self._line += len(nl)
            data = data[int(nl[-1]) + 1:]
        if len(data) >= self.limit:
            self._flag(self._line, data[:_SAMPLE_BYTES])
            self._dropping, data = True, b""
        self._carry = data
        return out

    def _no_long_line(self, data: bytes, start: int, last: int) -> bool:
        """True when no line lying in data[start:last] (`data[last]` is a newline) is `limit` bytes or longer.

        A newline-free run of >= limit bytes holds a whole block of limit // 2
        bytes aligned to `start`, so a newline in every such block rules one
        out with a few `find` calls a chunk (memchr) where locating every
        newline with numpy cost ~0.2 CPU-s per 10^6 rows, more than DuckDB's
        whole count(*) scan of the file. False sends the chunk the exact way.
        """
        half = max(1, self.limit // 2)
        return all(data.find(b"\n", at, at + half) >= 0 for at in range(start, last - half + 1, half))

    def scan(self, chunk: bytes) -> None:
        """`feed` for a reader that passes nothing on (the engine reads the file itself): the chunk is not copied."""
        if not self._dropping:
            first, last = chunk.find(b"\n"), chunk.rfind(b"\n")
            if first >= 0 and len(self._carry) + first < self.limit and self._no_long_line(chunk, first + 1, last):
                self._line += chunk.count(b"\n")
                rest = chunk[last + 1:]
                if len(rest) >= self.limit:
                    self._flag(self._line, rest[:_SAMPLE_BYTES])
                    self._dropping, rest = True, b""
                self._carry = rest
                return
        self.feed(chunk)

    def feed_counted(self, d: gb18030_native.Decoded) -> list[bytes | memoryview]:
        """`feed` for text whose newlines the decoder already counted: the pieces to pass on, in order.

        When no line can reach `limit` (the counts tell), the text is passed
        on as a view and only its unfinished last line is copied; otherwise
        the exact path of `feed`.
        """
        text = d.text
        if (not self._dropping and d.newlines and len(self._carry) + d.first_nl < self.limit
                and d.longest < self.limit and len(text) - d.last_nl - 1 < self.limit):
            out: list[bytes | memoryview] = [self._carry, text[: d.last_nl + 1]]
            self._line += d.newlines
            self._carry = bytes(text[d.last_nl + 1:])
            return out
        return [self.feed(bytes(text))]

    def finish(self) -> bytes:
        """End of data: the last line when it has no newline (an over-long one was counted already)."""
        rest, self._carry, self._dropping = self._carry, b"", False
        return rest

    def _flag(self, line: int, head: bytes) -> None:
        self.count += 1
        if len(self.samples) < 5:
            self.samples.append((line, head))


def long_lines_of_file(path: Path, limit: int, stop: threading.Event | None = None) -> LongLines:
    """`LongLines` of a file read as it is (plain UTF-8 the engine reads directly)."""
    found = LongLines(limit)
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            if stop is not None and stop.is_set():
                break
            found.scan(chunk)
    return found


class FilePass:
    """One read of a plain file beside the engine's, for everything the run needs from its bytes.

    The SHA-256 (it names the dump's folder) and the over-long lines (the
    engine drops some silently) used to be two more reads of the file, each
    on its own thread; this reads it once and computes both (hashlib and
    numpy release the GIL). `stop` abandons it within one chunk.
    """

    def __init__(self, path: Path, limit: int, sha: str | None = None) -> None:
        import hashlib

        self.path, self.limit = path, limit
        self._sha = sha
        self._h = None if sha else hashlib.sha256()
        self._found = LongLines(limit)
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, name="lt-file-pass", daemon=True)
        self._t.start()

    def _run(self) -> None:
        try:
            with self.path.open("rb") as f:
                while chunk := f.read(8 << 20):
                    if self._stop.is_set():
                        raise InterruptedError(f"{self.path}: reading abandoned")
                    if self._h is not None:
                        self._h.update(chunk)
                    self._found.scan(chunk)
        except BaseException as exc:  # surfaced to whoever waits for a result
            self._error = exc

    def stop(self) -> None:
        self._stop.set()

    def _join(self) -> None:
        self._t.join()
        if self._error is not None:
            raise self._error

    def sha256(self) -> str:
        if self._sha is None:
            self._join()
            assert self._h is not None
            self._sha = self._h.hexdigest()
        return self._sha

    def long_lines(self) -> LongLines:
        self._join()
        return self._found


def raw_chunks(path: Path, container: str, member: str | None, notes: list[str]) -> Iterator[bytes]:
    """Decompressed bytes of the dump; truncation ends the stream with a note, not silence."""
    if container == "zip":
        try:
            with zipfile.ZipFile(path) as zf, zf.open(member or "") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            notes.append(f"zip member {member}: broken after some data ({exc}); the rest was not read")
        return
    with path.open("rb") as f:
        if container != "gzip":
            while chunk := f.read(CHUNK):
                yield chunk
            return
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        done = 0
        while chunk := f.read(CHUNK):
            done += len(chunk)
            try:
                out = d.decompress(chunk)
            except zlib.error as exc:
                notes.append(f"gzip data broken at compressed byte ~{done}: {exc}; the rest was not read")
                return
            if out:
                yield out
            while d.eof and d.unused_data:  # concatenated gzip members
                rest = d.unused_data
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out = d.decompress(rest)
                if out:
                    yield out
        if not d.eof:
            notes.append(f"gzip stream truncated after {done} compressed bytes: the last partial line "
                         "and everything after it are missing")


def _widen_pipe(fd: int) -> None:
    """Ask Linux for a 1 MB pipe buffer (64 kB by default): the writer and DuckDB's reader then take
    turns per megabyte, not per 64 kB. Elsewhere, or refused, the default stays."""
    try:
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), CHUNK)
    except (ImportError, OSError):
        pass


class PipeFeeder:
    """Writes the dump as UTF-8 into a FIFO for one engine scan. Use as a context manager."""

    def __init__(self, path: Path, container: str, member: str | None, encoding: str, bom_len: int,
                 line_limit: int = 1 << 20) -> None:
        self.src, self.container, self.member = path, container, member
        self.encoding, self.bom_len = encoding, bom_len
        self.long_lines = LongLines(line_limit)  # lines the engine may drop unseen (see LongLines)
        self.notes: list[str] = []
        self.error: InputError | None = None
        self._dir = tempfile.mkdtemp(prefix="lt-dump-")
        self.fifo = Path(self._dir) / "stream.csv"
        os.mkfifo(self.fifo, 0o600)
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PipeFeeder:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            fd = os.open(self.fifo, os.O_WRONLY)
        except OSError:
            return
        _widen_pipe(fd)
        try:
            with os.fdopen(fd, "wb", buffering=CHUNK) as out:
                if self.encoding == "gb18030" and gb18030_native.available():
                    self._transcode(out, self._native_gb18030())
                elif self.container == "plain" and self.encoding == "gb18030" and shutil.which("iconv"):
                    self._iconv(out)
                else:
                    self._transcode(out, self._python())
                out.write(self.long_lines.finish())  # type: ignore[attr-defined]
        except BrokenPipeError:
            pass

    def _native_gb18030(self) -> Callable[[bytes, bool], list[bytes | memoryview]]:
        """The compiled decoder (`gb18030_native`), in this thread: ~2.7x iconv's rate, no child process,
        no second relay of the text through Python. Same text and error offsets as Python's codec."""
        dec = gb18030_native.Decoder()

        def decode(chunk: bytes, final: bool) -> list[bytes | memoryview]:
            d = dec.decode(chunk, final)
            return [self.long_lines.feed(bytes(d.text))] if final else self.long_lines.feed_counted(d)

        return decode

    def _iconv(self, out: object) -> None:
        """iconv transcodes ~3x faster than Python's codec (ARCHITECTURE measured facts)."""
        with subprocess.Popen(["iconv", "-f", "GB18030", "-t", "UTF-8", str(self.src)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            while chunk := proc.stdout.read(CHUNK):  # relayed to count long lines in the UTF-8 (~GB/s)
                out.write(self.long_lines.feed(chunk))  # type: ignore[attr-defined]
            err = proc.stderr.read()
        if proc.returncode != 0:
            msg = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
            self.error = InputError(f"{self.src}: not valid GB18030 ({msg[0]}); give the right --encoding")

    def _python(self) -> Callable[[bytes, bool], list[bytes | memoryview]]:
        dec = codecs.getincrementaldecoder(self.encoding)("strict")
        done = 0

        def decode(chunk: bytes, final: bool) -> list[bytes | memoryview]:
            nonlocal done
            try:
                text = dec.decode(chunk, final)
            except UnicodeDecodeError as exc:  # offsets from the first byte, as the compiled decoder gives them
                raise UnicodeDecodeError(exc.encoding, exc.object, done + exc.start, done + exc.end, exc.reason) from None
            done += len(chunk)
            return [self.long_lines.feed(text.encode("utf-8"))]

        return decode

    def _transcode(self, out: object, decode: Callable[[bytes, bool], list[bytes | memoryview]]) -> None:
        """The dump's bytes (BOM dropped) through `decode` into `out`; bad bytes end it with `error`."""
        skip = self.bom_len
        for chunk in raw_chunks(self.src, self.container, self.member, self.notes):
            if skip:
                chunk, skip = chunk[skip:], max(0, skip - len(chunk))
            try:
                pieces = decode(chunk, False)
            except UnicodeDecodeError as exc:
                self.error = InputError(
                    f"{self.src}: not valid {self.encoding} at byte {exc.start}; give the right --encoding")
                return
            for piece in pieces:
                out.write(piece)  # type: ignore[attr-defined]
        try:
            pieces = decode(b"", True)
        except UnicodeDecodeError:
            self.notes.append(f"an incomplete {self.encoding} character at the very end was dropped")
            pieces = []
        for piece in pieces:
            out.write(piece)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            # The engine stopped early (error) or never opened the pipe: unblock the writer.
            try:
                fd = os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            except OSError:
                pass
            self._thread.join(timeout=5)
        shutil.rmtree(self._dir, ignore_errors=True)
