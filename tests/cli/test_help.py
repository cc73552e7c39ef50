"""Every command's --help reads cleanly: flags without a `<bool>` type, and a help text for each command."""

from __future__ import annotations

from typing import Any

import pytest

from leaktrace.cli.app import command, main


def _paths(cmd: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = getattr(cmd, "commands", {})
    out = [prefix]
    for name, sub in sorted(subs.items()):
        out += _paths(sub, (*prefix, name))
    return out


PATHS = _paths(command())


def test_the_tree_is_the_whole_cli() -> None:
    assert ("scan",) in PATHS and ("case", "build") in PATHS and ("posts", "search") in PATHS
    assert len(PATHS) > 50


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "leaktrace")
def test_help_has_no_bool_placeholders(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage:" in out and "<bool>" not in out
