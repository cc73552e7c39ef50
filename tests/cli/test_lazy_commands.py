"""A run loads only the command module it names; the map of names to modules matches what they register."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer

from leaktrace.cli.app import COMMAND_MODULES, COMMAND_NAMES, command


def _names(module: str) -> set[str]:
    app = typer.Typer()
    importlib.import_module(module).register(app)
    return {c.name or "" for c in app.registered_commands} | {g.name or "" for g in app.registered_groups}


def test_the_map_is_what_the_modules_register() -> None:
    registered = {name: module for module in COMMAND_MODULES for name in _names(module)}
    assert registered == COMMAND_NAMES


def test_a_named_command_builds_only_its_module() -> None:
    assert set(command(["serve", "--help"]).commands) == {"serve"}
    assert set(command(["posts", "list"]).commands) == {"posts", "analyze"}
    assert set(command(["--help"]).commands) == set(COMMAND_NAMES)
    assert set(command(["no-such-command"]).commands) == set(COMMAND_NAMES)


def test_serve_help_does_not_import_the_stages() -> None:
    """`leaktrace serve` must not pay for the crawler, the trainer or the detectors at start."""
    code = ("import sys; from leaktrace.cli.app import main; main(['serve', '--help']); "
            "print('loaded:' + ','.join(m for m in ('leaktrace.intel.train', 'leaktrace.pipeline.crawl', 'leaktrace.cli.scan', "
            "'numpy', 'leaktrace.pii.scanner') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "loaded:"
