"""person_name: label-anchored Chinese and English names."""

from __future__ import annotations

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.person_name import PersonNameDetector, surname_of, surnames
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
