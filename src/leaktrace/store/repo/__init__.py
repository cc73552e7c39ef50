"""The calls the pipeline makes on the store; the only place that writes SQL by hand."""

from leaktrace.store.repo.captures import CaptureResult, latest_capture_since, record_capture
from leaktrace.store.repo.frontier import Claim, Frontier, HeldClaim
from leaktrace.store.repo.intel import attach_identifier, record_intel
from leaktrace.store.repo.posts import PostSighting, UpsertResult, upsert_post
from leaktrace.store.repo.sources import (
    add_source,
    get_source,
    remove_unused_source,
    require_legal_basis,
)

__all__ = [
    "CaptureResult",
    "Claim",
    "Frontier",
    "HeldClaim",
    "PostSighting",
    "UpsertResult",
    "add_source",
    "attach_identifier",
    "get_source",
    "latest_capture_since",
    "record_capture",
    "record_intel",
    "remove_unused_source",
    "require_legal_basis",
    "upsert_post",
]
