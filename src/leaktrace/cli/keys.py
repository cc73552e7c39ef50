"""`leaktrace keys`: create and rotate the deployment keyring for keyed hashing."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from leaktrace.core.errors import SecretError
from leaktrace.core.keyring import Keyring, load_keyring_file, save_keyring_file
from leaktrace.core.settings import get_settings

keys_app = typer.Typer(help="Create and rotate the deployment secret (kept outside the data directory).", no_args_is_help=True)


def _passphrase(confirm: bool) -> str:
    secret = get_settings().keyring_passphrase
    if secret is not None and (phrase := secret.get_secret_value()):
        return phrase
    phrase = getpass.getpass("keyring passphrase: ")
    if confirm and getpass.getpass("again: ") != phrase:
        raise SecretError("passphrases differ")
    return phrase


@keys_app.command("init")
def init(
    file: Path | None = typer.Option(None, "--file", help="Write a passphrase-protected keyring file here."),
    env: bool = typer.Option(False, "--env", help="Print a LEAKTRACE_KEYRING value for the environment."),
) -> None:
    """Create a new keyring."""
    ring = Keyring.generate()
    if file is not None:
        if file.exists():
            raise SecretError(f"{file}: exists; use 'leaktrace keys rotate'")
        save_keyring_file(ring, file, _passphrase(confirm=True))
        typer.echo(f"wrote keyring {file} (active key {ring.active})")
    if env or file is None:
        typer.echo(f"LEAKTRACE_KEYRING={ring.to_env()}")


@keys_app.command("rotate")
def rotate(
    file: Path | None = typer.Option(None, "--file", help="Rotate this keyring file in place."),
) -> None:
    """Add a new active key; old keys stay so existing hashes remain checkable."""
    if file is not None:
        phrase = _passphrase(confirm=False)
        ring = load_keyring_file(file, phrase).rotated()
        save_keyring_file(ring, file, phrase)
        typer.echo(f"rotated {file}: active key is now {ring.active}")
        return
    secret = get_settings().keyring
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise SecretError("nothing to rotate: give --file or set LEAKTRACE_KEYRING")
    ring = Keyring.from_env(value).rotated()
    typer.echo(f"LEAKTRACE_KEYRING={ring.to_env()}")


@keys_app.command("retire")
def retire(
    kid: str = typer.Argument(..., help="Key id to drop from the keyring, e.g. k1."),
    file: Path | None = typer.Option(None, "--file", help="Retire it from this keyring file in place."),
) -> None:
    """Drop an old key, only when no evidence blob is sealed under it ('leaktrace evidence rekey' first).

    Keyed hashes made with the key can no longer be checked once it is gone.
    """
    from leaktrace.cli.context import cli_context
    from leaktrace.evidence.rekey import keys_in_use

    needed = keys_in_use(cli_context().evidence).get(kid, 0)
    if needed:
        raise SecretError(f"key {kid!r} still seals {needed} evidence blob(s): run 'leaktrace evidence rekey' first")
    if file is not None:
        phrase = _passphrase(confirm=False)
        ring = load_keyring_file(file, phrase).without(kid)
        save_keyring_file(ring, file, phrase)
        typer.echo(f"retired {kid} from {file}; keys left: {', '.join(ring.keys)}")
        return
    secret = get_settings().keyring
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise SecretError("nothing to retire from: give --file or set LEAKTRACE_KEYRING")
    typer.echo(f"LEAKTRACE_KEYRING={Keyring.from_env(value).without(kid).to_env()}")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
