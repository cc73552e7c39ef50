"""IPv4 addresses in dotted-quad form.

A quad glued into a longer dotted run (`1.2.3.4.5`, version strings) or
into digits is not an address. Octets with a leading zero are refused, since
tools disagree whether `010` is ten or eight. Private, loopback and other
special ranges are still reported (a leaked intranet host is evidence) but
score lower and say so in `scope`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict

# The lookbehind ("not two digits behind" after the first digit) only makes
# the search fail fast inside digit runs, whose starts `candidates` skips
# anyway; placed after a character class it keeps `re`'s fast skipping.
PATTERN = re.compile(r"[0-9](?<![0-9]{2})[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])")


def _octet_ok(part: str) -> bool:
    return (part == "0" or not part.startswith("0")) and int(part) <= 255


class Ipv4Detector(Detector):
    type = "ipv4"
    # Every match contains a dot between two digits: a scanner may search
    # only near those, which skips text whose numbers are not dotted.
    anchor: ClassVar[str | None] = "digit.digit"
    pattern = PATTERN
    max_len = 15
    context = ("ip", "服务器", "server", "host", "地址", "登录", "login")
    negative = ("version", "版本", "ver", "v.")
    priority = 45

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        n = len(text)
        for m in PATTERN.finditer(text, pos, end):
            s, e = m.start(), m.end()
            if s:
                before = text[s - 1]
                if "0" <= before <= "9" or (before == "." and s > 1 and "0" <= text[s - 2] <= "9"):
                    continue
                if before in "vV":  # v1.2.3.4
                    continue
            if e < n and text[e] == "." and e + 1 < n and "0" <= text[e + 1] <= "9":
                continue
            yield s, e, m.group()

    def validate(self, value: str) -> Verdict | None:
        parts = value.split(".")
        if len(parts) != 4 or not all(_octet_ok(p) for p in parts):
            return None
        addr = ipaddress.IPv4Address(value)
        if addr.is_loopback:
            scope = "loopback"
        elif addr.is_global:
            scope = "global"
        elif addr.is_private:
            scope = "private"
        else:
            scope = "special"
        score = 0.7 if scope == "global" else 0.45
        return Verdict(True, score, {"scope": scope}, normalize(self.type, value))
