"""Rebuild the emoji font the case report embeds (HTML and PDF), from Noto Color Emoji.

Why: listing titles and Telegram posts are full of emoji (🔥 ✅ 💰 ⭐). A
machine without an emoji font (most servers, many air-gapped laptops) drew
them as empty boxes, in the PDF and in a browser alike, and the report may
fetch nothing at run time. So the package carries one, and each report
embeds only the emoji it shows (cases/report_fonts.py subsets it again).

WeasyPrint draws Noto Color Emoji's PNG glyphs (CBDT) as images, so the
colour font is kept. The full font is 11 MB; this keeps every single-code-
point emoji (the cmap, 1,487 of them; skin-tone, flag and ZWJ sequences
fall back to their parts), scales the 136x128 bitmaps to half (68x64: still
above 400 dpi at 10 pt) and stores them as 64-colour palette PNGs: 1.9 MB.
Glyph metrics and the strike's ppem are scaled with the bitmaps.

The source is Noto Color Emoji (SIL Open Font License 1.1), e.g. Debian's
fonts-noto-color-emoji. The family is renamed so the subset never poses as
the full font.

    python scripts/make_report_emoji_font.py /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image

FAMILY = "LT Report Emoji"
OUT = Path(__file__).resolve().parents[1] / "src/leaktrace/cases/fonts/lt-report-emoji.ttf"
SCALE = 0.5
COLOURS = 64


def _shrink_png(data: bytes) -> tuple[bytes, int, int]:
    image = Image.open(io.BytesIO(data)).convert("RGBA")
    w, h = max(1, round(image.width * SCALE)), max(1, round(image.height * SCALE))
    small = image.resize((w, h), Image.Resampling.LANCZOS)
    paletted = small.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    paletted.save(buf, "PNG", optimize=True)
    return buf.getvalue(), w, h


def main(source: str) -> None:
    font = TTFont(source)
    opts = subset.Options()
    opts.layout_features = []
    opts.name_IDs = ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=list(font.getBestCmap()))
    sub.subset(font)
    for strike in font["CBDT"].strikeData:
        for glyph in strike.values():
            glyph.ensureDecompiled()
            glyph.imageData, w, h = _shrink_png(glyph.imageData)
            m = glyph.metrics
            m.width, m.height = w, h
            m.BearingX, m.BearingY, m.Advance = (round(v * SCALE) for v in (m.BearingX, m.BearingY, m.Advance))
    for strike in font["CBLC"].strikes:
        size = strike.bitmapSizeTable
        size.ppemX = size.ppemY = round(size.ppemX * SCALE)
        for line in (size.hori, size.vert):
            for key in ("ascender", "descender", "widthMax"):
                setattr(line, key, round(getattr(line, key) * SCALE))
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(FAMILY.replace(" ", ""), 6, record.platformID, record.platEncID, record.langID)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"{OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
