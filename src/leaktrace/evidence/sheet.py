"""What a court sheet says about one evidence item, gathered and checked from the store alone.

One item is a capture (the WARC of a page) with what hangs on it: its
screenshot, the WARC of the screenshot's subresources, their custody
entries, and the first trusted timestamp that dates the capture's entry.
Everything shown is checked here, not copied: each blob re-hashes to its
name, the custody chain verifies, and the timestamp token is verified
against the TSA roots. The layout (HTML, PDF) lives in `cases.sheet`.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from leaktrace.core.errors import InputError
from leaktrace.evidence import timestamp
from leaktrace.evidence.custody import CustodyEntry
from leaktrace.evidence.evidence_store import EvidenceStore, check_sha256

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

SCREENSHOT = "screenshot"
RESOURCES = "render-resources"
SCREENSHOT_FAILED = "screenshot-failed"
MAX_PNG = 64 << 20


@dataclass(frozen=True)
class StampInfo:
    """The first TSA token that dates the item's entry, and whether it verifies."""

    entry_seq: int
    stamped_seq: int
    gen_time: str | None
    tsa: str | None
    serial: str | None
    signer: str | None
    verified: bool
    problem: str | None
    token_b64: str


@dataclass
class SheetData:
    sha256: str
    capture: CustodyEntry
    url: str | None
    captured_at: str
    payload_sha256: str | None
    screenshot: CustodyEntry | None = None
    screenshot_png: bytes | None = None
    resources: CustodyEntry | None = None
    failures: list[CustodyEntry] = field(default_factory=list)
    rendering: str | None = None  # what the capture's entry announced became: rendered, failed, pending
    entries: list[CustodyEntry] = field(default_factory=list)
    stamp: StampInfo | None = None
    blob_checks: dict[str, str | None] = field(default_factory=dict)  # sha -> None (sound) or the problem
    chain_ok: bool = False
    chain_problem: str | None = None
    chain_entries: int = 0
    key_fingerprint: str | None = None


def _token_details(der: bytes) -> tuple[str | None, str | None]:
    """(serial, signer subject) of a TSA response, for the sheet; (None, None) if unreadable."""
    import rfc3161_client
    from cryptography import x509

    try:
        resp = rfc3161_client.decode_timestamp_response(der)
        serial = format(resp.tst_info.serial_number, "x")
        signers = [x509.load_der_x509_certificate(c) for c in resp.signed_data.certificates]
        info = next(iter(resp.signed_data.signer_infos))
        subject = next((c.subject.rfc4514_string() for c in signers if c.serial_number == info.serial_number), None)
    except (ValueError, StopIteration):
        return None, None
    return serial, subject


def linked_screenshots(entries: Sequence[CustodyEntry], captures: Sequence[str]) -> dict[str, CustodyEntry]:
    """The latest screenshot entry of each capture, accepted only through its link to the capture's entry.

    A rendering runs after the capture's entry is signed (a queued job), so the PNG cannot sit in
    that entry; the capture's entry announces the rendering (`meta.rendering.job_key`) and the
    screenshot's entry names the capture entry by hash (`capture_entry`) with the same job key. A
    screenshot whose link does not match an announcing capture entry is not the capture's. (Entries
    written before renderings were queued carry no link and are matched by `capture_sha256` alone.)
    """
    wanted = set(captures)
    announced: dict[str, tuple[str, str | None]] = {}  # capture entry hash -> (capture sha, job key)
    out: dict[str, CustodyEntry] = {}
    for e in entries:
        if e.sha256 in wanted and e.action != SCREENSHOT:
            rendering = e.meta.get("rendering")
            announced[e.hash] = (e.sha256, rendering.get("job_key") if isinstance(rendering, dict) else None)
        cap = e.meta.get("capture_sha256")
        if e.action != SCREENSHOT or not e.sha256 or cap not in wanted:
            continue
        link = e.meta.get("capture_entry")
        if link is None and "job_key" not in e.meta:
            out[cap] = e  # before the queue: matched by the capture's hash alone
        elif link in announced and announced[link] == (cap, e.meta.get("job_key")):
            out[cap] = e
    return out


def rendering_state(entries: Sequence[CustodyEntry], capture: CustodyEntry) -> str | None:
    """What became of the rendering the capture's entry announced: rendered, failed, pending, or None."""
    rendering = capture.meta.get("rendering")
    if not isinstance(rendering, dict):
        return None
    key = rendering.get("job_key")
    state = "pending"
    for e in entries:
        if e.meta.get("capture_entry") == capture.hash and e.meta.get("job_key") == key:
            if e.action == SCREENSHOT:
                return "rendered"
            if e.action == SCREENSHOT_FAILED:
                state = "failed"
    return state


def gather(store: EvidenceStore, sha: str, *, tsa_roots: Sequence[Certificate] | None = None) -> SheetData:
    """The sheet's facts for the capture `sha` (or the capture a screenshot `sha` shows)."""
    sha = check_sha256(sha)
    all_entries = list(store.entries())
    first = next((e for e in all_entries if e.sha256 == sha), None)
    if first is None:
        raise InputError(f"{sha}: no custody entry names this evidence item")
    if first.action in (SCREENSHOT, RESOURCES) and isinstance(first.meta.get("capture_sha256"), str):
        sha = first.meta["capture_sha256"]
        first = next((e for e in all_entries if e.sha256 == sha), first)
    related = [e for e in all_entries if e.sha256 == sha or e.meta.get("capture_sha256") == sha]
    data = SheetData(
        sha256=sha, capture=first, url=first.source_url,
        captured_at=str(first.meta.get("fetched_at") or first.time),
        payload_sha256=first.meta.get("payload_sha256"),
        screenshot=linked_screenshots(all_entries, [sha]).get(sha),
        failures=[e for e in related if e.action == SCREENSHOT_FAILED],
        rendering=rendering_state(all_entries, first),
    )
    if data.screenshot is not None:
        res_sha = data.screenshot.meta.get("resources_sha256")
        data.resources = next((e for e in related if e.action == RESOURCES and e.sha256 == res_sha), None)
        blob = store.read_bytes(str(data.screenshot.sha256), MAX_PNG)
        data.screenshot_png = blob
    blob_shas = [sha] + [e.sha256 for e in (data.screenshot, data.resources) if e is not None and e.sha256]
    for b in dict.fromkeys(blob_shas):
        data.blob_checks[b] = store.check_blob(b)
    wanted = {e.sha256 for e in (data.capture, data.screenshot, data.resources) if e is not None}
    data.entries = [e for e in all_entries if e.sha256 in wanted or e in data.failures]
    data.stamp = _stamp(all_entries, first, tsa_roots if tsa_roots is not None else
                        (store.tsa.roots if store.tsa is not None else None))
    if data.stamp is not None:
        data.entries.append(next(e for e in all_entries if e.seq == data.stamp.entry_seq))
    data.entries.sort(key=lambda e: e.seq)
    report = store.verify(check_blobs=False, tsa_roots=tsa_roots)
    data.chain_ok = report.ok
    data.chain_problem = report.first.describe() if report.first else None
    data.chain_entries = report.entries
    keys = store.trusted_keys()
    data.key_fingerprint = next(iter(keys), None)
    return data


def _stamp(entries: list[CustodyEntry], item: CustodyEntry, roots: Sequence[Certificate] | None) -> StampInfo | None:
    """The first good `timestamp` entry whose stamped entry is at or after the item's entry."""
    hashes: dict[int, str] = {}
    for e in entries:
        hashes.setdefault(e.seq, e.hash)
        if e.action != timestamp.STAMP or not isinstance(e.meta.get("stamped_seq"), int):
            continue
        if e.meta["stamped_seq"] < item.seq:
            continue
        seq, check = timestamp.check_stamp_entry(e.meta, hashes, roots)
        token = str(e.meta.get("token", ""))
        try:
            serial, signer = _token_details(base64.b64decode(token))
        except ValueError:
            serial, signer = None, None
        problem = check.error if roots is not None else "not checked: no TSA root certificate given"
        return StampInfo(e.seq, int(seq or 0), check.gen_time, e.meta.get("tsa"), serial, signer,
                         roots is not None and check.ok, problem if not (roots is not None and check.ok) else None,
                         token)
    return None


def entry_row(e: CustodyEntry) -> dict[str, Any]:
    """One custody entry as the sheet lists it."""
    return {"seq": e.seq, "time": e.time, "action": e.action, "collector": e.collector, "sha256": e.sha256,
            "hash": e.hash, "signer": e.signer}
