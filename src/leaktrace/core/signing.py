"""Ed25519 signing keys for signed, hash-chained logs, kept in a folder of their own, created on first use.

One implementation for every signed log: the evidence custody log keeps its
key in the evidence directory, the console's audit log in `audit/`. The
private key signs entries; the public key travels with every export and
bundle, so anyone can check the chain without the platform. Each entry names
the fingerprint of the key that signed it, which keeps a replaced key from
passing quietly.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from leaktrace.core.errors import IntegrityError

PRIVATE_NAME = "signing.key"
PUBLIC_NAME = "signing.pub"


def fingerprint(public: Ed25519PublicKey) -> str:
    """`ed25519:` + SHA-256 of the raw public key, the name entries carry."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()


def public_to_text(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: str, label: str = "public key") -> Ed25519PublicKey:
    """Read a public key written by :func:`public_to_text` (base64 of the 32 raw bytes)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise IntegrityError(f"{label}: not an Ed25519 public key") from exc


def check_signature(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def load_public(directory: Path) -> Ed25519PublicKey:
    path = directory / PUBLIC_NAME
    try:
        return public_from_text(path.read_text(), str(path))
    except FileNotFoundError as exc:
        raise IntegrityError(f"{path}: public key is missing") from exc


def load_or_create(directory: Path) -> SigningKey:
    """The signing key in `directory`; callers hold their log's lock, so creation is single."""
    priv_path = directory / PRIVATE_NAME
    pub_path = directory / PUBLIC_NAME
    if priv_path.exists():
        try:
            private = serialization.load_pem_private_key(priv_path.read_bytes(), password=None)
        except ValueError as exc:
            raise IntegrityError(f"{priv_path}: unreadable signing key") from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise IntegrityError(f"{priv_path}: not an Ed25519 key")
        key = SigningKey(private)
        if pub_path.exists() and fingerprint(load_public(directory)) != key.fingerprint:
            raise IntegrityError(
                f"{pub_path}: does not match {priv_path} (one of the signing keys was replaced)"
            )
        if not pub_path.exists():
            _write(pub_path, (public_to_text(key.public) + "\n").encode(), 0o600)
        return key
    key = SigningKey(Ed25519PrivateKey.generate())
    pem = key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(priv_path, pem, 0o600)
    _write(pub_path, (public_to_text(key.public) + "\n").encode(), 0o600)
    return key


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
