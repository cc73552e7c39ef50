"""The report reads like a case file: opening summary, map legend, timeline chart, amounts with units,
emoji drawn from the packaged font, a table of contents in the PDF, progress while it renders.

Figures are checked against the simulated world's truth (tests/cases/conftest.py builds the case from it).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cases import charts, provinces
from leaktrace.cases.i18n import code_label
from leaktrace.cases.model import CaseContent, Money
from leaktrace.cases.report import REPORT_STEPS, money, render_html, timeline, write_report
from leaktrace.cases.report_fonts import EMOJI_FAMILY, emoji_in
from leaktrace.cases.summary import summary

SVG = "{http://www.w3.org/2000/svg}"


def _overview(html: str) -> dict[str, str]:
    return {k: unescape(v) for k, v in re.findall(r'<dd id="overview-([a-z_]+)">(.*?)</dd>', html, re.S)}


def _svgs(html: str) -> list[str]:
    return [base64.b64decode(m).decode() for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]


def test_overview_says_who_what_how_many_where_when_and_which_company(
        content: CaseContent, world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = world
    leak, gang = truth["leak"], truth["social"]["gang"]
    for lang in ("en", "zh"):
        lines = _overview(render_html(content, lang))
        assert list(lines) == ["who", "what", "how_many", "where", "when", "company"]
        assert gang["channel"] in lines["who"] and f"{len(gang['members'])}" in lines["who"]
        assert content.actors[0].name in lines["who"]
        top_category = code_label(content.listings[0].category or "", lang)
        assert top_category in lines["what"] and f"{len(content.listings)}" in lines["what"]
        assert f"{leak['claimed_records']:,}" in lines["how_many"]
        assert f"{leak['distinct_real_persons']:,}" in lines["how_many"]
        ratio = round(leak["claimed_records"] / leak["distinct_real_persons"], 1)
        assert f"{ratio:,.1f}" in lines["how_many"]
        by_prov = provinces.fold(leak["distinct_real_persons_by_province"])
        biggest = max(by_prov, key=lambda c: (by_prov[c], c))
        assert provinces.name(biggest, lang) in lines["where"]
        first = min(x.first_seen for x in content.listings if x.first_seen)
        assert (content.timeline[0].at if content.timeline else first).astimezone(UTC).strftime("%Y-%m-%d") \
            in lines["when"]
        assert truth["attribution"]["victim_name"] in lines["company"]
        assert truth["attribution"]["leaking_partner"] in lines["company"]
    assert "Who" in render_html(content, "en") and "涉案人员" in render_html(content, "zh")


def test_overview_keeps_hostile_capture_text_escaped(content: CaseContent) -> None:
    hostile = content.model_copy(deep=True)
    hostile.actors[0].name = '<img src=x onerror="alert(1)">'
    hostile.groups[0].name = "</dd><script>alert(2)</script>"
    hostile.listings[0].category = "<iframe src=//evil>"
    hostile.attributions[0].org_name = "<b>Evil & Co</b>"
    hostile.attributions[0].partner = '"><svg onload=alert(3)>'
    for lang in ("en", "zh"):
        html = render_html(hostile, lang)
        overview = html[html.index('<section id="overview">'):html.index('<section id="summary">')]
        for raw in ("<img", "<script", "<iframe", "<b>Evil", "<svg"):
            assert raw not in overview.lower()
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in overview and "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in overview
        assert "&lt;iframe src=//evil&gt;" in overview
        lines = _overview(html)  # the text reads as written, once unescaped
        assert '<img src=x onerror="alert(1)">' in lines["who"] and "<b>Evil & Co</b>" in lines["company"]
    # The summary lines themselves are plain text; only the template turns them into HTML.
    assert any("<script>" in line.text for line in summary(hostile, "en"))


def test_overview_of_an_empty_case_says_what_is_missing(content: CaseContent) -> None:
    lines = {line.key: line.text for line in summary(CaseContent(info=content.info), "en")}
    assert lines["who"].startswith("No seller") and "No dump" in lines["how_many"]
    assert lines["company"] == "No organisation attributed yet."


def test_province_map_has_a_legend_of_its_shades(content: CaseContent) -> None:
    counts = content.dumps[0].by_province
    top = max(provinces.fold(counts).values())
    for lang, title in (("en", "Distinct victims"), ("zh", "去重受害人数")):
        root = ET.fromstring(charts.tile_map(counts, lang))
        legend = [g for g in root.iter(f"{SVG}g") if g.get("id") == "lt-map-legend"]
        assert len(legend) == 1
        texts = [t.text or "" for t in legend[0].iter(f"{SVG}text")]
        assert texts[0] == title
        assert texts[-1] == f"{top:,}" and len(legend[0].findall(f"{SVG}rect")) == len(texts) - 1 >= 3
        # Each swatch has the shade a tile with that count gets.
        tiles = {(t.findtext(f"{SVG}text") or ""): t.find(f"{SVG}rect").get("fill")  # type: ignore[union-attr]
                 for t in root.iter(f"{SVG}g") if t.get("id") is None and t.find(f"{SVG}rect") is not None}
        biggest = max(provinces.fold(counts), key=lambda c: provinces.fold(counts)[c])
        assert legend[0].findall(f"{SVG}rect")[-1].get("fill") == tiles[provinces.name(biggest, lang, short=True)]


def test_timeline_is_a_chart_as_well_as_a_table(content: CaseContent) -> None:
    events = timeline(content)
    html = render_html(content, "en")
    section = html[html.index('<section id="timeline">'):html.index("</section>", html.index('<section id="timeline">'))]
    svgs = _svgs(section)
    assert len(svgs) == 1 and section.count("<tr>") == len(events) + 1
    root = ET.fromstring(svgs[0])
    lanes = [g for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("lt-lane-")]
    kinds = {e.kind for e in events}
    assert len(lanes) == len(kinds) >= 3
    # One mark per dated item: matplotlib draws each scatter point as a <use> in its lane.
    assert sum(len(list(g.iter(f"{SVG}use"))) for g in lanes) == len(events)
    labels = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for kind in kinds:
        assert kind in labels or code_label(kind, "en") in labels


def test_money_names_its_unit_with_the_currency_s_precision() -> None:
    assert money(0.05, "BTC") == "0.05 BTC"
    assert money(0.123456789, "BTC") == "0.12345679 BTC"
    assert money(1_160_379.256, "USDT") == "1,160,379.26 USDT"
    assert money(2.5, "XMR") == "2.5 XMR"
    assert money(1000, "") == "1,000.00 ?"
    assert money(None, "BTC") == "—"


def test_wallets_and_prices_show_amounts_in_their_currency(content: CaseContent) -> None:
    case = content.model_copy(deep=True)
    case.wallets[0].received = Money(amount=0.05, currency="BTC")
    case.wallets[1].received = Money(amount=12.75, currency="XMR")
    html = render_html(case, "en")
    wallets = html[html.index('<section id="wallets">'):html.index('<section id="listings">')]
    assert "0.05 BTC" in wallets and "12.75 XMR" in wallets
    listing = case.listings[0]
    assert listing.price is not None
    assert money(listing.price.amount, listing.price.currency) in html


def test_html_embeds_exactly_the_emoji_it_shows(content: CaseContent) -> None:
    from fontTools.ttLib import TTFont

    case = content.model_copy(deep=True)
    case.listings[0].title += " 🔥✅"
    case.timeline[0].text += " 💰"
    html = render_html(case, "en")
    face = re.search(r'font-family: "LT Report Emoji"; src: url\("data:font/ttf;base64,([A-Za-z0-9+/=]+)"\)', html)
    assert face is not None
    font = TTFont(io.BytesIO(base64.b64decode(face.group(1))))
    assert {chr(c) for c in font.getBestCmap()} == {"🔥", "✅", "💰"}
    assert "CBDT" in font  # the colour bitmaps travel with it
    assert f'font-family: "{EMOJI_FAMILY}"' in html
    assert emoji_in("订单 123 #*© ™ ok") == ""  # digits, keycap bases and text symbols stay text
    plain = render_html(content, "en")
    assert emoji_in(plain) == "" and '"LT Report Emoji"; src' not in plain  # no emoji shown, no font carried


_DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""

_CHILD = """
import json, sys
from pathlib import Path
from leaktrace.cases.report import html_to_pdf, pdf_document
html = Path(sys.argv[1]).read_text("utf-8")
doc = pdf_document(html)
def marks(tree, out):
    for label, (page, _x, _y), children, _state in tree:
        out.append([label, page])
        marks(children, out)
    return out
def texts(box, out):
    if getattr(box, "text", None):
        out.append(box.text)
    for child in getattr(box, "children", []) or []:
        texts(child, out)
    return out
pages = [" ".join(texts(p._page_box, [])) for p in doc.pages[:3]]
html_to_pdf(html, Path(sys.argv[2]))
print(json.dumps({"bookmarks": marks(doc.make_bookmark_tree(), []), "pages": pages}))
"""


@pytest.fixture(scope="module")
def pdf_run(shared_case: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One PDF of a small case with emoji, rendered where fontconfig sees DejaVu only (no emoji, no CJK font).

    WeasyPrint runs in a child process, since fontconfig reads FONTCONFIG_FILE once.
    """
    _store, content = shared_case
    tmp = tmp_path_factory.mktemp("pdf")
    small = content.model_copy(update={"listings": content.listings[:2], "captures": content.captures[:2]}, deep=True)
    small.listings[0].title += " 🔥✅⭐"
    html = tmp / "r.html"
    html.write_text(render_html(small, "en"), "utf-8")
    conf = tmp / "fonts.conf"
    conf.write_text(_DEJAVU_ONLY.format(cache=tmp / "fc-cache"))
    pdf = tmp / "r.pdf"
    run = subprocess.run([sys.executable, "-c", _CHILD, str(html), str(pdf)], check=True, timeout=600,
                         capture_output=True, text=True, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    return {**json.loads(run.stdout.splitlines()[-1]), "pdf": pdf.read_bytes()}


def test_pdf_has_a_table_of_contents_with_page_numbers(pdf_run: dict[str, Any]) -> None:
    marks = {label: page for label, page in pdf_run["bookmarks"]}
    sections = ["Case summary", "The seized data", "Victim organisation", "The group", "Wallets and revenue",
                "Listings", "Timeline", "Evidence appendix"]
    for name in sections:
        assert any(label.startswith(name) for label in marks), (name, list(marks))
    contents = next(p for p in pdf_run["pages"] if "Contents" in p)
    for name in sections:
        label = next(lb for lb in marks if lb.startswith(name))
        # The entry, its dotted leader, then the page the section starts on (pages count from 1).
        assert re.search(re.escape(name) + r"[ .]*" + str(marks[label] + 1) + r"\b", contents), (name, contents)
    assert marks[next(lb for lb in marks if lb.startswith("Case summary"))] >= 1  # the contents page comes first


def test_pdf_draws_emoji_from_the_packaged_font_on_a_machine_without_one(pdf_run: dict[str, Any]) -> None:
    data: bytes = pdf_run["pdf"]
    # WeasyPrint draws a colour emoji glyph as its bitmap: an image per emoji, 68x64 in the packaged font
    # (Noto Color Emoji's own are 136x128). Without the packaged font, DejaVu has none and no image is drawn.
    sizes = re.findall(rb"/Width (\d+)\s*/Height (\d+)|/Height (\d+)\s*/Width (\d+)", data)
    assert len([s for s in sizes if b"68" in s and b"64" in s]) >= 3


def test_report_steps_are_told_in_order(content: CaseContent, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    import leaktrace.cases.report as report

    monkeypatch.setattr(report, "html_to_pdf", lambda html, dest, progress=None: (
        progress and progress("pdf_layout"), progress and progress("pdf_write"), dest.write_bytes(b"%PDF")))
    write_report(content, tmp_path, lang="en", pdf=True, store=None, progress=seen.append)
    assert seen == list(REPORT_STEPS)
    seen.clear()
    write_report(content, tmp_path, lang="en", store=None, progress=seen.append)
    assert seen == ["custody", "html"]


def test_generated_time_is_not_part_of_the_summary(content: CaseContent) -> None:
    a = _overview(render_html(content, "en", now=datetime(2026, 1, 1, tzinfo=UTC)))
    b = _overview(render_html(content, "en", now=datetime(2027, 1, 1, tzinfo=UTC)))
    assert a == b
