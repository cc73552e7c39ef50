"""ExposureService called directly, with no HTTP: sessions, quotas, ledger, rate limit and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaktrace.attribution import oprf
from leaktrace.attribution.attribute import prf_words
from leaktrace.attribution.exposure import CITIZEN_QUOTA, SESSION_TTL_S, ExposureSet
from leaktrace.attribution.exposure_service import (
    BadRequest,
    ExposureError,
    ExposureService,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from leaktrace.attribution.otp import MemoryOtpHook, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.keyring import Keyring

from .conftest import org_tokens

EXPOSED = [f"1390000{i:04d}" for i in range(100)]
MINE = "13900000042"
ORG_TOKEN = "org-token"
IP = "10.0.0.1"


@pytest.fixture(scope="module")
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


@pytest.fixture(scope="module")
def exposure(key: oprf.ServerKey) -> ExposureSet:
    return ExposureSet.from_words(key.key_id, *prf_words(key, "cn_mobile", EXPOSED), bucket_bits=4)


def _service(key: oprf.ServerKey, exposure: ExposureSet | None, hook: MemoryOtpHook | None = None,
             **kw: object) -> ExposureService:
    args: dict[str, object] = {"rate": 1000, "burst": 1000}
    args.update(kw)
    return ExposureService(key, exposure, OtpVerifier(hook or MemoryOtpHook()),
                           org_tokens({ORG_TOKEN: "ACME"}), **args)  # type: ignore[arg-type]


def _check(svc: ExposureService, token: str, value: str, bits: int = 4) -> bool:
    """The client's side of one check, against the service in-process."""
    b = oprf.blind(oprf.oprf_input("cn_mobile", value))
    ev = svc.evaluate(IP, token, [b.element])
    u, tag = oprf.split_output(oprf.finalize(b, ev.elements[0]))
    bucket = u >> (64 - bits)
    return tag in {int(t) for t in svc.bucket(IP, token, [bucket]).buckets[bucket]}


def _login(svc: ExposureService, hook: MemoryOtpHook, phone: str = MINE) -> str:
    challenge = svc.otp_start(IP, "sms", phone)
    session = svc.otp_verify(IP, challenge, hook.sent[phone])
    assert (session.quota, session.expires_in) == (CITIZEN_QUOTA, SESSION_TTL_S)
    return session.token


def test_info_names_keys_and_bucket_size(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    fp = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.FINGERPRINT)
    i = _service(key, exposure, fingerprint_key=fp).info()
    assert (i.key_id, i.public_key, i.bucket_bits) == (key.key_id, key.public, 4)
    assert (i.fingerprint_key_id, i.fingerprint_public_key) == (fp.key_id, fp.public)
    bare = _service(key, None).info()
    assert bare.bucket_bits == 16 and bare.fingerprint_key_id is None


def test_citizen_session_checks_found_and_not_found_then_quota(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    hook = MemoryOtpHook()
    svc = _service(key, exposure, hook)
    token = _login(svc, hook)
    assert _check(svc, token, MINE) is True
    assert _check(svc, token, "13712345678") is False
    for _ in range(CITIZEN_QUOTA - 2):
        _check(svc, token, MINE)
    with pytest.raises(Forbidden, match="evaluation quota used up") as exc:
        _check(svc, token, MINE)
    assert exc.value.status == 403 and isinstance(exc.value, ExposureError)


def test_refusals_carry_their_status(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    hook = MemoryOtpHook()
    svc = _service(key, exposure, hook)
    with pytest.raises(Unauthorized) as e401:
        svc.evaluate(IP, None, [b"x"])
    assert e401.value.status == 401
    with pytest.raises(Unauthorized):
        svc.bucket(IP, "an-expired-or-made-up-token", [0])
    with pytest.raises(BadRequest, match="bad channel"):
        svc.otp_start(IP, "pigeon", MINE)
    with pytest.raises(BadRequest, match="expected"):
        svc.otp_start(IP, None, None)
    with pytest.raises(Forbidden, match="wrong or expired code"):
        svc.otp_verify(IP, "no-such-challenge", "123456")
    with pytest.raises(BadRequest, match="elements"):
        svc.evaluate(IP, ORG_TOKEN, None)
    with pytest.raises(BadRequest, match="purpose"):
        svc.evaluate(IP, ORG_TOKEN, [oprf.blind(b"x").element], "other")
    with pytest.raises(BadRequest, match="valid ristretto255"):
        svc.evaluate(IP, ORG_TOKEN, [b"\xff" * 32])
    with pytest.raises(BadRequest, match="between 1 and"):
        svc.evaluate(IP, ORG_TOKEN, [])
    with pytest.raises(BadRequest, match="out of range"):
        svc.bucket(IP, ORG_TOKEN, [16])
    with pytest.raises(Forbidden, match="evaluate first"):
        svc.bucket(IP, ORG_TOKEN, [0])
    with pytest.raises(Unavailable) as e503:
        _service(key, None).bucket(IP, ORG_TOKEN, [0])
    assert e503.value.status == 503


def test_order_of_refusals_rate_limit_then_session_then_input(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    """An unknown client with an unreadable request is told 401, and once over its rate 429, never 400."""
    svc = _service(key, exposure, rate=0.01, burst=2)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            svc.evaluate(IP, None, None)
    with pytest.raises(TooManyRequests, match="too many requests"):
        svc.evaluate(IP, None, None)
    svc.evaluate("10.0.0.2", ORG_TOKEN, [oprf.blind(b"x").element])  # another caller has its own bucket
    with pytest.raises(Unavailable):
        _service(key, None).bucket(IP, ORG_TOKEN, None)  # no exposure set comes before a malformed body


def test_fingerprint_purpose_needs_org_and_fingerprint_key(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    hook = MemoryOtpHook()
    svc = _service(key, exposure, hook)
    element = oprf.blind(b"x").element
    with pytest.raises(Forbidden, match="organisation token"):
        svc.evaluate(IP, _login(svc, hook), [element], oprf.FINGERPRINT)
    with pytest.raises(Unavailable, match="does not evaluate fingerprints"):
        svc.evaluate(IP, ORG_TOKEN, [element], oprf.FINGERPRINT)
    fp = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.FINGERPRINT)
    with_fp = _service(key, exposure, fingerprint_key=fp)
    out = with_fp.evaluate(IP, ORG_TOKEN, [element], oprf.FINGERPRINT)
    assert out.key_id == fp.key_id and out.elements == fp.blind_evaluate([element])
    with pytest.raises(Forbidden, match="evaluate first"):
        with_fp.bucket(IP, ORG_TOKEN, [0])  # fingerprint evaluations buy no bucket lookups
    with pytest.raises(ValueError, match="must differ"):
        _service(key, exposure, fingerprint_key=key)


def test_org_is_charged_in_the_ledger_across_services(key: oprf.ServerKey, exposure: ExposureSet,
                                                     tmp_path: Path) -> None:
    ledger = tmp_path / "usage.jsonl"
    one = _service(key, exposure, quotas={"ACME": 5}, ledger=UsageLedger(ledger))
    elements = [oprf.blind(f"v{i}".encode()).element for i in range(3)]
    one.evaluate(IP, ORG_TOKEN, elements)
    two = _service(key, exposure, quotas={"ACME": 5}, ledger=UsageLedger(ledger))  # a restart
    with pytest.raises(TooManyRequests, match="daily evaluation quota"):
        two.evaluate(IP, ORG_TOKEN, elements)
    assert UsageLedger(ledger).used("ACME") == 3
    two.evaluate(IP, ORG_TOKEN, elements[:2])


def test_otp_lock_is_a_429(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    hook = MemoryOtpHook()
    svc = ExposureService(key, exposure, OtpVerifier(hook, max_failures=1), rate=1000, burst=1000)
    challenge = svc.otp_start(IP, "sms", MINE)
    with pytest.raises(Forbidden):
        svc.otp_verify(IP, challenge, "000000" if hook.sent[MINE] != "000000" else "111111")
    with pytest.raises(TooManyRequests, match="wrong codes"):
        svc.otp_start(IP, "sms", MINE)
