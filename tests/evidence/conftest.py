"""Each test gets its own data directory and deployment keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktrace.core.keyring import Keyring, load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.evidence import EvidenceStore


@pytest.fixture
def ring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Keyring]:
    keyring = Keyring.generate()
    monkeypatch.setenv("LEAKTRACE_KEYRING", keyring.to_env())
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEAKTRACE_CONFIG", raising=False)
    monkeypatch.delenv("LEAKTRACE_SECRET_SOURCE", raising=False)
    get_settings.cache_clear()
    yield keyring
    get_settings.cache_clear()


@pytest.fixture
def store(ring: Keyring) -> EvidenceStore:
    return EvidenceStore(get_settings().data_dir, keys=lambda: load_keyring(get_settings()))
