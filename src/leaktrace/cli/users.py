"""`leaktrace users`: console accounts from the shell (the same service functions the admin pages call)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal

users_app = typer.Typer(help="Console accounts: add, list, disable, reset, change role, case membership; API tokens; "
                             "sessions.",
                        no_args_is_help=True)


@users_app.command("add")
def add_cmd(
    username: str = typer.Argument(..., help="Login name: 2..64 of a-z, 0-9, '.', '_', '-'."),
    role: str = typer.Option(..., "--role", help="admin, supervisor, analyst, auditor or partner."),
    org: str | None = typer.Option(None, "--org", help="A partner's organisation (its registered id)."),
    lang: str = typer.Option("en", "--lang", help="Interface language: en or zh."),
    json_out: bool = typer.Option(False, "--json", help="Print the account and password as JSON."),
) -> None:
    """Create an account; prints its one-time password once (it must be changed at the first login)."""
    from leaktrace.service.accounts import create_user

    view, password = create_user(cli_context(), username, role, org_id=org, actor=shell_principal(), lang=lang)
    if json_out:
        typer.echo(json.dumps({**view.to_json(), "one_time_password": password}, ensure_ascii=False))
    else:
        typer.echo(f"created {view.username} ({view.role}); one-time password: {password}")


@users_app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="One JSON object per account.")) -> None:
    """Every account: role, organisation, TOTP, state."""
    from leaktrace.service.accounts import list_users

    views = list_users(cli_context(), shell_principal())
    if json_out:
        for v in views:
            typer.echo(json.dumps(v.to_json(), ensure_ascii=False))
        return
    table = Table(title="users")
    for col in ("user", "role", "org", "totp", "state"):
        table.add_column(col)
    for v in views:
        state = "disabled" if v.disabled else ("must change password" if v.must_change_password else "active")
        table.add_row(v.username, str(v.role), v.org_id or "", "yes" if v.totp_enrolled else "no", state)
    Console().print(table)


@users_app.command("disable")
def disable_cmd(
    username: str = typer.Argument(...),
    enable: bool = typer.Option(False, "--enable", help="Enable the account again instead."),
) -> None:
    """Disable an account: its sessions end and its API tokens are revoked."""
    from leaktrace.service.accounts import disable_user

    view = disable_user(cli_context(), username, actor=shell_principal(), enable=enable)
    typer.echo(f"{view.username}: {'disabled' if view.disabled else 'enabled'}")


@users_app.command("reset")
def reset_cmd(
    username: str = typer.Argument(...),
    totp: bool = typer.Option(False, "--totp", help="Also clear the TOTP seed (a lost phone): re-enroll at login."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """A new one-time password (to be changed at the next login); ends the user's sessions."""
    from leaktrace.service.accounts import reset_password

    password = reset_password(cli_context(), username, actor=shell_principal(), reset_totp=totp)
    if json_out:
        typer.echo(json.dumps({"username": username.lower(), "one_time_password": password, "totp_reset": totp}))
    else:
        typer.echo(f"{username.lower()}: one-time password: {password}")


@users_app.command("role")
def role_cmd(
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="admin, supervisor, analyst, auditor or partner."),
    org: str | None = typer.Option(None, "--org", help="The organisation, for the partner role."),
) -> None:
    """Change an account's role; its sessions end so the new role applies at once."""
    from leaktrace.service.accounts import set_role

    view = set_role(cli_context(), username, role, actor=shell_principal(), org_id=org)
    typer.echo(f"{view.username}: {view.role}" + (f" of {view.org_id}" if view.org_id else ""))


@users_app.command("member")
def member_cmd(
    case: str = typer.Argument(..., help="The case ref (LT-2026-0001)."),
    username: str = typer.Argument(...),
    remove: bool = typer.Option(False, "--remove", help="Take the account off the case instead."),
) -> None:
    """Make an account a member of a case (or remove it): what the admin page's membership form does."""
    from leaktrace.service.admin_view import change_membership

    change_membership(cli_context(), shell_principal(), case, username, "remove" if remove else "add")
    typer.echo(f"{username.strip().lower()}: {'removed from' if remove else 'member of'} {case.strip()}")


@users_app.command("token")
def token_cmd(
    username: str = typer.Argument(...),
    scope: list[str] = typer.Option(..., "--scope", help="An action (feed.view) or area (feed); repeatable."),
    days: int | None = typer.Option(None, "--days", min=1, help="Expires after this many days (default: never)."),
    name: str = typer.Option("", "--name", help="A label shown in token lists."),
) -> None:
    """Issue an API token for the account (printed once; only its digest is stored)."""
    from leaktrace.service.accounts import get_user
    from leaktrace.service.tokens import issue_token

    ctx = cli_context()
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    typer.echo(issue_token(ctx, shell_principal(), get_user(ctx, username).id, scope, expires=expires, name=name))


@users_app.command("tokens")
def tokens_cmd(
    username: str | None = typer.Argument(None, help="Whose tokens (default: everyone's)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """API tokens: id, owner, scopes, expiry, state (never the token)."""
    from leaktrace.service.accounts import get_user
    from leaktrace.service.tokens import list_tokens

    ctx = cli_context()
    views = list_tokens(ctx, shell_principal(), user_id=get_user(ctx, username).id if username else -1)
    for v in views:
        if json_out:
            typer.echo(json.dumps(v.to_json(), ensure_ascii=False))
        else:
            state = "revoked" if v.revoked else (f"expires {v.expires_at:%Y-%m-%d}" if v.expires_at else "live")
            typer.echo(f"{v.token_id}  {v.username}  {','.join(v.scopes)}  {state}  {v.name}")


@users_app.command("revoke-token")
def revoke_token_cmd(token_id: str = typer.Argument(..., help="The token's id from 'users tokens'.")) -> None:
    """Revoke an API token at once."""
    from leaktrace.service.tokens import revoke_token

    revoke_token(cli_context(), shell_principal(), token_id)
    typer.echo(f"revoked {token_id}")


@users_app.command("sessions")
def sessions_cmd(
    username: str | None = typer.Argument(None, help="Whose sessions (default: everyone's)."),
    revoke: str | None = typer.Option(None, "--revoke", help="End this session (its id from the list)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Live console sessions (id, user, client, last request); --revoke ends one at once."""
    from leaktrace.service.sessions import list_sessions, revoke_session

    ctx = cli_context()
    if revoke:
        revoke_session(ctx, shell_principal(), revoke)
        typer.echo(f"revoked session {revoke}")
        return
    views = [v for v in list_sessions(ctx, shell_principal(), everyone=True)
             if username is None or v.username == username.strip().lower()]
    for v in views:
        if json_out:
            typer.echo(json.dumps(v.to_json(), ensure_ascii=False))
        else:
            typer.echo(f"{v.session_id}  {v.username}  {v.client}  last seen {v.last_seen:%Y-%m-%d %H:%M:%S}Z")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
