"""The one rule of who is shown in clear: by the person's role and where the value was found."""

from __future__ import annotations

import pytest

from leaktrace.core.disclosure import (
    CONTACT_TYPES,
    INFRASTRUCTURE_TYPES,
    kept_in_store,
    role_of,
    shown_in_clear,
    victim_probe_types,
)


@pytest.mark.parametrize("kind", ["qq", "wechat", "telegram", "cn_mobile", "email", "jabber"])
def test_a_sellers_own_contact_is_kept_and_shown(kind: str) -> None:
    assert kept_in_store(kind, "suspect", "contact")
    assert shown_in_clear(kind, "suspect")
    assert not shown_in_clear(kind, "suspect", redact_suspects=True)


@pytest.mark.parametrize("kind", ["qq", "wechat", "telegram", "cn_mobile", "email"])
def test_contacts_of_victims_and_unknown_people_stay_masked(kind: str) -> None:
    assert not kept_in_store(kind, "victim", "contact")
    assert not kept_in_store(kind, "unknown", "contact")
    assert not kept_in_store(kind, "suspect", "sample")  # a seller's sample rows hold victims' data
    assert not kept_in_store(kind, "suspect", "mention")
    assert not shown_in_clear(kind, "victim")
    assert not shown_in_clear(kind, "unknown")


def test_infrastructure_is_clear_unless_redacted_or_a_victims() -> None:
    for kind in ("btc", "tron", "usdt_trc20", "pgp_fingerprint", "onion"):
        assert kept_in_store(kind, "unknown", "contact") and shown_in_clear(kind, "unknown")
        assert shown_in_clear(kind, "suspect") and not shown_in_clear(kind, "suspect", redact_suspects=True)
        assert not kept_in_store(kind, "suspect", "dump")


def test_unknown_types_are_never_clear() -> None:
    for role in ("victim", "suspect", "unknown"):
        assert not kept_in_store("cn_id", role, "contact")  # type: ignore[arg-type]
        assert not shown_in_clear("bank_card", role)  # type: ignore[arg-type]


def test_seen_as_victim_overrides_the_claimed_role() -> None:
    assert role_of("suspect", seen_as_victim=True) == "victim"
    assert role_of("suspect", seen_as_victim=False) == "suspect"


def test_victim_probes() -> None:
    assert victim_probe_types("phone") == ("cn_mobile",)  # a dump's phones are hashed as cn_mobile
    assert victim_probe_types("cn_mobile") == ("cn_mobile",)
    assert victim_probe_types("qq") == ("qq",)
    assert victim_probe_types("btc") == ()
    assert not CONTACT_TYPES & INFRASTRUCTURE_TYPES
