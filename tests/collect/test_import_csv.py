"""Listing CSVs: column mapping by flags, encodings, bad rows reported, the public market scrapes."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from _import_helpers import approved, cli, count, eval_dir, posts

from leaktrace.collect.importers.csv_listings import CsvOptions, ListingCsv, iter_csv, parse_mapping
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import run_import
from leaktrace.store.models import Capture, Post

ROWS = [
    ["name", "vendor", "price", "when", "page", "cat"],
    ["出售 手机号 10万条", "老王", "0.05", "2024-01-02 03:04", "p/1.html", "数据"],
    ["银行卡四要素", "NA", "3元/条", "1704164645", "p/2.html", "数据"],
    ["broken row", "x"],
    ["", "nobody", "1", "2024-01-01", "p/3.html", "其他"],
    ["快递面单", "小李", "NA", "yesterday", "http://other.onion/t/9", "数据"],
]


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def opts(**kw: object) -> CsvOptions:
    base = {"site": "mkt", "mapping": parse_mapping(["title=name", "seller=vendor", "posted=when", "url=page"]),
            "currency": "BTC", "base_url": "http://mkt.onion/", "timezone": timezone(timedelta(hours=8))}
    return CsvOptions(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_rows_become_items(tmp_path: Path, encoding: str) -> None:
    table = ListingCsv(write(tmp_path / "l.csv", ROWS, encoding), opts())
    items = list(table.items())
    assert [i.title for i in items] == ["出售 手机号 10万条", "银行卡四要素", "快递面单"]
    first, second, third = items
    assert first.url == "http://mkt.onion/p/1.html" and third.url == "http://other.onion/t/9"
    assert first.price_text == "0.05 BTC" and second.price_text == "3元/条" and third.price_text is None
    assert first.author_handle == "老王" and second.author_handle is None
    assert first.posted_at == datetime(2024, 1, 1, 19, 4, tzinfo=UTC)
    assert second.posted_at == datetime.fromtimestamp(1704164645, tz=UTC) and third.posted_at is None
    assert first.extra["cat"] == "数据" and first.extra["csv_line"] == 2
    problems = {r: v for r, v in table.problems.by_reason.items()}
    assert problems["2 fields where the header has 6"] == [1, 4]
    assert problems["row has no title and no body"] == [1, 5]
    assert any("shaped 'aaaaaaaaa' not understood" in r for r in problems)  # the shape, never the value


def test_mapping_errors_name_the_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", ROWS)
    with pytest.raises(InputError, match=r"no column 'product'.*'name', 'vendor'"):
        ListingCsv(path, opts(mapping=parse_mapping(["title=product"])))
    with pytest.raises(InputError, match="no title or body column"):
        ListingCsv(path, opts(mapping={}))
    with pytest.raises(InputError, match="unknown field 'colour'"):
        parse_mapping(["colour=red"])
    with pytest.raises(InputError, match="expected FIELD=COLUMN"):
        parse_mapping(["title"])
    with pytest.raises(InputError, match="exceeds the limit of 10"):
        ListingCsv(path, opts(max_bytes=10))


def test_bad_bytes_mid_file_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(b"name,vendor\n" + "好,a\n".encode() * 30_000 + b"\xff\xfe\xfa,b\n")
    table = ListingCsv(path, CsvOptions(site="s", mapping={"title": "name"}))
    with pytest.raises(InputError, match=r"after line \d+: invalid utf-8 bytes"):
        list(table.items())


def test_import_and_reimport(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "listings.csv", ROWS, "gb18030")
    src = approved(ctx, "mkt")
    argv = ["import", "csv", str(path), "--source", src, "--map", "title=name", "--map", "seller=vendor",
            "--map", "posted=when", "--map", "url=page", "--currency", "BTC", "--base-url", "http://mkt.onion/",
            "--timezone", "Asia/Shanghai", "--json"]
    assert cli(*argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["captures_new"] == 1 and report["posts"] == {"new": 3, "changed": 0, "unchanged": 0}
    assert len(report["skipped"]) == 3 and report["skipped"][0]["where"].endswith("line 4")
    got = {p.title: p for p in posts(ctx, src)}
    assert (got["出售 手机号 10万条"].price_amount, got["出售 手机号 10万条"].price_currency) == (0.05, "BTC")
    assert got["银行卡四要素"].price_currency == "CNY"
    assert cli(*argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["captures_existing"] == 1 and again["posts"]["unchanged"] == 3
    assert count(ctx, Capture) == 1 and count(ctx, Post) == 3
    with ctx.evidence.open(next(iter(ctx.evidence.summaries()))["sha256"]) as blob:
        assert blob.read() == path.read_bytes()  # the file is kept byte for byte
    assert ctx.evidence.verify().ok


def test_large_file_is_posted_in_batches(ctx: Context, tmp_path: Path) -> None:
    rows = [["title", "price"]] + [[f"listing {i}", f"{i} USDT"] for i in range(1, 251)]
    path = write(tmp_path / "big.csv", rows)
    src = approved(ctx, "big")
    ticks: list[int] = []
    report = run_import(ctx, iter_csv(path, CsvOptions(site="big")), source=src, collector="t", batch=100,
                        progress=ticks.append)
    assert ticks == [100, 100, 50, 1]  # three batches of posts, then the document
    assert report.posts["new"] == 250 and count(ctx, Post) == 250
    assert {p.price_amount for p in posts(ctx, "big")} == set(map(float, range(1, 251)))


MARKET = eval_dir() / "market-scrapes" / "products-2014-01-01.csv" if eval_dir() else None


@pytest.mark.skipif(MARKET is None or not MARKET.exists(), reason="../shared/eval/market-scrapes not present")
def test_public_market_scrape(ctx: Context, capsys: pytest.CaptureFixture[str]) -> None:
    """The Agora scrape: multi-line quoted cells, NA cells, bare BTC prices; read whole, import a slice."""
    assert MARKET is not None
    mapping = ["title=product", "seller=vendor", "url=list", "posted=date", "price=price"]
    table = ListingCsv(MARKET, CsvOptions(site="agora", mapping=parse_mapping(mapping), currency="BTC",
                                          base_url="http://agora.onion/p/"))
    items = list(table.items())
    with MARKET.open(encoding="utf-8", newline="") as fh:
        expected = list(csv.DictReader(fh))
    assert len(items) == len(expected) and not table.problems.by_reason
    assert [i.title for i in items] == [r["product"].strip() for r in expected]
    assert all(i.posted_at is not None and i.posted_at.tzinfo is UTC for i in items)
    assert len({i.url for i in items}) == len(items)
    src = approved(ctx, "agora")
    argv = ["import", "csv", str(MARKET), "--source", src, "--currency", "BTC", "--limit", "150", "--json"]
    for m in mapping:
        argv += ["--map", m]
    assert cli(*argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["posts"]["new"] == 150 and report["captures_new"] == 1
    stored = posts(ctx, src)
    by_title = {r["product"].strip(): r for r in expected[:150]}
    for p in stored:
        row = by_title[p.title or ""]
        assert p.author_handle == row["vendor"] and p.price_currency == "BTC"
        assert p.price_amount == pytest.approx(float(row["price"]))


HEADERLESS = [["张伟", "北京市朝阳区建国路88号院3号楼2单元501", "13800138000", "2024-01-02"],
              ["李娜", "上海市浦东新区世纪大道100号", "13900139000", "2024-01-03"]]


@pytest.mark.parametrize("maps", [[], ["--map", "title=product"]])
def test_errors_never_print_a_record_in_clear(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              maps: list[str]) -> None:
    """A headerless file's first line is a person's record: the error names line 1, and shows no value in clear."""
    path = write(tmp_path / "orders.csv", HEADERLESS)
    src = approved(ctx, "orders")
    assert cli("import", "csv", str(path), "--source", src, *maps) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "line 1" in err
    for value in HEADERLESS[0]:
        assert value not in err
    assert "建国路" not in err and "张" not in err  # not even a recognisable part
    assert count(ctx, Capture) == 0


def test_real_header_still_shown(tmp_path: Path) -> None:
    """Column names that look like column names stay readable, so the --map can be fixed."""
    path = write(tmp_path / "l.csv", [["商品名称", "卖家", "price_btc", "收货地址", ""], ["a", "b", "1", "c", ""]])
    with pytest.raises(InputError, match=r"no column 'product'.*'商品名称', '卖家', 'price_btc', '收货地址'"):
        ListingCsv(path, opts(mapping=parse_mapping(["title=product"])))


def _broken_quote_file(path: Path, broken: str, at: int, n: int = 100) -> Path:
    """`n` listing rows (file lines 2..n+1) with line `at` replaced by `broken`."""
    lines = ["title,seller,body"] + [f"listing {i},s{i},body {i}" for i in range(2, n + 2)]
    lines[at - 1] = broken
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("broken", "at"),
    [
        ('listing 52,s52,"body never closed', 52),  # the quote runs to the end of the file
        ('listing 50,s50,"body 50', 50),  # ...closes at the stray quote of line 52, text after it
    ],
)
def test_broken_quote_is_reported_not_merged(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             broken: str, at: int) -> None:
    path = _broken_quote_file(tmp_path / "l.csv", broken, at)
    if at == 50:
        text = path.read_text().replace("listing 52,s52,body 52", 'listing 52,s52,body "52" x')
        path.write_text(text)
    src = approved(ctx, "q")
    assert cli("import", "csv", str(path), "--source", src, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["posts"]["new"] == 99  # every row but the broken one, each on its own
    assert [s["where"] for s in report["skipped"]] == [f"{path}: line {at}"]
    assert "quote" in report["skipped"][0]["reason"]
    got = posts(ctx, src)
    assert all("\n" not in (p.body or "") and "listing" not in (p.body or "") for p in got)
    assert {p.title for p in got} == {f"listing {i}" for i in range(2, 102)} - {f"listing {at}"}
