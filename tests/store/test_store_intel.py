"""Identifiers and intel results: PII reduced to keyed hash + mask, one row per distinct value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.store.models import Identifier, IntelResult, PostIdentifier
from leaktrace.store.repo import PostSighting, attach_identifier, record_intel, upsert_post

T0 = datetime(2025, 5, 1, tzinfo=UTC)
MOBILE = "13912345678"  # synthetic
WALLET = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"  # synthetic-format TRON address


@pytest.fixture
def hasher() -> KeyedHasher:
    return KeyedHasher(Keyring.generate())


def new_post(s: Session, n: int) -> int:
    return upsert_post(s, PostSighting(site="m", url=f"http://m.onion/{n}", body="x"), seen_at=T0).post_id


def test_pii_identifier_keeps_only_hash_and_mask(sessions: sessionmaker[Session], hasher: KeyedHasher) -> None:
    with sessions.begin() as s:
        p1, p2 = new_post(s, 1), new_post(s, 2)
        a = attach_identifier(s, p1, "cn_mobile", MOBILE, hasher, role="contact")
        b = attach_identifier(s, p2, "cn_mobile", "139 1234 5678", hasher, role="contact")
        attach_identifier(s, p1, "cn_mobile", MOBILE, hasher, role="contact", count=3)
    assert a == b, "the same normalised number must map to one identifier"
    with sessions() as s:
        ident = s.get(Identifier, a)
        assert ident is not None
        assert ident.value_norm is None and MOBILE not in ident.value_masked
        assert ident.value_hash == hasher.hash("cn_mobile", MOBILE)
        assert ident.value_masked.startswith("13") and ident.value_masked.endswith("78")
        assert s.scalar(select(func.count()).select_from(Identifier)) == 1
        link = s.get(PostIdentifier, (p1, a, "contact"))
        assert link is not None and link.count == 3


def test_clear_types_keep_their_value_unknown_types_do_not(
    sessions: sessionmaker[Session], hasher: KeyedHasher
) -> None:
    with sessions.begin() as s:
        p = new_post(s, 1)
        w = attach_identifier(s, p, "trx_address", WALLET, hasher, role="payment")
        q = attach_identifier(s, p, "qq_number", "12345678", hasher)
    with sessions() as s:
        wallet, qq = s.get(Identifier, w), s.get(Identifier, q)
        assert wallet is not None and wallet.value_norm == WALLET
        assert qq is not None and qq.value_norm is None


def test_identifier_type_and_hash_unique(sessions: sessionmaker[Session], hasher: KeyedHasher) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sessions.begin() as s:
        for _ in range(2):
            s.add(Identifier(type="email", value_hash="k1.00", value_masked="*"))
        s.flush()


def test_intel_result_replaced_per_model_version(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        p = new_post(s, 1)
        record_intel(s, p, "rules-1", trafficking=True, score=0.7, categories=["ecommerce"],
                     facts={"records": 900_000_000, "price": {"amount": 1200, "currency": "USDT"}})
        record_intel(s, p, "rules-1", trafficking=True, score=0.9, categories=["ecommerce", "logistics"])
        record_intel(s, p, "rules-2", trafficking=False, score=0.2)
        with pytest.raises(InputError, match=r"outside 0\.\.1"):
            record_intel(s, p, "rules-3", trafficking=True, score=1.5)
    with sessions() as s:
        rows = {r.model_version: r for r in s.scalars(select(IntelResult))}
    assert set(rows) == {"rules-1", "rules-2"}
    assert rows["rules-1"].score == 0.9 and rows["rules-1"].categories == ["ecommerce", "logistics"]
    assert rows["rules-1"].facts == {} and rows["rules-2"].trafficking is False
