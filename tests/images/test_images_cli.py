"""`leaktrace images read` and the pipeline's picture sample: masked output, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cli.app import main
from leaktrace.core.errors import InputError
from leaktrace.pii.registry import default_registry
from leaktrace.pipeline.pictures import attribute_pictures, read_pictures, sample_values


def test_read_prints_masked_records_and_bad_files_as_records(
        picture_world: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, pics = picture_world
    name = next(n for n, p in pics.items() if p["kind"] == "orders" and not p["degraded"])
    junk = tmp_path / "junk.gif"
    junk.write_bytes(b"GIF89a" + b"\x00" * 20)
    assert main(["images", "read", "--json", str(folder / name), str(junk)]) == 0
    out = capsys.readouterr().out
    recs = [json.loads(line) for line in out.splitlines()]
    assert recs[0]["sample"]["rows"] == len(pics[name]["ids"]) and recs[0]["problem"] is None
    assert recs[0]["facts"]["sample"] is True  # a picture of order rows offers a sample
    assert recs[1]["problem"] and recs[1]["path"] == str(junk) and recs[1]["facts"] is None
    for value in pics[name]["ids"] + pics[name]["mobiles"]:
        assert value not in out
    # Masked output never carries the side fields that rebuild a masked ID (issue 16 #3: district, birth date).
    assert recs[0]["hits"] and not any({"birth_date", "region"} & set(h["attrs"]) for h in recs[0]["hits"])


def test_missing_file_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["images", "read", "/nonexistent/p.png"]) == 2
    assert "/nonexistent/p.png: no such file" in capsys.readouterr().err


def test_sample_values_are_the_valid_ids_and_mobiles_read(picture_world: tuple[Path, dict[str, Any]]) -> None:
    folder, pics = picture_world
    clean = [n for n, p in pics.items() if not p["degraded"]]
    readings = read_pictures([folder / n for n in clean], default_registry())
    vals = sample_values(readings)
    assert set(vals["cn_id"]) == {i for n in clean for i in pics[n]["ids"]}
    assert set(vals["cn_mobile"]) >= {m for n in clean for m in pics[n]["mobiles"]}


def test_nothing_to_attribute_is_a_clear_error(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (200, 100), "white").save(blank)
    with pytest.raises(InputError, match="nothing to attribute"):
        attribute_pictures(read_pictures([blank], default_registry()), tmp_path, key=None)


def test_missing_tesseract_model_is_a_config_error_exit_3(
        picture_world: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import leaktrace.pipeline.pictures as pictures

    folder, pics = picture_world
    monkeypatch.setattr(pictures, "DEFAULT_LANGS", "zz_none")
    assert main(["images", "read", str(folder / next(iter(pics)))]) == 3
    assert "language model missing" in capsys.readouterr().err
