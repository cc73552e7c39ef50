"""Deployment settings, read from LEAKTRACE_* variables and an optional TOML file.

One data directory holds everything the embedded default writes (SQLite,
DuckDB, Parquet hash sets, evidence blobs). The deployment secret for keyed
hashing is deliberately *not* a path inside it: a copied data directory must
not carry the key that makes its hashes reversible by enumeration.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "leaktrace"


class Settings(BaseSettings):
    """All settings; see docs/configuration.md for each with an example."""

    model_config = SettingsConfigDict(env_prefix="LEAKTRACE_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    # Where the keyed-hashing keyring comes from: env (LEAKTRACE_KEYRING),
    # file (passphrase-protected keyring file outside data_dir) or kms
    # (a "module:callable" returning a Keyring).
    secret_source: Literal["env", "file", "kms"] = "env"
    secret_file: Path | None = None
    secret_kms: str | None = None
    database_url: str | None = None
    # Detector registry configuration: names to disable, or to enable
    # exclusively, and "module:Class" plugins loaded without editing the package.
    detectors_disabled: list[str] = Field(default_factory=list)
    detectors_enabled: list[str] = Field(default_factory=list)
    detector_plugins: list[str] = Field(default_factory=list)
    # Resident-ID region check: "lenient" (code ever valid) or "strict"
    # (code valid in the holder's birth year).
    cn_id_region_mode: Literal["lenient", "strict"] = "lenient"
    # Scanning limits for hostile input.
    # Characters per streaming window (`leaktrace.pii.scanner`): bounds peak
    # memory whatever the input size.
    scan_chunk_chars: int = 1 << 18
    max_line_chars: int = 1 << 26

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("LEAKTRACE_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'leaktrace.sqlite'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests call `get_settings.cache_clear()` after changing env."""
    return Settings()
