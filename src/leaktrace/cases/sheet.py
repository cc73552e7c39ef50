"""The court sheet of one evidence item: its facts (evidence.sheet) laid out on a page, as PDF.

What a prosecutor hands a judge for one web capture: the screenshot, the
URL, when it was captured, every hash, the trusted timestamp and whether its
token verifies, and the custody entries. Every value is escaped (pages are
hostile), and WeasyPrint may load nothing but data: URIs.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from leaktrace.cases.report import html_to_pdf
from leaktrace.cases.report_fonts import CJK_FAMILY
from leaktrace.evidence.evidence_store import EvidenceStore
from leaktrace.evidence.sheet import SheetData, entry_row, gather

if TYPE_CHECKING:
    from cryptography.x509 import Certificate


def render_sheet_html(data: SheetData) -> str:
    env = Environment(loader=PackageLoader("leaktrace.cases", "templates"), autoescape=select_autoescape(["j2"]))
    png_uri = ("data:image/png;base64," + base64.b64encode(data.screenshot_png).decode()
               if data.screenshot_png else None)
    return env.get_template("sheet.html.j2").render(d=data, rows=[entry_row(e) for e in data.entries],
                                                    png_uri=png_uri, font_family=CJK_FAMILY)


def write_sheet(store: EvidenceStore, sha: str, dest: Path, *,
                tsa_roots: Sequence[Certificate] | None = None) -> SheetData:
    """Gather and check the item's facts, then write its sheet as PDF at `dest` (atomically)."""
    data = gather(store, sha, tsa_roots=tsa_roots)
    dest.parent.mkdir(parents=True, exist_ok=True)
    html_to_pdf(render_sheet_html(data), dest)
    dest.chmod(0o600)
    return data
