"""Evidence: content-addressed encrypted blobs, WARC captures, a signed custody chain.

Depends only on `core`. Other stages take evidence in through
:class:`EvidenceStore` (``put_bytes``, ``put_file``, ``put_capture``) and read
it back with ``open``; ``verify`` checks every blob and the whole chain.
"""

from leaktrace.evidence.evidence_store import BlobRef, EvidenceStore, check_sha256
from leaktrace.evidence.verify import Problem, VerifyReport

__all__ = ["BlobRef", "EvidenceStore", "Problem", "VerifyReport", "check_sha256"]
