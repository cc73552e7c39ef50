"""A small simulated world, fingerprinted and registered once per session.

Keys are made per test by tests/conftest.py, so the session fixture carries
its own keyring and server key; tests that use it pass them explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf
from leaktrace.attribution.registry import Registry
from leaktrace.core.keyring import Keyring
from leaktrace.simulate.world import generate_world


@dataclass
class World:
    path: Path
    truth: dict[str, Any]
    ring: Keyring
    key: oprf.ServerKey
    registry: Registry


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    out = tmp_path_factory.mktemp("attr-world") / "w"
    generate_world(out, scale=3000, seed=5, orgs=10, formats=["csv", "jsonl"], social=False)
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    ring = Keyring.generate()
    key = oprf.ServerKey.from_keyring(ring)
    data = tmp_path_factory.mktemp("attr-data")
    reg = Registry(data)
    sk = fp_mod.load_or_create_signing_key(data / "org.key")
    for o in truth["orgs"]:
        fp = fp_mod.build(out / "orgs" / o["org_id"] / "customers.parquet", o["org_id"], key)
        fp_mod.sign(fp, sk)
        fp_mod.save(fp, data / f"{o['org_id']}.json")
        reg.register_fingerprint(fp_mod.load(data / f"{o['org_id']}.json", key.key_id))
    for o in json.loads((out / "orgs" / "registry.json").read_text("utf-8")):
        for partner, recs in o["canaries"].items():
            reg.register_canaries(ring, o["org_id"], partner, recs)
    return World(out, truth, ring, key, reg)


def org_tokens(orgs: dict[str, str]) -> Callable[[str, str], str | None]:
    """A token lookup for the exposure service's protocol tests: {token: organisation}.

    The deployment wires the console's token store instead
    (`leaktrace.service.partners.exposure_lookup`; tests/service/test_partners.py).
    """
    return lambda token, _client: orgs.get(token)
