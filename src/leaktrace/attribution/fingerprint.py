"""Organisation fingerprints: sampled OPRF tags of person and record keys, signed.

Built on the organisation's side. Each distinct key value goes through the
oblivious PRF (blinded requests to the platform's server), so the file holds
values nobody can recompute without the server key: the organisation cannot
brute-force it, and neither can whoever steals it.

Consistent sampling: a value is kept when the first 64 bits of its PRF output
fall below ``rate · 2^64``. The platform applies the same rule to dump values,
so every sampled dump value that the organisation holds is in the file, and
``hits / sampled`` is an unbiased estimate of containment. At the default
rate of 1/4, a 1,000-row dump sample yields ~250 sampled values per key
kind. Against record keys (which no other organisation holds) a handful of
hits is decisive; against person keys the test must beat chance overlap,
and the hard case — a source holding a third of the population, as in the
simulated worlds — needs a few hundred sampled values for the excess
(e.g. 60% observed vs 35% by chance) to sit several standard deviations out.
An organisation of 10 M customers hands over ~2.5 M tags per kind, not 10 M,
and a stolen file says nothing about the other three quarters.

The file is signed with the organisation's Ed25519 key and names the OPRF
server key id it was made under; the platform rejects a file whose signature
fails (tampered) or whose key id is not its own (made under another key).
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from leaktrace.attribution import oprf
from leaktrace.attribution.jsonfile import read_json, write_json
from leaktrace.attribution.key_columns import distinct_keys, infer_roles
from leaktrace.attribution.table import open_rows
from leaktrace.core.errors import InputError, IntegrityError

FORMAT = "leaktrace-fingerprint/1"
DEFAULT_RATE = 1 / 4
KEY_KINDS = ("cn_id", "cn_mobile", "order_id", "order_tuple")


MIN_RATE = 1 / 64  # below this, a fingerprint's claimed customer count (which sizes its quota) is barely checked


def threshold(rate: float) -> int:
    """The 64-bit sampling threshold for a rate in [MIN_RATE, 1].

    Why a floor: the platform checks the org-signed `distinct` counts only
    against the number of sampled tags, and sizes the organisation's OPRF
    allowance from them; at a tiny rate a handful of tags "proves" any count.
    """
    if not MIN_RATE <= rate <= 1:
        raise InputError(f"sampling rate must be between 1/64 and 1, got {rate}")
    return min(2**64 - 1, int(rate * 2**64))


@dataclass
class Fingerprint:
    org: str
    key_id: str
    rate: float
    source_rows: int
    distinct: dict[str, int]  # distinct values per kind before sampling (the customer-base size)
    tags: dict[str, np.ndarray]  # sorted uint64 tags of sampled values per kind
    signer: str = ""
    signature: str = ""
    created: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "org": self.org, "oprf_key_id": self.key_id, "sampling_rate": self.rate,
            "created": self.created, "source_rows": self.source_rows,
            "kinds": {k: {"distinct": self.distinct[k],
                          "tags": base64.b64encode(self.tags[k].astype(">u8").tobytes()).decode()}
                      for k in sorted(self.tags)},
            "signer": self.signer,
        }


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sampled_tags(outputs: list[bytes], rate: float) -> np.ndarray:
    t = threshold(rate)
    kept = [tag for u, tag in map(oprf.split_output, outputs) if u < t]
    return np.unique(np.array(kept, dtype=np.uint64))


def export_values(path: str | Path, org: str) -> tuple[int, dict[str, list[str]]]:
    """(rows, sorted distinct normalised values per key kind) of an org export; bad input is one clear error."""
    if not org.strip():
        raise InputError("--org: the organisation name is empty")
    stream = open_rows(path, strict=True)
    rows, kinds = distinct_keys(stream, infer_roles(stream), KEY_KINDS)
    kinds = {k: v for k, v in kinds.items() if v}
    if not kinds:
        raise InputError(f"{path}: no ID, mobile, order id or order-tuple values in {rows} rows")
    return rows, kinds


def from_outputs(org: str, key_id: str, rate: float, rows: int, kinds: dict[str, list[str]],
                 outputs: dict[str, list[bytes]]) -> Fingerprint:
    """The (unsigned) fingerprint of the PRF outputs of each kind's values."""
    tags = {kind: sampled_tags(outputs[kind], rate) for kind in kinds}
    return Fingerprint(org.strip(), key_id, rate, rows, {k: len(v) for k, v in kinds.items()},
                       tags, created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def build(path: str | Path, org: str, evaluator: oprf.BlindEvaluator, rate: float = DEFAULT_RATE,
          batch: int = 1000) -> Fingerprint:
    """Read an org export and turn its keys into sampled OPRF tags (unsigned)."""
    threshold(rate)
    rows, kinds = export_values(path, org)
    outs = {kind: oprf.oblivious_outputs(evaluator, [oprf.oprf_input(kind, v) for v in values], batch)
            for kind, values in kinds.items()}
    return from_outputs(org, evaluator.key_id, rate, rows, kinds, outs)


# -- signing keys (organisation side) ------------------------------------------
def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise IntegrityError(f"{path}: not an Ed25519 private key")
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    tmp.replace(path)
    return key


def _raw_public(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def sign(fp: Fingerprint, key: Ed25519PrivateKey) -> None:
    fp.signer = _raw_public(key.public_key())
    fp.signature = base64.b64encode(key.sign(_canonical(fp.body()))).decode()


def save(fp: Fingerprint, path: Path) -> None:
    if not fp.signature:
        raise IntegrityError("refusing to write an unsigned fingerprint")
    write_json(path, {**fp.body(), "signature": fp.signature})


def load(path: Path, expect_key_id: str | None = None) -> Fingerprint:
    """Read and verify a fingerprint file: format, signature, server key id, internal consistency."""
    doc = read_json(path, "fingerprint file")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"{path}: not a {FORMAT} file")
    try:
        sig = base64.b64decode(doc.pop("signature"), validate=True)
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(doc["signer"], validate=True))
        pub.verify(sig, _canonical(doc))
    except (KeyError, ValueError, InvalidSignature) as exc:
        raise IntegrityError(f"{path}: signature check failed: the file was altered or is not signed") from exc
    if expect_key_id is not None and doc["oprf_key_id"] != expect_key_id:
        raise IntegrityError(f"{path}: made under OPRF key {doc['oprf_key_id']}, but this platform's key is "
                             f"{expect_key_id}; rebuild it against this platform's server")
    tags = {k: np.frombuffer(base64.b64decode(v["tags"]), dtype=">u8").astype(np.uint64)
            for k, v in doc["kinds"].items()}
    fp = Fingerprint(doc["org"], doc["oprf_key_id"], float(doc["sampling_rate"]), int(doc["source_rows"]),
                     {k: int(v["distinct"]) for k, v in doc["kinds"].items()}, tags, doc["signer"],
                     base64.b64encode(sig).decode(), doc.get("created", ""))
    if not MIN_RATE <= fp.rate <= 1:
        raise IntegrityError(f"{path}: field 'sampling_rate' is {fp.rate}; fingerprints must be sampled at "
                             "1/64 or more")
    for k, arr in tags.items():
        expected = fp.distinct[k] * fp.rate
        if abs(len(arr) - expected) > 6 * (expected ** 0.5) + 10:
            raise IntegrityError(f"{path}: kind {k!r}: {len(arr)} sampled tags do not fit {fp.distinct[k]} "
                                 f"distinct values at rate {fp.rate}")
    return fp
