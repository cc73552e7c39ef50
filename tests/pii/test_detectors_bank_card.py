"""bank_card: Luhn + scheme range + length, context, order negatives."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from leaktrace.pii.detectors.bank_card import (
    BankCardDetector,
    _card_scheme_scan,
    bank_bins,
    card_scheme,
    luhn_ok,
)
from leaktrace.pii.detectors.order_id import OrderIdDetector
from leaktrace.pii.registry import Registry, default_registry
from leaktrace.pii.scanner import Scanner

DET = BankCardDetector()
SCAN = Scanner(Registry([DET]))


def with_check(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def grouped(digits: str) -> str:
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


UNIONPAY19 = with_check("622202" + "123456789012")


def test_unionpay_19_grouped_and_plain() -> None:
    for value in (UNIONPAY19, grouped(UNIONPAY19), UNIONPAY19.replace("", "")):
        hits = SCAN.scan(f"卡号{value}，")
        assert len(hits) == 1 and hits[0].valid
        assert hits[0].attrs["scheme"] == "unionpay"
        assert hits[0].attrs["bank"] == bank_bins()["622202"][0]


@pytest.mark.parametrize(
    ("body", "scheme"),
    [
        ("411111111111111", "visa"),
        ("555555555555444", "mastercard"),
        ("222100000000000", "mastercard"),
        ("37828224631000", "amex"),
        ("353011133330000", "jcb"),
        ("601111111111111", "discover"),
        ("621700123456789012", "unionpay"),
    ],
)
def test_schemes(body: str, scheme: str) -> None:
    card = with_check(body)
    assert card_scheme(card) == scheme
    verdict = DET.validate(card)
    assert verdict is not None and verdict.valid and verdict.attrs["scheme"] == scheme


def test_wrong_luhn_plain_is_dropped_grouped_is_invalid() -> None:
    bad = UNIONPAY19[:-1] + str((int(UNIONPAY19[-1]) + 1) % 10)
    assert SCAN.scan(f"卡号{bad}") == []
    hits = SCAN.scan(f"卡号{grouped(bad)}")
    assert len(hits) == 1 and not hits[0].valid and hits[0].attrs["invalid_reason"] == "luhn"


def test_length_must_fit_scheme() -> None:
    # Luhn-valid, but AmEx is 15 digits and MasterCard 16.
    assert DET.validate(with_check("3782822463100055")) is None
    assert DET.validate(with_check("55555555555544444")) is None


@pytest.mark.parametrize(
    "text",
    [
        "20231231235959",
        "时间2023123123595912",
        "x" + UNIONPAY19 + "7",  # 20-digit run
        "1" + UNIONPAY19,
        "12345678",
    ],
)
def test_near_misses(text: str) -> None:
    assert SCAN.scan(text) == []


def test_context_raises_and_order_context_lowers_score() -> None:
    plain = SCAN.scan(f"随便 {UNIONPAY19} 看看")[0].score
    card = SCAN.scan(f"银行卡号：{UNIONPAY19}")[0].score
    order = SCAN.scan(f"订单流水 {UNIONPAY19}")[0].score
    assert order < plain < card


def test_order_number_after_label_is_not_a_card() -> None:
    scan = Scanner(default_registry())
    text = f"订单号：{UNIONPAY19}"
    types = [h.type for h in scan.scan(text)]
    assert types == [OrderIdDetector.type]


def test_random_19_digit_numbers_rarely_pass() -> None:
    # Luhn alone passes ~1 in 10 random 19-digit numbers; the scheme range
    # and length rule must cut that to a few percent (context does the rest).
    rng = random.Random(5)
    numbers = [str(rng.randint(10**18, 10**19 - 1)) for _ in range(4000)]
    luhn_ok = sum(luhn.is_valid(n) for n in numbers)
    accepted = sum(1 for n in numbers if (v := DET.validate(n)) is not None and v.valid)
    assert luhn_ok > 300
    assert accepted < luhn_ok * 0.3


@settings(max_examples=150, deadline=None)
@given(
    length=st.integers(16, 19),
    body=st.text("0123456789", min_size=18, max_size=18),
    group=st.booleans(),
)
def test_property_unionpay_cards_found(length: int, body: str, group: bool) -> None:
    card = with_check(("62" + body)[: length - 1])
    value = grouped(card) if group else card
    hits = SCAN.scan(f"卡号{value}。")
    assert len(hits) == 1 and hits[0].valid
    assert hits[0].end - hits[0].start == len(value)
    # Any single changed digit breaks Luhn.
    i = length // 2
    broken = card[:i] + str((int(card[i]) + 1) % 10) + card[i + 1 :]
    v = DET.validate(broken)
    assert v is None or not v.valid


def test_id_shaped_18_digits_from_jiangxi_are_not_diners() -> None:
    # 36xxxx... is both the Diners IIN and Jiangxi's region code; Diners cards
    # are never 18 digits long.
    number = with_check("36010219900307123")
    assert len(number) == 18
    assert DET.validate(number) is None


@given(st.text("0123456789", min_size=1, max_size=24))
def test_luhn_matches_stdnum(digits: str) -> None:
    assert luhn_ok(digits) == luhn.is_valid(digits)


def test_scheme_table_agrees_with_the_scheme_list_for_every_prefix_and_length() -> None:
    for head in range(10_000):
        for length in range(12, 21):
            digits = f"{head:04d}" + "0" * (length - 4)
            assert card_scheme(digits) == _card_scheme_scan(digits), digits
