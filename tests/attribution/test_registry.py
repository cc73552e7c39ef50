"""The registry's matching index: cached, and rebuilt when a registration changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf
from leaktrace.attribution.registry import Registry
from leaktrace.core.keyring import Keyring


def _register(reg: Registry, tmp_path: Path, key: oprf.ServerKey, org: str, start: int) -> None:
    export = tmp_path / f"{org}.csv"
    export.write_text("身份证号\n" + "".join(f"11010119900101{i:04d}\n" for i in range(start, start + 80)), "utf-8")
    fp = fp_mod.build(export, org, key)
    fp_mod.sign(fp, fp_mod.load_or_create_signing_key(tmp_path / f"{org}.pem"))
    reg.register_fingerprint(fp)


def test_index_cache_and_invalidation(tmp_path: Path) -> None:
    key = oprf.ServerKey.from_keyring(Keyring.generate())
    reg = Registry(tmp_path / "data")
    _register(reg, tmp_path, key, "A", 0)
    _register(reg, tmp_path, key, "B", 40)
    first = reg.index(key.key_id)
    caches = list((reg.root / "cache").glob("index-*.npz"))
    assert len(caches) == 1 and first.orgs == ["A", "B"]
    again = reg.index(key.key_id)
    assert again.orgs == first.orgs
    assert np.array_equal(again.kinds["cn_id"].tags, first.kinds["cn_id"].tags)
    assert np.array_equal(again.kinds["cn_id"].org, first.kinds["cn_id"].org)
    _register(reg, tmp_path, key, "C", 200)
    third = reg.index(key.key_id)
    assert third.orgs == ["A", "B", "C"]
    assert len(list((reg.root / "cache").glob("index-*.npz"))) == 1
    assert reg.unregister("B")
    assert reg.index(key.key_id).orgs == ["A", "C"]
