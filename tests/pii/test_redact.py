"""Free text leaving the evidence store keeps only masked forms of the PII in it."""

from __future__ import annotations

from leaktrace.pii.redact import masked_text


def test_every_detected_value_is_masked_and_the_rest_kept() -> None:
    text = "出售订单 联系 13812345678 身份证 110101199003071234 邮箱 zhang.san@qq.com 共50万条"
    out = masked_text(text)
    for raw in ("13812345678", "110101199003071234", "zhang.san@qq.com"):
        assert raw not in out
    assert "13*******78" in out and "11**************34" in out
    assert out.startswith("出售订单 联系 ") and out.endswith(" 共50万条")


def test_text_without_pii_is_unchanged() -> None:
    assert masked_text("社工库 四件套 9亿条 2019年 USDT") == "社工库 四件套 9亿条 2019年 USDT"
