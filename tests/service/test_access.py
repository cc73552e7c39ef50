"""Who sees what: the action table, case membership, TLP, partners' isolation, the personal-data gate."""

from __future__ import annotations

import pytest

from leaktrace.cases import case_records
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import access, audit, personal_data
from leaktrace.service.access import Principal, Role
from leaktrace.service.errors import PermissionDenied, RateLimited, ReasonRequired

from .conftest import make_user


def _p(role: Role, org: str | None = None, uid: int = 99) -> Principal:
    return Principal(uid, f"u-{role}", role, org, None, "c", "en")


def _case(ctx: Context, ref: str = "C-1", tlp: str = "amber") -> str:
    with ctx.session() as s, s.begin():
        case_records.create_case(s, "订单数据", ref=ref, tlp=tlp, created_by="t")
    return ref


def test_every_action_names_the_roles_needed() -> None:
    with pytest.raises(PermissionDenied) as denied:
        access.require(_p(Role.ANALYST), "case.signoff")
    assert set(denied.value.needed) == {"admin", "supervisor"}
    assert "admin" in str(denied.value) and "supervisor" in str(denied.value)
    with pytest.raises(PermissionDenied, match="unknown action"):
        access.require(_p(Role.ADMIN), "feed.veiw")
    access.require(_p(Role.AUDITOR), "audit.view")
    with pytest.raises(PermissionDenied):
        access.require(_p(Role.AUDITOR), "listing.unmask")
    for action in ("feed.view", "listing.unmask", "search.person", "evidence.download", "users.manage"):
        with pytest.raises(PermissionDenied):
            access.require(_p(Role.PARTNER, "ACME"), action)


def test_token_scopes_narrow_what_the_role_allows() -> None:
    p = Principal(1, "ana", Role.ANALYST, None, None, "c", "en", frozenset({"feed"}))
    access.require(p, "feed.view")
    access.require(p, "feed.triage")
    with pytest.raises(PermissionDenied, match="scopes"):
        access.require(p, "case.view")
    narrow = Principal(1, "ana", Role.ANALYST, None, None, "c", "en", frozenset({"feed.view"}))
    with pytest.raises(PermissionDenied, match="scopes"):
        access.require(narrow, "feed.triage")
    wide = Principal(1, "acme", Role.PARTNER, "ACME", None, "c", "en", frozenset({"feed"}))
    with pytest.raises(PermissionDenied):  # a scope never exceeds the role
        access.require(wide, "feed.view")


def test_non_member_cannot_view_case(ctx: Context, shell: Principal) -> None:
    ref = _case(ctx)
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    ben, _ = make_user(ctx, "ben", Role.ANALYST)
    sup = _p(Role.SUPERVISOR)
    assert not access.can_view_case(ctx, ana, ref)
    with pytest.raises(PermissionDenied, match="not a member"):
        access.require_case(ctx, ana, ref)
    assert access.can_view_case(ctx, sup, ref)
    assert access.add_member(ctx, shell, ref, "ana") is True
    assert access.add_member(ctx, shell, ref, "ana") is False
    assert access.can_view_case(ctx, ana, ref) and not access.can_view_case(ctx, ben, ref)
    assert access.members(ctx, ref) == ["ana"]
    with pytest.raises(PermissionDenied):  # an analyst cannot add members, even to a case of theirs
        access.add_member(ctx, ana, ref, "ben")
    assert access.remove_member(ctx, shell, ref, "ana") is True
    assert not access.can_view_case(ctx, ana, ref)
    assert [e.action for e in audit.query(ctx, target=f"case:{ref}", newest_first=False)] == [
        "case.member_add", "case.member_remove"]
    with pytest.raises(InputError, match="no such case"):
        access.can_view_case(ctx, sup, "C-404")


def test_partners_are_never_case_members(ctx: Context, shell: Principal) -> None:
    ref = _case(ctx)
    acme, _ = make_user(ctx, "acme", Role.PARTNER, org="ACME")
    with pytest.raises(PermissionDenied, match="partner"):
        access.add_member(ctx, shell, ref, "acme")
    assert not access.can_view_case(ctx, acme, ref)


def test_partner_sees_only_its_own_organisation() -> None:
    acme = _p(Role.PARTNER, "ACME")
    access.require_org(acme, "ACME")
    access.require_org(acme, "ACME", "notice.view")
    for action in ("attribution.view", "notice.view", "alert.view"):
        with pytest.raises(PermissionDenied, match="another organisation"):
            access.require_org(acme, "GLOBEX", action)
    access.require_org(_p(Role.ANALYST), "GLOBEX")  # staff see every organisation's
    with pytest.raises(PermissionDenied):
        access.require_org(_p(Role.PARTNER, None), None)


def test_partner_never_downloads_evidence() -> None:
    acme = _p(Role.PARTNER, "ACME")
    for kind in ("capture", "sample", "bundle", "hashset"):
        with pytest.raises(PermissionDenied, match="never"):
            access.require_download(acme, kind, org_id="ACME")
        access.require_download(_p(Role.ANALYST), kind)
    access.require_download(acme, "notice", org_id="ACME")
    with pytest.raises(PermissionDenied):
        access.require_download(acme, "notice", org_id="GLOBEX")
    with pytest.raises(PermissionDenied):
        access.require_download(_p(Role.AUDITOR), "capture")


@pytest.mark.parametrize(("tlp", "analyst", "member", "partner_own", "partner_other", "auditor"), [
    ("clear", True, True, True, True, True),
    ("white", True, True, True, True, True),
    ("green", True, True, True, True, True),
    ("amber", True, True, True, False, True),
    ("amber+strict", True, True, True, False, True),
    ("red", False, True, False, False, False),
    ("purple", False, True, False, False, False),
])
def test_tlp(tlp: str, analyst: bool, member: bool, partner_own: bool, partner_other: bool, auditor: bool) -> None:
    assert access.may_see_tlp(_p(Role.ANALYST), tlp) is analyst
    assert access.may_see_tlp(_p(Role.ANALYST), tlp, member=True) is member
    assert access.may_see_tlp(_p(Role.PARTNER, "ACME"), tlp, org_id="ACME") is partner_own
    assert access.may_see_tlp(_p(Role.PARTNER, "ACME"), tlp, org_id="GLOBEX") is partner_other
    assert access.may_see_tlp(_p(Role.PARTNER, "ACME"), tlp, member=True, org_id="GLOBEX") is partner_other
    assert access.may_see_tlp(_p(Role.AUDITOR), tlp) is auditor
    assert access.may_see_tlp(_p(Role.SUPERVISOR), tlp) is True


def test_unmask_needs_a_reason_and_is_audited(ctx: Context) -> None:
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    for reason in (None, "", "   ", "x"):
        with pytest.raises(ReasonRequired):
            personal_data.unmask(ctx, ana, "listing:7", reason)
    assert audit.query(ctx, action="unmask") == []
    personal_data.unmask(ctx, ana, "listing:7", "case C-1: confirm the victim's province")
    [e] = audit.query(ctx, action="unmask")
    assert (e.actor, e.target, e.reason) == ("ana", "listing:7", "case C-1: confirm the victim's province")
    with pytest.raises(PermissionDenied):
        personal_data.unmask(ctx, _p(Role.AUDITOR), "listing:7", "curious")


def test_person_search_is_audited_keyed_and_rate_limited(ctx: Context) -> None:
    ctx.settings.person_search_per_minute = 2
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    h = personal_data.search_person(ctx, ana, "cn_mobile", "+86 138 1234 5678", "case C-1 lead")
    assert h == ctx.hasher.hash("cn_mobile", "13812345678")  # any written form: the normalised value's hash
    personal_data.search_person(ctx, ana, "cn_mobile", "13812345678", "case C-1 lead")
    with pytest.raises(RateLimited):
        personal_data.search_person(ctx, ana, "cn_mobile", "13812345678", "case C-1 lead")
    entries = audit.query(ctx, action="search.person")
    assert len(entries) == 2
    assert all("13812345678" not in str(e.to_json()) and e.detail["masked"] == "13*******78" for e in entries)
    with pytest.raises(ReasonRequired):
        personal_data.search_person(ctx, _p(Role.SUPERVISOR), "cn_mobile", "13812345678", "")
