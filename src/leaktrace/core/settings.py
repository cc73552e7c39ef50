"""Deployment settings: one declared table, read from LEAKTRACE_* variables and an optional TOML file.

Every knob the platform has is a field here, with its help text, so that
`leaktrace config show` can print what is in force and where it came from,
and so that no stage reads the environment behind the entry point's back:
entry points (CLI, console, worker) build one `Settings`, and the stages get
the values they need as parameters (see `leaktrace.pipeline.context`).

One data directory holds everything the embedded default writes (SQLite,
DuckDB, Parquet hash sets, evidence blobs). The deployment secret for keyed
hashing is deliberately *not* a path inside it: a copied data directory must
not carry the key that makes its hashes reversible by enumeration.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "LEAKTRACE_"
CONFIG_ENV = "LEAKTRACE_CONFIG"
_SECRET_FIELDS = {"keyring", "keyring_passphrase", "database_url"}


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "leaktrace"


class Settings(BaseSettings):
    """All settings; docs/configuration.md shows each with an example, `leaktrace config show` the ones in force."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="the one directory the embedded default writes: SQLite, DuckDB, Parquet hash sets, evidence")
    secret_source: Literal["env", "file", "kms"] = Field(
        "env", description="where the keyring for keyed hashing comes from: env (LEAKTRACE_KEYRING), "
                           "file (passphrase-protected keyring file) or kms (module:callable)")
    keyring: SecretStr | None = Field(
        None, description="with secret_source=env: 'k2:<base64>,k1:<base64>' (first is active)")
    secret_file: Path | None = Field(
        None, description="with secret_source=file: the keyring file; refused if inside data_dir")
    keyring_passphrase: SecretStr | None = Field(
        None, description="passphrase of the keyring file (else asked at the terminal)")
    secret_kms: str | None = Field(
        None, description="with secret_source=kms: 'module:callable' returning a leaktrace.core.keyring.Keyring")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the store, e.g. postgresql+psycopg://127.0.0.1/test; "
                          "unset: SQLite in data_dir")
    detectors_disabled: list[str] = Field(
        default_factory=list, description="JSON list of PII types the scanner leaves out, e.g. [\"person_name\"]")
    detectors_enabled: list[str] = Field(
        default_factory=list, description="JSON list: only these PII types run (empty: all)")
    detector_plugins: list[str] = Field(
        default_factory=list, description="JSON list of 'module:Class' detectors added without editing the package")
    cn_id_region_mode: Literal["lenient", "strict"] = Field(
        "lenient", description="resident-ID region check: lenient (code ever valid) or strict (valid in the "
                               "holder's birth year)")
    scan_chunk_chars: int = Field(
        1 << 18, gt=0, description="characters per window of the streaming scanner: bounds peak memory "
                                   "whatever the input size")
    dump_engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="engine of `dump analyze` when --engine is not given")
    dump_memory_limit: str = Field(
        "3GB", description="the dump engine's memory cap (--memory-limit wins); peak RSS is about the cap "
                           "plus 0.4-0.8 GB")
    native_hash: bool = Field(
        True, description="keyed hashes of dump sets and the common path of the facts' row rules through the "
                          "compiled extensions when they were built; false computes both in SQL (same results, slower)")
    intel_model: Path | None = Field(
        None, description="trafficking model file (.npz) for classify and the pipeline; unset: the one "
                          "`intel train` wrote into data_dir, else the shipped model")
    intel_lexicons: Annotated[list[Path], NoDecode] = Field(
        default_factory=list, description="extra lexicon files (term<TAB>category), separated by the path "
                                          "separator (':' on Linux) in the environment, a list in TOML")

    tsa_url: str | None = Field(
        None, description="RFC 3161 time-stamping authority that dates the custody chain's head; unset: no "
                          "trusted timestamps")
    tsa_roots: Path | None = Field(
        None, description="PEM file of the TSA's root certificate(s); a token that does not chain to one is "
                          "refused (required with tsa_url)")
    tsa_every: int = Field(100, gt=0, description="take a timestamp after this many custody entries")
    tsa_interval_s: float = Field(
        3600.0, gt=0, description="or after this many seconds with unstamped entries, whichever comes first")
    tsa_timeout_s: float = Field(10.0, gt=0, description="seconds to wait for the TSA before trying at the next batch")
    session_idle_minutes: int = Field(
        30, gt=0, description="console sessions end after this many minutes without a request")
    session_max_hours: int = Field(
        12, gt=0, description="console sessions end this many hours after login, however busy")
    login_lockout_threshold: int = Field(
        5, gt=0, description="failed logins of one account from one client before that pair is locked out")
    login_lockout_seconds: int = Field(
        30, gt=0, description="first lockout of an account from a client; each further failure doubles it")
    login_lockout_max_seconds: int = Field(
        3600, gt=0, description="the longest lockout the doubling reaches")
    person_search_per_minute: int = Field(
        10, gt=0, description="searches for a person identifier one user may make per minute (audited)")
    console_upload_max_bytes: int = Field(
        1 << 30, gt=0, description="largest file (WARC, Telegram export, dump) the console takes as an upload; "
                                   "larger ones are refused with 413 (import them with the CLI)")
    smtp_host: str | None = Field(
        None, description="mail server alerts are e-mailed through (none: e-mail deliveries are retried, then fail)")
    smtp_port: int = Field(25, gt=0, description="the mail server's port")
    smtp_from: str = Field("leaktrace@localhost", description="sender address of alert e-mails")
    smtp_starttls: bool = Field(False, description="upgrade the SMTP connection with STARTTLS")
    notify_timeout_s: float = Field(10.0, gt=0, description="seconds a webhook or mail server may take per attempt")
    taxii_url: str | None = Field(None, description="TAXII 2.1 collection URL confirmed alerts and cases are pushed to")
    taxii_user: str | None = Field(None, description="user name for the TAXII server")
    taxii_password: SecretStr | None = Field(None, description="password for the TAXII server")
    taxii_max_tlp: Literal["clear", "green", "amber", "amber+strict"] = Field(
        "amber", description="the highest TLP the TAXII collection may receive (TLP:RED is never pushed)")

    @field_validator("intel_lexicons", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [p for p in value.split(os.pathsep) if p.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get(CONFIG_ENV)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            if not Path(toml_path).is_file():  # named but missing: never run on defaults silently
                raise FileNotFoundError(f"{CONFIG_ENV}={toml_path}: no such file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'leaktrace.sqlite'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings; tests call `get_settings.cache_clear()` after changing env.

    A bad value is one ConfigError line naming the setting and its variable (exit 3), not a
    validation traceback.
    """
    from pydantic import ValidationError

    from leaktrace.core.errors import ConfigError

    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err.get("loc", ())) or "settings"
            shown = "" if name in _SECRET_FIELDS else f" (got {str(err.get('input'))[:80]!r})"
            problems.append(f"setting {name} ({ENV_PREFIX}{name.split('.')[0].upper()}): {err.get('msg')}{shown}")
        raise ConfigError("; ".join(problems)) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{os.environ.get(CONFIG_ENV)}: cannot read the settings file ({exc})") from None


@dataclass(frozen=True)
class SettingRow:
    """One line of `leaktrace config show`."""

    name: str
    env: str
    value: Any
    source: Literal["default", "file", "environment", "argument"]
    help: str


def _redacted_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL may still hold a password: show none of it
        return "***"


def _shown(name: str, value: Any) -> Any:
    """The value as `config show` prints it: secrets never, paths as text, lists as lists."""
    if isinstance(value, SecretStr):
        return "***" if value.get_secret_value() else ""
    if name == "database_url" and isinstance(value, str):
        return _redacted_url(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    return value


def _file_keys(environ: dict[str, str]) -> set[str]:
    path = environ.get(CONFIG_ENV)
    if not path:
        return set()
    try:
        with open(path, "rb") as f:
            return set(tomllib.load(f))
    except (OSError, tomllib.TOMLDecodeError):
        return set()


def describe_settings(settings: Settings, environ: dict[str, str] | None = None) -> list[SettingRow]:
    """Every declared setting, its effective value (secrets redacted) and where it came from.

    The environment wins over the file and the file over the default (docs/configuration.md);
    a value set neither way but different from the default was passed by the program itself.
    """
    env = {k.upper(): v for k, v in (os.environ if environ is None else environ).items()}
    in_file = _file_keys(env)
    rows = []
    for name, field in Settings.model_fields.items():
        var = ENV_PREFIX + name.upper()
        value = getattr(settings, name)
        if var in env:
            source: Literal["default", "file", "environment", "argument"] = "environment"
        elif name in in_file:
            source = "file"
        elif name in settings.model_fields_set:
            source = "argument"
        else:
            source = "default"
        rows.append(SettingRow(name, var, _shown(name, value), source, field.description or ""))
    return rows


# What Spark itself reads from the environment when the dump engine starts it: the engine's own
# defaults yield to what these name (dumps.spark_conf), so the entry point's context hands them down.
SPARK_ENV = ("SPARK_CONF_DIR", "SPARK_HOME", "PYSPARK_SUBMIT_ARGS")


def spark_environment() -> dict[str, str]:
    """The `SPARK_ENV` variables that are set."""
    return {k: v for k in SPARK_ENV if (v := os.environ.get(k))}
