"""A case bundle carries the custody chain's RFC 3161 tokens, and `verify-bundle` checks them alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.cases.bundle import export_bundle
from leaktrace.cases.model import CaseContent
from leaktrace.core.keyring import Keyring
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.bundle import verify_bundle
from leaktrace.evidence.timestamp import STAMP, TsaConfig, load_roots
from local_tsa import LocalTsa


@pytest.fixture
def tsa(local_tsa: LocalTsa) -> LocalTsa:
    return local_tsa


@pytest.fixture
def store(tsa: LocalTsa, tmp_path: Path) -> EvidenceStore:
    """The cases fixtures' store, with a TSA stamping every second entry."""
    return EvidenceStore(tmp_path / "data", keys=Keyring.generate(),
                         tsa=TsaConfig(tsa.url, load_roots(tsa.roots), every=2, interval_s=1e9))


def test_bundle_tokens_verify_stand_alone(store: EvidenceStore, content: CaseContent, tsa: LocalTsa,
                                          tmp_path: Path) -> None:
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
