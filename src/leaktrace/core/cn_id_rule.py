"""The GB 11643-1999 resident ID checksum: the one place its weights live.

The scalar validator in `leaktrace.pii` and the vectorised SQL twin used by
the dump engines are both built from these constants, and a property test
keeps them equal.
"""

from __future__ import annotations

from operator import mul

# Weight of position i (0-based, 17 body digits) is 2**(17 - i) mod 11.
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
# Check character for (sum of weighted digits) mod 11.
CHECK_CHARS: str = "10X98765432"


# sum(w * (ord(ch) - 48)) == sum(w * ord(ch)) - _ORD_OFFSET: one C-level pass.
_ORD_OFFSET = 48 * sum(WEIGHTS)


def check_char(body17: str) -> str:
    """Check character for 17 ASCII digits.

    Computed with `map` over the bytes rather than a Python loop: scanners
    call it once per ID-shaped candidate, and the loop cost about 3x as much.
    """
    if len(body17) != 17:
        raise ValueError(f"check_char needs 17 characters, got {len(body17)}")
    if body17.isascii() and body17.isdigit():
        # Weight i is 2**(17-i) mod 11, and 13 = 2 (mod 11): reading the digits as a
        # base-13 number sums d_i * 2**(16-i) mod 11 in one C call (int() parses it).
        return CHECK_CHARS[2 * int(body17, 13) % 11]
    return check_char_weighted(body17)


def check_char_weighted(body17: str) -> str:
    """`check_char` by the standard's weighted sum: the reference its base-13 shortcut is tested against."""
    codes = body17.encode("ascii") if body17.isascii() else map(ord, body17)
    return CHECK_CHARS[(sum(map(mul, WEIGHTS, codes)) - _ORD_OFFSET) % 11]


def upgrade_15_to_18(id15: str) -> str:
    """Convert a first-generation 15-digit ID (YYMMDD, 20th century) to 18 digits."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)
