"""More of the ways sellers write counts, per the labelling conventions of the field."""

from __future__ import annotations

import pytest

from leaktrace.intel.extract import analyse_post
from leaktrace.intel.volumes import claimed_records

FORMS = [
    ("2W6快递单", 26_000),  # 2.6万, spoken form
    ("6000多万行业客户", 60_000_000), ("1600余万手机号", 16_000_000), ("110+万会员信息", 1_100_000),
    ("csdn600w 明文", 6_000_000), ("QQ1亿用户", 100_000_000), ("GMAIL数据490w", 4_900_000),
    ("银行客户1242个", 1242),  # a count of people, not of databases
    ("网贷数据，日量2000-5000左右", 5000), ("每天2000+的量", 2000),
    ("出一手股民数据，20W条", 200_000),  # full-width comma, NFKC'd to ','
    ("5000条CVV卡料", 5000), ("4 cvvs", 4), ("200 fullz", 200),
    ("490wGMAIL数据", 4_900_000), ("300wFACEBOOK数据", 3_000_000), ("100wLinkedIn用户", 1_000_000),
    ("10wTelegram账号", 100_000),  # a brand glued after the multiplier
    # English conventions (listings-en/LABELING.md): x10 / 10 pcs / 10 CVV = 10, European thousands, N+ = N
    ("x100", 100), ("US fullz x50", 50), ("10 x Desjardins logins", 10), ("1x Fresh Australian CC", 1),
    ("7000 FULL USA CVVS (USED)", 7000), ("15 High Quality and Authentic USA Drivers Licence Scans", 15),
    ("2.5 mil emails", 2_500_000), ("100K leads", 100_000), ("386.639 emails", 386_639),
    ("1 Million+ combos", 1_000_000), ("COMBO = 2.500.000+ USER:PASS", 2_500_000),
    ("10 DUMPS ORDER, I SEND 15 DUMPS", 15),
]
NOT_COUNTS = ["存款5000多万", "余额100万", "价格1,000条", "1,000", "日量2000元", "900MB",
              # English money, time, rates, sizes, years
              "MAKE 22K IN A WEEK", "profits 3k per day", "$5k balance", "5k balance", "ONLINE IN 2 WEEKS",
              "EDC 2016 WORLDWIDE", "1920x1080 wallpapers", "2017 BANK ACCOUNT HACKING", "2017 fresh fullz",
              "100% successful bank transfers", "4K UHD stream", "200$ US Paypal Accounts Balance",
              # a multiplier letter inside a key fingerprint or wallet is no count
              "PGP: 4B21C1A07E", "PGP: 4B21 C1A0 7E99", "BTC: 1wCkoXyzAbCdEfGhJk",
              "钱包 3MfN2kqLmNpQrStUv", "7k7k小游戏数据库"]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_count_forms(text: str, expected: int) -> None:
    assert claimed_records(text) == expected


@pytest.mark.parametrize("text", NOT_COUNTS)
def test_not_counts(text: str) -> None:
    assert claimed_records(text) is None


def test_fingerprint_after_a_count_is_not_a_larger_count() -> None:
    assert claimed_records("出北京市 1万 !!!\nPGP: 4B21C1A07E") == 10_000
    assert claimed_records("出北京市 1万 !!!\nPGP: 4B21 C1A0 7E99") == 10_000


def test_the_largest_count_wins_across_forms() -> None:
    assert analyse_post("csdn600w RenRen500w 明文 另有QQ群数据6000多万").facts.records == 60_000_000


def test_generated_count_suite_both_languages() -> None:
    """A few thousand count phrasings from the two LABELING conventions, with near-misses (gen_counts.py).

    Seed 3 was not the one the parser was developed against (0).
    """
    from gen_counts import generate_counts, score

    cases = generate_counts(3000, seed=3)
    res = score(cases)
    for lang in ("en", "zh"):
        assert res[lang]["stated"] > 1000 and res[lang]["near_miss_only"] > 200
        assert res[lang]["exact"] >= 0.97, (lang, res[lang])
        assert res[lang]["no_claim"] >= 0.97, (lang, res[lang])


def test_generated_truth_is_written_independently() -> None:
    from gen_counts import _cn_numeral, _euro

    assert _cn_numeral(5604) == "五千六百零四" and _cn_numeral(2309) == "二千三百零九" and _cn_numeral(15) == "一十五"
    assert _euro(2_500_000) == "2.500.000"
