"""`leaktrace exposure index|serve|check`: the private exposure check service and its client."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import InputError

exposure_app = typer.Typer(help="Private exposure checks (OPRF; the server never sees the value).",
                           no_args_is_help=True)


def _set_path() -> Path:
    return cli_context().data_dir / "attribution" / "exposure.npz"


@exposure_app.command("index")
def index_cmd(dump: Path = typer.Argument(..., help="A dump whose IDs, mobiles and e-mails become checkable.")) -> None:
    """Add a dump's distinct IDs/mobiles/e-mails to the exposure set (as PRF tags only)."""
    from leaktrace.attribution.exposure import ExposureSet, index_file
    from leaktrace.attribution.oprf import EXPOSURE, ServerKey

    key = ServerKey.from_keyring(cli_context().keyring, purpose=EXPOSURE)
    new, n = index_file(dump, key)
    path = _set_path()
    merged = ExposureSet.load(path, key.key_id).merged(new) if path.exists() else new
    merged.save(path)
    typer.echo(f"indexed {n} values from {dump}; exposure set holds {len(merged.tags)} entries")


@exposure_app.command("serve")
def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port"),
    otp_hook: str = typer.Option(..., "--otp-hook", envvar="LEAKTRACE_OTP_HOOK",
                                 help="module:callable returning the SMS/e-mail code sender."),
    rate: float = typer.Option(20.0, "--rate", help="Requests per second per client."),
) -> None:
    """Run the HTTP endpoint (the OPRF key is derived in this process and never leaves it)."""
    import uvicorn

    from leaktrace.attribution.exposure import ExposureSet, org_quotas
    from leaktrace.attribution.exposure_http import create_app
    from leaktrace.attribution.oprf import EXPOSURE, FINGERPRINT, ServerKey
    from leaktrace.attribution.otp import OtpVerifier, load_hook
    from leaktrace.attribution.registry import Registry
    from leaktrace.attribution.usage import UsageLedger, ledger_path
    from leaktrace.service.partners import exposure_lookup
    from leaktrace.service.tokens import org_quotas as token_quotas

    ctx = cli_context()
    ring = ctx.keyring
    key = ServerKey.from_keyring(ring, purpose=EXPOSURE)
    path = _set_path()
    exposure = ExposureSet.load(path, key.key_id) if path.exists() else None
    quotas = {**org_quotas(Registry(ctx.data_dir).orgs()), **token_quotas(ctx)}
    # Organisation tokens are partner accounts' tokens in the store, looked up per request.
    app = create_app(key, exposure, OtpVerifier(load_hook(otp_hook)), exposure_lookup(ctx), rate=rate,
                     quotas=quotas, fingerprint_key=ServerKey.from_keyring(ring, purpose=FINGERPRINT),
                     ledger=UsageLedger(ledger_path(cli_context().data_dir)))
    typer.echo(f"exposure service on http://{host}:{port} (key {key.key_id}, "
               f"{len(exposure.tags) if exposure else 0} entries)")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _read_code(_challenge: str) -> str:
    """The one-time code: prompted on a terminal, else the next line of standard input."""
    if sys.stdin.isatty():
        return str(typer.prompt("one-time code", hide_input=True))
    code = sys.stdin.readline().strip()
    if not code:
        raise InputError("no one-time code on standard input")
    return code


@exposure_app.command("check")
def check_cmd(
    value: str = typer.Argument(..., help="Your own mobile, ID number or e-mail ('-' reads it from stdin)."),
    kind: str = typer.Option("cn_mobile", "--kind", help="cn_mobile, cn_id or email."),
    server: str = typer.Option(..., "--server", envvar="LEAKTRACE_EXPOSURE_URL"),
    token: str = typer.Option(None, "--token", envvar="LEAKTRACE_EXPOSURE_TOKEN",
                              help="Organisation token; without it, prove control by a one-time code."),
    otp_address: str = typer.Option(None, "--otp-address", help="Phone/mailbox to receive the code (default VALUE)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check one value; the server sees only a blinded element and a bucket number."""
    from leaktrace.attribution.exposure_client import HttpEvaluator
    from leaktrace.core.masking import mask

    if value == "-":
        value = sys.stdin.readline().strip()
    if not value:
        raise InputError("no value to check")
    client = HttpEvaluator(server, token)
    if not token:
        channel = "email" if kind == "email" else "sms"
        client.login(channel, otp_address or value, _read_code)
    found = client.check(kind, value)
    if as_json:
        typer.echo(json.dumps({"kind": kind, "value_masked": mask(value), "exposed": found}))
    else:
        typer.echo(f"{mask(value)}: {'FOUND in an indexed leak' if found else 'not found in indexed leaks'}")


def register(app: typer.Typer) -> None:
    app.add_typer(exposure_app, name="exposure")
