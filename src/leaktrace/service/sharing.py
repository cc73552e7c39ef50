"""Sharing with partners: confirmed alerts and case exports pushed to a TAXII 2.1 collection, TLP honoured.

Only alerts a person confirmed (acknowledged or escalated) are pushed,
never new or dismissed ones. Every push carries a TLP and is refused when
that TLP is above what the collection may receive (setting
`taxii_max_tlp`, default amber); TLP:RED never leaves. A case goes as the
same shared copy its STIX export is made from (`pipeline.case_exports`),
so the disclosure rules of that TLP apply. Each push is audited.
"""

from __future__ import annotations

from typing import Any

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.service.alerts import get_alert

CONFIRMED = ("acknowledged", "escalated")


def _collection(ctx: Context) -> Any:
    from taxii2client.v21 import Collection

    st = ctx.settings
    if not st.taxii_url:
        raise ConfigError("setting taxii_url (LEAKTRACE_TAXII_URL): name the TAXII 2.1 collection to push to")
    password = st.taxii_password.get_secret_value() if st.taxii_password else None
    return Collection(st.taxii_url, user=st.taxii_user, password=password)


def _check_tlp(ctx: Context, tlp: str) -> None:
    from leaktrace.pipeline.stix_alerts import TLP_ORDER, tlp_rank

    if tlp not in TLP_ORDER:
        raise InputError(f"field 'tlp': {tlp[:20]!r} is not one of {', '.join(TLP_ORDER)}")
    limit = ctx.settings.taxii_max_tlp
    if tlp == "red" or tlp_rank(tlp) > tlp_rank(limit):
        raise InputError(f"TLP:{tlp.upper()} may not be pushed to this collection (it takes up to "
                         f"TLP:{limit.upper()}; TLP:RED never leaves)")


def push_alert(ctx: Context, principal: Principal, alert_id: int, *, tlp: str = "amber") -> dict[str, Any]:
    """Push one confirmed alert; returns the TAXII status (its id and how many objects were accepted)."""
    from leaktrace.pipeline.stix_alerts import alert_bundle

    require(principal, "export.download")
    alert = get_alert(ctx, principal, alert_id)
    if alert.state not in CONFIRMED:
        raise InputError(f"alert {alert_id}: {alert.state}; only acknowledged or escalated alerts are shared")
    _check_tlp(ctx, tlp)
    bundle = alert_bundle(alert.to_json(), tlp)
    status = _collection(ctx).add_objects(bundle)
    audit.record(ctx, principal, "share.taxii", f"alert:{alert_id}",
                 detail={"tlp": tlp, "objects": len(bundle["objects"]), "status": status.status})
    return {"status": status.status, "success": status.success_count, "objects": len(bundle["objects"])}


def push_case(ctx: Context, principal: Principal, ref: str, *, tlp: str | None = None) -> dict[str, Any]:
    """Push case `ref`'s STIX export (the shared copy for `tlp`, default the case's own)."""
    from leaktrace.pipeline.case_exports import shared_copy
    from leaktrace.pipeline.stix_alerts import case_bundle
    from leaktrace.service.access import require_case

    require(principal, "export.download")
    require_case(ctx, principal, ref, "export.download")
    copy = shared_copy(ctx, ref, tlp=tlp)  # type: ignore[arg-type]
    _check_tlp(ctx, copy.info.tlp)
    bundle = case_bundle(copy)
    status = _collection(ctx).add_objects(bundle)
    audit.record(ctx, principal, "share.taxii", f"case:{ref}",
                 detail={"tlp": copy.info.tlp, "objects": len(bundle["objects"]), "status": status.status})
    return {"status": status.status, "success": status.success_count, "objects": len(bundle["objects"])}
