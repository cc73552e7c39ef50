"""A case bundle carries the custody chain's RFC 3161 tokens, and `verify-bundle` checks them alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leaktrace.cases.bundle import export_bundle
from leaktrace.core.keyring import Keyring
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.bundle import verify_bundle
from leaktrace.evidence.timestamp import STAMP, TsaConfig, load_roots
from tests.cases.conftest import case_docs, content_from_docs
from tests.evidence.local_tsa import LocalTsa


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    with LocalTsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


def test_bundle_tokens_verify_stand_alone(
    world: tuple[Path, dict[str, Any]], raw_rows: list[dict[str, str]], tsa: LocalTsa, tmp_path: Path
) -> None:
    store = EvidenceStore(tmp_path / "data", keys=Keyring.generate(),
                          tsa=TsaConfig(tsa.url, load_roots(tsa.roots), every=2, interval_s=1e9))
    content = content_from_docs(case_docs(world, raw_rows, store))
    assert any(e.action == STAMP for e in store.entries())
    bundle = export_bundle(content, tmp_path / "b", store=store, collector="t", langs=("en",))
    report = verify_bundle(bundle, tsa_roots=load_roots(tsa.roots))
    assert report.ok, report.problems
    assert report.timestamp_detail["stamps"] >= 2 and report.timestamp_detail["tokens_checked"]
    assert "existed by" in report.timestamps
    # without --tsa-ca the bundle's own copy of the root is used, and the report says so
    shipped = verify_bundle(bundle)
    assert shipped.ok and any("pin it with --tsa-ca" in w for w in shipped.warnings)
    # a root the tokens do not chain to: refused
    rogue = verify_bundle(bundle, tsa_roots=load_roots(tsa.rogue_dir / "ca.pem"))
    assert not rogue.ok and any("trusted TSA root" in p for p in rogue.problems)
