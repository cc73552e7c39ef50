"""Fingerprints without a network link: the blinded OPRF exchange carried as files.

`org fingerprint --server` needs the organisation to reach the platform's
OPRF service. Where it cannot (an air-gapped customer database, a platform
that serves no organisation endpoint, or an export too large to push through
a rate-limited service), the same exchange runs in three steps:

1. organisation: ``org fingerprint EXPORT --org N --request REQ --state STATE``
   blinds every distinct key value and writes the blinded elements (REQ,
   safe to hand over: uniformly random group elements) and, separately, its
   blinding scalars (STATE, kept private, created 0600). No value is written
   anywhere: STATE holds a digest of each kind's value list, and step 3
   re-reads the export and refuses it if it changed.
2. platform: ``org evaluate REQ --org N -o RESP`` multiplies each element by
   the *fingerprint* key (it sees nothing but random elements) and stamps
   its key id. Every element is charged to the organisation's daily
   allowance in the usage ledger shared with the online service, and the
   exposure index is built under a different key, so a request file of
   chosen values is neither unlimited nor usable against the exposure set.
3. organisation: ``org fingerprint EXPORT --org N --response RESP --state STATE``
   unblinds, samples and signs, exactly as the online path does.

STATE must stay with the organisation: blinds plus REQ give back H(x), and
an unkeyed hash of an enumerable value can be brute-forced.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf, sodium
from leaktrace.attribution.jsonfile import read_json, write_json
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.errors import InputError, IntegrityError

REQUEST = "leaktrace-oprf-request/1"
RESPONSE = "leaktrace-oprf-response/1"
STATE = "leaktrace-oprf-state/1"
MAX_ELEMENTS = 50_000_000


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(values).encode()).hexdigest()


def _b64(parts: list[bytes]) -> str:
    return base64.b64encode(b"".join(parts)).decode()


def _unb64(text: Any, what: str, path: Path) -> list[bytes]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InputError(f"{path}: {what} is not base64") from exc
    if len(raw) % sodium.BYTES:
        raise InputError(f"{path}: {what} is not a whole number of {sodium.BYTES}-byte elements")
    return [raw[i:i + sodium.BYTES] for i in range(0, len(raw), sodium.BYTES)]


def _doc(path: Path, fmt: str, what: str) -> dict[str, Any]:
    doc = read_json(path, what)
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise InputError(f"{path}: not a {fmt} file")
    if not isinstance(doc.get("kinds"), dict) or not doc["kinds"]:
        raise InputError(f"{path}: field 'kinds' is missing or empty")
    return doc


def make_request(export: Path, org: str, request: Path, state: Path) -> dict[str, int]:
    """Step 1 (organisation): blinded elements to REQUEST, blinds and value digests to STATE (0600)."""
    rows, kinds = fp_mod.export_values(export, org)
    req: dict[str, Any] = {"format": REQUEST, "org": org.strip(), "kinds": {}}
    st: dict[str, Any] = {"format": STATE, "org": org.strip(), "rows": rows, "kinds": {}}
    for kind, values in kinds.items():
        blinded = [oprf.blind(oprf.oprf_input(kind, v)) for v in values]
        req["kinds"][kind] = _b64([b.element for b in blinded])
        st["kinds"][kind] = {"blinds": _b64([b.blind for b in blinded]), "values_sha256": _digest(values),
                             "count": len(values)}
    req["request_id"] = hashlib.sha256(json.dumps(req, sort_keys=True).encode()).hexdigest()[:32]
    st["request_id"] = req["request_id"]
    state.parent.mkdir(parents=True, exist_ok=True)
    tmp = state.with_name(state.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover (perhaps world-readable) tmp must not be reused: O_EXCL below
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(st, fh)
        tmp.replace(state)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    write_json(request, req)
    return {k: len(v) for k, v in kinds.items()}


def evaluate_request(request: Path, key: oprf.ServerKey, response: Path, org: str, ledger: UsageLedger,
                     limit: int) -> int:
    """Step 2 (platform): k times each blinded element, charged to `org`'s daily `limit` in `ledger`.

    `key` must be the fingerprint key (oprf.FINGERPRINT), never the exposure key.
    Nothing is written when the request is refused.
    """
    req = _doc(request, REQUEST, "OPRF request")
    if str(req.get("org", "")).strip() != org.strip():
        raise InputError(f"{request}: field 'org' is {req.get('org')!r}, but it is being charged to {org!r}")
    elements = {k: _unb64(v, f"kinds[{k!r}]", request) for k, v in req["kinds"].items()}
    total = sum(len(v) for v in elements.values())
    if total > MAX_ELEMENTS:
        raise InputError(f"{request}: {total} elements; at most {MAX_ELEMENTS} per request file")
    if not ledger.charge(org.strip(), total, limit, "offline-fingerprint"):
        left = max(0, limit - ledger.used(org.strip()))
        raise InputError(f"{request}: {total} elements exceed {org!r}'s daily OPRF allowance "
                         f"({left} of {limit} left today, UTC); split the export or ask for 'org token --daily-quota'")
    out: dict[str, Any] = {"format": RESPONSE, "org": req.get("org", ""), "request_id": req.get("request_id", ""),
                           "oprf_key_id": key.key_id, "kinds": {}}
    for kind, els in elements.items():
        try:
            out["kinds"][kind] = _b64(key.blind_evaluate(els))
        except ValueError as exc:
            raise InputError(f"{request}: kinds[{kind!r}]: an element is not a valid ristretto255 point") from exc
    write_json(response, out)
    return total


def finish(export: Path, org: str, state: Path, response: Path, rate: float) -> fp_mod.Fingerprint:
    """Step 3 (organisation): unblind, check the export is the one blinded, and build the fingerprint."""
    fp_mod.threshold(rate)
    st = _doc(state, STATE, "OPRF state file")
    resp = _doc(response, RESPONSE, "OPRF response")
    if resp.get("request_id") != st.get("request_id"):
        raise IntegrityError(f"{response}: answers request {resp.get('request_id')!r}, but {state} belongs to "
                             f"request {st.get('request_id')!r}")
    rows, kinds = fp_mod.export_values(export, org)
    if org.strip() != st.get("org") or set(kinds) != set(st["kinds"]):
        raise IntegrityError(f"{export}: not the export (or --org) that {state} was made from")
    outputs: dict[str, list[bytes]] = {}
    for kind, values in kinds.items():
        entry = st["kinds"][kind]
        if _digest(values) != entry.get("values_sha256"):
            raise IntegrityError(f"{export}: its {kind} values changed since the request was made; start again")
        blinds = _unb64(entry.get("blinds"), f"kinds[{kind!r}].blinds", state)
        answers = _unb64(resp["kinds"].get(kind, ""), f"kinds[{kind!r}]", response)
        if not (len(blinds) == len(answers) == len(values)):
            raise IntegrityError(f"{response}: kinds[{kind!r}] holds {len(answers)} elements, expected {len(values)}")
        try:
            outputs[kind] = [oprf.finalize(oprf.Blinded(oprf.oprf_input(kind, v), r, b""), a)
                             for v, r, a in zip(values, blinds, answers, strict=True)]
        except ValueError as exc:
            raise IntegrityError(f"{response}: kinds[{kind!r}]: an answer is not a valid group element") from exc
    key_id = resp.get("oprf_key_id")
    if not isinstance(key_id, str) or not key_id:
        raise InputError(f"{response}: field 'oprf_key_id' is missing")
    return fp_mod.from_outputs(org, key_id, rate, rows, kinds, outputs)
