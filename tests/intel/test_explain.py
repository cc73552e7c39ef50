"""`intel.explain`: the explanation is the model's own arithmetic, and `classify --explain` shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.cli.app import main
from leaktrace.intel.classify import classify_post
from leaktrace.intel.explain import _char_weights, _normalised_with_offsets, explain_post
from leaktrace.intel.features import _bucket, normalise_for_features
from leaktrace.intel.model import default_model

POSTS = [
    ("Fresh USA Fullz x50 with SSN DOB", "telegram @seller_x"),
    ("出售2019年广东快递收件人信息 300w条 一手", "飞机 @seller_cn 自动发货 QQ:12345678"),
    ("Carding guide 2017 + CVV checker", ""),
    ("ＦＵＬＬＺ\u200b 資料 <b>1000</b> records", "wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT"),
]


@pytest.mark.parametrize(("title", "body"), POSTS)
def test_character_weights_plus_lexicon_plus_bias_give_the_margin(title: str, body: str) -> None:
    """Rebuilt feature by feature in pure Python: a hashing or offset slip breaks the sum."""
    from leaktrace.intel.features import blank_identifiers, post_feature_ids

    m = default_model()
    res = classify_post(title, body, model=m)
    a = res.analysis
    text = blank_identifiers(a)
    n = a.title_chars
    t_raw, b_raw = text[:n], (text[n + 1:] if text[n:n + 1] == "\n" else text[n:])
    t, _ = _normalised_with_offsets(t_raw, 300)
    b, _ = _normalised_with_offsets(b_raw, 500)
    assert (t, b) == normalise_for_features(t_raw, b_raw)
    s = " " + t + " \n " + b + " " if b else " " + t + " "
    cw, _ = _char_weights(m, s)
    lex = sum(float(m.weights[m._row[_bucket("L:" + c)]]) for c in a.facts.terms if m._row[_bucket("L:" + c)] >= 0)
    margin, _ = m.margin(post_feature_ids(a))
    assert abs(m.bias + cw.sum() + lex - margin) < 1e-3


def test_explanation_names_the_words_that_drove_it() -> None:
    e = explain_post("Carding guide 2017 + CVV checker")
    assert not e.trafficking
    against = {d.text.lower() for d in e.against}
    assert "checker" in against or "lexicon trade.tool" in against
    pos = explain_post("Fresh USA Fullz x50 with SSN DOB", "telegram @seller_x")
    assert pos.trafficking and any(d.text.lower() == "fullz" for d in pos.towards)
    assert pos.facts["records"] == 50
    assert pos.identifiers == [{"type": "telegram", "value": "seller_x"}]
    assert explain_post("", "").towards == []  # empty input: no crash, nothing to show


def test_cli_classify_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text("\n".join(json.dumps({"id": i, "title": t, "body": b}, ensure_ascii=False)
                           for i, (t, b) in enumerate(POSTS)) + "\n", encoding="utf-8")
    assert main(["classify", str(p), "--explain"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(POSTS)
    for d in lines:
        assert {"margin", "towards", "against", "facts", "identifiers"} <= set(d["explanation"])
    assert main(["classify", str(p)]) == 0
    assert all("explanation" not in json.loads(x) for x in capsys.readouterr().out.splitlines())
    assert main(["classify", str(p), "--explain", "--table"]) == 0
    assert capsys.readouterr().out.count("why:") == len(POSTS)


CLEAN = ["Fresh USA Fullz x50 with SSN DOB", "7000 FULL USA CVVS (USED)", "COMBO = 2.500.000+ USER:PASS",
         "出售2019年广东快递收件人信息 300w条 一手", "Carding guide 2017 + CVV checker", "Netflix gift card $50"]


def _dirty(title: str) -> list[str | bytes]:
    zw = "\u200b".join(title)  # zero-width spaces between every character
    full = title.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # full-width forms
    return [f"<html><body><p>{title}</p><script>var x=1</script></body></html>", zw, full,
            title.encode("gb18030"), "\ufeff" + title + "\u202e"]


@pytest.mark.parametrize("title", CLEAN)
def test_dirty_forms_get_the_clean_decision_count_and_explanation(title: str) -> None:
    m = default_model()
    ref = classify_post(title, model=m)
    for d in _dirty(title):
        got = classify_post(d, model=m)
        assert got.trafficking == ref.trafficking, d
        assert abs(got.score - ref.score) < 0.05, d
        assert got.analysis.facts.records == ref.analysis.facts.records, d
        e = explain_post(d, model=m, result=got)
        assert e.trafficking == ref.trafficking


@given(st.text(max_size=300), st.text(max_size=300))
@settings(max_examples=100, deadline=None)
def test_explain_never_raises(title: str, body: str) -> None:
    e = explain_post(title, body)
    assert 0.0 <= e.score <= 1.0
    assert all(d.weight > 0 for d in e.towards) and all(d.weight < 0 for d in e.against)


def test_huge_post_is_explained_quickly() -> None:
    import time

    post = "Fresh USA Fullz x50 with SSN DOB " * 200_000
    t0 = time.process_time()
    e = explain_post(post)
    assert time.process_time() - t0 < 20 and e.trafficking
