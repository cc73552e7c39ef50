"""Free text with every personal value the detectors find replaced by its masked form.

Text a seller wrote (a listing title) may carry a sample ID or phone; where
such text leaves the evidence store (case files, exports, webhooks) it goes
through here, so every exit masks with the same detectors and the same rule.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from leaktrace.core.types import PiiHit
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner

# Side fields that, with the masked form, rebuild the value: the district (6 digits of an ID) and the
# full birth date (8 more) leave a masked ID 9 candidates. Shown only on request (`scan --detail`).
DETAIL_ATTRS = frozenset({"birth_date", "region"})


def masked_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """`attrs` as masked output may carry them: without the `DETAIL_ATTRS`."""
    if DETAIL_ATTRS.isdisjoint(attrs):
        return attrs
    return {k: v for k, v in attrs.items() if k not in DETAIL_ATTRS}


@lru_cache(maxsize=1)
def _scanner() -> Scanner:
    return Scanner(default_registry())


def pii_hits(text: str) -> list[PiiHit]:
    """Every hit the default detectors find in `text` (values for the caller only, never to print)."""
    return _scanner().scan(text)


def masked_text(text: str) -> str:
    """`text` with each detected PII value replaced by its masked form (at most 2+2 characters shown)."""
    out, pos = [], 0
    for hit in sorted(_scanner().scan(text), key=lambda h: h.start):
        if hit.start < pos:
            continue
        out.append(text[pos:hit.start])
        out.append(hit.text_masked)
        pos = hit.end
    out.append(text[pos:])
    return "".join(out)
