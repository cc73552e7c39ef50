"""Personal names, only where a label says a name follows.

Without a label a 2-4 character run that starts with a common surname is
just as often an ordinary word (王国, 高温), so candidates are found by
their label (姓名/收件人/收货人/联系人/持卡人/…, or `Name:` /
`Cardholder:` in English) and the detector requires that context. Chinese
names must start with a surname: single-character ones from Faker's zh_CN
person provider (a maintained list), compound ones from
`data/cn_compound_surnames.txt`. Text glued on after a name (`张三电话…`) is
cut at the next label-like word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.detectors._trie import trie_regex

CN_LABELS = (
    "真实姓名", "客户姓名", "姓名", "收件人", "收货人", "联系人", "持卡人", "开户名", "户名",
    "寄件人", "车主", "法人代表", "法定代表人", "申请人", "患者", "学生姓名",
)
EN_LABELS = ("name", "holder", "recipient")
_CN = re.compile(trie_regex(CN_LABELS) + r"[ \t:：=]{0,3}([\u4e00-\u9fff·]{2,12})")
# English: anchored on the colon (rarer than any label letter), the label
# checked behind it; the name itself must be Capitalised First Last.
_EN_NAME = r"[ \t]*([A-Z][a-z]+(?:[ '\-][A-Z][a-z]+){1,2})(?![A-Za-z])"
_EN = re.compile(r"[:：=]" + _EN_NAME)
# The same, one pattern per separator: a literal first character lets `re`
# skip ahead with a fast search (a character class makes it test every
# position). A match holds a single separator, so the union is `_EN`'s matches.
_EN_BY_SEP = tuple(re.compile(re.escape(sep) + _EN_NAME) for sep in ":：=")
_EN_LABEL_TAIL = re.compile(r"(?:name|holder|recipient)[ \t]*\Z", re.IGNORECASE)
# Words that start the next field when a name is glued to what follows.
_STOP_WORDS = (
    "电话", "手机", "地址", "性别", "身份", "联系", "收货", "邮箱", "卡号", "年龄", "籍贯", "备注",
    "号码", "先生", "女士", "小姐", "银行", "证件", "住址", "微信", "订单", "快递", "省", "市",
)
_STOP_CHARS = frozenset("收男的在是和于，。、")
# The same cuts as one search each (the earliest stop word from index 1,
# the first stop character from index 2).
_STOP_WORD_RX = re.compile(trie_regex(_STOP_WORDS))
_STOP_CHAR_RX = re.compile("[" + re.escape("".join(sorted(_STOP_CHARS))) + "]")


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character surnames, compound surnames)."""
    from faker.providers.person.zh_CN import Provider

    single = {s for s in Provider.last_names if len(s) == 1}
    compound = {s for s in Provider.last_names if len(s) == 2}
    text = resources.files("leaktrace.pii.data").joinpath("cn_compound_surnames.txt").read_text("utf-8")
    compound.update(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    return frozenset(single), frozenset(compound)


def trim_cn_name(run: str) -> str:
    """Cut a CJK run at the first word that starts the next field."""
    word = _STOP_WORD_RX.search(run, 1)
    end = len(run) if word is None else word.start()
    char = _STOP_CHAR_RX.search(run, 2, end)
    return run[: end if char is None else char.start()]


def surname_of(name: str) -> str | None:
    single, compound = surnames()
    if name[:2] in compound:
        return name[:2]
    if name[:1] in single:
        return name[:1]
    return None


class PersonNameDetector(Detector):
    type = "person_name"
    pattern = _CN
    max_len = 40
    context = tuple(label.lower() for label in CN_LABELS) + EN_LABELS
    requires_context = True
    priority = 60

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for m in _CN.finditer(text, pos, end):
            name = trim_cn_name(m.group(1))
            if len(name) >= 2:
                s = m.start(1)
                yield s, s + len(name), name
        for rx in _EN_BY_SEP:
            for m in rx.finditer(text, pos, end):
                if _EN_LABEL_TAIL.search(text, max(0, m.start() - 16), m.start()):
                    yield m.start(1), m.end(1), m.group(1)

    def validate(self, value: str) -> Verdict | None:
        if value[0].isascii():
            return Verdict(True, 0.6, {"script": "latin"}, normalize(self.type, value))
        if "·" in value:
            # Transliterated minority names (阿卜杜·热合曼) have no surname list.
            parts = value.split("·")
            if len(parts) < 2 or not all(parts):
                return None
            return Verdict(True, 0.55, {"script": "han"}, normalize(self.type, value))
        if len(value) > 4:
            return None
        surname = surname_of(value)
        if surname is None or len(value) - len(surname) < 1:
            return None
        # The surname is not an attribute: output must not reveal part of a name.
        return Verdict(True, 0.65, {"script": "han"}, normalize(self.type, value))
