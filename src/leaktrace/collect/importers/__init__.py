"""Importers: captures that arrive as files instead of from a crawl.

Each importer reads one kind of input (WARC files, a folder of saved HTML
pages, Telegram Desktop JSON exports, listing CSVs) and yields
:class:`~leaktrace.collect.importers.base.Document` objects: the bytes to keep
as evidence, where they came from, and the posts parsed out of them. The
importers write nothing themselves; ``leaktrace.pipeline.importing`` sends
every Document through ``pipeline/ingest.py``, the same path a crawled page
takes, so imported material gets the same evidence, custody and store rows.
"""

from leaktrace.collect.importers.base import Document, Skipped

__all__ = ["Document", "Skipped"]
