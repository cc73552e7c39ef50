"""Built-in detectors. Each module holds one PII type; BUILTIN is their order."""

from __future__ import annotations

from leaktrace.pii.base import Detector
from leaktrace.pii.detectors.cn_id import CnIdDetector

BUILTIN: list[type[Detector]] = [
    CnIdDetector,
]
