"""Wallet address validation: checksums decide, never the shape alone.

A seller's wallet is the hardest link between aliases, and a false wallet
links strangers, so every address is decoded and its checksum verified:
Base58Check (Bitcoin P2PKH/P2SH, TRON), Bech32/Bech32m (BIP-173/BIP-350
SegWit), EIP-55 for mixed-case Ethereum addresses and Monero's own Base58
with a Keccak-256 checksum. Base58Check comes from the `base58` package and
Keccak-256 from `pycryptodome`; the Bech32m variant and Monero's block
Base58 are not in a maintained package, so their reference algorithms are
transcribed here (BIP-350's `segwit_addr.py`, Monero's `base58.cpp`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import base58
from Crypto.Hash import keccak

# Validations are cached: a seller repeats the same few wallets in every post.
CACHE_SIZE = 8192
B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(B58_ALPHABET)}


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


# --- Base58Check (Bitcoin, TRON) -------------------------------------------------

BTC_BASE58_VERSIONS = {0x00: "p2pkh", 0x05: "p2sh"}
TRON_VERSION = 0x41


def b58check_payload(addr: str) -> bytes | None:
    """Version byte + payload of a Base58Check string, or None when the checksum fails."""
    try:
        return base58.b58decode_check(addr)
    except ValueError:
        return None


@lru_cache(maxsize=CACHE_SIZE)
def btc_base58_kind(addr: str) -> str | None:
    """'p2pkh' / 'p2sh' for a valid legacy mainnet address, else None."""
    if not 26 <= len(addr) <= 35 or addr[0] not in "13":
        return None
    raw = b58check_payload(addr)
    if raw is None or len(raw) != 21:
        return None
    return BTC_BASE58_VERSIONS.get(raw[0])


@lru_cache(maxsize=CACHE_SIZE)
def is_tron_address(addr: str) -> bool:
    """TRON (and so USDT-TRC20): 'T' + 33 Base58 characters, version 0x41, checksum good."""
    if len(addr) != 34 or addr[0] != "T":
        return False
    raw = b58check_payload(addr)
    return raw is not None and len(raw) == 21 and raw[0] == TRON_VERSION


# --- Bech32 / Bech32m (BIP-173, BIP-350) -----------------------------------------

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST = 1
_BECH32M_CONST = 0x2BC830A3
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: Sequence[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= _GEN[i] if ((top >> i) & 1) else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def bech32_encode(hrp: str, data: Sequence[int], bech32m: bool) -> str:
    const = _BECH32M_CONST if bech32m else _BECH32_CONST
    values = _hrp_expand(hrp) + list(data)
    polymod = _polymod([*values, 0, 0, 0, 0, 0, 0]) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in [*data, *checksum])


def bech32_decode(bech: str) -> tuple[str, list[int], bool] | None:
    """(hrp, data, is_bech32m) or None; mixed case and bad checksums are rejected."""
    if any(ord(x) < 33 or ord(x) > 126 for x in bech) or (bech.lower() != bech and bech.upper() != bech):
        return None
    bech = bech.lower()
    pos = bech.rfind("1")
    if pos < 1 or pos + 7 > len(bech) or len(bech) > 90:
        return None
    if any(x not in BECH32_CHARSET for x in bech[pos + 1 :]):
        return None
    hrp = bech[:pos]
    data = [BECH32_CHARSET.find(x) for x in bech[pos + 1 :]]
    const = _polymod(_hrp_expand(hrp) + data)
    if const == _BECH32_CONST:
        return hrp, data[:-6], False
    if const == _BECH32M_CONST:
        return hrp, data[:-6], True
    return None


def convertbits(data: Sequence[int], frombits: int, tobits: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    ret: list[int] = []
    maxv = (1 << tobits) - 1
    for value in data:
        if value < 0 or (value >> frombits):
            return None
        acc = ((acc << frombits) | value) & ((1 << (frombits + tobits - 1)) - 1)
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad:
        if bits:
            ret.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return ret


def segwit_encode(hrp: str, witver: int, program: bytes) -> str:
    """A SegWit address (Bech32 for v0, Bech32m for v1+), for tests and fixtures."""
    five = convertbits(list(program), 8, 5, True)
    assert five is not None
    return bech32_encode(hrp, [witver, *five], witver != 0)


@lru_cache(maxsize=CACHE_SIZE)
def segwit_decode(hrp: str, addr: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a valid SegWit address with this `hrp`, else None."""
    dec = bech32_decode(addr)
    if dec is None or dec[0] != hrp or not dec[1]:
        return None
    _hrp, data, is_m = dec
    witver = data[0]
    prog = convertbits(data[1:], 5, 8, False)
    if prog is None or not 2 <= len(prog) <= 40 or witver > 16:
        return None
    if witver == 0 and len(prog) not in (20, 32):
        return None
    if (witver == 0) == is_m:  # v0 must be Bech32, v1+ must be Bech32m
        return None
    return witver, bytes(prog)


# --- Ethereum (EIP-55) ------------------------------------------------------------


@lru_cache(maxsize=CACHE_SIZE)
def eip55(addr40: str) -> str:
    """The EIP-55 checksummed form of 40 hex digits (with or without 0x)."""
    h = addr40[2:] if addr40[:2].lower() == "0x" else addr40
    h = h.lower()
    digest = keccak256(h.encode("ascii")).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(h))


@lru_cache(maxsize=CACHE_SIZE)
def eth_checksum_state(addr: str) -> bool | None:
    """True: mixed case and EIP-55 holds; None: single case (no checksum); False: broken."""
    h = addr[2:]
    if h.lower() == h or h.upper() == h:
        return None
    return eip55(h) == "0x" + h


# --- Monero ----------------------------------------------------------------------

_XMR_FULL_BLOCK = 8
_XMR_ENC_SIZES = [0, 2, 3, 5, 6, 7, 9, 10, 11]  # encoded length for 0..8 bytes
XMR_NET_BYTES = {18: "standard", 19: "integrated", 42: "subaddress"}


def xmr_b58encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data), _XMR_FULL_BLOCK):
        block = data[i : i + _XMR_FULL_BLOCK]
        num = int.from_bytes(block, "big")
        size = _XMR_ENC_SIZES[len(block)]
        chars = []
        for _ in range(size):
            num, r = divmod(num, 58)
            chars.append(B58_ALPHABET[r])
        out.append("".join(reversed(chars)))
    return "".join(out)


def xmr_b58decode(s: str) -> bytes | None:
    full, rest = divmod(len(s), 11)
    if rest not in _XMR_ENC_SIZES:
        return None
    out = bytearray()
    for i in range(full + (1 if rest else 0)):
        chunk = s[i * 11 : i * 11 + 11]
        nbytes = _XMR_FULL_BLOCK if len(chunk) == 11 else _XMR_ENC_SIZES.index(len(chunk))
        num = 0
        for c in chunk:
            d = _B58_INDEX.get(c)
            if d is None:
                return None
            num = num * 58 + d
        if num >> (8 * nbytes):
            return None
        out += num.to_bytes(nbytes, "big")
    return bytes(out)


def xmr_encode(net_byte: int, payload: bytes) -> str:
    """A Monero address from a network byte and its keys, for tests and fixtures."""
    data = bytes([net_byte]) + payload
    return xmr_b58encode(data + keccak256(data)[:4])


@lru_cache(maxsize=CACHE_SIZE)
def xmr_kind(addr: str) -> str | None:
    """'standard' / 'subaddress' / 'integrated' for a valid mainnet address, else None."""
    if len(addr) not in (95, 106) or addr[0] not in "48":
        return None
    raw = xmr_b58decode(addr)
    if raw is None or len(raw) < 69:
        return None
    data, check = raw[:-4], raw[-4:]
    if keccak256(data)[:4] != check:
        return None
    kind = XMR_NET_BYTES.get(data[0])
    expected = 77 if kind == "integrated" else 69
    return kind if kind is not None and len(raw) == expected else None
