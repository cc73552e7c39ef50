"""Identifier extraction: precision on planted identifiers and near-misses, context rules, masking."""

from __future__ import annotations

import json
import random

import pytest
from gen_identifiers import generate_posts, handle, qq_number

from leaktrace.intel.identifiers import extract_identifiers


def test_precision_and_recall_on_generated_posts() -> None:
    posts = generate_posts(random.Random(2024), 600)
    tp = fp = fn = 0
    for p in posts:
        got = {(i.type, i.value) for i in extract_identifiers(p.text)}
        tp += len(got & p.truth)
        fp += len(got - p.truth)
        fn += len(p.truth - got)
    assert sum(len(p.near_misses) for p in posts) > 500
    assert tp / (tp + fp) >= 0.99
    assert tp / (tp + fn) >= 0.95


@pytest.mark.parametrize("ctx", ["QQ:", "qq ", "扣扣", "企鹅号：", "Q：", "QQ群 "])
def test_qq_needs_its_word(ctx: str) -> None:
    n = qq_number(random.Random(len(ctx)))
    assert [(i.type, i.value) for i in extract_identifiers(f"联系{ctx}{n}")] == [("qq", n)]
    assert extract_identifiers(f"订单 {n} 已发货") == []


@pytest.mark.parametrize("text", ["价格 12345678 元", "编号12345678", "2018 12345678", "FAQ 12345678"])
def test_eight_digit_numbers_are_not_qq(text: str) -> None:
    assert [i for i in extract_identifiers(text) if i.type == "qq"] == []


def test_wechat_and_telegram_forms() -> None:
    h = handle(random.Random(5))
    for ctx in ("微信:", "vx ", "V信：", "威信 ", "wechat: "):
        assert ("wechat", h) in {(i.type, i.value) for i in extract_identifiers(f"{ctx}{h}")}
    ids = {(i.type, i.value) for i in extract_identifiers(f"频道 t.me/{h.upper()} 纸飞机: @{h}x 邮箱 a@{h}.com")}
    assert ("telegram", h) in ids and ("telegram", h + "x") in ids
    assert ("telegram", h + ".com") not in ids


def test_personal_values_masked_in_output() -> None:
    ids = extract_identifiers("邮箱 seller.one@protonmail.com 电话 13912345678 飞机 @shop_boss")
    out = json.dumps([i.contract() for i in ids])
    assert "seller.one@protonmail.com" not in out and "13912345678" not in out
    assert "shop_boss" in out
    assert {i.type for i in ids} == {"email", "cn_mobile", "telegram"}


def test_evasions_are_undone() -> None:
    ids = extract_identifiers("联系 Ｑ\u200bＱ：１２３４５６７８９ ｔ.ｍｅ/ｄａｔａｋｉｎｇ８８ Теlеgrаm")
    assert {(i.type, i.value) for i in ids} == {("qq", "123456789"), ("telegram", "dataking88")}


def test_html_hrefs_are_read() -> None:
    html = '<html><body><p>镜像</p><a href="http://pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion/">link</a></body></html>'
    assert [i.type for i in extract_identifiers(html)] == ["onion"]
