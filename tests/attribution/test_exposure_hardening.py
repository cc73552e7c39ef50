"""Issue 16: what an attacker and a hostile request did to the exposure server, each as a test."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from starlette.testclient import TestClient

from leaktrace.attribution import oprf
from leaktrace.attribution.attribute import prf_words
from leaktrace.attribution.exposure import MAX_BODY, ExposureSet
from leaktrace.attribution.exposure_http import create_app
from leaktrace.attribution.exposure_service import TooManyRequests
from leaktrace.attribution.otp import MemoryOtpHook, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.keyring import Keyring

from .conftest import org_tokens

EXPOSED = [f"1390000{i:04d}" for i in range(50)]
MINE = "13900000042"
ORG = {"authorization": "Bearer org-token"}


@pytest.fixture(scope="module")
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


@pytest.fixture(scope="module")
def exposure(key: oprf.ServerKey) -> ExposureSet:
    return ExposureSet.from_words(key.key_id, *prf_words(key, "cn_mobile", EXPOSED), bucket_bits=4)


def _app(key: oprf.ServerKey, exposure: ExposureSet | None, hook: MemoryOtpHook | None = None,
         verifier: OtpVerifier | None = None, **kw: Any) -> TestClient:
    args: dict[str, Any] = {"rate": 1000, "burst": 1000}
    args.update(kw)
    otp = verifier or OtpVerifier(hook or MemoryOtpHook())
    return TestClient(create_app(key, exposure, otp, org_tokens({"org-token": "ACME"}), **args))


def _element(i: int = 0) -> str:
    return base64.b64encode(oprf.blind(f"v{i}".encode()).element).decode()


# -- item 12: the body cap is enforced while reading, and from the Content-Length ---------------


class _Counting:
    """ASGI wrapper counting the body bytes the app pulls from the connection."""

    def __init__(self, app: Any) -> None:
        self.app, self.read = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            msg = await receive()
            self.read += len(msg.get("body", b""))
            return msg
        await self.app(scope, counted, send)


def test_oversized_body_is_refused_from_its_content_length_unread(key: oprf.ServerKey,
                                                                 exposure: ExposureSet) -> None:
    app = _Counting(_app(key, exposure).app)
    client = TestClient(app)
    for path in ("/v1/otp/start", "/v1/evaluate", "/v1/bucket"):
        app.read = 0
        r = client.post(path, content=b"x" * (MAX_BODY + 1), headers={**ORG, "content-type": "application/json"})
        assert r.status_code == 413, (path, r.status_code)
        assert "256" in r.json()["error"] or str(MAX_BODY) in r.json()["error"]
        assert app.read == 0  # refused on the header alone: nothing of the body was read


def test_body_without_content_length_is_cut_off_at_the_cap(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    """A chunked body (no Content-Length) of 4 MiB is read only until it passes the cap."""
    import asyncio

    app = _app(key, exposure).app
    offered, sent = 64, []
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": pulled < offered}

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    scope = {"type": "http", "method": "POST", "path": "/v1/evaluate", "raw_path": b"/v1/evaluate",
             "query_string": b"", "headers": [(b"authorization", b"Bearer org-token"),
                                               (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80), "scheme": "http", "root_path": "",
             "http_version": "1.1", "asgi": {"version": "3.0"}}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert pulled * 65536 <= MAX_BODY + 65536  # given up at the first chunk over the cap, not at 4 MiB


# -- item 14: malformed input is a 400, never a 500, and never charged ---------------------------


def test_hostile_json_is_a_400_not_a_500(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    client = _app(key, exposure)
    client_raise = TestClient(client.app, raise_server_exceptions=False)
    deep = b'{"buckets": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for path in ("/v1/evaluate", "/v1/bucket", "/v1/otp/start", "/v1/otp/verify"):
        r = client_raise.post(path, content=deep, headers={**ORG, "content-type": "application/json"})
        assert r.status_code == 400, (path, r.status_code)
    for raw in (b'{"buckets": [Infinity]}', b'{"buckets": [1e400]}', b'{"buckets": [NaN]}',
                b'{"buckets": [1.5]}', b'{"buckets": [true]}', b'{"buckets": ["3"]}', b'{"buckets": 3}'):
        r = client_raise.post("/v1/bucket", content=raw, headers={**ORG, "content-type": "application/json"})
        assert r.status_code == 400, (raw, r.status_code)
        assert r.json()["error"].startswith("buckets")


def test_identity_element_is_a_400_and_not_charged(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    ledger = UsageLedger(None)
    client = TestClient(_app(key, exposure, ledger=ledger, quotas={"ACME": 10}).app, raise_server_exceptions=False)
    zero = base64.b64encode(bytes(32)).decode()
    r = client.post("/v1/evaluate", json={"elements": [_element(), zero]}, headers=ORG)
    assert r.status_code == 400 and "element 2" in r.json()["error"]
    assert ledger.used("ACME") == 0
    for bad, field in (({"elements": "abc"}, "elements"), ({"elements": [1]}, "elements"),
                       ({"elements": None}, "elements"), ({"elements": [_element()], "purpose": 1}, "purpose")):
        r = client.post("/v1/evaluate", json=bad, headers=ORG)
        assert r.status_code == 400 and r.json()["error"].startswith(field), bad
    assert ledger.used("ACME") == 0
    assert client.post("/v1/evaluate", json={"elements": [_element()]}, headers=ORG).status_code == 200
    assert ledger.used("ACME") == 1


# -- item 18: otp/start takes a JSON string that is a mobile or an e-mail address -----------------


def test_otp_start_refuses_what_is_not_an_address(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    hook = MemoryOtpHook()
    client = _app(key, exposure, hook)
    for raw in (b'{"channel": "sms", "address": null}', b'{"channel": "sms", "address": "abc"}',
                b'{"channel": "sms", "address": NaN}', b'{"channel": "sms", "address": 13900000042}',
                b'{"channel": "sms", "address": "12345678901"}', b'{"channel": "email", "address": "abc"}',
                b'{"channel": "email", "address": "13900000042"}', b'{"channel": 1, "address": "13900000042"}'):
        r = client.post("/v1/otp/start", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400, raw
    assert hook.sent == {}
    for ctype in ("text/plain", "application/x-www-form-urlencoded", ""):
        r = client.post("/v1/otp/start", content=b'{"channel": "sms", "address": "13900000042"}',
                        headers={"content-type": ctype})
        assert r.status_code == 415, ctype
    assert hook.sent == {}
    for channel, address in (("sms", "+86 139-0000-0042"), ("email", "Someone@Example.cn")):
        r = client.post("/v1/otp/start", json={"channel": channel, "address": address})
        assert r.status_code == 200, address
    assert len(hook.sent) == 2


# -- item 15: the rate limit comes before authentication and counts by client ---------------------


def test_fresh_bearer_tokens_do_not_dodge_the_rate_limit(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    client = _app(key, exposure, rate=0.01, burst=5)
    svc = client.app.state.exposure
    codes = [client.post("/v1/bucket", json={"buckets": [0]},
                         headers={"authorization": f"Bearer random-{i}"}).status_code for i in range(200)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert len(svc.limiter) <= 2  # one entry per client, not one per made-up token


# -- item 13: SMS bombing: codes per address per hour and per day, and a global cap --------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Outbox:
    """OTP hook keeping every code sent (MemoryOtpHook keeps only the last per address)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.last: dict[str, str] = {}

    def send(self, channel: str, address: str, code: str) -> None:
        self.sent.append((address, code))
        self.last[address] = code


def test_300_code_requests_for_one_number_send_a_few(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    """From one client or from 300, a number gets a few codes an hour: the rest are 429s, not SMS."""
    outbox = _Outbox()
    client = _app(key, exposure, verifier=OtpVerifier(outbox))
    codes = [client.post("/v1/otp/start", json={"channel": "sms", "address": MINE}).status_code for _ in range(300)]
    assert len(outbox.sent) <= 5 and codes.count(200) == len(outbox.sent) and set(codes) == {200, 429}
    svc = client.app.state.exposure
    refused = 0
    for i in range(300):  # a botnet: each request from another address
        try:
            svc.otp_start(f"10.1.{i // 256}.{i % 256}", "sms", "13900000043")
        except TooManyRequests as exc:
            assert "too many codes" in exc.message
            refused += 1
    assert 300 - refused == sum(a == "13900000043" for a, _ in outbox.sent) <= 5


def test_codes_per_address_recover_per_hour_and_are_capped_per_day() -> None:
    from leaktrace.attribution.otp import OtpThrottled

    clock, outbox = _Clock(), _Outbox()
    v = OtpVerifier(outbox, sends_per_hour=3, sends_per_day=5, pair_sends_per_hour=3, clock=clock)
    sent = 0
    for hour in range(3):
        for i in range(10):
            try:
                v.start("sms", MINE, client=f"10.0.0.{i}")
                sent += 1
            except OtpThrottled:
                pass
        assert sent == min(3 * (hour + 1), 5)
        clock.now += 3601
    clock.now += 86_400
    v.start("sms", MINE, client="10.0.0.1")  # a new day


def test_global_cap_on_codes_sent() -> None:
    from leaktrace.attribution.otp import OtpThrottled

    clock, outbox = _Clock(), _Outbox()
    v = OtpVerifier(outbox, global_sends_per_hour=20, clock=clock)
    for i in range(20):
        v.start("sms", f"1380000{i:04d}", client=f"10.0.0.{i}")
    with pytest.raises(OtpThrottled, match="too many codes"):
        v.start("sms", "13900009999", client="10.9.9.9")
    clock.now += 3601
    v.start("sms", "13900009999", client="10.9.9.9")
    assert len(outbox.sent) == 21


# -- item 16: lockouts per address and client, with back-off --------------------------------------


def _wrong(v: OtpVerifier, outbox: _Outbox, address: str, client: str, n: int) -> None:
    """`n` wrong codes for `address` from `client`, over as many challenges as that takes."""
    from leaktrace.attribution.otp import MAX_ATTEMPTS

    while n > 0:
        ch = v.start("sms", address, client=client)
        for _ in range(min(n, MAX_ATTEMPTS)):
            assert not v.verify(ch, "000000" if outbox.last[address] != "000000" else "111111")
            n -= 1


def test_one_user_behind_a_nat_does_not_lock_out_the_others() -> None:
    outbox = _Outbox()
    v = OtpVerifier(outbox, max_failures=5)
    _wrong(v, outbox, MINE, "192.0.2.1", 5)
    ch = v.start("sms", "13711112222", client="192.0.2.1")  # a neighbour behind the same NAT
    assert v.verify(ch, outbox.last["13711112222"])


def test_nobody_can_lock_a_victim_out_by_guessing_wrong() -> None:
    from leaktrace.attribution.otp import OtpLocked

    outbox = _Outbox()
    v = OtpVerifier(outbox, max_failures=5)
    _wrong(v, outbox, MINE, "203.0.113.66", 5)
    with pytest.raises(OtpLocked):
        v.start("sms", MINE, client="203.0.113.66")  # the guesser is locked out of that number...
    ch = v.start("sms", MINE, client="198.51.100.7")  # ...its owner is not
    assert v.verify(ch, outbox.last[MINE])


def test_lock_backs_off() -> None:
    from leaktrace.attribution.otp import BASE_LOCK_S, OtpLocked

    clock, outbox = _Clock(), _Outbox()
    v = OtpVerifier(outbox, max_failures=5, sends_per_hour=100, sends_per_day=100, pair_sends_per_hour=100,
                    clock=clock)
    for strike in range(1, 4):
        _wrong(v, outbox, MINE, "192.0.2.1", 5)
        lock = BASE_LOCK_S * 2 ** (strike - 1)
        clock.now += lock - 1
        with pytest.raises(OtpLocked):
            v.start("sms", MINE, client="192.0.2.1")
        clock.now += 2


def test_guesses_at_one_address_from_many_clients_are_bounded() -> None:
    """Per-pair locks do not let a botnet brute-force one number: the address itself locks after a larger count."""
    from leaktrace.attribution.otp import ADDRESS_FAILURE_FACTOR, OtpLocked

    outbox = _Outbox()
    v = OtpVerifier(outbox, max_failures=5, sends_per_hour=100, sends_per_day=100)
    total = 5 * ADDRESS_FAILURE_FACTOR
    for i in range(ADDRESS_FAILURE_FACTOR):
        _wrong(v, outbox, MINE, f"10.0.0.{i}", 5)
    assert total == 5 * ADDRESS_FAILURE_FACTOR
    with pytest.raises(OtpLocked):
        v.start("sms", MINE, client="10.0.1.1")


# -- item 17: what an organisation token can fetch of the tag set is bounded ----------------------


def test_an_org_cannot_collect_the_whole_tag_set_over_days(key: oprf.ServerKey, exposure: ExposureSet) -> None:
    """Evaluations bought day after day used to add up to one bucket each of the whole set (16 here, 65,536 live)."""
    from leaktrace.attribution.exposure_service import ExposureService, Forbidden

    clock = _Clock()
    clock.now = 1_800_000_000.0
    svc = ExposureService(key, exposure, OtpVerifier(MemoryOtpHook()),
                          org_tokens({"org-token": "ACME"}), rate=1000, burst=1000,
                          quotas={"ACME": 4}, ledger=UsageLedger(None, clock=clock))
    for _day in range(4):  # the daily allowance, four days running: 16 evaluations, one per bucket
        svc.evaluate("10.0.0.1", "org-token", [oprf.blind(f"v{i}".encode()).element for i in range(4)])
        clock.now += 86_400
    served: set[int] = set()
    for b in range(16):
        try:
            served.update(int(t) for t in svc.bucket("10.0.0.1", "org-token", [b]).buckets[b])
        except Forbidden as exc:
            assert "distinct buckets" in exc.message
    assert len(served) < len(exposure.tags)  # not the whole tag set
    cap = svc.bucket_cap(4, exposure.bucket_bits)
    # 16 x (1 - e^(-4/16)) = 3.5 buckets on average for a day's allowance, plus slack for an honest
    # allowance that lands in more than the average; far from the 16 that four days would add up to.
    assert 4 <= cap <= 8
    assert served == {int(t) for t, b in zip(exposure.tags, exposure.buckets, strict=True) if b < cap}
    # the same buckets again (its own customers, checked again tomorrow) are still served
    svc.evaluate("10.0.0.1", "org-token", [oprf.blind(b"again").element])
    svc.bucket("10.0.0.1", "org-token", [0])
