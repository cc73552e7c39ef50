"""The deployment secret: a versioned keyring for keyed hashing, with rotation.

Keys come from one of three sources, chosen by setting:

* ``env`` – ``LEAKTRACE_KEYRING="k2:<base64>,k1:<base64>"`` (first is active),
  for containers and secret managers that inject environment variables;
* ``file`` – a keyring file encrypted with a passphrase (scrypt + AES-GCM),
  which must live outside the data directory; the passphrase comes from
  ``LEAKTRACE_KEYRING_PASSPHRASE`` or an interactive prompt;
* ``kms`` – ``module:callable`` returning a :class:`Keyring`, so a KMS or HSM
  client plugs in without code changes here.

Rotation adds a new active key and keeps the old ones: every keyed hash
carries its key id, so hashes made before rotation stay checkable and can be
re-keyed in bulk.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from leaktrace.core.errors import SecretError
from leaktrace.core.settings import Settings

KEY_BYTES = 32
_FILE_MAGIC = "leaktrace-keyring-v1"


@dataclass(frozen=True)
class Keyring:
    """Key id -> key bytes, and which id new hashes use."""

    keys: dict[str, bytes]
    active: str
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise SecretError(f"keyring: active key {self.active!r} is not in the keyring")
        for kid, key in self.keys.items():
            if len(key) < KEY_BYTES:
                raise SecretError(f"keyring: key {kid!r} is shorter than {KEY_BYTES} bytes")

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active]

    def rotated(self) -> Keyring:
        """A keyring with a fresh active key; old keys stay for checking old hashes."""
        n = 1 + max(int(k[1:]) for k in self.keys if k[1:].isdigit()) if self.keys else 1
        kid = f"k{n}"
        return Keyring({**self.keys, kid: secrets.token_bytes(KEY_BYTES)}, kid, dict(self.meta))

    def without(self, kid: str) -> Keyring:
        """The keyring with `kid` retired (never the active key)."""
        if kid == self.active:
            raise SecretError(f"keyring: {kid!r} is the active key; rotate first")
        if kid not in self.keys:
            raise SecretError(f"keyring: no key {kid!r}")
        return Keyring({k: v for k, v in self.keys.items() if k != kid}, self.active, dict(self.meta))

    @classmethod
    def generate(cls) -> Keyring:
        return cls({"k1": secrets.token_bytes(KEY_BYTES)}, "k1")

    def to_env(self) -> str:
        order = [self.active] + [k for k in self.keys if k != self.active]
        return ",".join(f"{k}:{base64.b64encode(self.keys[k]).decode()}" for k in order)

    @classmethod
    def from_env(cls, value: str) -> Keyring:
        keys: dict[str, bytes] = {}
        active = ""
        for item in filter(None, (p.strip() for p in value.split(","))):
            kid, sep, b64 = item.partition(":")
            if not sep or not kid:
                raise SecretError("LEAKTRACE_KEYRING: expected 'kid:base64key[,kid:base64key...]'")
            try:
                keys[kid] = base64.b64decode(b64, validate=True)
            except ValueError as exc:
                raise SecretError(f"LEAKTRACE_KEYRING: key {kid!r} is not valid base64") from exc
            active = active or kid
        if not keys:
            raise SecretError("LEAKTRACE_KEYRING is empty")
        return cls(keys, active)


def save_keyring_file(ring: Keyring, path: Path, passphrase: str) -> None:
    """Write the keyring encrypted under a passphrase-derived key (scrypt, AES-256-GCM)."""
    if len(passphrase) < 12:
        raise SecretError("keyring passphrase must be at least 12 characters")
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    kek = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    payload = json.dumps(
        {"active": ring.active, "keys": {k: base64.b64encode(v).decode() for k, v in ring.keys.items()}}
    ).encode()
    blob = AESGCM(kek).encrypt(nonce, payload, _FILE_MAGIC.encode())
    doc = {
        "format": _FILE_MAGIC,
        "kdf": {"name": "scrypt", "n": 2**15, "r": 8, "p": 1, "salt": base64.b64encode(salt).decode()},
        "nonce": base64.b64encode(nonce).decode(),
        "ciphertext": base64.b64encode(blob).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def load_keyring_file(path: Path, passphrase: str) -> Keyring:
    try:
        doc = json.loads(path.read_text())
        if doc.get("format") != _FILE_MAGIC:
            raise SecretError(f"{path}: not a leaktrace keyring file")
        kdf = doc["kdf"]
        kek = Scrypt(
            salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
        ).derive(passphrase.encode())
        payload = AESGCM(kek).decrypt(
            base64.b64decode(doc["nonce"]), base64.b64decode(doc["ciphertext"]), _FILE_MAGIC.encode()
        )
    except FileNotFoundError as exc:
        raise SecretError(f"{path}: keyring file not found") from exc
    except InvalidTag as exc:
        raise SecretError(f"{path}: wrong passphrase or tampered keyring file") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise SecretError(f"{path}: malformed keyring file ({exc})") from exc
    data = json.loads(payload)
    return Keyring({k: base64.b64decode(v) for k, v in data["keys"].items()}, data["active"])


def _is_inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def load_keyring(settings: Settings, passphrase: str | None = None) -> Keyring:
    """The deployment keyring from the configured source, or a SecretError saying how to set one."""
    if settings.secret_source == "env":
        value = settings.keyring.get_secret_value() if settings.keyring else ""
        if not value:
            raise SecretError(
                "no deployment secret: set LEAKTRACE_KEYRING (create one with "
                "'leaktrace keys init --env'), or LEAKTRACE_SECRET_SOURCE=file|kms"
            )
        return Keyring.from_env(value)
    if settings.secret_source == "file":
        if settings.secret_file is None:
            raise SecretError("LEAKTRACE_SECRET_SOURCE=file needs LEAKTRACE_SECRET_FILE")
        if _is_inside(settings.secret_file, settings.data_dir):
            raise SecretError(
                f"{settings.secret_file}: the keyring file must live outside the data directory "
                f"{settings.data_dir}"
            )
        phrase = passphrase or (settings.keyring_passphrase.get_secret_value() if settings.keyring_passphrase else "")
        if not phrase:
            raise SecretError("keyring file needs a passphrase: set LEAKTRACE_KEYRING_PASSPHRASE")
        return load_keyring_file(settings.secret_file, phrase)
    spec = settings.secret_kms or ""
    module, _, attr = spec.partition(":")
    if not module or not attr:
        raise SecretError("LEAKTRACE_SECRET_SOURCE=kms needs LEAKTRACE_SECRET_KMS=module:callable")
    try:
        ring = getattr(importlib.import_module(module), attr)()
    except Exception as exc:
        raise SecretError(f"KMS provider {spec!r} failed: {exc}") from exc
    if not isinstance(ring, Keyring):
        raise SecretError(f"KMS provider {spec!r} did not return a Keyring")
    return ring
