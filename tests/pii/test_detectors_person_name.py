"""person_name: label-anchored Chinese and English names."""

from __future__ import annotations

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.person_name import (
    _EN,
    _EN_BY_SEP,
    _STOP_CHARS,
    _STOP_WORDS,
    PersonNameDetector,
    surname_of,
    surnames,
    trim_cn_name,
)
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([PersonNameDetector()]))


def found(text: str) -> list[str]:
    return [text[h.start : h.end] for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("姓名：张三 电话138", "张三"),
        ("收货人李四电话13800138000", "李四"),
        ("收件人:欧阳娜娜，", "欧阳娜娜"),
        ("持卡人诸葛亮", "诸葛亮"),
        ("联系人：王小明；", "王小明"),
        ("姓名：阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("Name: John Smith, age 30", "John Smith"),
        ("Full name: Mary Ann Lee", "Mary Ann Lee"),
        ("Cardholder: Wei Zhang", "Wei Zhang"),
    ],
)
def test_positives(text: str, name: str) -> None:
    assert found(text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "张三在吃饭",  # no label: a surname-initial word is not enough
        "John Smith went home",
        "name: john smith",  # not capitalised
        "姓名：的确良",  # not a surname
        "联系人王先生",  # surname + honorific is not a name
        "Name: ",
        "姓名：张",
    ],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


def test_surname_list_comes_from_faker_and_compounds() -> None:
    single, compound = surnames()
    assert {"王", "李", "张"} <= single
    assert {"欧阳", "诸葛", "司马", "上官"} <= compound
    assert surname_of("司马光") == "司马"


def test_faker_names_after_labels() -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(11)
    names = [fake.name() for _ in range(200)]
    ok = sum(found(f"收货人：{n}，电话") == [n] for n in names)
    # Faker's own surnames are ours, so every generated name must be found.
    assert ok == len(names)


@settings(max_examples=80, deadline=None)
@given(
    first=st.sampled_from(["Anna", "John", "Li", "Olu", "Mary"]),
    last=st.sampled_from(["Smith", "Wang", "Okafor", "Lee"]),
    label=st.sampled_from(["Name", "NAME", "Full name", "Cardholder", "Recipient"]),
    sep=st.sampled_from([":", ": ", "：", " : "]),
)
def test_property_english_names(first: str, last: str, label: str, sep: str) -> None:
    assert found(f"{label}{sep}{first} {last}, ") == [f"{first} {last}"]


def _trim_reference(run: str) -> str:
    """The cut spelled out: the earliest stop word from index 1, then the first stop character from 2."""
    end = len(run)
    for w in _STOP_WORDS:
        i = run.find(w, 1)
        if i != -1:
            end = min(end, i)
    for i in range(2, end):
        if run[i] in _STOP_CHARS:
            return run[:i]
    return run[:end]


@given(st.lists(st.sampled_from([*_STOP_WORDS, *_STOP_CHARS, "张", "三", "王", "小明", "·"]), max_size=10))
def test_trim_equals_the_spelled_out_cut(parts: list[str]) -> None:
    run = "".join(parts)
    assert trim_cn_name(run) == _trim_reference(run)


@given(st.lists(st.sampled_from([":", "：", "=", " ", "\t", "Name", "John", "Smith", "Mary-Ann", "x"]), max_size=20))
def test_english_per_separator_patterns_find_the_same_names(parts: list[str]) -> None:
    text = "".join(parts)
    split = sorted(m.span(1) for rx in _EN_BY_SEP for m in rx.finditer(text))
    assert split == sorted(m.span(1) for m in _EN.finditer(text))
