"""Display names for chat senders who are not gang members."""

from __future__ import annotations

import random

_FIRST = ["小", "老", "阿", "大", "Mr ", "Big ", ""]
_LAST = ["张", "李", "黑", "白", "鱼", "猫", "Joe", "K", "明", "Tom", "风", "雨"]


def display_name(rng: random.Random) -> str:
    return rng.choice(_FIRST) + rng.choice(_LAST) + rng.choice(["", "", str(rng.randint(1, 99))])
