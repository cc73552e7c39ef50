"""`leaktrace worker`: run queued background jobs (scheduled source runs and the rest) until Ctrl-C.

On PostgreSQL start as many as you like, on as many machines: one of them
(or a `leaktrace serve`) is elected scheduler, the others wait to take over.
On SQLite one process runs everything; a second one waits for the first.
"""

from __future__ import annotations

import logging

import typer

from leaktrace.cli.context import cli_context


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker(
        threads: int = typer.Option(2, "--threads", min=1, max=32, help="Jobs run at once by this process."),
        poll: float = typer.Option(1.0, "--poll", min=0.05, help="Seconds between looks at the queue."),
        lease: float = typer.Option(60.0, "--lease", min=1.0, help="Seconds before a dead worker's job is taken over."),
        no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Never stand for scheduler."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="Log runs and retries."),
    ) -> None:
        """Claim and run jobs (source runs, graph rebuilds, ...) and stand for scheduler."""
        from leaktrace.service.inspection import InspectionService

        logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
        ctx = cli_context()
        service = InspectionService(ctx, workers=threads, scheduler=not no_scheduler, poll_s=poll, lease_s=lease)
        typer.echo(f"leaktrace worker: {threads} threads on {ctx.engine.dialect.name} (Ctrl-C stops it)", err=True)
        service.start()
        try:
            service.wait()
        except KeyboardInterrupt:
            typer.echo("stopping: runs in progress finish their current page", err=True)
        finally:
            service.stop()
