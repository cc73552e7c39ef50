"""Every exit code a leaktrace error can end with is in docs/exit-codes.md."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import leaktrace
from leaktrace.core.errors import LeaktraceError

DOC = Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md"


def _subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return out


def test_every_error_class_exit_code_is_documented() -> None:
    for mod in pkgutil.walk_packages(leaktrace.__path__, "leaktrace."):
        if ".migrations." in mod.name or mod.name.endswith("__main__"):
            continue
        importlib.import_module(mod.name)
    codes = {LeaktraceError.exit_code} | {c.exit_code for c in _subclasses(LeaktraceError)}
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", DOC.read_text("utf-8"), flags=re.M)}
    assert 5 in codes  # the exposure client's ServiceError is among them
    assert codes <= documented, f"undocumented exit codes: {sorted(codes - documented)}"
