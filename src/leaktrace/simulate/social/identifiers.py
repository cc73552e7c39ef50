"""Well-formed, checksum-valid identifiers drawn at random: wallets, onions, contacts.

The intel stage must learn to validate what it extracts, so every identifier a
synthetic seller posts passes the same checks a real one would (base58check,
bech32, EIP-55, the onion v3 checksum). All are drawn from a seeded
`random.Random`, never derived from anyone's real keys or accounts. The
checksum codecs come from the maintained reference packages (`base58`,
`bech32`, pycryptodome's Keccak); only the onion v3 layout, which no small
library exposes, is written here from Tor's rend-spec-v3.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string

import base58
import bech32
from Crypto.Hash import keccak
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def _rand_bytes(rng: random.Random, n: int) -> bytes:
    return rng.getrandbits(8 * n).to_bytes(n, "big")


def btc_p2pkh(rng: random.Random) -> str:
    """Legacy `1...` address: base58check over version 0x00 and a 20-byte hash."""
    return base58.b58encode_check(b"\x00" + _rand_bytes(rng, 20)).decode("ascii")


def btc_bech32(rng: random.Random) -> str:
    """Native SegWit `bc1q...` address (P2WPKH, witness version 0)."""
    address = bech32.encode("bc", 0, list(_rand_bytes(rng, 20)))
    assert address is not None
    return address


def tron_address(rng: random.Random) -> str:
    """TRON `T...` address, where USDT-TRC20 is paid: base58check over 0x41 + 20 bytes."""
    return base58.b58encode_check(b"\x41" + _rand_bytes(rng, 20)).decode("ascii")


def eip55(hex40: str) -> str:
    """Mixed-case checksum of an Ethereum address (EIP-55)."""
    lower = hex40.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch
        for i, ch in enumerate(lower)
    )


def eth_address(rng: random.Random) -> str:
    """Ethereum address (USDT-ERC20) with its EIP-55 checksum casing."""
    return eip55(_rand_bytes(rng, 20).hex())


def onion_v3_from_pubkey(pubkey: bytes) -> str:
    """rend-spec-v3: base32(PUBKEY | CHECKSUM | VERSION) + '.onion'."""
    version = b"\x03"
    checksum = hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()[:2]
    return base64.b32encode(pubkey + checksum + version).decode("ascii").lower() + ".onion"


def onion_v3(rng: random.Random) -> str:
    """A v3 onion hostname for a fresh Ed25519 key drawn from `rng`."""
    key = Ed25519PrivateKey.from_private_bytes(_rand_bytes(rng, 32))
    pub = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return onion_v3_from_pubkey(pub)


def qq_number(rng: random.Random) -> str:
    """QQ numbers are 5-11 digits without a leading zero; most in use have 8-10."""
    length = rng.choices([5, 6, 7, 8, 9, 10, 11], weights=[1, 2, 4, 10, 14, 12, 2])[0]
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(length - 1))


_HANDLE_PARTS = [
    "data", "shuju", "king", "vip", "boss", "laoban", "dark", "black", "ghost", "wolf",
    "tiger", "dragon", "long", "hu", "fast", "cloud", "yun", "star", "xing", "shop",
    "deal", "pro", "max", "888", "666", "jin", "ma", "li", "zhang", "wang", "chen",
]


def _word_handle(rng: random.Random) -> str:
    parts = rng.sample(_HANDLE_PARTS, k=2)
    sep = rng.choice(["", "_", ""])
    tail = rng.choice(["", str(rng.randint(1, 99)), str(rng.randint(100, 9999))])
    return sep.join(parts) + tail


def telegram_handle(rng: random.Random) -> str:
    """`@handle`: 5-32 of [A-Za-z0-9_], starting with a letter, not ending with '_'."""
    handle = _word_handle(rng)
    if not handle[0].isalpha():
        handle = rng.choice(string.ascii_lowercase) + handle
    while len(handle) < 5:
        handle += rng.choice(string.ascii_lowercase)
    handle = handle[:32].rstrip("_")
    if rng.random() < 0.3:
        handle = handle[0].upper() + handle[1:]
    return "@" + handle


def wechat_id(rng: random.Random) -> str:
    """WeChat IDs: 6-20 characters, a letter first, then letters, digits, '_' or '-'."""
    handle = rng.choice(string.ascii_lowercase) + _word_handle(rng).replace("_", rng.choice("_-"))
    while len(handle) < 6:
        handle += rng.choice(string.digits)
    return handle[:20]


def market_handle(rng: random.Random) -> str:
    """A vendor name as markets allow them (ASCII letters, digits, '_')."""
    handle = _word_handle(rng)
    return handle if len(handle) >= 4 else handle + str(rng.randint(10, 99))
