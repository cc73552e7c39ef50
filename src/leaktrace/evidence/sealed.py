"""The stored form of a blob: zstd-compressed, then sealed in chunked AES-256-GCM.

A dump can be many gigabytes, so a blob is sealed as a stream: the zstd
output is cut into chunks and each chunk is its own AEAD message. One
AES-GCM message over the whole file would need the whole file in memory
before the tag could be checked, and a plain per-chunk scheme would let
someone drop the tail or swap chunks without notice. So each chunk's nonce
carries its counter and its associated data carries the header digest, the
counter and a "final chunk" flag: reordering, truncation and appending all
fail authentication.

Layout::

    magic "LTEVBLOB" | version u8 | header length u16 | header JSON
    then chunks:  ciphertext length u32 | ciphertext (incl. 16-byte tag)

The header names the keyring key id (so keys can rotate while old blobs stay
readable), a random HKDF salt (one derived key per blob, so nonces never
repeat under a key) and the chunk size.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import struct
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leaktrace.core.errors import IntegrityError, SecretError
from leaktrace.core.keyring import Keyring

MAGIC = b"LTEVBLOB"
VERSION = 1
HKDF_INFO = b"leaktrace evidence v1"
CHUNK_BYTES = 1 << 20
TAG_BYTES = 16
ZSTD_LEVEL = 3
_MAX_HEADER = 4096


def derive_blob_key(master: bytes, salt: bytes) -> bytes:
    """One AES-256 key per blob from the deployment key (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=HKDF_INFO).derive(master)


def _nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">Q", counter)


def _aad(header_digest: bytes, counter: int, final: bool) -> bytes:
    return header_digest + struct.pack(">QB", counter, 1 if final else 0)


class SealResult:
    """What sealing learned about the original bytes on the way through."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()
        self.size = 0


def seal_stream(
    pieces: Iterable[bytes],
    out: BinaryIO,
    ring: Keyring,
    *,
    chunk_bytes: int = CHUNK_BYTES,
    progress: Callable[[int], None] | None = None,
) -> SealResult:
    """Hash, compress and encrypt `pieces` into `out` in one pass, never holding the whole input."""
    salt = secrets.token_bytes(16)
    prefix = secrets.token_bytes(4)
    header = json.dumps(
        {
            "kid": ring.active,
            "salt": base64.b64encode(salt).decode(),
            "nonce_prefix": base64.b64encode(prefix).decode(),
            "chunk": chunk_bytes,
            "compression": "zstd",
            "aead": "aes-256-gcm",
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    out.write(MAGIC + struct.pack(">BH", VERSION, len(header)) + header)
    digest = hashlib.sha256(header).digest()
    aead = AESGCM(derive_blob_key(ring.active_key, salt))
    result = SealResult()
    cobj = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compressobj()
    pending = bytearray()
    counter = 0

    def emit(data: bytes, final: bool) -> None:
        nonlocal counter
        ct = aead.encrypt(_nonce(prefix, counter), data, _aad(digest, counter, final))
        out.write(struct.pack(">I", len(ct)))
        out.write(ct)
        counter += 1

    for piece in pieces:
        if not piece:
            continue
        result.sha256.update(piece)
        result.size += len(piece)
        pending += cobj.compress(piece)
        # Keep at least one byte back: the last chunk must carry the final flag.
        while len(pending) > chunk_bytes:
            emit(bytes(pending[:chunk_bytes]), final=False)
            del pending[:chunk_bytes]
        if progress is not None:
            progress(len(piece))
    pending += cobj.flush()
    while len(pending) > chunk_bytes:
        emit(bytes(pending[:chunk_bytes]), final=False)
        del pending[:chunk_bytes]
    emit(bytes(pending), final=True)
    return result


class _Opener(io.RawIOBase):
    """Yields the decrypted (still compressed) bytes of a sealed blob, checking every chunk."""

    def __init__(self, raw: BinaryIO, ring: Keyring, label: str) -> None:
        super().__init__()
        self._raw = raw
        self._label = label
        head = raw.read(len(MAGIC) + 3)
        if len(head) < len(MAGIC) + 3 or head[: len(MAGIC)] != MAGIC:
            raise IntegrityError(f"{label}: not a leaktrace evidence blob (bad magic)")
        version, hlen = struct.unpack(">BH", head[len(MAGIC) :])
        if version != VERSION or hlen > _MAX_HEADER:
            raise IntegrityError(f"{label}: unsupported blob version {version}")
        header_bytes = raw.read(hlen)
        try:
            header = json.loads(header_bytes)
            self.kid: str = header["kid"]
            salt = base64.b64decode(header["salt"])
            self._prefix = base64.b64decode(header["nonce_prefix"])
            self._chunk = int(header["chunk"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"{label}: malformed blob header") from exc
        if self.kid not in ring.keys:
            raise SecretError(
                f"{label}: sealed under key {self.kid!r}, which is not in the keyring "
                "(keep retired keys in the keyring to read old evidence)"
            )
        self._digest = hashlib.sha256(header_bytes).digest()
        self._aead = AESGCM(derive_blob_key(ring.keys[self.kid], salt))
        self._counter = 0
        self._final_seen = False
        self._buf = b""

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes:
        if self._final_seen:
            if self._raw.read(1):
                raise IntegrityError(f"{self._label}: data after the final chunk")
            return b""
        lenb = self._raw.read(4)
        if len(lenb) < 4:
            raise IntegrityError(
                f"{self._label}: truncated after chunk {self._counter} (no final chunk)"
            )
        (n,) = struct.unpack(">I", lenb)
        if n < TAG_BYTES or n > self._chunk + TAG_BYTES:
            raise IntegrityError(f"{self._label}: chunk {self._counter} has impossible length {n}")
        ct = self._raw.read(n)
        if len(ct) < n:
            raise IntegrityError(f"{self._label}: truncated inside chunk {self._counter}")
        nonce = _nonce(self._prefix, self._counter)
        for final in (False, True):
            try:
                data = self._aead.decrypt(nonce, ct, _aad(self._digest, self._counter, final))
            except InvalidTag:
                continue
            self._counter += 1
            self._final_seen = final
            return data
        raise IntegrityError(
            f"{self._label}: chunk {self._counter} fails authentication "
            "(altered, reordered, or sealed under a different key)"
        )

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            self._buf = self._next_chunk()
            if not self._buf and self._final_seen:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def finish(self) -> None:
        """Read to the end so a dropped or appended tail is always noticed."""
        while not self._final_seen:
            self._next_chunk()
        self._next_chunk()


class OpenedBlob(io.RawIOBase):
    """The original bytes of a sealed blob, as a read-only stream (bounded memory)."""

    def __init__(self, raw: BinaryIO, ring: Keyring, label: str) -> None:
        super().__init__()
        self._raw = raw
        self._label = label
        self._opener = _Opener(raw, ring, label)
        self._reader = zstandard.ZstdDecompressor().stream_reader(
            self._opener, read_size=CHUNK_BYTES, closefd=False
        )
        self.kid = self._opener.kid

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._reader.read(len(b))
        except zstandard.ZstdError as exc:
            raise IntegrityError(f"{self._label}: compressed stream is corrupt ({exc})") from exc
        if not data:
            self._opener.finish()
            return 0
        n = len(data)
        b[:n] = data
        return n

    def iter_chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        while True:
            data = self.read(size)
            if not data:
                return
            yield data

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
            self._raw.close()
        super().close()
