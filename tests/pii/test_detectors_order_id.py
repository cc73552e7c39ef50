"""order_id: numbers only after their label."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.order_id import OrderIdDetector
from leaktrace.pii.registry import Registry, default_registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([OrderIdDetector()]))


def found(text: str) -> list[str]:
    return [text[h.start : h.end] for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("订单号：202311301234567890，", "202311301234567890"),
        ("订单编号 123456789012", "123456789012"),
        ("运单号SF1234567890123", "SF1234567890123"),
        ("快递单号: YT8812345678901", "YT8812345678901"),
        ("order id: 4000123456789012345", "4000123456789012345"),
        ("Order No.123456789012", "123456789012"),
        ("ORDER #987654321098", "987654321098"),
        ("tracking number: 1Z999AA10123456784", "1Z999AA10123456784"),
    ],
)
def test_positives(text: str, value: str) -> None:
    assert found(text) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "202311301234567890",  # no label
        "订单号：12345",  # too short
        "订单号：1234567890123456789012345",  # 25 digits
        "订单号：ABCDEFGHIJKL",  # no digits
        "disorder 123456789012",
        "border no 123456789012",
    ],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


def test_id_shaped_order_number_is_claimed_as_order() -> None:
    # An 18-digit number that is a valid-looking ID, right after 订单号.
    scan = Scanner(default_registry())
    hits = scan.scan("订单号：110101199003074258")
    assert [h.type for h in hits] == ["order_id"]


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(10**11, 10**24 - 1),
    label=st.sampled_from(["订单号", "订单号：", "单号 ", "order no: ", "Order ID:"]),
)
def test_property_numeric_orders(n: int, label: str) -> None:
    assert found(f"{label}{n}，") == [str(n)]
