"""Which detectors run: built-ins, entry-point plugins and configured classes.

Users add a detector without editing the package, either by installing a
package that declares it under the `leaktrace.detectors` entry-point group or
by naming it as `module:Class` in `LEAKTRACE_DETECTOR_PLUGINS`; they turn
detectors off with `LEAKTRACE_DETECTORS_DISABLED` (or on exclusively with
`LEAKTRACE_DETECTORS_ENABLED`), or per run with `scan --types`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points

from leaktrace.core.errors import ConfigError
from leaktrace.core.settings import Settings
from leaktrace.pii.base import Detector

ENTRY_POINT_GROUP = "leaktrace.detectors"


def _load_class(spec: str) -> type[Detector]:
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise ConfigError(f"detector plugin {spec!r}: expected 'module:Class'")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"detector plugin {spec!r}: cannot import ({exc})") from exc
    if not (isinstance(obj, type) and issubclass(obj, Detector)):
        raise ConfigError(f"detector plugin {spec!r}: not a leaktrace.pii.Detector subclass")
    return obj


class Registry:
    """An ordered set of detector instances, at most one per type."""

    def __init__(self, detectors: Iterable[Detector] = ()) -> None:
        self._by_type: dict[str, Detector] = {}
        for d in detectors:
            self.add(d)

    def add(self, detector: Detector) -> None:
        """Register a detector; a later one of the same type replaces the earlier one."""
        if not getattr(detector, "type", None):
            raise ConfigError(f"detector {detector!r} has no type")
        self._by_type[detector.type] = detector

    def remove(self, pii_type: str) -> None:
        self._by_type.pop(pii_type, None)

    def select(self, types: Iterable[str]) -> Registry:
        """Only the named types; unknown names are a ConfigError listing the known ones."""
        wanted = list(types)
        unknown = [t for t in wanted if t not in self._by_type]
        if unknown:
            raise ConfigError(
                f"unknown PII type(s) {', '.join(unknown)}; known: {', '.join(self.types)}"
            )
        return Registry(self._by_type[t] for t in wanted)

    @property
    def types(self) -> list[str]:
        return list(self._by_type)

    def get(self, pii_type: str) -> Detector:
        return self._by_type[pii_type]

    def __iter__(self) -> Iterator[Detector]:
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)


def default_registry(settings: Settings | None = None) -> Registry:
    """Built-ins, then entry-point plugins, then configured plugins; then enable/disable.

    Without `settings` (library use, tests, structural checks such as a dump's column
    roles) it is the installed detectors with their defaults: no deployment choice applies.
    """
    from leaktrace.pii.detectors import BUILTIN

    reg = Registry(cls.configured(settings) for cls in BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = ep.load()
        except Exception as exc:  # a broken plugin must say so, not vanish
            raise ConfigError(f"detector entry point {ep.name!r} failed to load: {exc}") from exc
        reg.add(cls.configured(settings) if hasattr(cls, "configured") else cls())
    if settings is None:
        return reg
    for spec in settings.detector_plugins:
        reg.add(_load_class(spec).configured(settings))
    if settings.detectors_enabled:
        reg = reg.select(settings.detectors_enabled)
    for name in settings.detectors_disabled:
        reg.remove(name)
    return reg
