"""Hostile pictures give a record, never an exception: bombs, corrupt files, animated GIFs, oversize."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from leaktrace.images.decode import DEFAULT_MAX_PIXELS, Limits, decode


def _png(img: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_pillow_limit_is_set_explicitly() -> None:
    assert Image.MAX_IMAGE_PIXELS == DEFAULT_MAX_PIXELS


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = _png(Image.new("1", (12_000, 12_000)))  # a few kB of file, 144 Mpx of pixels
    assert len(bomb) < 100_000
    got = decode(bomb)
    assert got.image is None and got.problem and got.problem.startswith("decompression bomb")
    just_over = _png(Image.new("1", (7_000, 6_000)))  # 42 Mpx: Pillow only warns here; the warning refuses
    got = decode(just_over)
    assert got.image is None and (got.problem or "").startswith("decompression bomb")


def test_a_stricter_limit_per_call_records_the_size() -> None:
    data = _png(Image.new("RGB", (300, 200), "white"))
    got = decode(data, Limits(max_pixels=50_000))
    assert got.image is None and (got.width, got.height) == (300, 200)
    assert "60,000 pixels exceeds the limit of 50,000" in (got.problem or "")
    assert decode(data).ok


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
@pytest.mark.parametrize("lenient_elsewhere", [False, True])
def test_truncated_and_mangled_files_are_records(fmt: str, lenient_elsewhere: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused even when another library in the process (WeasyPrint, on import) lets Pillow pad broken files."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient_elsewhere)
    img = Image.effect_noise((300, 200), 60).convert("RGB" if fmt != "GIF" else "P")
    data = _png(img, fmt)
    cut = decode(data[: len(data) // 2])
    assert cut.image is None and cut.problem and cut.problem.startswith("corrupt picture")
    mangled = bytearray(data)
    mangled[6:40] = b"\xff" * 34  # right after the signature: header and first blocks broken
    bad = decode(bytes(mangled))
    assert bad.image is None and bad.problem


def test_unknown_and_empty_files() -> None:
    assert decode(b"").problem == "empty file"
    assert "not a picture" in (decode(b"%PDF-1.7 not a picture").problem or "")


def test_animated_gif_gives_its_first_frame_and_says_so() -> None:
    frames = [Image.new("RGB", (64, 48), c) for c in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    got = decode(buf.getvalue())
    assert got.ok and got.format == "GIF"
    assert got.notes == ["animated: first frame only"]
    still = decode(_png(frames[0], "GIF"))
    assert still.ok and still.notes == []


def test_oversized_file_is_refused_by_its_size() -> None:
    data = _png(Image.new("RGB", (50, 50), "white"))
    got = decode(data, Limits(max_bytes=len(data) - 1))
    assert got.image is None and "exceeds the limit" in (got.problem or "")


def test_transparent_png_is_white_not_black() -> None:
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    got = decode(_png(img))
    assert got.image is not None and got.image.getpixel((5, 5)) == (255, 255, 255)
