"""`leaktrace simulate serve OUTDIR`: the simulated dark web, in the foreground until Ctrl-C.

A plain function with Typer-annotated parameters; `leaktrace.cli.simulate`
dispatches to it, so this package never imports the CLI.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import typer

from leaktrace.core.errors import ConfigError
from leaktrace.simulate.serve.app import Behaviour
from leaktrace.simulate.serve.live import LiveConfig
from leaktrace.simulate.serve.runner import LOOPBACK_HOSTS, running_world


def serve_command(
    outdir: Annotated[Path, typer.Argument(help="World directory written by `leaktrace simulate`.")],
    host: Annotated[str, typer.Option(help="Listen address; loopback only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port of the market server (0 = any free port).")] = 0,
    socks_port: Annotated[int, typer.Option(help="SOCKS5h proxy port (0 = any free port).")] = 0,
    rate: Annotated[float, typer.Option(help="Requests per second per client before 429 (0 = no limit).")] = 20.0,
    burst: Annotated[int, typer.Option(help="Requests a client may make at once before throttling.")] = 10,
    error_rate: Annotated[float, typer.Option(help="Fraction of requests answered 503 (seeded).")] = 0.02,
    seed: Annotated[int, typer.Option(help="Seed of the 503 pattern.")] = 0,
    live: Annotated[bool, typer.Option(help="Change the world over time: new, edited and deleted listings, "
                                            "sites down and back, mirrors announced.")] = False,
    markets: Annotated[int | None, typer.Option(
        help="Serve this many markets: beyond the world's own, copies of them under new onion names, "
             "each with listings of its own (a soak of many sources).", min=1)] = None,
    tick: Annotated[float, typer.Option(help="Live mode: seconds between changes.")] = 5.0,
    changelog: Annotated[Path | None, typer.Option(
        help="Live mode: JSONL file receiving the truth of every change (default OUTDIR/changelog.jsonl).")] = None,
    env_file: Annotated[Path | None, typer.Option(
        help="Once listening, write the proxy URL and each market's URL and login here as shell "
             "variables (LT_SIM_PROXY, LT_SIM_M1_URL, LT_SIM_M1_USER, LT_SIM_M1_PASSWORD, ...).")] = None,
) -> None:
    """Serve the world's markets behind a SOCKS5h proxy that resolves their .onion names."""
    if host not in LOOPBACK_HOSTS:
        raise ConfigError(f"--host {host}: the simulated dark web listens on loopback only (127.0.0.1)")
    if not 0 <= error_rate < 1 or rate < 0 or burst < 1:
        raise ConfigError("--error-rate must be in [0, 1), --rate >= 0, --burst >= 1")
    if tick <= 0:
        raise ConfigError("--tick must be > 0 seconds")
    live_cfg = LiveConfig(changelog or outdir / "changelog.jsonl", tick_s=tick, seed=seed) if live else None
    with running_world(outdir, port=port, socks_port=socks_port,
                       behaviour=Behaviour(rate, burst, error_rate, seed), live=live_cfg,
                       markets=markets) as w:
        typer.echo(f"market server: http://127.0.0.1:{w.http_port} (routes by Host header)")
        typer.echo(f"socks5h proxy: {w.proxy_url}")
        for onion, mid in sorted(w.hosts.items(), key=lambda kv: kv[1]):
            typer.echo(f"  {mid}: http://{onion}/  ({w.encodings[onion]})")
        if w.changelog is not None:
            typer.echo(f"live: a change every {tick:g} s, written to {w.changelog}")
        typer.echo(json.dumps({"http_port": w.http_port, "socks_port": w.socks_port, "hosts": w.hosts,
                               "credentials": w.credentials}, ensure_ascii=False), nl=True)
        if env_file is not None:
            write_env_file(env_file, w.proxy_url, w.hosts, w.credentials)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            typer.echo("stopped")


def write_env_file(path: Path, proxy_url: str, hosts: dict[str, str], credentials: dict[str, dict[str, str]]) -> None:
    """The served world as shell variables, so a walkthrough can crawl it with commands alone.

    Written whole (to a temporary name, then renamed) and owner-only: a script that
    waits for the file never reads half of it, and the logins are the investigator's.
    """
    import shlex

    from leaktrace.core.private_files import write_private_text

    lines = [f"LT_SIM_PROXY={shlex.quote(proxy_url)}"]
    for onion, mid in sorted(hosts.items(), key=lambda kv: kv[1]):
        key = "".join(c if c.isalnum() else "_" for c in mid).upper()
        creds = credentials.get(onion, {})
        lines += [f"LT_SIM_{key}_URL={shlex.quote(f'http://{onion}/')}",
                  f"LT_SIM_{key}_USER={shlex.quote(creds.get('username', ''))}",
                  f"LT_SIM_{key}_PASSWORD={shlex.quote(creds.get('password', ''))}"]
    write_private_text(path, "\n".join(lines) + "\n")
