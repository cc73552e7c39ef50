"""Case content refuses raw personal data at the door."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from leaktrace.cases.model import Ident, Listing, looks_unmasked
from leaktrace.core.masking import mask


def test_raw_sample_row_refused() -> None:
    with pytest.raises(ValidationError, match="not masked"):
        Listing(id="m1:1", samples=[{"身份证号": "110105194912310029"}])
    with pytest.raises(ValidationError, match="not masked"):
        Listing(id="m1:1", samples=[{"联系电话": "138 1234 5678"}])


def test_masked_sample_row_accepted() -> None:
    row = {"身份证号": mask("110105194912310029"), "联系电话": mask("13812345678"), "下单时间": "2019-03-26 19:39:30"}
    assert Listing(id="m1:1", samples=[row]).samples == [row]


def test_personal_identifier_only_masked() -> None:
    with pytest.raises(ValidationError, match="not in the clear"):
        Ident(type="qq", value="72284479")
    with pytest.raises(ValidationError, match="unmasked"):
        Ident(type="phone", masked="13812345678")
    ok = Ident(type="QQ", masked=mask("72284479"), hash="k1.00ff")
    assert ok.type == "qq" and ok.shown == "7******9"


def test_clear_types_keep_value() -> None:
    w = Ident(type="usdt_trc20", value="TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq")
    assert w.shown == w.value == w.masked


def test_digit_run_rule() -> None:
    assert looks_unmasked("id 370111195807284990")
    assert not looks_unmasked("37**************90")
    assert not looks_unmasked("2019-03-26 19:39:30")
    assert not looks_unmasked("9亿条 12345")


def test_province_tiles_cover_every_unit() -> None:
    """34 provincial units, one tile each, names agreeing with the PII region table."""
    from leaktrace.cases import provinces
    from leaktrace.pii.regions import PROVINCES

    assert len(provinces.TILES) == 34
    assert len({(t[0], t[1]) for t in provinces.TILES.values()}) == 34
    assert set(provinces.TILES) | set(provinces.MERGED) == set(PROVINCES)
    for code, tile in provinces.TILES.items():
        assert tile[3] == PROVINCES[code]
    assert provinces.fold({"71": 2, "83": 3, "44": 1}) == {"71": 5, "44": 1}
