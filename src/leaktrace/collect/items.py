"""What a crawler page or an importer hands on: one post or listing as parsed, before the store.

Crawling and importing meet here so that both reach evidence and the store
by the same path; the pipeline turns a ParsedItem into a store sighting.
ParsedItem lives in core.capture, beside the CaptureDocument that carries
it to the ingest path; it is re-exported here for collectors.
"""

from __future__ import annotations

from leaktrace.core.capture import CaptureDocument, ParsedItem

__all__ = ["CaptureDocument", "ParsedItem"]
