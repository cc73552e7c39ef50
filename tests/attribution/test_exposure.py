"""The exposure service: OTP-gated, blind, bucketed, rate-limited; the server never sees the value."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from leaktrace.attribution import oprf
from leaktrace.attribution.attribute import prf_words
from leaktrace.attribution.exposure import ExposureSet
from leaktrace.attribution.exposure_client import HttpEvaluator, ServiceError
from leaktrace.attribution.exposure_http import create_app
from leaktrace.attribution.otp import MemoryOtpHook, OtpLocked, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.keyring import Keyring

from .conftest import org_tokens

EXPOSED = [f"1390000{i:04d}" for i in range(300)]
MINE = "13900000042"
NOT_EXPOSED = "13712345678"


class Recorder:
    """ASGI middleware keeping every request body the server receives."""

    def __init__(self, app: Any) -> None:
        self.app, self.bodies = app, []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def rec() -> Any:
            msg = await receive()
            if msg.get("type") == "http.request":
                self.bodies.append(msg.get("body", b""))
            return msg
        await self.app(scope, rec, send)


@pytest.fixture
def service() -> tuple[oprf.ServerKey, ExposureSet, MemoryOtpHook, Recorder, TestClient]:
    key = oprf.ServerKey.from_keyring(Keyring.generate())
    exposure = ExposureSet.from_words(key.key_id, *prf_words(key, "cn_mobile", EXPOSED), bucket_bits=4)
    hook = MemoryOtpHook()
    rec = Recorder(create_app(key, exposure, OtpVerifier(hook), org_tokens({"org-token": "ACME"}), rate=1000,
                              burst=1000))
    return key, exposure, hook, rec, TestClient(rec)


def _citizen(client: TestClient, hook: MemoryOtpHook, phone: str) -> HttpEvaluator:
    ev = HttpEvaluator("http://testserver", client=client)
    ev.login("sms", phone, lambda _c: hook.sent[phone])
    return ev


def test_citizen_check_found_and_not_found(service: Any) -> None:
    _, _, hook, _, client = service
    assert _citizen(client, hook, MINE).check("cn_mobile", MINE) is True
    assert _citizen(client, hook, NOT_EXPOSED).check("cn_mobile", "+86 137-1234-5678") is False


def test_server_never_sees_value_or_unkeyed_hash(service: Any) -> None:
    key, _, hook, rec, client = service
    ev = _citizen(client, hook, MINE)
    rec.bodies.clear()
    assert ev.check("cn_mobile", MINE)
    seen = b"".join(rec.bodies)
    x = oprf.oprf_input("cn_mobile", MINE)
    h = oprf.hash_to_group(x)
    forbidden = [MINE.encode(), x, h, hashlib.sha256(x).digest(), hashlib.sha512(x).digest(),
                 hashlib.sha256(MINE.encode()).digest(), key.evaluate(x)]
    decoded = [seen]
    for chunk in seen.split(b'"'):
        with contextlib.suppress(ValueError):
            decoded.append(base64.b64decode(chunk, validate=True))
    for blob in decoded:
        for f in forbidden:
            assert f not in blob
            assert f.hex().encode() not in blob
    assert len(rec.bodies) == 2  # one blinded element, one bucket number


def test_bucket_dump_gives_no_offline_test(service: Any) -> None:
    """All buckets leaked: a guess that IS exposed matches nothing computable without the key."""
    key, exposure, _, _, _ = service
    dumped = {int(t) for t in exposure.tags}
    x = oprf.oprf_input("cn_mobile", MINE)
    guesses = [hashlib.sha256(x).digest(), hashlib.sha512(x).digest(), oprf.hash_to_group(x),
               hashlib.sha512(oprf.hash_to_group(x)).digest(),
               oprf.ServerKey.from_keyring(Keyring.generate()).evaluate(x)]  # a PRF under a guessed key
    for g in guesses:
        for off in range(0, len(g) - 7):
            assert int.from_bytes(g[off:off + 8], "big") not in dumped
    assert oprf.split_output(key.evaluate(x))[1] in dumped  # ...while the key holder finds it


def test_otp_required_and_quota(service: Any) -> None:
    _, _, hook, _, client = service
    anon = HttpEvaluator("http://testserver", client=client)
    with pytest.raises(ServiceError, match="401"):
        anon.check("cn_mobile", MINE)
    with pytest.raises(ServiceError, match="403"):
        anon.login("sms", MINE, lambda _c: "000000" if hook.sent.get(MINE) != "000000" else "111111")
    ev = _citizen(client, hook, MINE)
    for _ in range(4):
        ev.check("cn_mobile", MINE)
    with pytest.raises(ServiceError, match="quota"):
        ev.check("cn_mobile", MINE)


def test_org_token_batch_and_fingerprint_evaluator(service: Any) -> None:
    key, exposure, _, _, client = service
    ev = HttpEvaluator("http://testserver", "org-token", client=client)
    xs = [oprf.oprf_input("cn_id", f"11010119900101{i:04d}") for i in range(30)]
    assert oprf.oblivious_outputs(ev, xs, batch=16) == key.evaluate_many(xs)
    # fingerprints go through a different key: its outputs cannot be tested against the exposure set
    fp_key = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.FINGERPRINT)
    app = TestClient(create_app(key, exposure, OtpVerifier(MemoryOtpHook()), org_tokens({"org-token": "ACME"}),
                                rate=1000, burst=1000, fingerprint_key=fp_key))
    fp_ev = HttpEvaluator("http://testserver", "org-token", client=app, purpose=oprf.FINGERPRINT)
    assert fp_ev.key_id == fp_key.key_id != key.key_id
    assert oprf.oblivious_outputs(fp_ev, xs, batch=16) == fp_key.evaluate_many(xs) != key.evaluate_many(xs)
    r = app.post("/v1/bucket", json={"buckets": [0]}, headers={"authorization": "Bearer org-token"})
    assert r.status_code == 403  # fingerprint evaluations buy no bucket lookups
    with pytest.raises(ServiceError, match="does not offer fingerprint"):
        _ = HttpEvaluator("http://testserver", "org-token", client=client, purpose=oprf.FINGERPRINT).key_id
    with pytest.raises(ValueError, match="must differ"):
        create_app(key, exposure, OtpVerifier(MemoryOtpHook()), fingerprint_key=key)


def test_exposure_and_fingerprint_keys_are_separate() -> None:
    ring = Keyring.generate()
    ex = oprf.ServerKey.from_keyring(ring, purpose=oprf.EXPOSURE)
    fp = oprf.ServerKey.from_keyring(ring, purpose=oprf.FINGERPRINT)
    x = oprf.oprf_input("cn_mobile", MINE)
    assert ex.key_id != fp.key_id and ex.evaluate(x) != fp.evaluate(x)
    with pytest.raises(ValueError, match="purpose"):
        oprf.ServerKey.from_keyring(ring, purpose="other")


def test_rate_limit(service: Any) -> None:
    key, exposure, hook, _, _ = service
    client = TestClient(create_app(key, exposure, OtpVerifier(hook), rate=0.01, burst=3))
    codes = [client.post("/v1/bucket", json={"buckets": [0]}).status_code for _ in range(6)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429, 429]


def test_malformed_requests(service: Any) -> None:
    _, _, _, _, client = service
    h = {"authorization": "Bearer org-token"}
    assert client.post("/v1/evaluate", content=b"not json", headers=h).status_code == 400
    assert client.post("/v1/evaluate", json={"elements": [base64.b64encode(b"\xff" * 32).decode()]},
                       headers=h).status_code == 400
    assert client.post("/v1/bucket", json={"buckets": [10**9]}, headers=h).status_code == 400
    assert client.post("/v1/evaluate", content=b"x" * 300_000, headers=h).status_code == 413  # over the cap


def test_unknown_caller_is_refused_before_its_body_is_judged(service: Any) -> None:
    """A malformed body without a session is a 401 (not a 400); an oversized one is refused unread (413)."""
    key, _, _, _, client = service
    for path in ("/v1/evaluate", "/v1/bucket"):
        assert client.post(path, content=b"not json").status_code == 401
        assert client.post(path, content=b"x" * 300_000).status_code == 413
    bare = TestClient(create_app(key, None, OtpVerifier(MemoryOtpHook()), org_tokens({"t": "A"})))
    r = bare.post("/v1/bucket", content=b"not json", headers={"authorization": "Bearer t"})
    assert r.status_code == 503 and r.json() == {"error": "no exposure set loaded"}


def _org_app(key: oprf.ServerKey, exposure: ExposureSet, quota: int, ledger: UsageLedger | None = None) -> TestClient:
    tokens = org_tokens({"org-token": "ACME", "org-token-2": "ACME"})
    return TestClient(create_app(key, exposure, OtpVerifier(MemoryOtpHook()), tokens, rate=1000,
                                 burst=1000, quotas={"ACME": quota}, ledger=ledger))


def test_org_notice_check_bulk(service: Any, tmp_path: Any) -> None:
    """An organisation checks its whole export in batches; rows come back by number, values masked."""
    from leaktrace.attribution.notice import notice_check, write_csv

    key, exposure, _, _, _ = service
    export = tmp_path / "customers.csv"
    mine = [EXPOSED[5], NOT_EXPOSED, EXPOSED[250], "13811112222"]
    export.write_text("姓名,联系电话\n" + "".join(f"客户{i},{m}\n" for i, m in enumerate(mine)), "utf-8")
    ev = HttpEvaluator("http://testserver", "org-token", client=_org_app(key, exposure, 100))
    res = notice_check(export, ev, batch=3)
    assert res.rows == 4 and res.checked == {"cn_mobile": 4}
    assert [r for r, _ in res.exposed_rows] == [1, 3]
    write_csv(res, tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text("utf-8")
    assert EXPOSED[5] not in text and "cn_mobile" in text


def test_org_quota_allows_its_bulk_not_enumeration(service: Any) -> None:
    """The daily quota is the organisation's own size: a larger sweep is refused (429), buckets need evaluations."""
    key, exposure, _, _, _ = service
    client = _org_app(key, exposure, 50)
    ev = HttpEvaluator("http://testserver", "org-token", client=client)
    assert sum(ev.check_many("cn_mobile", EXPOSED[:50], batch=25)) == 50  # its own 50 customers: fine
    with pytest.raises(ServiceError, match=r"429.*daily evaluation quota"):
        ev.check_many("cn_mobile", ["13700000000"], batch=1)
    h = {"authorization": "Bearer org-token"}
    r = client.post("/v1/bucket", json={"buckets": list(range(1))}, headers=h)
    assert r.status_code == 403 and "evaluate first" in r.json()["error"]


def test_org_quotas_sized_from_registry() -> None:
    from leaktrace.attribution.exposure import ORG_QUOTA_FLOOR, ORG_QUOTA_MAX, org_quotas

    q = org_quotas({"big": {"distinct": {"cn_id": 1_000_000, "cn_mobile": 900_000}}, "new": {},
                    "liar": {"distinct": {"cn_mobile": 10**12}},
                    "legacy": {"distinct": {"cn_mobile": 10**7}, "sampling_rate": 2.0**-20}})
    assert q["new"] == ORG_QUOTA_FLOOR
    assert 3_000_000 <= q["big"] <= 4_000_000  # ~3 keys per customer with slack; far below 10^9 mobiles
    assert q["legacy"] == ORG_QUOTA_FLOOR  # sizes "proved" at a tiny rate count for nothing
    assert q["liar"] == ORG_QUOTA_MAX  # a claimed customer base cannot buy more than the operator cap


def test_org_quota_is_per_org_and_survives_restart(service: Any, tmp_path: Any) -> None:
    """A second token of the same org shares its allowance, and a restarted service does not refill it."""
    key, exposure, _, _, _ = service
    ledger = tmp_path / "usage.jsonl"
    one = HttpEvaluator("http://testserver", "org-token", client=_org_app(key, exposure, 40, UsageLedger(ledger)))
    assert sum(one.check_many("cn_mobile", EXPOSED[:30], batch=10)) == 30
    two = HttpEvaluator("http://testserver", "org-token-2", client=_org_app(key, exposure, 40, UsageLedger(ledger)))
    with pytest.raises(ServiceError, match=r"429.*daily evaluation quota"):
        two.check_many("cn_mobile", EXPOSED[30:50], batch=20)
    assert UsageLedger(ledger).used("ACME") == 30
    assert sum(two.check_many("cn_mobile", EXPOSED[30:40], batch=10)) == 10  # exactly what is left


def test_bulk_order_hides_positions(service: Any, monkeypatch: Any) -> None:
    """Values go out in a secret random order (not the sorted input order); bucket ids go sorted per request."""
    key, exposure, _, _, _ = service
    seen: list[bytes] = []
    real = oprf.oblivious_outputs

    def spy(ev: Any, xs: Any, batch: int = 4096) -> list[bytes]:
        seen.extend(xs)
        return real(ev, xs, batch)

    monkeypatch.setattr(oprf, "oblivious_outputs", spy)
    rec = Recorder(_org_app(key, exposure, 10_000).app)
    ev = HttpEvaluator("http://testserver", "org-token", client=TestClient(rec))
    values = sorted(EXPOSED[:100] + [f"1370000{i:04d}" for i in range(100)])
    found = ev.check_many("cn_mobile", values, batch=50)
    assert found == [v in EXPOSED for v in values]
    assert sorted(seen) == sorted(oprf.oprf_input("cn_mobile", v) for v in values)
    assert seen != [oprf.oprf_input("cn_mobile", v) for v in values]
    import json as _json
    bucket_lists = [d["buckets"] for d in map(_json.loads, rec.bodies) if "buckets" in d]
    assert len(bucket_lists) == 4 and all(b == sorted(b) for b in bucket_lists)


def test_otp_locks_address_after_failures_across_challenges(service: Any) -> None:
    """New challenges do not buy new guesses: 5 wrong codes for an address from a client lock that pair."""
    hook = MemoryOtpHook()
    v = OtpVerifier(hook, max_failures=5, sends_per_hour=10, pair_sends_per_hour=10)
    for _ in range(5):
        ch = v.start("sms", MINE, client="1.2.3.4")
        wrong = "000000" if hook.sent[MINE] != "000000" else "111111"
        assert not v.verify(ch, wrong)
    with pytest.raises(OtpLocked):
        v.start("sms", MINE, client="1.2.3.4")  # that client gets no new challenge for that address
    ch = v.start("sms", MINE, client="5.6.7.8")
    assert v.verify(ch, hook.sent[MINE])  # its owner, elsewhere, still can (issue 16: no lockout by strangers)
    ch = v.start("sms", NOT_EXPOSED, client="1.2.3.4")
    assert v.verify(ch, hook.sent[NOT_EXPOSED])  # and the client's neighbours behind its NAT still can


def test_otp_lock_over_http(service: Any) -> None:
    key, exposure, _, _, _ = service
    hook = MemoryOtpHook()
    client = TestClient(create_app(key, exposure, OtpVerifier(hook, max_failures=2), rate=1000, burst=1000))
    for _ in range(2):
        ch = client.post("/v1/otp/start", json={"channel": "sms", "address": MINE}).json()["challenge"]
        wrong = "000000" if hook.sent[MINE] != "000000" else "111111"
        assert client.post("/v1/otp/verify", json={"challenge": ch, "code": wrong}).status_code == 403
    r = client.post("/v1/otp/start", json={"channel": "sms", "address": MINE})
    assert r.status_code == 429 and "wrong codes" in r.json()["error"]


def test_rate_limiter_memory_is_bounded() -> None:
    from leaktrace.attribution.exposure_service import RateLimiter

    rl = RateLimiter(rate=1e9, burst=3, max_clients=1000)  # buckets refill at once: every idle client is evictable
    for i in range(50_000):
        rl.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(rl) <= 1000
    slow = RateLimiter(rate=1e-6, burst=2, max_clients=100)  # nobody refills: the least recently seen go
    for _ in range(2):
        assert slow.allow("attacker")
    assert not slow.allow("attacker")
    for i in range(300):
        slow.allow(f"c{i}")
        if i % 10 == 0:
            assert not slow.allow("attacker")  # seen recently, so kept through evictions and still limited
        assert len(slow) <= 100


def test_otp_lock_holds_for_every_written_form_of_the_address() -> None:
    """"+8613900000042", "8613900000042" and "139 0000 0042" are one phone: changing the spelling buys no guesses."""
    hook = MemoryOtpHook()
    v = OtpVerifier(hook, max_failures=3)
    forms = ["+8613900000042", "8613900000042", "139 0000 0042"]
    for form in forms:
        ch = v.start("sms", form, client="10.0.0.1")
        assert not v.verify(ch, "000000" if hook.sent[form] != "000000" else "111111")
    for form in [*forms, MINE, "+86 139-0000-0042"]:
        with pytest.raises(OtpLocked):
            v.start("sms", form, client="10.0.0.1")
    v.start("email", "Someone@Example.cn", client="10.0.0.1")  # another channel and address: unaffected


def test_notice_csv_leaves_no_temp_file_when_writing_fails(tmp_path: Any) -> None:
    from leaktrace.attribution.notice import NoticeResult, write_csv

    out = tmp_path / "out.csv"
    out.mkdir()  # the final rename cannot replace a directory
    with pytest.raises(OSError):
        write_csv(NoticeResult(1, {"cn_mobile": 1}, [(1, [("cn_mobile", "139****0042")])]), out)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
