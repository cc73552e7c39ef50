"""Every built-in detector's candidates(text, pos, endpos) agrees with a whole-text run.

Detectors that declare an `anchor` promise that each match contains that
character (or, for "digits4", four digits in a row; for "digit.digit", a dot
between two digits); a scanner may then search only padded stretches around those
characters. This checks the promise on generated text full of planted values.
"""

from __future__ import annotations

import random

import pytest
from faker import Faker
from stdnum import luhn

from leaktrace.core.text import fold_width
from leaktrace.pii.detectors import BUILTIN


def _text(seed: int = 9) -> str:
    rng = random.Random(seed)
    zh = Faker("zh_CN")
    zh.seed_instance(seed)
    card = "622202" + "".join(rng.choices("0123456789", k=12))
    pieces = [
        f"手机{zh.phone_number()}", f"卡号{card}{luhn.calc_check_digit(card)}", "邮箱a.b@qq.com",
        "姓名：张三", "地址：广东省深圳市南山区科技园路123号", "订单号：202311301234567890",
        "IP 8.8.8.8", "车牌粤B·D12345", "护照E12345678", "电话010-12345678", "京A1234警",
        "order no: SF1234567890123", "+86 138-1234-5678", "version 1.2.3.4.5",
        "身份证11010519491231002X", "旧证号110105491231002", "价格12元，2023-11-30",
    ]
    parts = []
    for _ in range(400):
        parts.append(zh.sentence(nb_words=6) if rng.random() < 0.6 else rng.choice(pieces))
    return fold_width("".join(parts))


def _regions(text: str, anchor: str, pad: int) -> list[tuple[int, int]]:
    def is_digit(i: int) -> bool:
        return "0" <= text[i] <= "9"

    def is_anchor(i: int) -> bool:
        if anchor == "digit":
            return is_digit(i)
        if anchor == "digits4":  # start of four digits in a row
            return i + 4 <= len(text) and all(is_digit(j) for j in range(i, i + 4))
        if anchor == "digit.digit":  # a dot between two digits
            return 0 < i < len(text) - 1 and text[i] == "." and is_digit(i - 1) and is_digit(i + 1)
        return text[i] == anchor

    hits = [i for i in range(len(text)) if is_anchor(i)]
    out: list[tuple[int, int]] = []
    for i in hits:
        a, b = max(0, i - pad), min(len(text), i + pad + 1)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


@pytest.mark.parametrize("cls", [c for c in BUILTIN if getattr(c, "anchor", None)], ids=lambda c: c.type)
def test_anchored_candidates_match_whole_text(cls: type) -> None:
    det = cls()
    text = _text()
    whole = list(det.candidates(text))
    assert whole, "the generated text must hold candidates for every detector"
    pad = det.max_len + 8
    bounded = [c for a, b in _regions(text, det.anchor, pad) for c in det.candidates(text, a, b)]
    assert sorted(set(bounded)) == sorted(set(whole))
