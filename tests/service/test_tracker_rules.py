"""Tracker rules: one folding against evasions, linear-time patterns, YARA, thresholds, refusals naming the field."""

from __future__ import annotations

import pytest

from leaktrace.collect.watch import load_terms, matching_terms
from leaktrace.core.errors import InputError
from leaktrace.core.text_fold import TermMatcher, match_form
from leaktrace.service.tracker_rules import CaptureDoc, compile_spec, evaluate, parse_spec

YARA = 'rule fullz_offer { strings: $a = "fullz" $b = "cvv" condition: $a and $b }'


@pytest.mark.parametrize("text", [
    "出售社工库数据", "出售 ＳＧＫ 数据", "出售 sgk 数据", "出售社\u200b工\u200c库", "社工库",
])
def test_terms_match_through_evasions(text: str) -> None:
    assert TermMatcher.compile(["社工库"]).find(text) == ["社工库"]


@pytest.mark.parametrize("text,found", [
    ("Теlеgrаm @seller", ["telegram"]),  # Cyrillic е and а inside a Latin word
    ("ＴＥＬＥＧＲＡＭ", ["telegram"]),
    ("tele\u200bgram", ["telegram"]),
    ("telegrammar", []),  # a Latin term matches whole words only
    ("mongodb dump", []),
])
def test_latin_terms_fold_and_respect_word_edges(text: str, found: list[str]) -> None:
    assert TermMatcher.compile(["telegram", "db"]).find(text) == [t for t in found]


def test_watch_lists_go_through_the_same_matcher() -> None:
    terms = load_terms(["社工库", "ＡＢＣ银行"])
    assert matching_terms(terms, "新到 sgk 一批", "abc银\u200b行 客户") == ["社工库", "abc银行"]
    assert match_form("ＳＧＫ") == "社工库"


def test_content_rules_report_rule_parts_not_text() -> None:
    c = compile_spec(parse_spec({"terms": ["四件套"], "brands": ["优选商城"], "regex": [r"\d+万条"], "yara": YARA}))
    m = evaluate(c, CaptureDoc("出 sjt, 优选商城 用户 500万条 FULLZ with CVV 13800138000"))
    assert m == {"terms": ["四件套"], "brands": ["优选商城"], "regex": [r"\d+万条"], "yara": ["fullz_offer"]}
    assert "13800138000" not in repr(m)
    assert evaluate(c, CaptureDoc("今天天气很好")) is None


def test_thresholds_all_hold_or_no_alert() -> None:
    c = compile_spec(parse_spec({"terms": ["数据"], "categories": ["ecommerce"], "provinces": ["广东"],
                                 "min_records": 1000, "max_price": 500, "currency": "usdt"}))
    good = CaptureDoc("电商数据", ["ecommerce"], ["广东省"], 5000, 300.0, "USDT")
    m = evaluate(c, good)
    assert m is not None and m["thresholds"] == {"categories": ["ecommerce"], "provinces": ["广东"],
                                                  "records": 5000, "price": 300.0}
    for bad in (CaptureDoc("电商数据", ["finance"], ["广东"], 5000, 300.0, "USDT"),
                CaptureDoc("电商数据", ["ecommerce"], ["北京"], 5000, 300.0, "USDT"),
                CaptureDoc("电商数据", ["ecommerce"], ["广东"], 10, 300.0, "USDT"),
                CaptureDoc("电商数据", ["ecommerce"], ["广东"], 5000, 900.0, "USDT"),
                CaptureDoc("电商数据", ["ecommerce"], ["广东"], 5000, 300.0, "CNY"),
                CaptureDoc("别的东西", ["ecommerce"], ["广东"], 5000, 300.0, "USDT")):
        assert evaluate(c, bad) is None


def test_threshold_only_tracker_fires_on_thresholds() -> None:
    c = compile_spec(parse_spec({"min_records": 100_000_000}))
    assert evaluate(c, CaptureDoc("x", records=900_000_000)) == {"thresholds": {"records": 900_000_000}}
    assert evaluate(c, CaptureDoc("x", records=None)) is None


@pytest.mark.parametrize("spec,field", [
    ({}, "tracker"),
    ({"terms": ["a"], "colour": "red"}, "colour"),
    ({"regex": [r"(a)\1"]}, "regex[0]"),  # a backreference: not linear-time, refused when saved
    ({"regex": ["(?<=x)y"]}, "regex[0]"),
    ({"yara": "rule broken { condition: }"}, "yara"),
    ({"terms": "x" * 300}, "terms[0]"),
    ({"min_records": "many"}, "min_records"),
    ({"max_price": -1}, "max_price"),
])
def test_bad_specs_name_the_field(spec: dict, field: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_spec(spec)
    assert f"'{field}'" in exc.value.message or field in exc.value.message


def test_regex_runs_in_linear_time_on_a_hostile_page() -> None:
    """(a+)+$ backtracks exponentially in Python's re (this call would never return); RE2 is linear."""
    c = compile_spec(parse_spec({"regex": ["(a+)+$"]}))
    assert type(c.patterns[0]).__module__.startswith("re2")
    assert evaluate(c, CaptureDoc("a" * 50_000 + "!")) is None
    assert evaluate(c, CaptureDoc("a" * 50_000)) == {"regex": ["(a+)+$"]}
