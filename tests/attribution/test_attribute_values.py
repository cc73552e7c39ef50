"""A picture's sample (a handful of IDs and mobiles) attributed like a dump sample."""

from __future__ import annotations

import csv
import random

import pyarrow.parquet as pq
import pytest

from leaktrace.attribution.attribute import attribute_values
from leaktrace.core.errors import InputError
from leaktrace.simulate.social.samples import synthetic_id

from .conftest import World


def _real_rows(world: World, n: int) -> dict[str, list[str]]:
    """IDs and mobiles of `n` real leak rows: what the gang's sample pictures show."""
    labels = pq.read_table(world.path / "leak" / "truth_rows.parquet", columns=["kind"]).column("kind").to_pylist()
    with (world.path / "leak" / "leak.csv").open(encoding="utf-8") as f:
        rows = [r for r, k in zip(csv.DictReader(f), labels, strict=True) if k == "real"]
    rows = random.Random(3).sample(rows, n)
    return {"cn_id": [r["身份证号"] for r in rows], "cn_mobile": [r["联系电话"] for r in rows]}


def test_rows_read_from_pictures_point_at_the_victim(world: World) -> None:
    victim = world.truth["attribution"]["victim_org"]
    few = attribute_values(_real_rows(world, 20), world.registry, world.key, "images/p0001.png")
    assert few.ranking[0].org == victim  # first, but one picture's rows are thin evidence at the default alpha
    assert few.dump is not None and few.dump.path == "images/p0001.png" and few.dump.rows == 20
    assert few.dump.kinds_compared == ["cn_id", "cn_mobile"]
    # More pictures' rows still rank the victim first. Whether they make a lead at the default alpha
    # depends on the session's random key (a lead on most keys, 'unknown' on some), and the p-value
    # does not always fall as rows are added: an open question for attribution (see the closing note),
    # so the test pins the ranking only.
    more = attribute_values(_real_rows(world, 240), world.registry, world.key, "a dozen pictures")
    assert more.ranking[0].org == victim and more.dump is not None and more.dump.kinds_compared == ["cn_id", "cn_mobile"]


def test_values_of_nobody_registered_give_unknown(world: World) -> None:
    rng = random.Random(9)
    values = {"cn_id": [synthetic_id(rng) for _ in range(20)],
              "cn_mobile": [f"139{rng.randint(0, 99_999_999):08d}" for _ in range(20)]}
    att = attribute_values(values, world.registry, world.key, "x.png")
    assert att.verdict == "unknown" and att.org is None


def test_no_registered_organisation_is_a_clear_error(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from leaktrace.attribution.registry import Registry

    with pytest.raises(InputError, match="no organisations are registered"):
        attribute_values({"cn_id": ["110105194912310025"]}, Registry(tmp_path), world.key, "x.png")
