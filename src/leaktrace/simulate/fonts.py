"""Finding a CJK font for the simulator's pictures: fontconfig first, then Debian's font tree.

The simulator ships no font; pictures need one that draws Chinese. A
candidate counts only if it really has the glyphs (fontconfig answers with
its best match even when that is DejaVu, which has none).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_NAME_HINTS = ("cjk", "wqy", "droidsansfallback", "arphic", "ukai", "uming", "hei", "song")


def draws_chinese(path: Path) -> bool:
    """The font draws 样 differently from a code point no font has (its .notdef box)."""
    try:
        font = ImageFont.truetype(str(path), 24)
        return bytes(font.getmask("样")) != bytes(font.getmask("\U000f0000"))
    except (OSError, ValueError):
        return False


def find_cjk_font(extra: list[Path] | None = None) -> Path | None:
    """The first font that draws Chinese among `extra`, fontconfig's zh match, then Debian's font tree."""
    for path in extra or []:
        if path.is_file() and draws_chinese(path):
            return path
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True,
                                 timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        if out and draws_chinese(Path(out)):
            return Path(out)
    for base in FONT_DIRS:
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix.lower() in {".ttf", ".otf", ".ttc", ".woff2"} and any(
                    h in path.name.lower() for h in _NAME_HINTS) and draws_chinese(path):
                return path
    return None
