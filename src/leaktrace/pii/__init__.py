"""PII detectors, their registry and reference tables.

A detector finds candidates with a regular expression, validates each one
(checksums, dates, region tables, number segments) and returns typed
attributes and a score; the registry decides which detectors run. The dump
engines reuse the same rules as SQL through `leaktrace.pii.sql`.
"""

from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.registry import Registry, default_registry
from leaktrace.pii.scanner import Scanner

__all__ = ["Detector", "Registry", "Scanner", "Verdict", "default_registry"]
