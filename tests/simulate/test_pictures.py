"""The simulator's sample pictures: files, listing links, truth, reposts, determinism."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.errors import InputError
from leaktrace.simulate.fonts import draws_chinese, find_cjk_font
from leaktrace.simulate.world import generate_world

SHIPPED = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))


def _font() -> Path:
    return find_cjk_font([]) or SHIPPED


def _gen(out: Path, seed: int = 5, pictures: int = 9, font: Path | None = None) -> dict[str, Any]:
    generate_world(out, scale=400, seed=seed, orgs=2, formats=["csv"], pictures=pictures, font=font or _font())
    return json.loads((out / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def pic_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("pics") / "w"
    return out, _gen(out)


def test_pictures_are_written_linked_and_described(pic_world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = pic_world
    album = truth["social"]["pictures"]
    assert album["generated"] is True
    pics = album["pictures"]
    assert len(pics) == 9
    listings = [json.loads(x) for x in (out / "social" / "listings.jsonl").read_text("utf-8").splitlines()]
    linked = {f: f"{x['market']}:{x['id']}" for x in listings for f in x.get("images", [])}
    assert set(linked) == {f"images/{n}" for n in pics}
    for name, p in pics.items():
        assert linked[f"images/{name}"] == p["listing"]
        with Image.open(out / "social" / "images" / name) as img:
            img.load()
            assert img.width > 200 and img.height > 100
        assert p["ids"] and len(p["ids"]) == len(p["mobiles"])
        for i in p["ids"]:
            assert len(i) == 18 and check_char(i[:17]) == i[17] and i in p["text"]
        for m in p["mobiles"]:
            assert len(m) == 11 and m.startswith("1") and m in p["text"]
        if p["kind"] == "card":
            assert "样本" in p["text"] and "SPECIMEN" in p["text"]
    assert {p["kind"] for p in pics.values()} == {"orders", "card"}
    assert any(p["degraded"] for p in pics.values() if p["repost_of"] is None)


def test_reposts_are_posted_by_another_alias(pic_world: tuple[Path, dict[str, Any]]) -> None:
    _, truth = pic_world
    pics = truth["social"]["pictures"]["pictures"]
    reposts = {n: p for n, p in pics.items() if p["repost_of"]}
    assert reposts
    for p in reposts.values():
        orig = pics[p["repost_of"]]
        assert orig["repost_of"] is None
        assert p["seller"] != orig["seller"] and p["ids"] == orig["ids"]


def test_story_tables_show_the_leaks_own_people(pic_world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = pic_world
    leak = (out / "leak" / "leak.csv").read_text("utf-8")
    story = [p for p in truth["social"]["pictures"]["pictures"].values()
             if truth["social"]["listings"][p["listing"]].get("story") and p["repost_of"] is None]
    assert story
    for p in story:
        assert all(i in leak for i in p["ids"])


def test_same_seed_same_bytes(tmp_path: Path, pic_world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = pic_world
    again = _gen(tmp_path / "w")
    assert again["social"]["pictures"] == truth["social"]["pictures"]
    for name in truth["social"]["pictures"]["pictures"]:
        a = (out / "social" / "images" / name).read_bytes()
        b = (tmp_path / "w" / "social" / "images" / name).read_bytes()
        assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()


def test_no_pictures_by_default_and_none_without_a_font(tmp_path: Path) -> None:
    truth = generate_world(tmp_path / "a", scale=300, seed=1, orgs=2, formats=["csv"])
    assert truth["social"]["pictures"]["generated"] is False
    assert not (tmp_path / "a" / "social" / "images").exists()
    truth = generate_world(tmp_path / "b", scale=300, seed=1, orgs=2, formats=["csv"], pictures=3)
    assert "font" in truth["social"]["pictures"]["reason"]
    with pytest.raises(InputError, match="pictures"):
        generate_world(tmp_path / "c", scale=300, seed=1, orgs=2, formats=["csv"], pictures=5000, font=_font())


def test_font_check_tells_a_latin_font_from_a_cjk_one() -> None:
    assert draws_chinese(SHIPPED)
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if latin.exists():
        assert not draws_chinese(latin)


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_market_server_shows_and_serves_a_listings_pictures_behind_the_login(
        pic_world: tuple[Path, dict[str, Any]]) -> None:
    from starlette.testclient import TestClient

    from leaktrace.simulate.serve.app import Behaviour, build_app
    from leaktrace.simulate.serve.data import load_world

    out, truth = pic_world
    world = load_world(out)
    name, p = next(iter(truth["social"]["pictures"]["pictures"].items()))
    market_id, lid = p["listing"].split(":")
    m = next(m for m in world.values() if m.id == market_id)
    client = TestClient(build_app(world, Behaviour(rate_per_s=0, error_rate=0)), base_url=f"http://{m.onion}")
    assert client.get(f"/images/{name}", follow_redirects=False).status_code == 302
    r = client.post("/login", data={**m.credentials, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/listing/{lid}").text
    assert f'src="/images/{name}"' in page
    img = client.get(f"/images/{name}")
    assert img.status_code == 200 and img.content == (out / "social" / "images" / name).read_bytes()
    assert img.headers["content-type"] == ("image/png" if name.endswith(".png") else "image/jpeg")
    for bad in ("..%2Ftruth.json", "nope.png", "%2E%2E"):
        assert client.get(f"/images/{bad}").status_code == 404


def test_cli_pictures_and_font_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.cli.app import main

    base = ["simulate", "--scale", "200", "--orgs", "2", "--formats", "csv"]
    assert main([*base, "--pictures", "4", "--font", str(SHIPPED), str(tmp_path / "a")]) == 0
    truth = json.loads((tmp_path / "a" / "truth.json").read_text("utf-8"))
    assert len(truth["social"]["pictures"]["pictures"]) == 4
    assert len(list((tmp_path / "a" / "social" / "images").iterdir())) == 4
    assert main([*base, "--pictures", "0", str(tmp_path / "b")]) == 0
    assert not (tmp_path / "b" / "social" / "images").exists()
    capsys.readouterr()
    latin = tmp_path / "latin.ttf"
    latin.write_bytes(b"not a font")
    assert main([*base, "--font", str(latin), str(tmp_path / "c")]) == 2
    assert f"--font: {latin} is not a font file that draws Chinese" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
    assert main([*base, "--pictures", "2001", str(tmp_path / "d")]) == 2
