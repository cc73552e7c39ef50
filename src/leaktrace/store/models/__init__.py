"""All tables; importing this module registers them on Base.metadata for Alembic."""

from leaktrace.store.models.base import MAX_URL_CHARS, Base, url_key
from leaktrace.store.models.cases import Case, CaseEvent, CaseItem, CaseItemTerm, CaseNote
from leaktrace.store.models.collect import FRONTIER_STATES, Capture, FrontierItem, Source
from leaktrace.store.models.console import (
    TRIAGE_STATES,
    SearchDoc,
    SearchTerm,
    Triage,
    WatchedSeller,
)
from leaktrace.store.models.graph import LinkFeedback, WalletTransfer
from leaktrace.store.models.identity import (
    ApiToken,
    AuditEntry,
    AuditHead,
    CaseMember,
    LoginThrottle,
    User,
    UserSession,
)
from leaktrace.store.models.intel import Identifier, IntelResult, PostIdentifier
from leaktrace.store.models.jobs import JOB_STATES, Job
from leaktrace.store.models.posts import ListingSnapshot, Post

__all__ = [
    "FRONTIER_STATES",
    "JOB_STATES",
    "MAX_URL_CHARS",
    "TRIAGE_STATES",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Capture",
    "Case",
    "CaseEvent",
    "CaseItem",
    "CaseItemTerm",
    "CaseMember",
    "CaseNote",
    "FrontierItem",
    "Identifier",
    "IntelResult",
    "Job",
    "LinkFeedback",
    "ListingSnapshot",
    "LoginThrottle",
    "Post",
    "PostIdentifier",
    "SearchDoc",
    "SearchTerm",
    "Source",
    "Triage",
    "User",
    "UserSession",
    "WalletTransfer",
    "WatchedSeller",
    "url_key",
]
