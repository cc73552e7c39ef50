"""`leaktrace org`: fingerprints and canaries (organisation side), registration (platform side)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import InputError
from leaktrace.core.private_files import private_dir

if TYPE_CHECKING:
    from leaktrace.attribution.oprf import ServerKey

org_app = typer.Typer(help="Organisation fingerprints and canaries for attribution.", no_args_is_help=True)


def _server_key() -> ServerKey:
    from leaktrace.attribution.oprf import FINGERPRINT, ServerKey

    # the fingerprint key: never the exposure key, whose index organisations must not test guesses against
    return ServerKey.from_keyring(cli_context().keyring, purpose=FINGERPRINT)


@org_app.command("fingerprint")
def fingerprint_cmd(
    datafile: Path = typer.Argument(..., help="The organisation's customer/order export (CSV, JSONL, Parquet...)."),
    org: str = typer.Option(..., "--org", help="Organisation name as it will be registered."),
    server: str = typer.Option(None, "--server", envvar="LEAKTRACE_OPRF_URL", help="Platform OPRF server URL."),
    token: str = typer.Option(None, "--token", envvar="LEAKTRACE_OPRF_TOKEN", help="Organisation API token."),
    request: Path = typer.Option(None, "--request", help="Offline step 1: write the blinded request here."),
    response: Path = typer.Option(None, "--response", help="Offline step 3: the platform's answer to --request."),
    state: Path = typer.Option(None, "--state", help="Offline: the private blinding state (kept by the org)."),
    out: Path = typer.Option(None, "--out", "-o", help="Fingerprint file (default ORG.fingerprint.json)."),
    rate: float = typer.Option(1 / 4, "--rate", help="Consistent-sampling rate (default 1/4)."),
    key_file: Path = typer.Option(None, "--key-file", help="Ed25519 signing key (created if missing)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Build a signed fingerprint through blinded OPRF requests (the platform key stays on the server).

    Online: --server and --token. Offline (no link to the platform): --request REQ --state STATE, hand REQ
    to the platform ('org evaluate'), then --response RESP --state STATE.
    """
    from leaktrace.attribution import fingerprint as fp_mod
    from leaktrace.attribution import offline

    fp_mod.threshold(rate)
    if request is not None:
        if state is None or response is not None:
            raise InputError("--request needs --state (and no --response): it is step 1 of the offline path")
        counts = offline.make_request(datafile, org, request, state)
        typer.echo(f"wrote {request} ({sum(counts.values())} blinded values: "
                   + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
                   + f"); keep {state} private, hand {request} to the platform ('leaktrace org evaluate')")
        return
    if response is not None:
        if state is None:
            raise InputError("--response needs the --state file written with --request")
        fp = offline.finish(datafile, org, state, response, rate)
    else:
        if not server or not token:
            raise InputError("give --server and --token (online), or --request/--response with --state (offline)")
        from leaktrace.attribution.exposure_client import HttpEvaluator
        from leaktrace.attribution.oprf import FINGERPRINT

        fp = fp_mod.build(datafile, org, HttpEvaluator(server, token, purpose=FINGERPRINT), rate)
    key_path = key_file or cli_context().data_dir / "attribution" / "org-signing.key"
    private_dir(key_path.parent)  # a folder made for the signing key is owner-only (an existing one is left as is)
    key = fp_mod.load_or_create_signing_key(key_path)
    fp_mod.sign(fp, key)
    dest = out or Path(f"{fp.org}.fingerprint.json")
    fp_mod.save(fp, dest)
    summary = {"file": str(dest), "org": fp.org, "oprf_key_id": fp.key_id, "rows": fp.source_rows,
               "distinct": fp.distinct, "sampled": {k: len(v) for k, v in fp.tags.items()}, "rate": fp.rate}
    typer.echo(json.dumps(summary, ensure_ascii=False) if as_json else
               f"wrote {dest}: {fp.source_rows} rows, " + ", ".join(
                   f"{k} {fp.distinct[k]} distinct -> {len(fp.tags[k])} sampled" for k in sorted(fp.tags)))


@org_app.command("evaluate")
def evaluate_cmd(
    request: Path = typer.Argument(..., help="An organisation's offline OPRF request (org fingerprint --request)."),
    org: str = typer.Option(..., "--org", help="The organisation charged for it (must match the request)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the answer for the organisation."),
) -> None:
    """Platform side of the offline path: apply the fingerprint key to blinded elements (it sees no values).

    Every element counts against the organisation's daily OPRF allowance, in the
    usage ledger the exposure service shares.
    """
    from leaktrace.attribution import offline
    from leaktrace.attribution.exposure import ORG_QUOTA_FLOOR, org_quotas
    from leaktrace.attribution.registry import Registry
    from leaktrace.attribution.usage import UsageLedger, ledger_path
    from leaktrace.service.tokens import org_quotas as token_quotas

    ctx = cli_context()
    data_dir = ctx.data_dir
    name = org.strip()
    quotas = {**org_quotas(Registry(data_dir).orgs()), **token_quotas(ctx)}
    limit = quotas.get(name, ORG_QUOTA_FLOOR)
    key = _server_key()
    n = offline.evaluate_request(request, key, out, name, UsageLedger(ledger_path(data_dir)), limit)
    typer.echo(f"wrote {out}: {n} evaluated elements under {key.key_id}, charged to {name!r} "
               f"(daily allowance {limit})")


@org_app.command("canaries")
def canaries_cmd(
    org: str = typer.Option(..., "--org"),
    partner: str = typer.Option(..., "--partner", help="The partner/copy these canaries go to."),
    count: int = typer.Option(3, "--count"),
    phone_range: str = typer.Option(..., "--phone-range", help="Mobiles the organisation owns: FIRST-LAST."),
    mail_domain: str = typer.Option(..., "--mail-domain", help="A mail domain the organisation controls."),
    order_prefix: str = typer.Option(..., "--order-prefix", help="The organisation's order-id prefix."),
    address: str = typer.Option("", "--address", help="A delivery address the organisation controls."),
    out: Path = typer.Option(None, "--out", "-o", help="Canary records to plant (default ORG.PARTNER.canaries.json)."),
) -> None:
    """Generate and register canary records for one partner copy (platform side: uses the deployment secret)."""
    from leaktrace.attribution import canaries as c
    from leaktrace.attribution.registry import Registry

    ring = cli_context().keyring
    res = c.Resources.parse(phone_range, mail_domain, order_prefix, address)
    recs = c.generate(ring, org, partner, count, res)
    dest = out or Path(f"{org}.{partner}.canaries.json")
    c.write_file(dest, org, partner, recs)
    n = Registry(cli_context().data_dir).register_canaries(ring, org, partner, recs)
    typer.echo(f"wrote {dest}: {len(recs)} canary records for {org}/{partner}; registered {n} tags")


@org_app.command("register")
def register_cmd(
    file: Path = typer.Argument(..., help="A fingerprint or canary file."),
    replace_key: bool = typer.Option(False, "--replace-key", help="Accept a new signing key for this org."),
) -> None:
    """Verify and load a fingerprint (signature, server key id) or a canary file into the platform."""
    from leaktrace.attribution import canaries as c
    from leaktrace.attribution import fingerprint as fp_mod
    from leaktrace.attribution.jsonfile import read_json
    from leaktrace.attribution.registry import Registry

    reg = Registry(cli_context().data_dir)
    head = read_json(file, "fingerprint or canary file")
    fmt = head.get("format") if isinstance(head, dict) else None
    if fmt == c.FORMAT:
        doc = c.read_file(file)
        n = reg.register_canaries(cli_context().keyring, doc["org"], doc["partner"], doc["records"])
        typer.echo(f"registered {len(doc['records'])} canaries ({n} tags) for {doc['org']}/{doc['partner']}")
        return
    if fmt != fp_mod.FORMAT:
        raise InputError(f"{file}: unknown format {fmt!r}; expected {fp_mod.FORMAT} or {c.FORMAT}")
    fp = fp_mod.load(file, _server_key().key_id)
    reg.register_fingerprint(fp, replace_key)
    typer.echo(f"registered fingerprint of {fp.org!r}: " + ", ".join(
        f"{k} {fp.distinct[k]} distinct ({len(fp.tags[k])} sampled)" for k in sorted(fp.tags)))


@org_app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Registered organisations."""
    from leaktrace.attribution.registry import Registry

    orgs = Registry(cli_context().data_dir).orgs()
    if as_json:
        typer.echo(json.dumps(orgs, ensure_ascii=False))
        return
    if not orgs:
        typer.echo("no organisation registered yet ('leaktrace org register FINGERPRINT')")
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Column, Table

    table = Table(*(Column(h, overflow="fold") for h in ("organisation", "fingerprint", "distinct keys", "sampling",
                                                          "canary partners", "registered")))
    for name, e in sorted(orgs.items()):
        distinct = ", ".join(f"{k} {v:,}" for k, v in sorted((e.get("distinct") or {}).items())) or "—"
        rate = e.get("sampling_rate")
        table.add_row(escape(name), "yes" if e.get("fingerprint") else "no", distinct,
                      f"1/{round(1 / rate)}" if rate else "—", escape(", ".join(e.get("partners", [])) or "—"),
                      str(e.get("registered") or "—"))
    Console(highlight=False, soft_wrap=False).print(table)


@org_app.command("notice-check")
def notice_check_cmd(
    export: Path = typer.Argument(..., help="The organisation's own customer export (CSV, JSONL, Parquet...)."),
    server: str = typer.Option(..., "--server", envvar="LEAKTRACE_EXPOSURE_URL", help="Exposure service URL."),
    token: str = typer.Option(..., "--token", envvar="LEAKTRACE_EXPOSURE_TOKEN", help="Organisation API token."),
    out: Path = typer.Option(None, "--out", "-o", help="CSV of exposed rows (default EXPORT.exposed.csv)."),
    batch: int = typer.Option(1000, "--batch", help="Values per blinded request (the server allows up to 1,000)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Which of your own customers appear in indexed leaks (breach notices); values stay blinded."""
    from leaktrace.attribution.exposure_client import HttpEvaluator
    from leaktrace.attribution.notice import notice_check, write_csv

    if not 1 <= batch <= 1000:
        raise InputError("--batch must be between 1 and 1000")
    result = notice_check(export, HttpEvaluator(server, token), batch)
    dest = out or export.with_name(export.name + ".exposed.csv")
    write_csv(result, dest)
    summary = {"file": str(dest), "rows": result.rows, "checked": result.checked,
               "exposed_rows": len(result.exposed_rows)}
    typer.echo(json.dumps(summary) if as_json else
               f"{len(result.exposed_rows)} of {result.rows} customer rows appear in indexed leaks "
               f"(checked {', '.join(f'{k} {n}' for k, n in result.checked.items())}); rows listed in {dest}")


@org_app.command("token")
def token_cmd(
    org: str = typer.Option(..., "--org"),
    daily_quota: int = typer.Option(0, "--daily-quota",
                                    help="OPRF evaluations per day (default: sized from the org's registered "
                                         "fingerprint; set it for the first fingerprint of a large export)."),
) -> None:
    """Issue an exposure-service token for an organisation's partner account (printed once; only its hash is kept).

    The token lives in the console's token store (`leaktrace users tokens`
    lists it, `leaktrace users revoke-token` revokes it); the partner account
    `partner-ORG` is created on first use.
    """
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service.partners import issue_org_token

    if daily_quota < 0:
        raise InputError("--daily-quota must not be negative")
    token, _account = issue_org_token(cli_context(), shell_principal(), org, daily_quota=daily_quota or None)
    typer.echo(token)


@org_app.command("import-tokens")
def import_tokens_cmd(
    tokens: Path = typer.Argument(..., help="A token file the exposure server used to take (--org-tokens)."),
) -> None:
    """Bring an old exposure-server token file into the token store: the same tokens keep working."""
    from leaktrace.attribution.exposure import read_token_file
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service.partners import import_org_token

    ctx = cli_context()
    entries = read_token_file(tokens)
    for digest, org, quota in entries:
        import_org_token(ctx, shell_principal(), org, digest, quota)
    typer.echo(f"imported {len(entries)} token(s) from {tokens}; the file is no longer read and may be deleted")


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
