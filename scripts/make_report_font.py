"""Rebuild the CJK font subset that the case report's PDF embeds.

Why a subset in the package: WeasyPrint draws with the machine's fonts, and
a fresh Linux machine (or a court's air-gapped laptop) often has no Chinese
font, so a `--lang zh --pdf` report came out as boxes. The full Noto Sans
CJK SC is 16 MB; the report needs only common Chinese (GB 2312: 6,763 hanzi
covers place names, report labels and nearly all listing titles), ASCII and
full-width forms, which is 2.5 MB as WOFF2. Characters outside the subset
fall back to whatever system font has them.

The source is Noto Sans CJK SC (SIL Open Font License 1.1, no reserved font
names), e.g. Debian's fonts-noto-cjk. The family is renamed so the subset
never poses as the full font.

    python scripts/make_report_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

FAMILY = "LT Report CJK"
OUT = Path(__file__).resolve().parents[1] / "src/leaktrace/cases/fonts/lt-report-cjk.woff2"


def gb2312_chars() -> set[str]:
    """Every character GB 2312 encodes (symbols rows 1-9, hanzi rows 16-87)."""
    chars: set[str] = set()
    for hi in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xF8)):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0xFF01, 0xFF5F)}
    chars |= set("·—–…“”‘’、。《》「」【】〔〕￥")
    return chars


def face_index(path: Path, name: str = "Noto Sans CJK SC") -> int:
    if path.suffix.lower() != ".ttc":
        return 0
    for i, font in enumerate(TTCollection(str(path)).fonts):
        if font["name"].getDebugName(4) == name:
            return i
    raise SystemExit(f"{path}: no face named {name!r}")


def main(source: str) -> None:
    path = Path(source)
    opts = subset.Options()
    opts.font_number = face_index(path)
    opts.flavor = "woff2"
    opts.layout_features = ["*"]
    opts.notdef_outline = True
    font = subset.load_font(str(path), opts)
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(sorted(gb2312_chars())))
    sub.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(FAMILY.replace(" ", ""), 6, record.platformID, record.platEncID, record.langID)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(OUT), opts)
    print(f"{OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
