"""`leaktrace serve`: the console and its REST API over the configured store.

The first start on a store without accounts creates `admin` and prints its
one-time password once (it must be changed, and TOTP set up, at the first
login). The web package is imported only when the command runs.

Workers: one Python process answers requests with one interpreter lock, so
on PostgreSQL the console starts one process per core by default (uvicorn's
supervisor); on SQLite one process (its threads share the one database
file's writer lock anyway). SIGTERM or Ctrl-C stops accepting connections
and lets the requests in flight finish (up to `--grace` seconds) before the
process exits; each request's writes are one transaction, so a request cut
short by a harder stop leaves nothing half-written.
"""

from __future__ import annotations

import os

import typer

from leaktrace.cli.context import cli_context
from leaktrace.pipeline.context import Context


def default_workers(database_url: str | None) -> int:
    """One process per core on PostgreSQL (at most 8), one on SQLite."""
    if database_url and database_url.startswith("postgresql"):
        return max(1, min(8, os.cpu_count() or 1))
    return 1


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8080, "--port", help="TCP port.", min=1, max=65535),
        workers: int = typer.Option(0, "--workers", help="Worker processes (0: one per core on PostgreSQL, "
                                    "one on SQLite).", min=0, max=64),
        grace: int = typer.Option(10, "--grace", help="Seconds requests in flight may take to finish after "
                                  "SIGTERM or Ctrl-C.", min=0, max=600),
        inspection_threads: int = typer.Option(1, "--inspection-threads", min=1, max=32,
                                               help="Threads running scheduled source runs and other jobs."),
        no_inspection: bool = typer.Option(False, "--no-inspection",
                                           help="Console only: no scheduler, no job worker in this process."),
    ) -> None:
        """Start the console (pages and /api/v1) on HOST:PORT, with the inspection scheduler and a job worker."""
        from leaktrace.service.accounts import ensure_first_admin
        from leaktrace.service.inspection import InspectionService

        ctx = cli_context()
        password = ensure_first_admin(ctx)
        if password is not None:
            typer.echo("First start: created the account 'admin' with the one-time password below.\n"
                       f"  {password}\n"
                       "It is shown once. Log in, choose a new password and set up TOTP.", err=True)
        workers = workers or default_workers(ctx.settings.database_url)
        typer.echo(f"leaktrace console on http://{host}:{port}/ ({workers} worker process"
                   f"{'es' if workers > 1 else ''}; Ctrl-C stops it)", err=True)
        # The scheduler (elected: one per store) and a job worker run beside the console; on SQLite this is
        # the one process that runs jobs, and a second `serve` waits until the first stops.
        service = None if no_inspection else InspectionService(ctx, workers=inspection_threads).start()
        try:
            _run(ctx, host, port, workers, grace, keep_context=service is not None)
        finally:
            if service is not None:
                service.stop()


def _run(ctx: Context, host: str, port: int, workers: int, grace: int, *, keep_context: bool) -> None:
    import uvicorn

    if workers > 1:  # each worker builds its own context from the same settings (the store is migrated now)
        if not keep_context:
            ctx.close()
        uvicorn.run("leaktrace.web.server:app_from_settings", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", access_log=False, timeout_graceful_shutdown=grace)
        return
    from leaktrace.web.app import create_app

    uvicorn.run(create_app(ctx, warm=True), host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=grace)
