"""Every seller identifier in a post, validated and normalised.

Candidates come from a few cheap passes over the cleaned text (one for
Base58-looking runs, one for hex runs, one per literal such as `.onion`,
`0x`, `bc1`, `@`) and each is kept only when its own rule holds: checksums
for wallets, onions, Tox IDs and PGP armour; an app word in front for QQ,
WeChat, phone and Jabber contacts. Overlaps resolve in favour of the more
specific type (a Jabber address is not also an e-mail). The output is a
list of `core.intel_types.Identifier`, personal values masked on output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from leaktrace.core.intel_types import Identifier
from leaktrace.intel import contacts
from leaktrace.intel.contacts import Found
from leaktrace.intel.crypto_addresses import (
    btc_base58_kind,
    eip55,
    eth_checksum_state,
    is_tron_address,
    segwit_decode,
    xmr_kind,
)
from leaktrace.intel.onion import ONION_RE, onion_version
from leaktrace.intel.pgp import find_key_blocks
from leaktrace.intel.text_hygiene import clean

B58_RUN = re.compile(r"(?<![A-Za-z0-9])[1-9A-HJ-NP-Za-km-z]{26,106}(?![A-Za-z0-9])")
BECH32_RUN = re.compile(r"(?<![A-Za-z0-9])(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{8,87}(?![A-Za-z0-9])")
ETH_RUN = re.compile(r"(?<![A-Za-z0-9])0x[0-9a-fA-F]{40}(?![0-9A-Za-z])")
HEX_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{40,76}(?![0-9A-Za-z])")
FPR_GROUPED = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{4}(?:[ \u00a0]{1,2}[0-9A-Fa-f]{4}){9}(?![0-9A-Za-z])")
PGP_KEYID = re.compile(r"(?<![0-9A-Za-z])0x([0-9A-Fa-f]{16})(?![0-9A-Za-z])")
PGP_CONTEXT = re.compile(r"(?:fingerprint|fpr|指纹|pgp|gpg|公钥|key\s?id|密钥)", re.IGNORECASE)
PGP_CONTEXT_CHARS = 48
_TRON_CONTEXT = re.compile(r"trc-?20|tron|波场", re.IGNORECASE)

# When two identifiers overlap, the lower rank wins.
_RANK = {"pgp_fingerprint": 0, "jabber": 1, "onion": 2, "btc": 3, "eth": 3, "tron": 3, "xmr": 3,
         "tox": 3, "session": 3, "telegram_invite": 4, "telegram": 5, "email": 6, "qq": 7,
         "wechat": 7, "cn_mobile": 8, "pgp_key_id": 9}


def _wallets(text: str) -> Iterable[Found]:
    for m in B58_RUN.finditer(text):
        v = m.group()
        if v[0] in "13":
            kind = btc_base58_kind(v)
            if kind:
                yield "btc", v, m.start(), m.end(), {"kind": kind}
        elif v[0] == "T":
            if is_tron_address(v):
                ctx = _TRON_CONTEXT.search(text, max(0, m.start() - 40), m.end() + 12) is not None
                yield "tron", v, m.start(), m.end(), {"usdt_trc20_context": ctx}
        elif v[0] in "48":
            kind = xmr_kind(v)
            if kind:
                yield "xmr", v, m.start(), m.end(), {"kind": kind}
    if "bc1" in text or "BC1" in text:
        for m in BECH32_RUN.finditer(text):
            dec = segwit_decode("bc", m.group())
            if dec is not None:
                witver, prog = dec
                kind = {(0, 20): "p2wpkh", (0, 32): "p2wsh", (1, 32): "p2tr"}.get((witver, len(prog)), f"v{witver}")
                yield "btc", m.group().lower(), m.start(), m.end(), {"kind": kind}
    if "0x" in text:
        for m in ETH_RUN.finditer(text):
            state = eth_checksum_state(m.group())
            if state is not False:
                yield "eth", eip55(m.group()), m.start(), m.end(), {"checksummed": state is True}


def _onions(text: str) -> Iterable[Found]:
    if ".onion" not in text and ".ONION" not in text.upper():
        return
    for m in ONION_RE.finditer(text):
        ver = onion_version(m.group(1))
        if ver is not None:
            yield "onion", m.group().lower(), m.start(), m.end(), {"version": ver}


def _near_pgp_word(text: str, start: int) -> bool:
    return PGP_CONTEXT.search(text, max(0, start - PGP_CONTEXT_CHARS), start) is not None


def _hex(text: str) -> Iterable[Found]:
    for m in HEX_RUN.finditer(text):
        run = m.group()
        if len(run) == 40:
            if _near_pgp_word(text, m.start()):
                yield "pgp_fingerprint", run.upper(), m.start(), m.end(), {"source": "text"}
            continue
        found = contacts.hex_contact(run, m.start())
        if found is not None:
            yield found
    for m in FPR_GROUPED.finditer(text):
        fpr = re.sub(r"\s", "", m.group()).upper()
        yield "pgp_fingerprint", fpr, m.start(), m.end(), {"source": "text"}
    if "0x" in text or "0X" in text:
        for m in PGP_KEYID.finditer(text):
            if _near_pgp_word(text, m.start()):
                yield "pgp_key_id", m.group(1).upper(), m.start(), m.end(), {}


def _pgp_blocks(text: str) -> Iterable[Found]:
    for start, end, keys in find_key_blocks(text):
        for k in keys:
            attrs = {"source": "key_block", "key_id": k.key_id, "algorithm": k.algorithm,
                     "created": k.created, "user_ids": list(k.user_ids), "subkeys": list(k.subkeys),
                     "version": k.version, "secret": k.secret}
            yield "pgp_fingerprint", k.fingerprint, start, end, attrs


@lru_cache(maxsize=1)
def _email_detector():  # type: ignore[no-untyped-def]
    from leaktrace.pii.detectors.email import EmailDetector

    return EmailDetector()


def _emails(text: str) -> Iterable[Found]:
    if "@" not in text:
        return
    det = _email_detector()
    servers = contacts.xmpp_servers()
    for start, end, value in det.candidates(text):
        verdict = det.validate(value)
        if verdict is None or not verdict.valid:
            continue
        norm = verdict.normalized or value.lower()
        domain = norm.rpartition("@")[2]
        if domain in servers:
            yield "jabber", norm, start, end, {"via": "server"}
        else:
            yield "email", norm, start, end, {"domain": domain}


def _resolve_cluster(cluster: list[Found]) -> list[Found]:
    ranked = sorted(cluster, key=lambda f: (_RANK.get(f[0], 10), f[2], -(f[3] - f[2])))
    kept: list[Found] = []
    for f in ranked:
        s, e = f[2], f[3]
        # Several keys in one armoured block share its span.
        same_block = (f[0] == "pgp_fingerprint" and f[4].get("source") == "key_block"
                      and any(k[2] == s and k[3] == e and k[0] == f[0] for k in kept))
        if not same_block and any(s < k[3] and k[2] < e for k in kept):
            continue
        kept.append(f)
    return kept


def _resolve(found: list[Found]) -> list[Found]:
    """Drop candidates overlapping a better-ranked one; PGP blocks swallow what is inside them.

    Candidates are swept in text order and only mutually overlapping clusters
    are ranked, so a megabyte post with thousands of contacts stays linear.
    """
    if len(found) < 2:
        return found
    found = sorted(found, key=lambda f: (f[2], f[3]))
    kept: list[Found] = []
    cluster: list[Found] = [found[0]]
    cluster_end = found[0][3]
    for f in found[1:]:
        if f[2] < cluster_end:
            cluster.append(f)
            cluster_end = max(cluster_end, f[3])
            continue
        kept.extend(cluster if len(cluster) == 1 else _resolve_cluster(cluster))
        cluster, cluster_end = [f], f[3]
    kept.extend(cluster if len(cluster) == 1 else _resolve_cluster(cluster))
    kept.sort(key=lambda f: (f[2], f[3]))
    return kept


def find_identifiers(text: str, dedupe: bool = True) -> list[Identifier]:
    """Identifiers in already cleaned text (see `intel.text_hygiene.clean`), in text order."""
    if not text:
        return []
    found: list[Found] = []
    for source in (_pgp_blocks, _onions, _wallets, _hex, _emails, contacts.telegram, contacts.qq,
                   contacts.wechat, contacts.phone, contacts.jabber):
        found.extend(source(text))
    out: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    for typ, value, start, end, attrs in _resolve(found):
        if dedupe:
            if (typ, value) in seen:
                continue
            seen.add((typ, value))
        out.append(Identifier(type=typ, value=value, start=start, end=end, attrs=attrs))
    return out


def extract_identifiers(raw: str | bytes | None, dedupe: bool = True) -> list[Identifier]:
    """Clean a raw post (HTML, bytes, evasions) and find its identifiers."""
    return find_identifiers(clean(raw).text, dedupe)
