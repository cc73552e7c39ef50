"""The exposure server's organisation tokens are partner accounts' tokens in the one token store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from leaktrace.attribution import oprf
from leaktrace.attribution.exposure import ExposureSet
from leaktrace.attribution.exposure_service import ExposureService, Unauthorized
from leaktrace.attribution.otp import MemoryOtpHook, OtpVerifier
from leaktrace.cli.app import main
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import accounts, partners, tokens
from leaktrace.service.access import Principal, Role

from .conftest import make_user


@pytest.fixture(scope="module")
def key() -> oprf.ServerKey:
    return oprf.ServerKey.from_keyring(Keyring.generate())


def _service(ctx: Context, key: oprf.ServerKey) -> ExposureService:
    exposure = ExposureSet.from_words(key.key_id, np.zeros(1, np.uint64), np.zeros(1, np.uint64), bucket_bits=4)
    return ExposureService(key, exposure, OtpVerifier(MemoryOtpHook()), partners.exposure_lookup(ctx),
                           rate=1000, burst=1000, quotas=tokens.org_quotas(ctx))


def _evaluate(svc: ExposureService, token: str) -> None:
    svc.evaluate("10.0.0.1", token, [oprf.blind(b"13812345678").element])


def test_org_token_works_until_revoked(ctx: Context, shell: Principal, key: oprf.ServerKey) -> None:
    token, account = partners.issue_org_token(ctx, shell, "ACME", daily_quota=300)
    assert account == "partner-acme"
    svc = _service(ctx, key)
    _evaluate(svc, token)
    assert tokens.org_quotas(ctx) == {"ACME": 300}
    again, account2 = partners.issue_org_token(ctx, shell, "ACME")
    assert account2 == account  # one partner account per organisation, several tokens
    [live, _] = tokens.list_tokens(ctx, shell, user_id=-1)
    tokens.revoke_token(ctx, shell, live.token_id)  # the newest: `again`
    with pytest.raises(Unauthorized):
        _evaluate(svc, again)  # refused at the next request, no restart
    _evaluate(svc, token)
    accounts.disable_user(ctx, account, actor=shell)
    with pytest.raises(Unauthorized):
        _evaluate(svc, token)


def test_only_partner_tokens_in_scope_act_for_an_organisation(ctx: Context, shell: Principal,
                                                               key: oprf.ServerKey) -> None:
    svc = _service(ctx, key)
    ana, _ = make_user(ctx, "ana", Role.ANALYST)
    staff = tokens.issue_token(ctx, ana, ana.user_id, ["exposure"])
    acme, _ = make_user(ctx, "acme", Role.PARTNER, org="ACME")
    wrong_scope = tokens.issue_token(ctx, shell, acme.user_id, ["notice"])
    for token in (staff, wrong_scope, "made-up"):
        with pytest.raises(Unauthorized):
            _evaluate(svc, token)
        assert partners.exposure_org(ctx, token, "c") is None
    good = tokens.issue_token(ctx, shell, acme.user_id, ["exposure.check"])
    assert partners.exposure_org(ctx, good, "c") == "ACME"


def test_old_token_files_are_imported_and_keep_working(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       key: oprf.ServerKey) -> None:
    old = tmp_path / "tokens.json"
    old.write_text(json.dumps({hashlib.sha256(b"old-acme-token").hexdigest(): {"org": "ACME", "daily_quota": 900},
                               hashlib.sha256(b"old-globex-token").hexdigest(): "GLOBEX"}), "utf-8")
    assert main(["org", "import-tokens", str(old)]) == 0
    assert "imported 2 token(s)" in capsys.readouterr().out
    with open_context(get_settings()) as ctx:
        assert partners.exposure_org(ctx, "old-acme-token", "c") == "ACME"
        assert partners.exposure_org(ctx, "old-globex-token", "c") == "GLOBEX"
        assert tokens.org_quotas(ctx) == {"ACME": 900}
        _evaluate(_service(ctx, key), "old-globex-token")
    assert main(["org", "import-tokens", str(old)]) == 2  # twice: already in the store
    bad = tmp_path / "bad.json"
    bad.write_text('{"abc": 5}', "utf-8")
    assert main(["org", "import-tokens", str(bad)]) == 2
    assert "expected an organisation name" in capsys.readouterr().err
