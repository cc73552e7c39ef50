"""Request bodies read as they arrive, for uploads: never spooled to a temporary file, never whole in memory.

Starlette's `request.form()` spools a large file part to a temporary file
in clear, which an upload of seized material must never do. The upload
handlers run in a worker thread and pull the body chunk by chunk from the
event loop (`body_chunks`); a multipart form is parsed on the fly
(`MultipartStream`), its small text fields kept (capped) and its file part
handed on as a stream of pieces.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio.from_thread
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from leaktrace.core.errors import InputError

FIELD_BYTES = 4096


def body_chunks(request: Request) -> Iterator[bytes]:
    """The request body in the chunks the server received, pulled from a worker thread."""
    agen = request.stream().__aiter__()
    while True:
        try:
            chunk = anyio.from_thread.run(agen.__anext__)
        except StopAsyncIteration:
            return
        if chunk:
            yield chunk


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class MultipartStream:
    """A multipart/form-data body as events: ("field", name, value) and ("file", name, filename, pieces).

    The file's `pieces` must be consumed (or abandoned) before the next
    event is asked for. Text fields longer than FIELD_BYTES are an InputError.
    """

    def __init__(self, content_type: str, chunks: Iterator[bytes]) -> None:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise InputError("the upload must be sent as multipart/form-data with a boundary")
        self._chunks = chunks
        self._events: list[tuple[str, Any]] = []
        self._hname = bytearray()
        self._hvalue = bytearray()
        self._part = _Part()
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._begin, "on_header_field": self._hfield, "on_header_value": self._hval,
            "on_header_end": self._hend, "on_headers_finished": self._hdone, "on_part_data": self._data,
            "on_part_end": lambda: self._events.append(("end", None)),
        })

    def _begin(self) -> None:
        self._part = _Part()

    def _hfield(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def _hval(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def _hend(self) -> None:
        self._part.headers[self._hname.decode("latin-1").lower()] = self._hvalue.decode("utf-8", "replace")
        self._hname.clear()
        self._hvalue.clear()

    def _hdone(self) -> None:
        _, params = parse_options_header(self._part.headers.get("content-disposition", ""))
        self._part.name = params.get(b"name", b"").decode("utf-8", "replace")
        fn = params.get(b"filename")
        self._part.filename = None if fn is None else fn.decode("utf-8", "replace")
        self._events.append(("head", self._part))

    def _data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(("data", bytes(data[start:end])))

    def _raw(self) -> Iterator[tuple[str, Any]]:
        for chunk in self._chunks:
            self._parser.write(chunk)
            events, self._events = self._events, []
            yield from events
        self._parser.finalize()
        yield from self._events

    def events(self) -> Iterator[tuple]:  # type: ignore[type-arg]
        raw = self._raw()
        for kind, part in raw:
            if kind != "head":
                continue
            if part.filename is not None:
                yield ("file", part.name, part.filename, _file_pieces(raw))
                continue
            value = bytearray()
            for k, data in raw:
                if k == "end":
                    break
                value += data or b""
                if len(value) > FIELD_BYTES:
                    raise InputError(f"field {part.name[:40]!r}: longer than {FIELD_BYTES} bytes")
            yield ("field", part.name, value.decode("utf-8", "replace"))


def _file_pieces(raw: Iterator[tuple[str, Any]]) -> Iterator[bytes]:
    for kind, data in raw:
        if kind == "end":
            return
        if data:
            yield data
