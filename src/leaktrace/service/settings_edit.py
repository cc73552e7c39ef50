"""Changing a setting from the admin page or the API: written to the deployment's settings file, never where the
environment decides.

Precedence stays as `core.settings` reads it (environment, then the TOML
file named by `LEAKTRACE_CONFIG`, then the default), so a setting the
environment sets is shown pinned and cannot be changed here: whoever runs
the deployment set it there on purpose. Without a settings file nothing is
editable (the console never invents where configuration lives). Secrets and
the settings that say where the data and the key material are, or what is
trusted (`data_dir`, `database_url`, the keyring, `secret_*`, `tsa_roots`),
are not edited from a browser at all; `config show` and the page show
secrets redacted.

The file is edited line by line: the setting's own `name = value` line is
replaced (or appended), every other line and comment kept, the result
parsed again and validated with the setting's type before it replaces the
file atomically. The running processes keep the settings they started
with; the change applies at their next start, and the page says so. Each
change is audited (`settings.change`, old and new value).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import SecretStr, TypeAdapter, ValidationError

from leaktrace.core.errors import InputError
from leaktrace.core.private_files import replace_text
from leaktrace.core.settings import CONFIG_ENV, ENV_PREFIX, Settings
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require

ACTION = "admin.settings"
# Where the data and the key material are, and what is trusted: never from a browser session.
NOT_EDITABLE = frozenset({"data_dir", "database_url", "keyring", "keyring_passphrase", "secret_source", "secret_file",
                          "secret_kms", "tsa_roots"})
MAX_VALUE = 2000


def editable(name: str) -> bool:
    """Whether the console may change setting `name` at all (not a secret, not where the data is, a scalar)."""
    field = Settings.model_fields.get(name)
    if field is None or name in NOT_EDITABLE:
        return False
    text = repr(field.annotation)
    return "SecretStr" not in text and "list" not in text.lower()


def _adapter(name: str) -> TypeAdapter[Any]:
    """The setting's type with its constraints (`gt=0` and the like), to check a typed value as Settings would."""
    field = Settings.model_fields[name]
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation)


def config_file(environ: dict[str, str] | None = None) -> Path | None:
    """The settings file this deployment reads (`LEAKTRACE_CONFIG`), or None."""
    path = (os.environ if environ is None else environ).get(CONFIG_ENV)
    return Path(path) if path else None


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def _replace_line(text: str, name: str, line: str | None) -> str:
    """`text` with its top-level `name = ...` line replaced by `line` (dropped when None, appended when absent);
    every other line, comments included, as it was."""
    key = re.compile(rf"[ \t]*{re.escape(name)}[ \t]*=")
    lines = text.splitlines()
    top = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))  # keys before tables
    at = next((i for i in range(top) if key.match(lines[i])), None)
    if at is not None:
        lines[at:at + 1] = [] if line is None else [line]
    elif line is not None:
        lines.insert(top, line)
    return "\n".join(lines) + "\n"


def set_setting(ctx: Context, principal: Principal, name: str, value: str | None, *,
                environ: dict[str, str] | None = None) -> Any:
    """Write setting `name` = `value` (text as typed; empty or None: back to its default) to the settings file;
    returns the value as stored. InputError names the setting and why when it cannot be changed here."""
    require(principal, ACTION)
    env = {k.upper(): v for k, v in (os.environ if environ is None else environ).items()}
    if name not in Settings.model_fields:
        raise InputError(f"setting {name[:60]!r}: no such setting")
    var = ENV_PREFIX + name.upper()
    if var in env:
        raise InputError(f"setting {name}: set by the environment ({var}); change it there")
    if not editable(name):
        raise InputError(f"setting {name}: not changed from the console (a secret, or where the data is)")
    path = config_file(environ)
    if path is None:
        raise InputError(f"setting {name}: no settings file; start leaktrace with {CONFIG_ENV}=PATH to edit settings here")
    text = (value or "").strip()
    if len(text) > MAX_VALUE:
        raise InputError(f"setting {name}: {len(text)} characters, at most {MAX_VALUE}")
    stored: Any = None
    if text:
        try:
            stored = _adapter(name).validate_python(text)
        except ValidationError as exc:
            raise InputError(f"setting {name}: {exc.errors()[0].get('msg', 'invalid value')} (got {text[:80]!r})") from None
        if isinstance(stored, SecretStr):  # not editable, but never write a secret's repr
            raise InputError(f"setting {name}: not changed from the console")
        if isinstance(stored, Path):
            stored = str(stored)
    try:
        old_text = path.read_text("utf-8")
        old = tomllib.loads(old_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the settings file ({exc})") from None
    new_text = _replace_line(old_text, name, None if stored is None else f"{name} = {_toml_value(stored)}")
    try:
        check = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:  # a file laid out in a way this editor does not follow
        raise InputError(f"{path}: the edited file would not parse ({exc}); edit it by hand") from None
    if check.get(name) != stored:
        raise InputError(f"{path}: setting {name} did not take; edit the file by hand")
    replace_text(path, new_text, path.stat().st_mode & 0o777)  # the file keeps the mode its owner gave it
    audit.record(ctx, principal, "settings.change", f"setting:{name}",
                 detail={"from": old.get(name), "to": stored, "file": str(path), "applies": "at restart"})
    return stored
