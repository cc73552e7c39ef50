"""Check a custody log and its blobs, with nothing but files: no database, no settings.

This is the core both `leaktrace evidence verify` and a stand-alone bundle
verifier run. It walks the log once, in order, and records every problem it
finds; the report names the first one (line number and entry hash), which is
where an investigator has to start looking. After a problem the walk
re-synchronises on the entry's stored hash, so one edit yields one problem,
not a cascade.

The data directory alone cannot tell a roll-back (log cut back, an older
signed head restored from an earlier export) from an honest older state:
`anchors` are heads kept outside it (written down, in a bundle, in an
export's provenance record). The log must reach every anchor's entry and
hold exactly the anchored hash there.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from leaktrace.core.signing import check_signature
from leaktrace.evidence import timestamp
from leaktrace.evidence.custody import EXPIRED, GENESIS, canonical, head_body, read_lines

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

# Returns None when the blob is sound, else what is wrong with it.
BlobCheck = Callable[[str], str | None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, tied to the custody line where it shows."""

    kind: str
    message: str
    line: int | None = None
    entry_hash: str | None = None
    sha256: str | None = None

    def describe(self, log_name: str = "custody.jsonl") -> str:
        where = log_name
        if self.line is not None:
            where += f" line {self.line}"
        if self.entry_hash:
            where += f" (entry {self.entry_hash})"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Anchor:
    """A custody head kept outside the data directory: entry `seq` must have hash `hash`.

    `head` is the signed head document when the anchor came as one (its signature is
    checked); a bare `SEQ:HASH` written down by an investigator has none.
    """

    seq: int
    hash: str
    source: str
    head: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "source": self.source}


@dataclass
class VerifyReport:
    entries: int = 0
    blobs_checked: int = 0
    head_seq: int | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    anchor: Anchor | None = None  # the newest outside anchor checked
    omitted: int = 0  # entries a bundle shows by their hash only
    stamps: timestamp.StampReport = field(default_factory=timestamp.StampReport)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "blobs_checked": self.blobs_checked,
            "omitted": self.omitted,
            "head_seq": self.head_seq,
            "anchor": self.anchor.to_json() if self.anchor else None,
            "first_problem": self.first.describe() if self.first else None,
            "problems": [asdict(p) for p in self.problems],
            "warnings": [asdict(p) for p in self.warnings],
            "timestamps": self.stamps.to_json(),
        }


def _b64(text: Any) -> bytes | None:
    try:
        return base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        return None


def verify_log(
    log_path: Path,
    trusted: Mapping[str, Ed25519PublicKey],
    head: Mapping[str, Any] | None,
    check_blob: BlobCheck | None = None,
    anchors: Sequence[Anchor] = (),
    *,
    allow_omitted: bool = False,
    tsa_roots: Sequence[Certificate] | None = None,
) -> VerifyReport:
    """Every entry's hash, link, sequence and signature; each referenced blob once; the head; the anchors.

    With `allow_omitted` (a bundle's copy of the log) a line may be an omitted entry's
    hash alone: it takes its place in the chain, and the next entry's signed link pins it.

    Timestamp entries are checked against `tsa_roots` (None: tokens are not checked, and
    a warning says so); the report names the entries no good token dates yet.
    """
    report = VerifyReport()
    hashes: dict[int, str] = {}
    dated: list[int] = []  # seqs of entries a stamp should cover (all but the stamps themselves)
    wanted = {a.seq for a in anchors}
    at_seq: dict[int, tuple[str, int]] = {}
    prev = GENESIS
    expected_seq = 1
    last_line = 0
    seen_blobs: set[str] = set()
    first_ref: dict[str, tuple[int, str]] = {}
    last_action: dict[str, str] = {}

    def problem(kind: str, message: str, line: int, entry_hash: str | None, sha: str | None = None) -> None:
        report.problems.append(Problem(kind, message, line, entry_hash, sha))

    for raw in read_lines(log_path):
        last_line = raw.lineno
        entry = raw.entry
        if raw.omitted is not None:
            report.entries += 1
            report.omitted += 1
            if not allow_omitted:
                problem("omitted", "an omitted entry (hash only) in a store's own log", raw.lineno, raw.omitted)
            if expected_seq in wanted:
                at_seq.setdefault(expected_seq, (raw.omitted, raw.lineno))
            hashes.setdefault(expected_seq, raw.omitted)
            dated.append(expected_seq)
            prev = raw.omitted
            expected_seq += 1
            continue
        if entry is None:
            problem("unreadable", raw.error or "unreadable", raw.lineno, None)
            continue
        report.entries += 1
        h = entry.hash
        if raw.error:
            problem("altered", raw.error, raw.lineno, h)
        elif entry.compute_hash() != h:
            problem("altered", "entry content does not match its hash (entry was edited)", raw.lineno, h)
        elif entry.prev != prev:
            problem(
                "chain",
                "chain broken: 'prev' does not match the previous entry "
                "(an entry before this one was deleted, inserted or altered)",
                raw.lineno,
                h,
            )
        elif entry.seq != expected_seq:
            problem("sequence", f"sequence number {entry.seq}, expected {expected_seq}", raw.lineno, h)
        elif entry.signer not in trusted:
            problem("signer", f"signed by unknown key {entry.signer}", raw.lineno, h)
        else:
            sig = _b64(entry.sig)
            if sig is None or not check_signature(trusted[entry.signer], sig, canonical(entry.body())):
                problem("signature", "signature does not verify", raw.lineno, h)
        if entry.sha256 and check_blob is not None:
            # Checked after the whole log is read: a blob whose last entry is an expiry is meant to be gone.
            if entry.sha256 not in seen_blobs:
                seen_blobs.add(entry.sha256)
                first_ref[entry.sha256] = (raw.lineno, h)
            last_action[entry.sha256] = entry.action
        if entry.seq in wanted and isinstance(entry.seq, int):
            at_seq.setdefault(entry.seq, (h, raw.lineno))
        if entry.action in timestamp.ACTIONS:
            _check_stamp(report, entry.action, entry.meta, hashes, tsa_roots, raw.lineno, h)
        else:
            dated.append(entry.seq)
        hashes.setdefault(entry.seq, h)
        prev = h
        expected_seq = entry.seq + 1 if isinstance(entry.seq, int) else expected_seq + 1

    if check_blob is not None:
        for sha, (line, h) in first_ref.items():
            if last_action[sha] == EXPIRED:
                continue
            report.blobs_checked += 1
            err = check_blob(sha)
            if err:
                problem("blob", err, line, h, sha)
        report.problems.sort(key=lambda p: p.line if p.line is not None else 0)
    report.stamps.checked = tsa_roots is not None
    report.stamps.unstamped = [s for s in dated if s > report.stamps.stamped_through]
    if report.stamps.stamps and not report.stamps.checked:
        report.warnings.append(
            Problem("timestamp", f"{report.stamps.stamps} timestamp token(s) not checked: no TSA root certificate given")
        )
    _check_head(report, head, trusted, expected_seq - 1, prev, last_line)
    _check_anchors(report, anchors, trusted, at_seq, expected_seq - 1, last_line)
    return report


def _check_stamp(
    report: VerifyReport,
    action: str,
    meta: Mapping[str, Any],
    hashes: Mapping[int, str],
    roots: Sequence[Certificate] | None,
    line: int,
    entry_hash: str,
) -> None:
    """A kept token must date the entry it names; a refused one is shown, never counted."""
    stamps = report.stamps
    if action == timestamp.REFUSED:
        stamps.refused += 1
        report.warnings.append(
            Problem("timestamp", f"TSA response refused at stamping: {meta.get('reason')}", line, entry_hash)
        )
        return
    seq, check = timestamp.check_stamp_entry(meta, hashes, roots)
    if not check.ok or seq is None:
        report.problems.append(Problem("timestamp", str(check.error), line, entry_hash))
        return
    stamps.stamps += 1
    if seq >= stamps.stamped_through:
        stamps.stamped_through = seq
        stamps.stamped_time = check.gen_time


def _check_anchors(
    report: VerifyReport,
    anchors: Sequence[Anchor],
    trusted: Mapping[str, Ed25519PublicKey],
    at_seq: Mapping[int, tuple[str, int]],
    last_seq: int,
    last_line: int,
) -> None:
    """Each outside anchor's entry must be in the log with the anchored hash."""
    for anchor in sorted(anchors, key=lambda a: a.seq, reverse=True):
        where = f"outside anchor from {anchor.source}"
        if anchor.head is not None:
            signer = str(anchor.head.get("signer"))
            sig = _b64(anchor.head.get("sig"))
            body = head_body(anchor.seq, anchor.hash, signer)
            if signer not in trusted or sig is None or not check_signature(trusted[signer], sig, canonical(body)):
                report.problems.append(Problem("anchor", f"{where}: its head signature does not verify"))
                continue
        found = at_seq.get(anchor.seq)
        if found is None:
            report.problems.append(
                Problem(
                    "anchor",
                    f"log ends at entry {last_seq} but the {where} records entry {anchor.seq} "
                    f"({anchor.hash}): the newest entries were removed (roll-back)",
                    last_line + 1,
                )
            )
        elif found[0] != anchor.hash:
            report.problems.append(
                Problem(
                    "anchor",
                    f"entry {anchor.seq} differs from the {where} ({anchor.hash}): the log was rewritten",
                    found[1],
                    found[0],
                )
            )
        if report.anchor is None or anchor.seq > report.anchor.seq:
            report.anchor = anchor


def _check_head(
    report: VerifyReport,
    head: Mapping[str, Any] | None,
    trusted: Mapping[str, Ed25519PublicKey],
    last_seq: int,
    last_hash: str,
    last_line: int,
) -> None:
    """The signed head pins the end of the log, so deleting the newest entries shows."""
    where = last_line + 1
    if head is None:
        if report.entries:
            report.problems.append(Problem("head", "signed custody head is missing", where))
        return
    report.head_seq = head.get("seq") if isinstance(head.get("seq"), int) else None
    signer = str(head.get("signer"))
    sig = _b64(head.get("sig"))
    body = head_body(head.get("seq"), head.get("hash"), signer)  # type: ignore[arg-type]
    if signer not in trusted or sig is None or not check_signature(trusted[signer], sig, canonical(body)):
        report.problems.append(Problem("head", "custody head signature does not verify", where))
        return
    if head.get("seq") == last_seq and head.get("hash") == last_hash:
        return
    hseq = head.get("seq")
    if isinstance(hseq, int) and hseq > last_seq:
        msg = (
            f"log ends at entry {last_seq} but the signed head records {hseq} entries "
            f"(entries {last_seq + 1}..{hseq} were deleted)"
        )
    elif isinstance(hseq, int) and hseq == last_seq - 1:
        report.warnings.append(
            Problem("head", "head is one entry behind (interrupted append; next append repairs it)", where)
        )
        return
    else:
        msg = f"signed head (entry {hseq}, {head.get('hash')}) does not match the end of the log"
    report.problems.append(Problem("head", msg, where))
