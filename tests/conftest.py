"""Every test runs with its own data directory and deployment keyring.

Nothing a test does may touch the user's real data directory, and no test
may depend on a key configured on the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import get_settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LEAKTRACE_KEYRING", Keyring.generate().to_env())
    for var in ("LEAKTRACE_SECRET_SOURCE", "LEAKTRACE_CONFIG", "LEAKTRACE_DETECTORS_DISABLED",
                "LEAKTRACE_DETECTORS_ENABLED", "LEAKTRACE_DETECTOR_PLUGINS", "LEAKTRACE_CN_ID_REGION_MODE", "LEAKTRACE_DATABASE_URL",
                "LEAKTRACE_INTEL_LEXICONS"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def eval_dir() -> Path | None:
    """../shared/eval beside the checkout (or LEAKTRACE_EVAL_DIR); None in a user's clone."""
    import os

    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    cand = Path(env) if env else REPO.parent / "shared" / "eval"
    return cand if cand.is_dir() else None
