"""The case report: one self-contained HTML file (and a PDF of it), in Chinese or English.

Self-contained means an investigator can mail it or open it on an
air-gapped machine: CSS inline, pictures as data URIs, no script, no
external fetch (a Content-Security-Policy forbids any). Everything from the
case is escaped by Jinja2's autoescape, since titles and aliases come from
hostile pages. The PDF is WeasyPrint's rendering of the same HTML, with a
URL fetcher that allows nothing but data URIs.
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from leaktrace.cases import charts, provinces
from leaktrace.cases.custody import CustodyResult, check_captures
from leaktrace.cases.i18n import code_label, role_label, texts
from leaktrace.cases.model import CaseContent, DumpSummary, TimelineEvent
from leaktrace.cases.report_fonts import cjk_face_css, emoji_face_css
from leaktrace.cases.summary import summary
from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.core.private_files import private_dir, write_private_text
from leaktrace.evidence import EvidenceStore


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path | None


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


_DECIMALS = {"BTC": 8, "XMR": 6, "ETH": 6, "TRX": 2, "USDT": 2, "USDC": 2, "CNY": 2, "USD": 2, "RMB": 2}


def money(amount: float | None, currency: str | None) -> str:
    """An amount with its unit, to the precision the currency is counted in ("0.05 BTC", "1,160,379.26 USDT").

    Why: a bare number in a case file invites a wrong reading (0.05 of what?),
    and coins need more decimals than fiat or stablecoins.
    """
    if amount is None:
        return "—"
    unit = (currency or "").strip() or "?"
    places = _DECIMALS.get(unit.upper(), 2)
    text = f"{amount:,.{places}f}"
    if places > 2:
        text = text.rstrip("0").rstrip(".") if "." in text else text
    return f"{text} {unit}"


def _env(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("leaktrace.cases", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,}"
    env.filters["pct"] = lambda v: "—" if v is None else f"{100 * v:.1f}%"
    env.filters["code"] = lambda v: code_label(str(v), lang) if v else ""
    env.filters["role"] = lambda v: role_label(str(v), lang) if v else ""
    env.filters["money"] = lambda m, cur=None: "" if m is None else (
        money(m, cur) if isinstance(m, int | float) else money(m.amount, m.currency))
    env.filters["when"] = lambda d: "—" if d is None else d.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return env


def _main_dump(content: CaseContent) -> DumpSummary | None:
    return max(content.dumps, key=lambda d: d.distinct_victims, default=None)


def _province_rows(dump: DumpSummary, lang: str) -> list[dict[str, Any]]:
    folded = provinces.fold(dump.by_province)
    total = sum(folded.values()) or 1
    rows = sorted(folded.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        {"code": code, "name": provinces.name(code, lang), "count": n, "share": n / total}
        for code, n in rows
    ]


def _revenue(content: CaseContent) -> dict[str, dict[str, float]]:
    """Per currency: listing sales (price × sold) and what the wallets received."""
    out: dict[str, dict[str, float]] = defaultdict(lambda: {"listings": 0.0, "wallets": 0.0})
    for listing in content.listings:
        if listing.price is not None and listing.sold:
            out[listing.price.currency]["listings"] += listing.price.amount * listing.sold
    for wallet in content.wallets:
        if wallet.received is not None:
            out[wallet.received.currency]["wallets"] += wallet.received.amount
    return dict(sorted(out.items()))


MAX_LINK_ROWS = 60
EVIDENCE_CHARS = 200  # per row of the link table; the exports carry the whole text


def link_rows(actors: list[Any], group: Any) -> list[dict[str, Any]]:
    """The group's link table: one row per pair of members (what the chart draws), then alias links.

    Why: a gang's members are tied by hundreds of account-to-account links
    (every pair of accounts sharing the team's channel is one); a row each
    filled thirty PDF pages. A pair of members gets one row with its best
    basis, its reasons, how many account links back it and one link's
    evidence; the strong links inside one member (which accounts are one
    person) follow, as many as MAX_LINK_ROWS allows in all.
    """
    pairs = charts.member_edges(actors, [group])
    rows = []
    for (a, b), links in sorted(pairs.items(), key=lambda kv: (
            list(charts.BASIS_STYLES).index(charts.strongest_basis(kv[1]) or "group"), -len(kv[1]), kv[0])):
        kinds = sorted({k.strip() for lk in links for k in lk.kind.split(",") if k.strip()})
        rows.append({"a": actors[a].name or actors[a].id, "b": actors[b].name or actors[b].id, "kinds": kinds,
                     "basis": charts.strongest_basis(links), "n": len(links), "evidence": links[0].evidence[:EVIDENCE_CHARS]})
    index = charts.endpoints(actors)
    for lk in group.links:
        x, y = index.get(lk.source), index.get(lk.target)
        if x is not None and y is not None and x != y:
            continue
        rows.append({"a": lk.source, "b": lk.target, "kinds": [k.strip() for k in lk.kind.split(",") if k.strip()],
                     "basis": lk.basis, "n": 1, "evidence": lk.evidence[:EVIDENCE_CHARS]})
    return rows[:MAX_LINK_ROWS]


def timeline(content: CaseContent) -> list[TimelineEvent]:
    """Dated facts in order: posts first seen, captures, the investigators' events and notes.

    Bookkeeping events (an item added to the case) are left to `case show`.
    """
    events = [e for e in content.timeline if e.kind != "item"]
    for listing in content.listings:
        if listing.first_seen:
            events.append(TimelineEvent(at=listing.first_seen, kind="listing",
                                        text=f"{listing.market} {listing.title}".strip(), ref=listing.id))
    for cap in content.captures:
        if cap.fetched_at:
            events.append(TimelineEvent(at=cap.fetched_at, kind="capture", text=cap.url or cap.sha256, ref=cap.sha256))
    for note in content.notes:
        events.append(TimelineEvent(at=note.at, kind="note", text=f"{note.author}: {note.text[:200]}"))
    return sorted(events, key=lambda e: e.at)


THUMB_WIDTH = 480
THUMB_MAX_HEIGHT = 1600


def screenshot_thumbs(store: EvidenceStore, captures: list[str]) -> dict[str, str]:
    """capture SHA-256 -> a data: URI of its screenshot (linked through custody), scaled down for the report."""
    import io

    from PIL import Image

    from leaktrace.evidence.sheet import MAX_PNG, linked_screenshots

    if not captures or not store.custody.path.exists():
        return {}
    out: dict[str, str] = {}
    for cap, entry in linked_screenshots(list(store.entries()), captures).items():
        try:
            with Image.open(io.BytesIO(store.read_bytes(str(entry.sha256), MAX_PNG)), formats=["PNG"]) as img:
                img.thumbnail((THUMB_WIDTH, THUMB_MAX_HEIGHT))
                buf = io.BytesIO()
                img.convert("RGB").save(buf, "JPEG", quality=80)
        except (OSError, ValueError, Image.DecompressionBombError, LeaktraceError):
            continue  # the custody column says what is wrong with the evidence; the picture is a courtesy
        out[cap] = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    return out


def render_html(content: CaseContent, lang: str = "zh", custody: CustodyResult | None = None,
                *, now: datetime | None = None, shots: dict[str, str] | None = None) -> str:
    """The report as one HTML string, with the emoji it shows embedded as a font."""
    t = texts(lang)
    dump = _main_dump(content)
    graph_svg = None
    if content.actors and content.groups:
        graph_svg = _data_uri(charts.gang_graph(content.actors, content.groups, lang))
    events = timeline(content)
    view = {
        "lang": lang,
        "t": t,
        "case": content.info,
        "generated": now or datetime.now(UTC),
        "overview": summary(content, lang),
        "dumps": content.dumps,
        "main_dump": dump,
        "province_rows": _province_rows(dump, lang) if dump else [],
        "bars": _data_uri(charts.province_bars(dump.by_province, lang)) if dump and dump.by_province else None,
        "tile_map": _data_uri(charts.tile_map(dump.by_province, lang)) if dump and dump.by_province else None,
        "attributions": sorted(content.attributions, key=lambda a: -a.confidence),
        "groups": content.groups,
        "actors": content.actors,
        "graph": graph_svg,
        "wallets": content.wallets,
        "revenue": _revenue(content),
        "listings": content.listings,
        "timeline": events,
        "timeline_chart": _data_uri(charts.timeline_chart(events, lang)) if events else None,
        "notes": content.notes,
        "captures": content.captures,
        "shots": shots or {},
        "custody": custody,
        "province_name": lambda code: provinces.name(code, lang),
        "link_rows": lambda g: link_rows(content.actors, g),
    }
    template = _env(lang).get_template("report.html.j2")
    # The emoji font is cut to what the page shows, so the page is rendered once to find out.
    face = emoji_face_css(template.render(**view, emoji_face=""))
    return template.render(**view, emoji_face=Markup(face))


def pdf_document(html: str, *, progress: Callable[[str], None] | None = None) -> Any:
    """WeasyPrint's laid-out document of `html` (pages, bookmarks): only data: URIs are fetched."""
    import logging

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # Only data: URIs: a report never makes WeasyPrint reach out to the network or disk.
    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    fonts = FontConfiguration()
    if progress is not None:
        progress("pdf_layout")
    return HTML(string=html, url_fetcher=fetcher).render(
        stylesheets=[CSS(string=cjk_face_css(), font_config=fonts)], font_config=fonts)


def html_to_pdf(html: str, dest: Path, *, progress: Callable[[str], None] | None = None) -> None:
    """Render `html` with WeasyPrint into `dest` (written to a temp file, then renamed).

    `progress` is told each step (layout, then writing), the slow parts of a large case.
    """
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix="." + dest.name + ".")
    os.close(fd)
    try:
        document = pdf_document(html, progress=progress)
        if progress is not None:
            progress("pdf_write")
        document.write_pdf(tmp)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


REPORT_STEPS = ("custody", "html", "pdf_layout", "pdf_write")


def write_report(content: CaseContent, out_dir: Path, *, lang: str = "zh", pdf: bool = False,
                 store: EvidenceStore | None, verify_custody: bool = True,
                 progress: Callable[[str], None] | None = None) -> ReportFiles:
    """`<ref>.<lang>.html` (and `.pdf`) in `out_dir`, custody verified against `store` (None: not checked).

    `progress` is told each step as it starts (REPORT_STEPS; the PDF ones only with `pdf`).
    """
    texts(lang)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a directory")
    private_dir(out_dir)
    if progress is not None:
        progress("custody")
    custody = check_captures(content.captures, store) if verify_custody and store is not None else None
    if progress is not None:
        progress("html")
    shots = screenshot_thumbs(store, [c.sha256 for c in content.captures]) if store is not None else {}
    html = render_html(content, lang, custody, shots=shots)
    base = f"{content.info.ref}.{lang}"
    html_path = out_dir / f"{base}.html"
    write_private_text(html_path, html)
    pdf_path = None
    if pdf:
        pdf_path = out_dir / f"{base}.pdf"
        html_to_pdf(html, pdf_path, progress=progress)
    return ReportFiles(html_path, pdf_path)
