"""Sample pictures sellers attach to listings: order tables and specimen cards, some degraded, some reposted.

Sellers prove their goods with screenshots of order tables and photos of ID
cards, and the same picture travels between aliases. These renderings give
the OCR stage and the perceptual-hash linker a truth to be measured against.
Cards are plainly marked 样本/SPECIMEN and follow no real card layout (no
emblem, no real field positions). Every value shown comes from the world's own
synthetic people; the truth records what each picture shows.

Drawing Chinese needs a CJK font file; the caller passes its path (see
`leaktrace.simulate.fonts`), so the same font gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXT_PX = 26
PAD = 28  # white margin around every rendering; reposts crop inside it only


@dataclass
class Picture:
    """One picture file and what it shows."""

    name: str
    kind: str  # "orders" or "card"
    ids: list[str]
    mobiles: list[str]
    lines: list[str]  # the text as drawn, one line per row (the OCR ceiling's input)
    degraded: list[str] = field(default_factory=list)
    repost_of: str | None = None

    def truth(self) -> dict[str, object]:
        return {"kind": self.kind, "ids": self.ids, "mobiles": self.mobiles, "text": "\n".join(self.lines),
                "degraded": self.degraded, "repost_of": self.repost_of}


class Painter:
    """Renders tables and cards with one font."""

    def __init__(self, font_path: Path) -> None:
        self.font = ImageFont.truetype(str(font_path), TEXT_PX)
        self.big = ImageFont.truetype(str(font_path), TEXT_PX + 8)

    def table(self, rows: list[dict[str, str]]) -> tuple[Image.Image, list[str]]:
        """An order-table screenshot: header, grid lines, one row per order."""
        cols = list(rows[0])
        cells = [cols] + [[r[c] for c in cols] for r in rows]
        widths = [max(int(self.font.getlength(row[i])) for row in cells) + 24 for i in range(len(cols))]
        row_h = TEXT_PX + 18
        w, h = sum(widths) + 2 * PAD, row_h * len(cells) + 2 * PAD
        img = Image.new("RGB", (w, h), "white")
        d = ImageDraw.Draw(img)
        d.rectangle([PAD, PAD, w - PAD, PAD + row_h], fill=(225, 232, 242))
        for r, row in enumerate(cells):
            y = PAD + r * row_h
            d.line([PAD, y, w - PAD, y], fill=(170, 170, 170))
            x = PAD
            for i, cell in enumerate(row):
                d.text((x + 12, y + 8), cell, font=self.font, fill=(20, 20, 20))
                x += widths[i]
        d.line([PAD, h - PAD, w - PAD, h - PAD], fill=(170, 170, 170))
        return img, ["  ".join(row) for row in cells]

    def card(self, name: str, id_number: str, mobile: str) -> tuple[Image.Image, list[str]]:
        """A specimen card: not a real layout, marked 样本/SPECIMEN in its title."""
        sex = "男" if int(id_number[16]) % 2 else "女"
        born = f"{int(id_number[6:10])}年{int(id_number[10:12])}月{int(id_number[12:14])}日"
        lines = ["样本 SPECIMEN 样本", f"姓名 {name}", f"性别 {sex}", f"出生 {born}",
                 f"号码 {id_number}", f"手机 {mobile}"]
        w = max(int(self.font.getlength(x)) for x in lines) + 2 * PAD + 60
        h = (TEXT_PX + 20) * len(lines) + 2 * PAD + 24
        img = Image.new("RGB", (w, h), "white")
        d = ImageDraw.Draw(img)
        d.rounded_rectangle([PAD, PAD, w - PAD, h - PAD], radius=18,  # inside the margin reposts may crop
                            fill=(236, 244, 238), outline=(90, 120, 100), width=3)
        d.text((PAD + 20, PAD + 8), lines[0], font=self.big, fill=(190, 30, 30))
        for k, line in enumerate(lines[1:], start=1):
            d.text((PAD + 20, PAD + 16 + k * (TEXT_PX + 20)), line, font=self.font, fill=(25, 25, 25))
        return img, lines


def _coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Perspective coefficients mapping output corners `dst` to input corners `src` (Pillow's convention)."""
    a, b = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(a, float), np.array(b, float))]


def photographed(rng: random.Random, img: Image.Image) -> tuple[Image.Image, list[str], int]:
    """A photo of a screen or card: a small tilt, a slight perspective, JPEG; the steps taken are returned."""
    steps: list[str] = []
    w, h = img.size
    if rng.random() < 0.7:
        k = 0.03
        dst = [(rng.uniform(0, k) * w, rng.uniform(0, k) * h), (w - rng.uniform(0, k) * w, rng.uniform(0, k) * h),
               (w - rng.uniform(0, k) * w, h - rng.uniform(0, k) * h), (rng.uniform(0, k) * w, h - rng.uniform(0, k) * h)]
        img = img.transform((w, h), Image.Transform.PERSPECTIVE, _coeffs([(0, 0), (w, 0), (w, h), (0, h)], dst),
                            Image.Resampling.BICUBIC, fillcolor="white")
        steps.append("perspective")
    angle = round(rng.uniform(-3.0, 3.0), 2)
    img = img.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    steps.append(f"rotate {angle}")
    q = rng.randint(35, 60)
    steps.append(f"jpeg q{q}")
    return img, steps, q


def reposted(rng: random.Random, img: Image.Image) -> tuple[Image.Image, list[str], int]:
    """Another alias's copy: cropped inside the margin, rescaled, re-compressed."""
    w, h = img.size
    c = [rng.randint(0, PAD - 6) for _ in range(4)]
    img = img.crop((c[0], c[1], w - c[2], h - c[3]))
    s = round(rng.uniform(0.7, 1.25), 2)
    img = img.resize((max(1, int(img.width * s)), max(1, int(img.height * s))), Image.Resampling.LANCZOS)
    q = rng.randint(50, 85)
    return img, [f"crop {c}", f"scale {s}", f"jpeg q{q}"], q


def save(img: Image.Image, path: Path, quality: int | None) -> None:
    """PNG for clean renderings, JPEG at `quality` for the rest; no metadata, no timestamps."""
    if quality is None:
        img.save(path, "PNG")
    else:
        img.convert("RGB").save(path, "JPEG", quality=quality)
