"""OCR, PII scan and repost links on the simulator's own pictures, plus pictures with nothing to read."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from leaktrace.images.ocr import OcrUnavailable, ocr
from leaktrace.images.phash import link_reposts, perceptual_hash
from leaktrace.images.read import ImageReading, read_image
from leaktrace.pii.scanner import Scanner


@pytest.fixture(scope="module")
def readings(picture_world: tuple[Path, dict[str, Any]], scanner: Scanner) -> dict[str, ImageReading]:
    folder, pics = picture_world
    return {name: read_image((folder / name).read_bytes(), scanner) for name in pics}


def test_ocr_finds_the_ids_and_mobiles_the_truth_says_are_shown(
        picture_world: tuple[Path, dict[str, Any]], readings: dict[str, ImageReading]) -> None:
    _, pics = picture_world
    want = found = 0
    for name, p in pics.items():
        r = readings[name]
        assert r.problem is None and r.confidence > 0.5
        values = {h.value for h in r.hits if h.type in {"cn_id", "cn_mobile"}}
        shown = set(p["ids"]) | set(p["mobiles"])
        want += len(shown)
        found += len(shown & values)
    assert want >= 12 and found / want >= 0.9


def test_sample_counts_rows_and_valid_ids(picture_world: tuple[Path, dict[str, Any]],
                                          readings: dict[str, ImageReading]) -> None:
    _, pics = picture_world
    clean = [n for n, p in pics.items() if not p["degraded"]]
    assert clean
    for name in clean:
        s = readings[name].sample()
        assert s["rows"] == len(pics[name]["ids"]) and s["valid_ids"] == len(pics[name]["ids"])
        assert 1 <= s["provinces"] <= s["valid_ids"]


def test_records_hold_no_raw_value(picture_world: tuple[Path, dict[str, Any]],
                                   readings: dict[str, ImageReading]) -> None:
    _, pics = picture_world
    for name, p in pics.items():
        r = readings[name]
        dumped = json.dumps(r.record(), ensure_ascii=False) + repr(r)
        assert any(i in r.text for i in p["ids"])  # the evidence text has them...
        for value in p["ids"] + p["mobiles"]:
            assert value not in dumped  # ...the record and the repr do not


def test_reposts_are_linked_and_nothing_else(picture_world: tuple[Path, dict[str, Any]],
                                             readings: dict[str, ImageReading]) -> None:
    _, pics = picture_world
    truth = {frozenset((n, p["repost_of"])) for n, p in pics.items() if p["repost_of"]}
    assert truth
    found = {frozenset((a, b)) for a, b, _ in link_reposts((n, r.phash or "") for n, r in readings.items())}
    assert found == truth


def test_hash_survives_crop_rescale_and_jpeg_but_not_another_picture(
        picture_world: tuple[Path, dict[str, Any]]) -> None:
    folder, pics = picture_world
    name = next(n for n, p in pics.items() if p["kind"] == "orders" and not p["repost_of"])
    with Image.open(folder / name) as img:
        base = img.convert("RGB")
    w, h = base.size
    copy = base.crop((10, 12, w - 9, h - 14)).resize((int(w * 0.8), int(h * 0.8)))
    buf = io.BytesIO()
    copy.save(buf, "JPEG", quality=55)
    other = Image.new("RGB", (w, h), "white")
    ImageDraw.Draw(other).rectangle([40, 40, w // 2, h - 40], fill="black")
    links = link_reposts([("a", perceptual_hash(base)), ("b", perceptual_hash(Image.open(buf))),
                          ("c", perceptual_hash(other))])
    assert [(a, b) for a, b, _ in links] == [("a", "b")]


def _drawn(text: str) -> bytes:
    img = Image.new("RGB", (700, 120), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 28) if text else None
    ImageDraw.Draw(img).text((20, 40), text, font=font, fill="black")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_picture_without_text(scanner: Scanner) -> None:
    r = read_image(_drawn(""), scanner)
    assert r.problem is None and r.text == "" and r.hits == [] and "no text found" in r.notes


def test_text_in_a_script_tesseract_was_not_given(scanner: Scanner) -> None:
    try:
        data = _drawn("Ελληνικά κείμενο εδώ γράφει")
    except OSError:
        pytest.skip("DejaVu Sans is not installed")  # Debian base images have it (fonts-dejavu-core)
    r = read_image(data, scanner)
    assert r.problem is None and r.hits == []
    assert any(n.startswith("low OCR confidence") for n in r.notes)


def test_missing_language_model_is_a_deployment_error() -> None:
    with pytest.raises(OcrUnavailable, match="language model missing"):
        ocr(Image.new("RGB", (100, 50), "white"), langs="zz_none")


def test_bad_file_is_a_record_not_an_exception(scanner: Scanner) -> None:
    r = read_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, scanner)
    assert r.problem and r.phash is None and r.text == ""


def _flip(h: str, bits: int, at: int) -> str:
    return f"{int(h, 16) ^ (((1 << bits) - 1) << at):0{len(h)}x}"


def test_close_pairs_need_a_value_in_common_sure_pairs_do_not() -> None:
    base = "f0" * 128  # 1024 bits
    near, band, far = _flip(base, 40, 0), _flip(base, 120, 500), _flip(base, 300, 100)
    hashes = [("a", base), ("near", near), ("band", band), ("far", far)]
    assert {(a, b) for a, b, _ in link_reposts(hashes)} == {("a", "near")}
    shared = {"a": {"k1"}, "band": {"k1"}, "far": {"k1"}}
    assert {(a, b) for a, b, _ in link_reposts(hashes, shared)} == {("a", "near"), ("a", "band")}
    other = {"a": {"k1"}, "band": {"k2"}}
    assert {(a, b) for a, b, _ in link_reposts(hashes, other)} == {("a", "near")}
