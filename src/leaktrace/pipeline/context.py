"""The one context a command, a page or a job works in: settings, keyring, hasher, store, detectors.

Entry points (CLI, console, worker) build it once from their settings and
hand the parts down; stages never read settings, keyrings or the
environment themselves, they take what they need as parameters. This is
what keeps every command of one run on the same data directory, keyring
and database, and what lets the demo (or a test) run against a data
directory of its own without touching `os.environ`.

Each part is opened on first use: `leaktrace scan` never opens the
database, `evidence verify` on a machine without the key still checks the
chain, and the keyring is read (and a passphrase asked for) at most once.

    with open_context() as ctx:
        with ctx.session() as s:
            ...
            s.commit()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring, load_keyring
from leaktrace.core.private_files import private_dir
from leaktrace.core.settings import Settings, get_settings
from leaktrace.evidence import EvidenceStore
from leaktrace.store import make_engine, session_factory, upgrade

if TYPE_CHECKING:
    from leaktrace.dumps.analyze import AnalyzeOptions
    from leaktrace.evidence.timestamp import TsaConfig
    from leaktrace.intel.lexicon import Lexicon
    from leaktrace.intel.model import TraffickingModel
    from leaktrace.pii.registry import Registry


class Context:
    """What a run works against; every part is built from `settings` once, when first asked for."""

    def __init__(self, settings: Settings, *, migrate: bool = True, keyring: Keyring | None = None) -> None:
        self.settings = settings
        self.migrate = migrate
        self._keyring = keyring
        self._engine: Engine | None = None

    # -- secrets -------------------------------------------------------------------------

    @property
    def keyring(self) -> Keyring:
        """The deployment keyring, loaded (passphrase asked for) on first use only."""
        if self._keyring is None:
            self._keyring = load_keyring(self.settings)
        return self._keyring

    def get_keyring(self) -> Keyring:
        """`keyring` as a callable, for stages that need the key only on some paths."""
        return self.keyring

    @cached_property
    def hasher(self) -> KeyedHasher:
        return KeyedHasher(self.keyring)

    # -- storage -------------------------------------------------------------------------

    @cached_property
    def data_dir(self) -> Path:
        """The data directory, created owner-only (0700, with any missing parents) on first use.

        Everything under it is case material: the database (case titles,
        victim company, seller identifiers), canaries, fingerprints, the graph
        and evidence. Created here, before any stage writes into it, so the
        umask never decides who can read it. An existing folder is left as
        its owner set it.
        """
        return private_dir(self.settings.data_dir)

    @property
    def engine(self) -> Engine:
        """The database, migrated to head on first use unless the context was opened with `migrate=False`."""
        if self._engine is None:
            if not self.settings.database_url:
                _ = self.data_dir  # SQLite lives in the data directory: make it owner-only first
            engine = make_engine(self.settings)
            if self.migrate:
                try:
                    upgrade(engine)
                except BaseException:
                    engine.dispose()
                    raise
            self._engine = engine
        return self._engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def session(self) -> Session:
        return self.sessions()

    @cached_property
    def evidence(self) -> EvidenceStore:
        private_dir(self.data_dir / "evidence")  # captured pages and the custody chain: owner-only folder
        return EvidenceStore(self.data_dir, keys=self.get_keyring, tsa=self.tsa_config())

    def tsa_config(self) -> TsaConfig | None:
        """The configured time-stamping authority, or None; ConfigError when its roots are missing."""
        from leaktrace.core.errors import ConfigError
        from leaktrace.evidence.timestamp import TsaConfig, load_roots

        s = self.settings
        if not s.tsa_url:
            return None
        if s.tsa_roots is None:
            raise ConfigError("setting tsa_roots (LEAKTRACE_TSA_ROOTS): required with tsa_url (the TSA's root "
                              "certificate, PEM)")
        return TsaConfig(s.tsa_url, load_roots(s.tsa_roots), every=s.tsa_every, interval_s=s.tsa_interval_s,
                         timeout_s=s.tsa_timeout_s)

    # -- stage configuration -------------------------------------------------------------

    @cached_property
    def registry(self) -> Registry:
        """The PII detectors as configured (enabled, disabled, plugins, ID region mode)."""
        from leaktrace.pii.registry import default_registry

        return default_registry(self.settings)

    def intel_model(self) -> TraffickingModel:
        """The trafficking model the settings name, re-read within a second of a retrain."""
        from leaktrace.intel.model import configured_model

        return configured_model(self.settings.intel_model, self.data_dir)

    def lexicon(self) -> Lexicon:
        from leaktrace.intel.lexicon import default_lexicon

        return default_lexicon(tuple(self.settings.intel_lexicons))

    def dump_options(self, **overrides: object) -> AnalyzeOptions:
        """`dump analyze` options with this deployment's engine, memory cap, ID mode and hashing."""
        from leaktrace.core.settings import spark_environment
        from leaktrace.dumps.analyze import AnalyzeOptions

        base: dict[str, object] = {
            "engine": self.settings.dump_engine, "memory_limit": self.settings.dump_memory_limit,
            "region_mode": self.settings.cn_id_region_mode, "native_hash": self.settings.native_hash,
            "spark_env": spark_environment(),
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return AnalyzeOptions(**base)  # type: ignore[arg-type]

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self.__dict__.pop("sessions", None)


@contextmanager
def open_context(settings: Settings | None = None, *, migrate: bool = True,
                 keyring: Keyring | None = None) -> Iterator[Context]:
    """A context over `settings` (default: the process's), closed on exit."""
    ctx = Context(settings or get_settings(), migrate=migrate, keyring=keyring)
    try:
        yield ctx
    finally:
        ctx.close()
