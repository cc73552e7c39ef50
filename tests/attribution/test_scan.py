"""The engine pass: SQL normalisers equal core.normalize, the row sample, canary candidates in every format."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.attribution.attribute import attribute_file
from leaktrace.attribution.registry import Registry
from leaktrace.attribution.scan import open_source, scan
from leaktrace.core.errors import IntegrityError
from leaktrace.core.normalize import normalize
from leaktrace.dumps.normalize_sql import WHITESPACE, normalised_sql

from .conftest import World

_CON = duckdb.connect()
_ALPHABET = "0123456789Xx+-() ._@abcAB" + "０１２３４５６７８９ｘＸ＠" + WHITESPACE


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["cn_mobile", "cn_id", "email", "order_id"]),
       value=st.one_of(st.text(_ALPHABET, min_size=1, max_size=22),
                       st.from_regex(r"\A(\+86 ?|0086)?1[3-9]\d{9}\Z"),
                       st.from_regex(r"\A\d{17}[\dXx]\Z"), st.from_regex(r"\A\d{15}\Z")))
def test_sql_normalisers_equal_python(kind: str, value: str) -> None:
    got = _CON.execute(f"SELECT {normalised_sql(kind, 'v')} FROM (SELECT ?::VARCHAR AS v)", [value]).fetchone()[0]
    assert got == (normalize(kind, value) or None)


def _csv(tmp_path: Path, n: int) -> Path:
    p = tmp_path / "d.csv"
    p.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i % 10000:04d},139{i:08d}\n" for i in range(n)), "utf-8")
    return p


def test_sample_is_uniform_reproducible_and_counts_rows(tmp_path: Path) -> None:
    path = _csv(tmp_path, 20_000)
    con = duckdb.connect()
    with open_source(path, con) as src:
        a = scan(con, src, [0, 1], 2000, seed=1)
    with open_source(path, con) as src:
        b = scan(con, src, [0, 1], 2000, seed=1)
    with open_source(path, con) as src:
        c = scan(con, src, [0, 1], 2000, seed=2)
    assert a.total_rows == 20_000 and len(a.sample) == 2000
    assert a.sample == b.sample and a.sample != c.sample
    idx = sorted(int(r[1][3:]) for r in a.sample)
    # uniform over the file: each quarter of the rows holds about a quarter of the sample
    quarters = [sum(q * 5000 <= i < (q + 1) * 5000 for i in idx) for q in range(4)]
    assert all(400 < q < 600 for q in quarters), quarters
    assert len(set(idx)) == 2000  # rows drawn without replacement


def test_whole_file_when_sample_is_larger(tmp_path: Path) -> None:
    path = _csv(tmp_path, 50)
    con = duckdb.connect()
    with open_source(path, con) as src:
        r = scan(con, src, [0, 1], 1000, seed=0)
    assert r.total_rows == 50 and len(r.sample) == 50


def _as_format(src: Path, tmp_path: Path, fmt: str) -> Path:
    """The leak in another container/encoding, made from the CSV the world wrote."""
    data = src.read_bytes()
    if fmt == "csv":
        return src
    if fmt == "gz":
        out = tmp_path / "leak.csv.gz"
        out.write_bytes(gzip.compress(data))
    elif fmt == "gb18030":
        out = tmp_path / "leak_gbk.csv"
        out.write_bytes(data.decode("utf-8").encode("gb18030"))
    elif fmt == "zip":
        out = tmp_path / "leak.zip"
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("leak.csv", data)
    else:
        out = tmp_path / "leak.parquet"
        duckdb.connect().execute(f"COPY (SELECT * FROM read_csv('{src}', all_varchar=true)) TO '{out}' (FORMAT parquet)")
    return out


@pytest.mark.parametrize("fmt", ["csv", "gz", "gb18030", "zip", "parquet", "jsonl"])
def test_canary_found_in_every_format(world: World, tmp_path: Path, fmt: str) -> None:
    """Every row is checked in the engine: with a 50-row sample the canary rows are still found."""
    leak = world.path / "leak" / "leak.jsonl" if fmt == "jsonl" else _as_format(world.path / "leak" / "leak.csv", tmp_path, fmt)
    att = attribute_file(leak, world.registry, world.key, world.ring, sample_rows=50)
    truth = world.truth["attribution"]
    assert att.org == truth["victim_org"] and att.partner == truth["leaking_partner"]
    assert att.dump is not None and att.dump.rows == world.truth["leak"]["rows"]
    assert att.dump.sampled_rows == 50
    assert 0 < att.dump.canary_candidate_rows < 20  # the engine pre-selected a handful of rows, not the dump


def _copy(world: World, tmp_path: Path) -> Registry:
    shutil.copytree(world.registry.root, tmp_path / "attribution")
    return Registry(tmp_path)


def _unsealed_copy(world: World, tmp_path: Path) -> Registry:
    """A copy of the registry as written before canary values were sealed."""
    reg = _copy(world, tmp_path)
    path = reg.root / "canaries.json"
    doc = json.loads(path.read_text("utf-8"))
    for e in doc["entries"]:
        e.pop("sealed")
    path.write_text(json.dumps(doc), "utf-8")
    return reg


def test_unsealed_registry_falls_back_to_tags(world: World, tmp_path: Path) -> None:
    reg = _unsealed_copy(world, tmp_path)
    att = attribute_file(world.path / "leak" / "leak.csv", reg, world.key, world.ring, sample_rows=50)
    assert att.partner == world.truth["attribution"]["leaking_partner"]


def test_altered_sealed_value_is_an_integrity_error(world: World, tmp_path: Path) -> None:
    reg = _copy(world, tmp_path)
    path = reg.root / "canaries.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["entries"][0]["tag"] = doc["entries"][1]["tag"]  # sealed value moved under another tag
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(IntegrityError, match="sealed canary"):
        reg.canary_values(world.ring)
    assert "sealed" in doc["entries"][0]


def test_short_sample_is_read_again(tmp_path: Path) -> None:
    """Short head rows make the length-based row guess far too high; the pass is redone with the true count."""
    from leaktrace.attribution.scan import Plan, scan_path

    p = tmp_path / "uneven.csv"
    short = "".join(f"11010119900101{i % 10000:04d},139{i:08d},\n" for i in range(300))
    long = "".join(f"11010119900101{i % 10000:04d},139{i:08d},{'x' * 500}\n" for i in range(300, 3300))
    p.write_text("身份证号,联系电话,备注\n" + short + long, "utf-8")
    con = duckdb.connect()
    with open_source(p, con) as src:
        assert src.est_rows > 10 * 3300  # the guess is off
        first = scan(con, src, [0, 1], 1000, seed=0)
    assert first.short and len(first.sample) < 1000
    res, _, _ = scan_path(p, con, 1000, 0, lambda src: Plan([0, 1], [0, 1]))
    assert not res.short and len(res.sample) == 1000 and res.total_rows == 3300


def test_canary_moved_to_another_org_is_an_integrity_error(world: World, tmp_path: Path) -> None:
    reg = _copy(world, tmp_path)
    path = reg.root / "canaries.json"
    doc = json.loads(path.read_text("utf-8"))
    doc["entries"][0]["org"] = "someone-else"  # blame another organisation for a leak
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(IntegrityError, match="registry was altered"):
        reg.canary_values(world.ring)


def test_separator_in_a_field_cannot_hide_a_canary_row(tmp_path: Path) -> None:
    """A dump that puts the internal field separator into a canary row still yields that row as a candidate."""
    from leaktrace.attribution.scan import SEP

    p = tmp_path / "crafted.csv"
    rows = [f"139{i:08d},note {i}" for i in range(200)] + [f"13800138000,hide{SEP}me", f"13800138000,hide{SEP}me"]
    p.write_text("联系电话,备注\n" + "\n".join(rows) + "\n", "utf-8")
    con = duckdb.connect()
    with open_source(p, con) as src:
        res = scan(con, src, [0, 1], 500, seed=0, canary_cols={"cn_mobile": 0},
                   canary_preds={"cn_mobile": lambda v: f"{v} = '13800138000'"})
    assert res.candidates == [(["13800138000", f"hide{SEP}me"], 2)]
    assert res.total_rows == 202 and len(res.sample) == 200 and res.unsplittable == 2


def test_unsealed_path_keeps_the_key_out_of_sql_text(world: World, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The legacy keyed-tag path reads the HMAC pads from a registered table; no query text holds them."""
    from leaktrace.attribution import canaries as canary_mod
    from leaktrace.attribution.canary_hmac import PADS_TABLE

    reg = _unsealed_copy(world, tmp_path)
    seen: list[str] = []
    registered: list[str] = []
    real_connect = duckdb.connect

    class Spy:
        def __init__(self) -> None:
            self._con = real_connect()

        def __getattr__(self, name: str) -> object:
            return getattr(self._con, name)

        def execute(self, q: str, *a: object) -> object:
            seen.append(q)
            return self._con.execute(q, *a)

        def register(self, name: str, obj: object) -> object:
            registered.append(name)
            return self._con.register(name, obj)

        def unregister(self, name: str) -> object:
            registered.remove(name)
            return self._con.unregister(name)

    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: Spy())
    att = attribute_file(world.path / "leak" / "leak.csv", reg, world.key, world.ring, sample_rows=50)
    assert att.partner == world.truth["attribution"]["leaking_partner"]
    kid, _ = canary_mod.tag_key(world.ring)
    k = world.ring.keys[kid].ljust(64, b"\0")
    ipad, opad = bytes(b ^ 0x36 for b in k).hex(), bytes(b ^ 0x5C for b in k).hex()
    assert seen and any(PADS_TABLE in q for q in seen)
    assert not any(ipad in q.lower() or opad in q.lower() or k[:16].hex() in q.lower() for q in seen)
    assert registered == []  # unregistered again
