"""The shipped trafficking classifier: labels, categories, contract, hostile input, storage."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from leaktrace.core.errors import ConfigError
from leaktrace.core.settings import get_settings
from leaktrace.intel.classify import classify_post
from leaktrace.intel.model import (
    TraffickingModel,
    builtin_model_path,
    configured_model,
    default_model,
)
from leaktrace.intel.trainset_phrases import CATEGORIES
from leaktrace.pipeline.context import Context

# Hand-written for these tests, in the shapes sellers use; none comes from an evaluation set.
TRAFFICKING = [
    ("出售2019年广东快递收件人信息 300w条 一手", "orders_logistics"),
    ("身份证正反面+手持照片 500套 自动发货", "identity_docs"),
    ("全国股民数据 姓名 手机 开户券商 20万条", "finance_bank"),
    ("菠菜充值会员数据 实时更新 1.2万", "gambling_leads"),
    ("查开房记录 查户籍 手机定位 当天出结果", "lookup_service"),
    ("某省初中生学籍 家长姓名 手机号 5万", "education"),
    ("Fresh USA CVV with billing address, 100% valid, auto delivery", "cards_cvv"),
    ("Netflix premium accounts x50 lifetime warranty", "credentials_accounts"),
    ("USA fullz SSN DOB DL - 200 records", "identity_docs"),
    # Kinds the generator composes from parts (issuer/tier/balance, leak archives by size, cracked logins).
    ("加拿大信用卡料 持卡人全资料 可用额度高", "cards_cvv"),
    ("社工库 300G 打包出售 含明文密码", "credentials_accounts"),
    ("Hulu premium account | lifetime warranty", "credentials_accounts"),
    ("USA fullz with MMN and credit score 750+", "identity_docs"),
    ("Fresh Chase bank logs with email access", "finance_bank"),
    ("代查个人信息 户籍 开房 当天出结果", "lookup_service"),
    ("50 Canada DL scans front and back, real people", "identity_docs"),
]
NOT_TRAFFICKING = [
    "网贷数据获取教程 从入门到精通",
    "短信拦截设备 可截取验证码 包邮",
    "伪基站 设备出售",
    "冰毒 高纯度 10g 同城",
    "Office 2019 激活码 永久",
    "社工库网站源码 带后台",
    "5g MDMA crystals 84% lab tested stealth shipping",
    "Carding guide 2017 - how to cash out CVV",
    "Windows 10 Pro license key instant delivery",
    "Replica Rolex Submariner AAA quality",
    # Next to data words, but nobody's data changes hands.
    "Spotify premium upgrade on your own account - 12 months",
    "Texas drivers license with hologram and UV (physical)",
    "UK utility bill PSD template, fully editable",
    "PayPal transfer $500 for 0.1 BTC",
    "CVV cashout guide - make $2000 a week - JUST UPDATED",
    "料站网址推荐 自动发货",
    "信用卡号生成器 测试用",
    "250 Xanax bars - ships from USA, full escrow",
]


@pytest.mark.parametrize(("title", "category"), TRAFFICKING)
def test_trafficking_listings_are_flagged_with_their_category(title: str, category: str) -> None:
    r = classify_post(title)
    assert r.trafficking and r.score >= 0.5, (title, r.score)
    assert r.categories and set(r.categories) <= set(CATEGORIES)
    assert category in r.categories, (title, r.categories)


@pytest.mark.parametrize("title", NOT_TRAFFICKING)
def test_tutorials_tools_drugs_software_are_not_trafficking(title: str) -> None:
    r = classify_post(title)
    assert not r.trafficking and r.score < 0.5, (title, r.score)
    assert r.categories == []


def test_contract_shape() -> None:
    out = classify_post("【一手】浙江快递数据 1500w条 0.05BTC", "联系QQ:12345678 自动发货").contract("p1")
    assert list(out) == ["id", "trafficking", "score", "categories", "facts", "identifiers"]
    assert out["id"] == "p1" and isinstance(out["trafficking"], bool) and 0.0 <= out["score"] <= 1.0
    assert out["facts"]["records"] == 15_000_000
    assert out["facts"]["price"] == {"amount": 0.05, "currency": "BTC"}
    assert {"type": "qq", "value": "12345678"} in out["identifiers"]
    json.dumps(out, ensure_ascii=False)


def test_zero_width_and_full_width_dodges_do_not_hide_an_offer() -> None:
    plain = classify_post("出售身份证正反面手持照片500套")
    dodged = classify_post("出\u200b售身\u200d份证正反面手\ufeff持照片５００套")
    assert dodged.trafficking and abs(dodged.score - plain.score) < 0.05
    assert dodged.analysis.facts.records == 500


@pytest.mark.parametrize("post", [
    "", None, b"", "   \n\t", "🔥🔥🔥✅💰", "<html><body><p>出售&nbsp;快递数据 100万条</p></body></html>",
    "出售快递数据100万条".encode("gb18030"), b"\xff\xfe\x00\x00garbage\x80\x81",
    "Ｆｕｌｌｚ ＵＳＡ ＳＳＮ", "\x00\x01\x02 data \x7f",
])
def test_hostile_input_never_crashes(post: str | bytes | None) -> None:
    r = classify_post(post, post)
    assert 0.0 <= r.score <= 1.0
    json.dumps(r.contract(1), ensure_ascii=False)


def test_html_post_is_read_as_text() -> None:
    r = classify_post("<div><b>出售</b>全国<span>快递收件人</span>数据 100万条</div>")
    assert r.analysis.clean.was_html and r.trafficking and r.analysis.facts.records == 1_000_000


def test_five_megabyte_post_is_bounded() -> None:
    body = ("出售全国快递数据 1500w条 联系QQ:12345678 " * 200_000)[: 5 * 1024 * 1024]
    t0 = time.perf_counter()
    r = classify_post("快递数据", body)
    assert time.perf_counter() - t0 < 30
    assert r.trafficking and r.analysis.clean.truncated


def test_shipped_model_round_trips_without_pickle(tmp_path: Path) -> None:
    m = default_model()
    assert m.categories == sorted(CATEGORIES)
    p = tmp_path / "m.npz"
    m.save(p)
    with np.load(p, allow_pickle=False) as z:
        assert {"buckets", "weights", "cat_weights", "cat_bias", "meta"} <= set(z.files)
    m2 = TraffickingModel.load(p)
    title = "出售全国快递数据 1500w条"
    assert classify_post(title, model=m2).score == pytest.approx(classify_post(title, model=m).score, abs=1e-3)


def test_a_broken_model_file_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match=r"bad\.npz"):
        TraffickingModel.load(bad)
    monkeypatch.setenv("LEAKTRACE_INTEL_MODEL", str(tmp_path / "missing.npz"))
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match=r"missing\.npz"):
        Context(get_settings()).intel_model()  # the setting reaches the model through the context
    with pytest.raises(ConfigError, match=r"missing\.npz"):
        configured_model(tmp_path / "missing.npz")


def test_shipped_model_is_in_the_package() -> None:
    assert builtin_model_path().is_file()
    assert builtin_model_path().stat().st_size < 5 * 1024 * 1024


def test_measured_on_the_real_chinese_set_when_present() -> None:
    """A measurement on ../shared/eval (never trained or tuned on); skipped in a user's clone."""
    from leaktrace.intel.evaluate import evaluate, read_labels

    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "eval"
    path = root / "listings-cn" / "cn2018_dev.csv"
    if not path.exists():
        pytest.skip("no ../shared/eval/listings-cn")
    rep = evaluate(read_labels(path))
    assert rep.n > 500
    assert rep.f1 >= 0.88, rep.to_dict()
    assert rep.records_exact is not None and rep.records_exact >= 0.95, rep.to_dict()


@pytest.mark.parametrize(("rel", "f1"), [("listings-en/dnm2017_def_dev.csv", 0.92), ("listings-cn/cn2018_dev.csv", 0.95)])
def test_issue_22_targets_on_the_real_sets_when_present(rel: str, f1: float) -> None:
    """Issue 22's targets, measured on the high-confidence rows of ../shared/eval (never trained on)."""
    from leaktrace.intel.evaluate import evaluate, read_labels

    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "eval"
    path = root / rel
    if not path.exists():
        pytest.skip(f"no ../shared/eval/{rel}")
    rep = evaluate(read_labels(path, confidence="high"))
    d = rep.to_dict()
    assert rep.tp + rep.fn >= 60, d
    assert rep.f1 >= f1, d
    assert d["category_accuracy_all"] >= 0.85, d
    assert rep.records_exact is not None and rep.records_exact >= 0.95, d
    assert rep.ece <= 0.05, d


def test_homoglyph_dodge_scores_like_the_plain_title() -> None:
    plain = classify_post("Fresh USA CVV with billing address 100 pcs")
    dodged = classify_post("Frеsh USА СVV with billing аddrеss 100 pcs")  # Cyrillic е, А, С, а
    assert plain.trafficking and dodged.trafficking
    assert abs(plain.score - dodged.score) < 0.05


def test_identifiers_do_not_feed_the_classifier() -> None:
    """Two posts that differ only in their wallet and handle get the same features and score:
    an address's random characters say nothing about what is sold."""
    from leaktrace.intel.extract import analyse_post
    from leaktrace.intel.features import post_feature_ids

    a = ("出售全国快递数据 100万条", "BTC: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT 飞机 @seller_one")
    b = ("出售全国快递数据 100万条", "BTC: 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy 飞机 @another_seller")
    pa, pb = analyse_post(*a), analyse_post(*b)
    assert {i.type for i in pa.identifiers} == {"btc", "telegram"} == {i.type for i in pb.identifiers}
    assert sorted(post_feature_ids(pa).tolist()) == sorted(post_feature_ids(pb).tolist())
    assert classify_post(*a).score == classify_post(*b).score


def test_a_body_only_post_keeps_its_first_character() -> None:
    from leaktrace.intel.extract import analyse_post
    from leaktrace.intel.features import feature_ids, post_feature_ids

    post = analyse_post("", "fullz SSN DOB 200 records")
    assert post.title_chars == 0
    assert sorted(post_feature_ids(post).tolist()) == sorted(
        feature_ids("", "fullz SSN DOB 200 records", terms=post.facts.terms).tolist())
