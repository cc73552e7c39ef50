"""All tables; importing this module registers them on Base.metadata for Alembic."""

from leaktrace.store.models.alerts import (
    ALERT_STATES,
    Alert,
    AlertDelivery,
    AlertSubscription,
    OrgNotice,
    RetentionRule,
    Tracker,
)
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
from leaktrace.store.models.media import MEDIA_KINDS, MEDIA_STATES, Media
from leaktrace.store.models.posts import ListingSnapshot, Post
from leaktrace.store.models.schedules import SCHEDULE_KINDS, SCHEDULE_STATES, SourceSchedule

__all__ = [
    "ALERT_STATES",
    "FRONTIER_STATES",
    "JOB_STATES",
    "MAX_URL_CHARS",
    "MEDIA_KINDS",
    "MEDIA_STATES",
    "SCHEDULE_KINDS",
    "SCHEDULE_STATES",
    "TRIAGE_STATES",
    "Alert",
    "AlertDelivery",
    "AlertSubscription",
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
    "Media",
    "OrgNotice",
    "Post",
    "PostIdentifier",
    "RetentionRule",
    "SearchDoc",
    "SearchTerm",
    "Source",
    "SourceSchedule",
    "Tracker",
    "Triage",
    "User",
    "UserSession",
    "WalletTransfer",
    "WatchedSeller",
    "url_key",
]
