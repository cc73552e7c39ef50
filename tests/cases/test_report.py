"""The HTML report states the world's truth, masks PII, escapes hostile text and stands alone."""

from __future__ import annotations

import base64
import json
import os
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cases import provinces
from leaktrace.cases.i18n import code_label
from leaktrace.cases.model import CaseContent
from leaktrace.cases.report import render_html, write_report
from leaktrace.core.keyring import load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.evidence import EvidenceStore
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner

_HASHY = re.compile(r"k\w*\.[0-9a-f]{16,}|[0-9a-fA-F]{32,}|\b(?:0x)?[0-9A-Za-z]{25,}\b|data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


def _text(html: str) -> str:
    """The report as a reader sees it, with SVG labels decoded and hashes/addresses removed."""
    svgs = [base64.b64decode(m).decode() for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]
    visible = unescape(re.sub(r"<[^>]+>", " ", html + " ".join(svgs)))
    return _HASHY.sub(" ", visible)


def _attributes(html: str) -> list[tuple[str, str, str]]:
    from html.parser import HTMLParser

    found: list[tuple[str, str, str]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend((tag, k, v or "") for k, v in attrs)

    Collect().feed(html)
    return found


def _valid_pii(text: str) -> list[str]:
    hits = Scanner(default_registry()).scan(text)
    return [h.type for h in hits if h.valid and h.type in ("cn_id", "cn_mobile", "bank_card")]


@pytest.fixture
def report_html(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> dict[str, str]:
    out = {}
    for lang in ("zh", "en"):
        files = write_report(content, tmp_path, lang=lang, store=store)
        assert files.html.name == f"{content.info.ref}.{lang}.html" and files.pdf is None
        out[lang] = files.html.read_text("utf-8")
    return out


def test_report_figures_equal_truth_no_raw_pii(report_html: dict[str, str], world: tuple[Path, dict[str, Any]],
                                               content: CaseContent, raw_rows: list[dict[str, str]]) -> None:
    _, truth = world
    leak, gang = truth["leak"], truth["social"]["gang"]
    for lang, html in report_html.items():
        text = unescape(html)
        assert truth["attribution"]["victim_name"] in text
        assert f"{leak['distinct_real_persons']:,}" in text
        assert f"{leak['claimed_records']:,}" in text
        fabricated = leak["rows_by_kind"]["fabricated_invalid"] + leak["rows_by_kind"]["fabricated_valid"]
        assert f"{fabricated:,}" in text
        for m in gang["members"]:
            assert code_label(m["role"], lang) in text
            for alias in m["accounts"]:
                assert alias in text, (lang, alias)
        rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">([\d,]+)</td><td class=\"n\">[\d.]+%</td></tr>", html)
        table = {unescape(name): int(n.replace(",", "")) for name, n in rows}
        expected = {provinces.name(code, lang): n for code, n in provinces.fold(leak["distinct_real_persons_by_province"]).items()}
        assert table == expected
        assert sum(table.values()) == leak["distinct_real_persons"]
        for cap in content.captures:
            assert cap.sha256 in html
        ok = "已验证" if lang == "zh" else "verified: every entry"
        assert ok in text
        # PII only masked: the raw rows behind the masked samples never appear, and the
        # PII scanner finds no valid ID, mobile or card number in what a reader sees.
        for row in raw_rows:
            for col in ("身份证号", "联系电话", "收货地址"):
                assert row[col] not in html
        assert _valid_pii(_text(html)) == []


def test_self_contained_and_escaped(content: CaseContent) -> None:
    hostile = content.model_copy(deep=True)
    hostile.info.title = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    hostile.actors[0].name = "<b>$x$</b>"
    hostile.listings[0].title = "</td><iframe src=//evil></iframe>"
    html = render_html(hostile, "en")
    assert "<script" not in html.lower() and "<iframe" not in html.lower()
    assert "&lt;script&gt;" in html
    refs = [(tag, name, value) for tag, name, value in _attributes(html) if name in ("src", "href", "action")]
    # Pictures as data URIs; links only to the page's own sections (the table of contents).
    assert refs and all(value.startswith("data:image/svg+xml;base64,") or (tag == "a" and re.fullmatch(r"#[a-z-]+", value))
                        for tag, _, value in refs)
    assert not [a for a in _attributes(html) if a[1].startswith("on")]
    assert "<link" not in html and "Content-Security-Policy" in html
    svgs = [base64.b64decode(m).decode() for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]
    assert len(svgs) == 4  # map, bars, group graph, timeline
    assert any("&lt;b&gt;$x$&lt;/b&gt;" in s for s in svgs)  # label escaped in the graph, no mathtext


def test_custody_failure_is_reported(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    victim = content.captures[0].sha256
    path = store.blob_path(victim)
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    html = write_report(content, tmp_path, lang="en", store=store).html.read_text("utf-8")
    row = html[html.index(victim, html.index('id="appendix"')):]
    row = row[: row.index("</tr>")]
    assert "FAILED" in row
    assert html.count("blob matches its SHA-256") == len(content.captures) - 1


def test_no_evidence_store_says_unverified(content: CaseContent, tmp_path: Path) -> None:

    empty = EvidenceStore(tmp_path / "elsewhere")
    html = write_report(content, tmp_path, lang="en", store=empty).html.read_text("utf-8")
    assert "not verified" in html and "blob matches" not in html


def test_pdf(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    # WeasyPrint is the slow part: a case trimmed to two listings still has every section and picture.
    small = content.model_copy(update={"listings": content.listings[:2], "captures": content.captures[:2]})
    files = write_report(small, tmp_path, lang="zh", pdf=True, store=store)
    assert files.pdf is not None
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert not list(tmp_path.glob(".*"))  # no temp files left


_FONT_STREAM = re.compile(rb"stream\r?\n")
_NO_CJK_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""


def _embedded_fonts(pdf: bytes) -> dict[str, set[str]]:
    """Family name → characters the font maps, for every font program embedded in `pdf`."""
    import io
    import zlib

    from fontTools.ttLib import TTFont

    fonts: dict[str, set[str]] = {}
    for m in _FONT_STREAM.finditer(pdf):
        try:
            raw = zlib.decompressobj().decompress(pdf[m.end():m.end() + 20_000_000])
            font = TTFont(io.BytesIO(raw))
        except Exception:
            continue
        fonts[str(font["name"].getDebugName(1))] = {chr(c) for c in (font.getBestCmap() or {})}
    return fonts


def test_zh_pdf_draws_chinese_on_a_machine_without_cjk_fonts(content: CaseContent, tmp_path: Path) -> None:
    """With fontconfig seeing only DejaVu, the Chinese report still embeds glyphs for its hanzi.

    WeasyPrint runs in a child process, since fontconfig reads FONTCONFIG_FILE once.
    """
    import subprocess
    import sys

    small = content.model_copy(update={"listings": content.listings[:2], "captures": content.captures[:2]})
    html = tmp_path / "r.html"
    html.write_text(render_html(small, "zh"), "utf-8")
    conf = tmp_path / "fonts.conf"
    conf.write_text(_NO_CJK_FONTCONFIG.format(cache=tmp_path / "fc-cache"))
    pdf = tmp_path / "r.pdf"
    code = ("import sys; from pathlib import Path; from leaktrace.cases.report import html_to_pdf; "
            "html_to_pdf(Path(sys.argv[1]).read_text('utf-8'), Path(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(html), str(pdf)], check=True, timeout=300,
                   env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    fonts = _embedded_fonts(pdf.read_bytes())
    assert "LT Report CJK" in fonts, fonts.keys()
    drawn = set().union(*fonts.values())
    hanzi = {ch for ch in unescape(re.sub(r"<[^>]+>", " ", html.read_text("utf-8"))) if "\u4e00" <= ch <= "\u9fff"}
    common = {ch for ch in hanzi if _in_gb2312(ch)}
    assert len(common) > 50 and common <= drawn, sorted(common - drawn)[:20]


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def test_bad_lang(content: CaseContent, tmp_path: Path) -> None:
    from leaktrace.core.errors import InputError

    with pytest.raises(InputError, match="--lang"):
        write_report(content, tmp_path, lang="fr", store=None)


def test_empty_case_renders(content: CaseContent) -> None:
    """A case just opened has no findings yet: every section still renders, without pictures."""
    empty = CaseContent(info=content.info)
    for lang in ("zh", "en"):
        html = render_html(empty, lang)
        assert "data:image" not in html and content.info.ref in html
    from leaktrace.cases import misp, stix, tables

    assert stix.validate(stix.to_json(empty))
    assert json.loads(misp.to_json(empty))["Event"]["info"].startswith(content.info.ref)
    assert all(text.count("\n") == 1 for text in tables.build_tables(empty).values())


def test_without_deployment_key_contents_unchecked(content: CaseContent, store: EvidenceStore, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Reporting where the key is absent: chain and custody records checked, contents honestly not."""
    monkeypatch.delenv("LEAKTRACE_KEYRING")
    get_settings.cache_clear()
    keyless = EvidenceStore(get_settings().data_dir, keys=lambda: load_keyring(get_settings()))
    html = write_report(content, tmp_path, lang="en", store=keyless).html.read_text("utf-8")
    assert "verified: every entry" in html and "FAILED" not in html
    assert html.count("contents not checked on this machine") == len(content.captures)
