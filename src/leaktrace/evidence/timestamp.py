"""Trusted timestamps (RFC 3161) on the custody chain: a third party dates its head.

The custody chain is signed by the unit's own key, which proves that nothing
changed since signing but not *when* anything was signed: whoever holds the
key could rebuild the chain with other times. A time-stamping authority
(TSA) signs "this digest existed at time T"; the digest we send is the
head entry's hash (SHA-256 of its canonical body), so the TSA's
`messageImprint` *is* the entry hash, and because every entry names the hash
of the one before, one token dates every entry up to the stamped one.

Stamps are taken in batches (every `every` entries, or after `interval_s`
seconds with unstamped entries) and kept in the chain itself, as entries:

* `timestamp`: meta {stamped_seq, stamped_hash, tsa, gen_time, token}: the
  TSA's whole response (base64 DER), checked before it was kept;
* `timestamp-refused`: the same plus `reason`: a response that did not
  verify (a token for another hash, a signer outside the configured roots,
  a refusal); kept so the record shows the TSA misbehaved, and never
  counted as a stamp.

A TSA that is down leaves no entry: the chain grows, the next batch tries
again, and `verify` names the entries after the last good stamp. The stamp
entry itself is dated by the next stamp.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc3161_client
from cryptography import x509

from leaktrace.core.errors import ConfigError
from leaktrace.evidence.custody import canonical

if TYPE_CHECKING:
    from leaktrace.evidence.custody import CustodyEntry, CustodyLog

STAMP = "timestamp"
REFUSED = "timestamp-refused"
ACTIONS = frozenset({STAMP, REFUSED})
STATE_NAME = "timestamp.state"
MAX_RESPONSE = 1 << 16
COLLECTOR = "leaktrace-tsa"


def load_roots(path: Path) -> list[x509.Certificate]:
    """The TSA root certificates (PEM, one or more) a token must chain to."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read TSA root certificates ({exc.strerror})") from exc
    try:
        roots = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigError(f"{path}: not PEM certificates ({exc})") from exc
    if not roots:
        raise ConfigError(f"{path}: holds no certificate")
    return roots


def roots_from_pem(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


@dataclass(frozen=True)
class TsaConfig:
    """Where stamps come from, whom to believe, and how often to ask."""

    url: str
    roots: Sequence[x509.Certificate]
    every: int = 100
    interval_s: float = 3600.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class TokenCheck:
    """What a stored or fresh TSA response says: its time, or why it is refused."""

    gen_time: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_response(der: bytes, entry_hash: str, roots: Sequence[x509.Certificate], nonce: int | None = None) -> TokenCheck:
    """Does `der` (a TimeStampResp) date exactly `entry_hash`, signed by a TSA under `roots`?"""
    try:
        resp = rfc3161_client.decode_timestamp_response(der)
    except ValueError as exc:
        return TokenCheck(None, f"not a time-stamp response ({exc})")
    if resp.status not in (0, 1):
        return TokenCheck(None, f"TSA refused the request (status {resp.status}: {' '.join(resp.status_string)})")
    gen_time = resp.tst_info.gen_time.isoformat().replace("+00:00", "Z")
    imprint = resp.tst_info.message_imprint
    if imprint.hash_algorithm != x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1"):
        return TokenCheck(gen_time, "token is not over a SHA-256 digest")
    if imprint.message != bytes.fromhex(entry_hash):
        return TokenCheck(gen_time, f"token dates another digest ({imprint.message.hex()}), not entry {entry_hash}")
    if not roots:
        return TokenCheck(gen_time, "no TSA root certificate to check the token against")
    builder = rfc3161_client.VerifierBuilder(roots=list(roots))
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify(resp, bytes.fromhex(entry_hash))
    except (rfc3161_client.VerificationError, ValueError) as exc:
        return TokenCheck(gen_time, f"token signature does not chain to a trusted TSA root ({exc})")
    return TokenCheck(gen_time, None)


class TsaUnavailable(Exception):
    """The TSA could not be reached or did not answer: try again at the next batch."""


def request_stamp(url: str, entry_body: bytes, timeout_s: float) -> tuple[bytes, int | None]:
    """Ask the TSA at `url` to date `entry_body` (SHA-256): the raw response and our nonce.

    OSError-like failures (down, refused, timeout, HTTP error) raise `TsaUnavailable`.
    """
    import httpx

    req = rfc3161_client.TimestampRequestBuilder(
        data=entry_body, hash_algorithm=rfc3161_client.HashAlgorithm.SHA256, nonce=True, cert_req=True
    ).build()
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False) as client, client.stream(
            "POST", url, content=req.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
        ) as r:
            if r.status_code != 200:
                raise TsaUnavailable(f"{url}: HTTP {r.status_code}")
            data = b""
            for piece in r.iter_bytes():
                data += piece
                if len(data) > MAX_RESPONSE:
                    raise TsaUnavailable(f"{url}: response larger than {MAX_RESPONSE} bytes")
    except httpx.HTTPError as exc:
        raise TsaUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
    return data, req.nonce


@dataclass(frozen=True)
class StampOutcome:
    """What one stamping attempt did: stamped, refused (recorded) or TSA down (nothing written)."""

    status: str  # "stamped" | "refused" | "unavailable" | "nothing"
    stamped_seq: int | None = None
    entry: CustodyEntry | None = None
    message: str = ""


class Stamper:
    """Takes batched RFC 3161 stamps of one custody log's head."""

    def __init__(self, log: CustodyLog, config: TsaConfig) -> None:
        self.log = log
        self.config = config
        self.state_path = log.directory / STATE_NAME
        self._busy = threading.Lock()  # one stamp at a time per process (the crawl's sink threads)

    # The state file only says when to ask next; the chain is the record (verify never reads it).
    def _state(self) -> dict[str, Any]:
        try:
            doc = json.loads(self.state_path.read_text())
            return doc if isinstance(doc, dict) else {}
        except (OSError, ValueError):
            return {}

    def _save_state(self, **values: Any) -> None:
        doc = {**self._state(), **values}
        fd, tmp = tempfile.mkstemp(dir=self.state_path.parent, prefix=STATE_NAME + ".")
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
        os.replace(tmp, self.state_path)

    def due(self, seq: int, now: float | None = None) -> bool:
        """After entry `seq`: is a stamp due (N entries since the last try, or the interval passed)?"""
        st = self._state()
        now = time.time() if now is None else now
        if "attempt_time" not in st:  # the interval runs from the first entry this stamper saw
            self._save_state(attempt_time=now)
            st = self._state()
        last_seq = int(st.get("attempt_seq", 0))
        last_time = float(st.get("attempt_time", now))
        if seq <= int(st.get("stamped_seq", 0)):
            return False
        return seq - last_seq >= self.config.every or now - last_time >= self.config.interval_s

    def after_append(self, entry: CustodyEntry) -> StampOutcome | None:
        """Called after every append: stamp when a batch is due; never raises for a TSA problem."""
        if entry.action in ACTIONS or not self._busy.acquire(blocking=False):
            return None  # another thread is stamping: its token dates this entry's batch soon enough
        try:
            return self._stamp_locked() if self.due(entry.seq) else None
        finally:
            self._busy.release()

    def stamp(self) -> StampOutcome:
        """Stamp the current head now (the `evidence stamp` command and batch triggers)."""
        with self._busy:
            return self._stamp_locked()

    def _stamp_locked(self) -> StampOutcome:
        head = self.log.last_entry()
        if head is None:
            return StampOutcome("nothing", message="custody log is empty")
        if head.action in ACTIONS and head.seq - 1 <= int(self._state().get("stamped_seq", 0)):
            return StampOutcome("nothing", message="every entry up to the last stamp is stamped")
        self._save_state(attempt_seq=head.seq, attempt_time=time.time())
        body = canonical(head.body())
        meta: dict[str, Any] = {"stamped_seq": head.seq, "stamped_hash": head.hash, "tsa": self.config.url}
        try:
            der, nonce = request_stamp(self.config.url, body, self.config.timeout_s)
        except TsaUnavailable as exc:
            return StampOutcome("unavailable", message=f"TSA unavailable: {exc}")
        check = check_response(der, head.hash, self.config.roots, nonce)
        meta.update({"gen_time": check.gen_time, "token": base64.b64encode(der).decode()})
        if not check.ok:
            meta["reason"] = check.error
            entry = self.log.append(REFUSED, collector=COLLECTOR, contains_pii=False, meta=meta)
            self._save_state(attempt_seq=entry.seq)
            return StampOutcome("refused", head.seq, entry, f"TSA response refused: {check.error}")
        entry = self.log.append(STAMP, collector=COLLECTOR, contains_pii=False, meta=meta)
        self._save_state(stamped_seq=head.seq, attempt_seq=entry.seq)
        return StampOutcome("stamped", head.seq, entry, f"entry {head.seq} stamped at {check.gen_time}")

# -- verification (used by verify.py on a store's log and on a bundle's) -------------------------


@dataclass
class StampReport:
    """What the tokens in a chain prove: the last entry a TSA dates, and what is not yet dated."""

    stamps: int = 0
    refused: int = 0
    stamped_through: int = 0
    stamped_time: str | None = None
    unstamped: list[int] | None = None
    checked: bool = True  # False: no TSA roots given, tokens not checked

    def unstamped_ranges(self) -> str:
        seqs = self.unstamped or []
        if not seqs:
            return ""
        parts: list[str] = []
        start = prev = seqs[0]
        for s in [*seqs[1:], None]:
            if s is not None and s == prev + 1:
                prev = s
                continue
            parts.append(str(start) if start == prev else f"{start}..{prev}")
            if s is not None:
                start = prev = s
        return ", ".join(parts)

    def describe(self) -> str:
        """What the trusted timestamps prove, in one line: dated through which entry, and what is not."""
        checked = "" if self.checked else " (tokens not checked: no TSA root given)"
        if not self.stamps:
            text = "timestamps: none; no entry is stamped by a TSA yet"
        else:
            text = (f"timestamps: {self.stamps} token(s){checked}; entries 1..{self.stamped_through} "
                    f"existed by {self.stamped_time} (TSA time)")
            rest = self.unstamped_ranges()
            text += f"; not yet stamped: {rest}" if rest else "; every entry stamped"
        if self.refused:
            text += f"; {self.refused} TSA response(s) refused"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "stamps": self.stamps,
            "refused": self.refused,
            "stamped_through": self.stamped_through,
            "stamped_time": self.stamped_time,
            "unstamped": self.unstamped_ranges(),
            "tokens_checked": self.checked,
        }


def check_stamp_entry(
    meta: Mapping[str, Any], hashes: Mapping[int, str], roots: Sequence[x509.Certificate] | None
) -> tuple[int | None, TokenCheck]:
    """A `timestamp` entry's token against the entry it names (by its hash in this log)."""
    seq = meta.get("stamped_seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return None, TokenCheck(None, "timestamp entry names no stamped entry")
    stamped = hashes.get(seq)
    if stamped is None:
        return seq, TokenCheck(None, f"timestamp names entry {seq}, which is not before it in the log")
    if meta.get("stamped_hash") != stamped:
        return seq, TokenCheck(None, f"timestamp names entry {seq} with another hash than the log holds")
    try:
        der = base64.b64decode(str(meta.get("token", "")), validate=True)
    except ValueError:
        return seq, TokenCheck(None, "timestamp token is not base64")
    if roots is None:
        return seq, TokenCheck(meta.get("gen_time"), None)
    return seq, check_response(der, stamped, roots)
