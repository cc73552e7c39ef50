"""The `leaktrace` command: registers each command module and maps errors to exit codes.

Each command lives in its own module with a `register(app)` function, so a
stage's commands arrive with the stage without editing a central file beyond
the list below. Every LeaktraceError becomes one line on stderr and its exit
code (docs/exit-codes.md); a traceback means a bug.

A run imports only the module of the command it names (`COMMAND_NAMES`):
importing all of them pulls in every stage (numpy, the detectors, the
crawler, the trainer) and cost `leaktrace serve` seconds of its start. `--help`
without a command, or a name not in the map, loads them all.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from rich.console import Console

from leaktrace import __version__
from leaktrace.core.errors import LeaktraceError

COMMAND_MODULES = [
    "leaktrace.cli.scan",
    "leaktrace.cli.keys",
    "leaktrace.cli.config",
    "leaktrace.cli.schema",
    "leaktrace.cli.simulate",
    "leaktrace.cli.db",
    "leaktrace.cli.evidence",
    "leaktrace.cli.org", "leaktrace.cli.attribute", "leaktrace.cli.exposure",
    "leaktrace.cli.dump",
    "leaktrace.cli.case",
    "leaktrace.cli.crawl",
    "leaktrace.cli.importers",
    "leaktrace.cli.posts",
    "leaktrace.cli.graph",
    "leaktrace.cli.intel",
    "leaktrace.cli.demo",
    "leaktrace.cli.users", "leaktrace.cli.audit",
    "leaktrace.cli.serve", "leaktrace.cli.search",
    "leaktrace.cli.sources", "leaktrace.cli.worker",
    "leaktrace.cli.images",
    "leaktrace.cli.trackers", "leaktrace.cli.alerts", "leaktrace.cli.ops",
]

# The top-level commands each module registers, so a run loads only the one it names
# (tests/cli/test_lazy_commands.py keeps this equal to what the modules register).
COMMAND_NAMES: dict[str, str] = {
    "scan": "leaktrace.cli.scan", "keys": "leaktrace.cli.keys", "config": "leaktrace.cli.config",
    "schema": "leaktrace.cli.schema", "simulate": "leaktrace.cli.simulate", "db": "leaktrace.cli.db",
    "evidence": "leaktrace.cli.evidence", "org": "leaktrace.cli.org", "attribute": "leaktrace.cli.attribute",
    "exposure": "leaktrace.cli.exposure", "dump": "leaktrace.cli.dump", "case": "leaktrace.cli.case",
    "crawl": "leaktrace.cli.crawl", "import": "leaktrace.cli.importers", "analyze": "leaktrace.cli.posts",
    "posts": "leaktrace.cli.posts", "graph": "leaktrace.cli.graph", "classify": "leaktrace.cli.intel",
    "intel": "leaktrace.cli.intel", "demo": "leaktrace.cli.demo", "users": "leaktrace.cli.users",
    "audit": "leaktrace.cli.audit", "serve": "leaktrace.cli.serve", "search": "leaktrace.cli.search",
    "images": "leaktrace.cli.images", "sources": "leaktrace.cli.sources", "worker": "leaktrace.cli.worker",
    "trackers": "leaktrace.cli.trackers", "alerts": "leaktrace.cli.alerts", "backup": "leaktrace.cli.ops",
    "restore": "leaktrace.cli.ops", "health": "leaktrace.cli.ops", "retention": "leaktrace.cli.ops",
}

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"leaktrace {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """leaktrace: capture, recognise, measure, attribute and link personal-data trafficking."""


def build(modules: list[str] | None = None) -> typer.Typer:
    """The Typer app with the commands of `modules` (default: all), registered in `COMMAND_MODULES` order."""
    app = typer.Typer(
        name="leaktrace",
        help="Find and investigate the trafficking of citizens' personal information.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    wanted = set(COMMAND_MODULES if modules is None else modules)
    for name in COMMAND_MODULES:
        if name in wanted:
            importlib.import_module(name).register(app)
    return app


def __getattr__(name: str) -> Any:
    """`app`: every command registered (for CliRunner and tools that walk the tree)."""
    if name == "app":
        return build()
    raise AttributeError(name)


def command(argv: list[str] | None = None) -> Any:
    """The Click command tree, with flags shown without a `<bool>` type in `--help`.

    With `argv`, only the module of the command its first word names is loaded (all of
    them when it names none the map knows). Typer labels every option with its type;
    for an on/off flag that label is noise (`--json <bool>` reads as if it took a value),
    so flags get an empty metavar. Built afresh per call, as Typer does: lazily loaded
    commands must not outlive one run.
    """
    module = COMMAND_NAMES.get(argv[0]) if argv else None
    root = typer.main.get_command(build([module] if module else None))
    stack = [root]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        for param in cmd.params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        cmd.get_help_option = _flag_help(cmd.get_help_option)  # type: ignore[method-assign]
    return root


def _flag_help(make: Any) -> Any:
    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None and option.metavar is None:
            option.metavar = ""
        return option

    return get_help_option


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning LeaktraceError into one line and its exit code."""
    try:
        command(argv if argv is not None else sys.argv[1:]).main(args=argv, standalone_mode=False, prog_name="leaktrace")
    except LeaktraceError as exc:
        err_console.print(f"leaktrace: error: {exc}", markup=False)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("leaktrace: aborted", markup=False)
        return 130
    except KeyboardInterrupt:
        err_console.print("leaktrace: interrupted", markup=False)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # click usage errors carry their own exit code
        if isinstance(exc, _click_exceptions()):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    return 0


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """Usage-error types: click's, and the copy of click that newer Typer releases carry."""
    found: list[type[BaseException]] = []
    try:
        import click

        found.append(click.ClickException)
    except ImportError:
        pass
    try:
        from typer._click.exceptions import ClickException
    except ImportError:
        pass
    else:
        found.append(ClickException)
    return tuple(found)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
