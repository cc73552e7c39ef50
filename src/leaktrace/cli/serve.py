"""`leaktrace serve`: the console and its REST API over the configured store.

The first start on a store without accounts creates `admin` and prints its
one-time password once (it must be changed, and TOTP set up, at the first
login). The web package is imported only when the command runs.
"""

from __future__ import annotations

import typer

from leaktrace.cli.context import cli_context


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8080, "--port", help="TCP port.", min=1, max=65535),
        workers: int = typer.Option(1, "--workers", help="Worker processes (one per core serves many users).",
                                    min=1, max=64),
    ) -> None:
        """Start the console (pages and /api/v1) on HOST:PORT over the configured store."""
        import uvicorn

        from leaktrace.service.accounts import ensure_first_admin
        from leaktrace.web.app import create_app

        ctx = cli_context()
        password = ensure_first_admin(ctx)
        if password is not None:
            typer.echo("First start: created the account 'admin' with the one-time password below.\n"
                       f"  {password}\n"
                       "It is shown once. Log in, choose a new password and set up TOTP.", err=True)
        typer.echo(f"leaktrace console on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        if workers > 1:  # each worker builds its own context from the same settings (the store is migrated now)
            ctx.close()
            uvicorn.run("leaktrace.web.server:app_from_settings", factory=True, workers=workers, host=host, port=port,
                        log_level="warning", access_log=False, timeout_graceful_shutdown=10)
            return
        uvicorn.run(create_app(ctx), host=host, port=port, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=10)
