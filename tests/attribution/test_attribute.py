"""Attribution on a generated world: the true source, its leaking copy, and "unknown"."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from leaktrace.attribution.attribute import attribute_file
from leaktrace.attribution.registry import Registry
from leaktrace.core.errors import InputError

from .conftest import World


def _copy_registry(world: World, tmp_path: Path) -> Registry:
    shutil.copytree(world.registry.root, tmp_path / "attribution")
    return Registry(tmp_path)


def test_true_source_and_partner(world: World) -> None:
    att = attribute_file(world.path / "leak" / "leak.csv", world.registry, world.key, world.ring, sample_rows=1000)
    truth = world.truth["attribution"]
    assert att.verdict == "lead"
    assert att.org == truth["victim_org"]
    assert att.partner == truth["leaking_partner"]
    assert att.ranking[0].org == truth["victim_org"]
    assert att.dump is not None and att.dump.sampled_rows == 1000
    assert "To be confirmed" in att.summary


def test_person_keys_alone_rank_the_source_and_clear_decoys(world: World, tmp_path: Path) -> None:
    """Without canaries, chance-corrected person-key containment still names the source; decoys are no leads."""
    reg = _copy_registry(world, tmp_path)
    (reg.root / "canaries.json").unlink()
    for seed in range(3):  # three different 1,000-row samples
        att = attribute_file(world.path / "leak" / "leak.jsonl", reg, world.key, world.ring, sample_rows=1000,
                             seed=seed)
        assert att.org == world.truth["attribution"]["victim_org"]
        assert att.partner is None
        assert att.false_attribution_probability < 1e-4
        assert [r.org for r in att.ranking if r.lead] == [att.org]
        decoy = att.ranking[1].kinds["cn_id"]
        assert decoy.containment < 0.3 and decoy.hits > 0  # decoys do overlap, by chance only


def test_unknown_when_source_not_registered(world: World, tmp_path: Path) -> None:
    reg = _copy_registry(world, tmp_path)
    assert reg.unregister(world.truth["attribution"]["victim_org"])
    for seed in range(3):
        att = attribute_file(world.path / "leak" / "leak.csv", reg, world.key, world.ring, sample_rows=1000,
                             seed=seed)
        assert att.verdict == "unknown"
        assert att.org is None
        assert not any(r.lead for r in att.ranking)


def test_single_canary_names_the_copy(world: World, tmp_path: Path) -> None:
    """A 40-row sample holding one canary row and otherwise unrelated rows still names the copy."""
    with open(world.path / "leak" / "leak.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    canary_row = world.truth["leak"]["canary_rows"][0]
    picked = [rows[0], rows[canary_row["row"] + 1]]
    picked += [r for r in rows[1:200] if r not in picked][:39]
    sample = tmp_path / "sample.csv"
    with open(sample, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(picked)
    att = attribute_file(sample, world.registry, world.key, world.ring)
    assert att.org == canary_row["org"]
    assert att.partner == canary_row["partner"]
    assert att.false_attribution_probability == 0.0


def test_dump_without_key_columns(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "items.csv"
    bad.write_text("商品名称,实付金额\n电饭煲,646.37\n手机壳,15.32\n", "utf-8")
    with pytest.raises(InputError, match="no usable key columns"):
        attribute_file(bad, world.registry, world.key, world.ring)


def test_empty_registry_is_an_error(world: World, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no organisations are registered"):
        attribute_file(world.path / "leak" / "leak.csv", Registry(tmp_path), world.key, world.ring)


def test_fast_canary_tag_equals_keyed_hasher(world: World) -> None:
    from leaktrace.attribution.attribute import _CanaryScanner
    from leaktrace.core.hashing import KeyedHasher
    from leaktrace.core.normalize import normalize

    scanner = _CanaryScanner(world.registry.index(world.key.key_id), world.ring, {"cn_mobile": 0, "cn_id": 1})
    hasher = KeyedHasher(world.ring)
    for kind, raw in [("cn_mobile", "13800138000"), ("cn_mobile", "+86 138-0013-8000"),
                      ("cn_id", "11010119900307123x"), ("cn_id", "110101199003071238")]:
        norm, t = scanner.tag(kind, kind.encode() + b"\x1f", raw)
        assert norm == normalize(kind, raw)
        assert t == hasher.digest(kind, normalize(kind, raw))
