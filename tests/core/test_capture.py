"""CaptureDocument: one object for a capture, checked when it is made, with the ingest path's messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from leaktrace.collect.items import ParsedItem as CollectParsedItem
from leaktrace.core.capture import CaptureDocument, ParsedItem
from leaktrace.core.errors import InputError

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://marketabc.onion/item/17"


def doc(**kw: Any) -> CaptureDocument:
    return CaptureDocument(**{"source": "market-a", "url": URL, "body": b"<html/>", "fetched_at": T0, **kw})


def test_defaults_and_normalised_fields() -> None:
    d = doc(headers=[["Content-Type", "text/html"]], items=[ParsedItem(site="s", url=URL)],
            body=bytearray(b"abc"), request_headers=iter([("Accept", "*/*")]))
    assert d.body == b"abc" and type(d.body) is bytes
    assert d.headers == (("Content-Type", "text/html"),) and d.request_headers == (("Accept", "*/*"),)
    assert isinstance(d.items, tuple) and len(d.items) == 1
    assert (d.status, d.content_type, d.collector, d.contains_pii, d.method, dict(d.meta)) == \
        (None, None, None, True, "GET", {})
    assert CollectParsedItem is ParsedItem  # collectors keep importing it from collect.items
    with pytest.raises(AttributeError):
        d.url = "http://other/"  # type: ignore[misc]


@pytest.mark.parametrize(("kw", "message"), [
    ({"fetched_at": datetime(2025, 1, 1)}, "no time zone"),
    ({"fetched_at": "2025-01-01"}, "expected a datetime"),
    ({"status": 42}, "not an HTTP status"),
    ({"status": True}, "not an HTTP status"),
    ({"body": "text"}, "must be bytes"),
    ({"body": Path("/x.csv"), "status": 200}, "takes its body as bytes"),
    ({"source": ""}, "field 'source'"),
    ({"source": None}, "field 'source'"),
    ({"url": None}, "field 'url'"),
    ({"headers": [("a", 1)]}, "header names and values must be text"),
    ({"headers": ["abc"]}, "expected \\(name, value\\) pairs"),
    ({"items": [{"title": "t"}]}, "expected ParsedItem"),
    ({"method": "GET /x"}, "not an HTTP method"),
    ({"meta": ["x"]}, "expected a mapping"),
])
def test_unfit_fields_are_refused_with_one_line(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message) as exc:
        doc(**kw)
    assert "\n" not in str(exc.value)


def test_importer_document_becomes_a_capture_document(tmp_path: Path) -> None:
    from leaktrace.collect.importers.base import Document

    items = [ParsedItem(site="s", url=URL)]
    d = Document(url="file:///a.html", body=b"x", fetched_at=T0, where="a.html", items=items, meta={"k": 1})
    c = d.capture("archive", contains_pii=False)
    assert (c.source, c.url, c.body, c.status, c.contains_pii, c.items, dict(c.meta)) == \
        ("archive", "file:///a.html", b"x", None, False, tuple(items), {"k": 1})
    assert d.capture(3, with_items=False).items == ()
