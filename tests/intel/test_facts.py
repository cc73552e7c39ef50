"""Record counts, prices, freshness, regions, lexicon: the forms sellers write."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from leaktrace.core.errors import ConfigError
from leaktrace.core.settings import get_settings
from leaktrace.intel.extract import analyse_post
from leaktrace.intel.lexicon import ENV_VAR, default_lexicon, load_lexicon
from leaktrace.intel.prices import find_prices
from leaktrace.intel.volumes import claimed_records
from leaktrace.pipeline.context import Context

VOLUMES = [
    ("9亿条", 900_000_000), ("1500w", 15_000_000), ("2.3kw", 23_000_000), ("50万", 500_000),
    ("21.2万条", 212_000), ("100套", 100), ("900M", 900_000_000), ("1.2 billion", 1_200_000_000),
    ("14亿明文密码40亿数据库", 4_000_000_000), ("三千万条", 30_000_000), ("上百万资料", 1_000_000),
    ("上万", 10_000), ("5000多条", 5000), ("1,000,000 records", 1_000_000), ("50k users", 50_000),
    ("3000-10000条", 10_000), ("669家企业", 669), ("6000条博彩数据8月提取", 6000),
]
NOT_VOLUMES = ["50万元", "存款100万", "500U", "0.001BTC=1万条", "100条起售", "900MB", "2018年8月",
               "13800138000", "数十万", "几千", "十几万", "XX万", "37个老库", "90个小区", "一条龙服务", "5T数据"]


@pytest.mark.parametrize(("text", "expected"), VOLUMES)
def test_volumes(text: str, expected: int) -> None:
    assert claimed_records(text) == expected


@pytest.mark.parametrize("text", NOT_VOLUMES)
def test_not_volumes(text: str) -> None:
    assert claimed_records(text) is None


@pytest.mark.parametrize(("text", "amount", "currency", "per"), [
    ("0.05 BTC", 0.05, "BTC", None), ("500U", 500, "USDT", None), ("$120", 120, "USD", None),
    ("1.5k USDT", 1500, "USDT", None), ("3元/条", 3, "CNY", "条"), ("周内7毛", 0.7, "CNY", None),
    ("每条0.5元", 0.5, "CNY", "条"), ("2万元", 20000, "CNY", None), ("XMR: 2.5", 2.5, "XMR", None),
])
def test_prices(text: str, amount: float, currency: str, per: str | None) -> None:
    [p] = find_prices(text)
    assert (p.amount, p.currency, p.per) == (pytest.approx(amount), currency, per)


def test_balances_are_not_prices() -> None:
    assert find_prices("余额1000元 存款100万") == []


def test_facts_of_a_listing() -> None:
    a = analyse_post("【一手】2018年8月 浙江 广东 全国快递数据 1500w条 0.05BTC",
                     "自动发货 担保交易 提供样本 联系QQ:12345678")
    f = a.facts
    assert f.records == 15_000_000 and f.price is not None and f.price.currency == "BTC"
    assert (f.freshness.year, f.freshness.month, f.freshness.hand) == (2018, 8, "first")
    assert f.regions == ["浙江省", "广东省"] and f.nationwide and f.sample
    assert f.delivery == ["auto", "escrow"]
    assert a.contract()["identifiers"] == [{"type": "qq", "value": "12345678"}]


def test_realtime_and_second_hand() -> None:
    f = analyse_post("实时 二手料 18年").facts
    assert f.freshness.realtime and f.freshness.hand == "second" and f.freshness.year == 2018
    assert analyse_post("数据 45年").facts.freshness.year is None or date.today().year >= 2044


def test_lexicon_word_boundaries() -> None:
    cats = default_lexicon().categorise("mongodb backup; fresh FULLZ and a Combo list, 四件套")
    assert "db" not in cats.get("trade.data", [])
    assert "fullz" in cats["pii.identity"] and "四件套" in cats["pii.identity"]
    assert "combo list" in cats["trade.data"]


def test_user_lexicon_extends_and_bad_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "mine.tsv"
    extra.write_text("pii.identity\t人头料\n", encoding="utf-8")
    assert "人头料" not in default_lexicon().categorise("出人头料").get("pii.identity", [])
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([str(extra), str(tmp_path / "also.tsv")]))
    get_settings.cache_clear()
    assert get_settings().intel_lexicons == [extra, tmp_path / "also.tsv"]  # the path separator splits them
    (tmp_path / "also.tsv").write_text("", encoding="utf-8")
    assert "人头料" in Context(get_settings()).lexicon().categorise("出人头料")["pii.identity"]
    bad = tmp_path / "bad.tsv"
    bad.write_text("# ok\nno tab here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.tsv: line 2"):
        load_lexicon([bad])
    with pytest.raises(ConfigError, match="not found"):
        load_lexicon([tmp_path / "missing.tsv"])
