"""Training on generated posts, `leaktrace intel train|eval`, `leaktrace classify` end to end."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.intel.classify import classify_post
from leaktrace.intel.evaluate import evaluate, read_labels
from leaktrace.intel.model import TraffickingModel, configured_model, default_model, user_model_path
from leaktrace.intel.train import LabelledPost, synthetic_posts, train
from leaktrace.intel.trainset import generate


@pytest.fixture(scope="module")
def small_model() -> TraffickingModel:
    return train(synthetic_posts(1500, seed=11), seed=11)


def test_generator_is_deterministic_and_labelled() -> None:
    a, b = list(generate(300, seed=5)), list(generate(300, seed=5))
    assert a == b and a != list(generate(300, seed=6))
    pos = [e for e in a if e.trafficking]
    assert 0.3 < len(pos) / len(a) < 0.6
    assert all(e.category for e in pos) and not any(e.category for e in a if not e.trafficking)
    assert {e.lang for e in a} == {"zh", "en", "mixed"}


def test_market_wrapping_is_shared_by_both_labels() -> None:
    """Hype, mis-decoded decoration and made-up vendor tags wrap positives and negatives alike,
    so the model cannot learn the label from them (only from the product)."""
    posts = [e for e in generate(6000, seed=21) if e.lang == "en"]
    def share(label: bool, mark: str) -> float:
        group = [e for e in posts if e.trafficking is label]
        return sum(mark in e.title for e in group) / len(group)
    for mark in ("\ufffd", "JUST RELEASED", "UPDATED"):
        pos, neg = share(True, mark), share(False, mark)
        assert pos > 0 and neg > 0, mark
        assert 0.33 < pos / neg < 3.0, (mark, pos, neg)


def test_small_model_separates_unseen_generated_posts(small_model: TraffickingModel) -> None:
    held = list(generate(600, seed=99))
    right = sum(classify_post(e.title, e.body, model=small_model).trafficking == e.trafficking for e in held)
    assert right / len(held) > 0.9
    scores = [(classify_post(e.title, e.body, model=small_model).score, e.trafficking) for e in held]
    brier = sum((s - y) ** 2 for s, y in scores) / len(scores)
    assert brier < 0.1  # calibrated on held-out generated posts


def test_training_is_deterministic() -> None:
    posts = synthetic_posts(400, seed=3)
    m1, m2 = train(posts, seed=3), train(posts, seed=3)
    assert (m1.buckets == m2.buckets).all() and (m1.weights == m2.weights).all() and m1.platt == m2.platt
    assert m1.version == m2.version != default_model().version


def test_training_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both"):
        train([LabelledPost("出售数据", "", True)] * 5)


def _write_labels(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["title", "pii_trafficking", "category", "records"])
        w.writeheader()
        w.writerows(rows)


LABELS = [
    {"title": "出售全国快递收件人数据 300万条", "pii_trafficking": "1", "category": "orders_logistics", "records": "3000000"},
    {"title": "身份证正反面手持 500套", "pii_trafficking": "1", "category": "identity_docs", "records": "500"},
    {"title": "Fresh USA CVV 100 pcs", "pii_trafficking": "1", "category": "cards_cvv", "records": "100"},
    {"title": "冰毒 10g", "pii_trafficking": "0", "category": "", "records": ""},
    {"title": "短信拦截设备 出售", "pii_trafficking": "0", "category": "", "records": ""},
    {"title": "MDMA crystals 5g", "pii_trafficking": "0", "category": "", "records": ""},
]


def test_evaluate_counts_confusion_categories_and_records(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    _write_labels(p, LABELS)
    rep = evaluate(read_labels(p))
    assert rep.n == 6 and rep.tp + rep.fn == 3 and rep.fp + rep.tn == 3
    d = rep.to_dict()
    assert d["records_stated"] == 3 and d["records_exact_match"] == 1.0
    assert set(d["category_accuracy"]) == {"orders_logistics", "identity_docs", "cards_cvv"}
    assert sum(b["n"] for b in d["reliability"]) == 6


def test_cli_eval_prints_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "labels.csv"
    _write_labels(p, LABELS)
    assert main(["intel", "eval", str(p), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {"precision", "recall", "f1", "confusion", "category_accuracy", "records_exact_match"} <= set(d)
    assert main(["intel", "eval", str(p)]) == 0
    out = capsys.readouterr().out
    assert "confusion" in out and "F1" in out and "record count exact match" in out


def test_cli_eval_bad_label_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("title,pii_trafficking\n出售数据,1\n坏行,maybe\n", encoding="utf-8")
    assert main(["intel", "eval", str(p)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "pii_trafficking" in err
    q = tmp_path / "nolabel.csv"
    q.write_text("title\nx\n", encoding="utf-8")
    assert main(["intel", "eval", str(q)]) == 2


def test_cli_train_writes_a_model_classify_then_uses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "labels.csv"
    _write_labels(p, LABELS)
    data_dir = get_settings().data_dir
    shipped = configured_model(None, data_dir).version  # primes the per-second cache with the shipped model
    assert main(["intel", "train", str(p), "--synthetic", "800"]) == 0
    assert user_model_path(data_dir).is_file()
    assert "trained on 6 labelled" in capsys.readouterr().out
    m = TraffickingModel.load(user_model_path(data_dir))
    assert m.meta["user_rows"] == 6
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"id": 7, "title": "出售全国快递收件人数据 300万条", "body": ""}, ensure_ascii=False)
                     + "\n", encoding="utf-8")
    assert main(["classify", str(posts)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["id"] == 7
    assert configured_model(None, data_dir).version == m.version != shipped  # the retrained model is in use at once


def test_cli_classify_contract_and_bad_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "posts.jsonl"
    lines = [
        json.dumps({"id": "a", "title": "出售身份证正反面手持 500套", "body": "飞机 @seller_cn 自动发货"}, ensure_ascii=False),
        json.dumps({"id": "b", "title": "MDMA crystals 5g", "body": ""}),
        "",
        json.dumps({"id": "c"}),
    ]
    posts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(posts), "--output", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["trafficking"] and not rows[1]["trafficking"] and not rows[2]["trafficking"]
    assert rows[0]["facts"]["records"] == 500
    assert {"type": "telegram", "value": "seller_cn"} in rows[0]["identifiers"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text(lines[0] + "\n[1, 2]\n{not json\n", encoding="utf-8")
    out2 = tmp_path / "out2.jsonl"
    assert main(["classify", str(bad), "--output", str(out2)]) == 2
    assert "line 2" in capsys.readouterr().err
    assert not out2.exists()  # nothing half-written
    assert main(["classify", str(bad), "--skip-bad"]) == 0
    cap = capsys.readouterr()
    assert len(cap.out.splitlines()) == 1 and "line 2" in cap.err and "line 3" in cap.err


def test_cli_classify_reads_gb18030(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = tmp_path / "gbk.jsonl"
    posts.write_bytes(json.dumps({"id": 1, "title": "出售全国快递收件人数据 300万条"}, ensure_ascii=False).encode("gb18030")
                      + b"\n")
    assert main(["classify", str(posts)]) == 0
    assert json.loads(capsys.readouterr().out)["facts"]["records"] == 3_000_000


def test_overlong_lines_are_refused_not_buffered(tmp_path: Path) -> None:
    from leaktrace.core.errors import InputError
    from leaktrace.intel.evaluate import iter_lines

    p = tmp_path / "long.jsonl"
    p.write_text('{"id": 1}\n' + "x" * 5000, encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        list(iter_lines(p, max_line_chars=1000))
    assert next(iter(iter_lines(p, max_line_chars=10_000))) == '{"id": 1}\n'


def test_bootstrap_interval_and_ece_are_what_they_say() -> None:
    import numpy as np

    from leaktrace.intel.evaluate import bootstrap_f1, expected_calibration_error

    y = np.array([1] * 40 + [0] * 60, dtype=bool)
    perfect = bootstrap_f1(y, y.copy())
    assert perfect == (1.0, 1.0)
    half = y.copy()
    half[:20] = False  # recall 0.5, precision 1: F1 0.667
    lo, hi = bootstrap_f1(y, half)
    assert lo < 0.667 < hi and hi - lo < 0.3
    # Scores that say 0.9 where 9 of 10 are positive are calibrated; saying 0.9 for 5 of 10 is not.
    yy = np.array([1] * 9 + [0], dtype=float)
    assert expected_calibration_error(yy, np.full(10, 0.9)) < 1e-9
    assert abs(expected_calibration_error(np.array([1] * 5 + [0] * 5, dtype=float), np.full(10, 0.9)) - 0.4) < 1e-9


def test_eval_keeps_confidence_rows_reads_data_category_and_proxy(tmp_path: Path) -> None:
    p = tmp_path / "def.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["category", "title", "proxy_label", "pii_trafficking", "data_category",
                                           "records", "confidence"])
        w.writeheader()
        w.writerow({"category": "Fraud", "title": "Fresh USA CVV 100 pcs", "proxy_label": "1",
                    "pii_trafficking": "1", "data_category": "cards_cvv", "records": "100", "confidence": "high"})
        w.writerow({"category": "Guides", "title": "Carding guide 2017 ebook", "proxy_label": "1",
                    "pii_trafficking": "0", "data_category": "", "records": "", "confidence": "high"})
        w.writerow({"category": "Digital", "title": "Netflix account lifetime", "proxy_label": "0",
                    "pii_trafficking": "1", "data_category": "credentials_accounts", "records": "",
                    "confidence": "low"})
    assert [r.line for r in read_labels(p, confidence="high")] == [2, 3]
    assert len(list(read_labels(p))) == 3
    rep = evaluate(read_labels(p, confidence="high"))
    d = rep.to_dict()
    assert d["rows"] == 2 and d["positives"] == 1
    assert d["category_true_positives"] == rep.tp  # the market's `category` column is not the data category
    assert d["proxy"]["positives"] == 2
    assert 0.0 <= d["ece"] <= 1.0 and len(d["f1_ci95"]) == 2


def test_average_scores_the_mean_of_the_calibrated_margins() -> None:
    from leaktrace.intel.extract import analyse_post
    from leaktrace.intel.features import post_feature_ids
    from leaktrace.intel.train import average

    a = train(synthetic_posts(600, 1), seed=1)
    b = train(synthetic_posts(600, 2), seed=2)
    avg = average([a, b])
    assert avg.platt == (1.0, 0.0) and avg.meta["ensemble"] == 2
    for title in ("出售全国快递收件人数据 300万条", "Fresh USA CVV 100 pcs", "MDMA crystals 5g", "Carding guide"):
        ids = post_feature_ids(analyse_post(title))
        want = sum(m.platt[0] * m.margin(ids)[0] + m.platt[1] for m in (a, b)) / 2
        assert abs(avg.margin(ids)[0] - want) < 1e-3
