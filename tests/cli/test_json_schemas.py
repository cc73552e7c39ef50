"""Every `--json` output and every file format validates against the JSON Schema leaktrace ships for it.

One synthetic world (`leaktrace demo` at a small scale) is built once; then each
command that takes `--json` runs on it in-process, and its output, one object
or one per line, is validated with `jsonschema` against `leaktrace schema show
NAME`. A command whose output changes shape (a key added, renamed, dropped or
retyped) fails here until its schema and docs/formats.md are updated.
Schemas generated from pydantic models are also compared with the models.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from leaktrace.cli.app import main
from leaktrace.core import schemas
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context

SCALE = 1000


def _run(argv: list[str], stdin: str | None = None) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        if stdin is not None:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
                code = main(argv)
        else:
            code = main(argv)
    assert code == 0, f"leaktrace {' '.join(argv)} exited {code}: {err.getvalue()[-2000:]}"
    return out.getvalue()


def _one(text: str) -> list[Any]:
    return [json.loads(text)]


def _lines(text: str) -> list[Any]:
    docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert docs, "no JSON lines printed"
    return docs


class World:
    """The outputs of every command, by schema name: (command, documents)."""

    def __init__(self) -> None:
        self.outputs: dict[str, list[tuple[list[str], list[Any]]]] = {}
        self.env: dict[str, str] = {}  # the demo's data directory and key, for tests that run commands again

    def add(self, name: str, argv: list[str], docs: list[Any]) -> list[Any]:
        self.outputs.setdefault(name, []).append((argv, docs))
        return docs

    def one(self, name: str, argv: list[str]) -> Any:
        return self.add(name, argv, _one(_run(argv)))[0]

    def lines(self, name: str, argv: list[str]) -> list[Any]:
        return self.add(name, argv, _lines(_run(argv)))


def _labels(listings: Path, dest: Path) -> Path:
    with dest.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["title", "body", "pii_trafficking"])
        w.writeheader()
        for line in listings.read_text("utf-8").splitlines()[:60]:
            r = json.loads(line)
            w.writerow({"title": r["title"], "body": r["body"], "pii_trafficking": "0" if r["category"] == "chatter" else "1"})
    return dest


def _exposure_service(mp: pytest.MonkeyPatch, ctx: Any) -> None:
    """The exposure service in-process: the commands' HTTP client talks to its app, not to a socket.

    Its organisation tokens are the token store's, as `exposure serve` wires them: a bearer
    token is a partner account's token (`org token`), looked up at each request.
    """
    from starlette.testclient import TestClient

    from leaktrace.attribution import exposure_client, oprf
    from leaktrace.attribution.attribute import prf_words
    from leaktrace.attribution.exposure import ExposureSet
    from leaktrace.attribution.exposure_http import create_app
    from leaktrace.attribution.otp import MemoryOtpHook, OtpVerifier
    from leaktrace.core.keyring import Keyring
    from leaktrace.service import partners, tokens

    key = oprf.ServerKey.from_keyring(Keyring.generate())
    exposed = [f"139{i:08d}" for i in range(0, 80, 2)]
    exposure = ExposureSet.from_words(key.key_id, *prf_words(key, "cn_mobile", exposed), bucket_bits=4)
    app = create_app(key, exposure, OtpVerifier(MemoryOtpHook()), partners.exposure_lookup(ctx),
                     rate=1000, burst=1000, quotas=tokens.org_quotas(ctx))
    client = TestClient(app)
    real = exposure_client.HttpEvaluator

    class InProcess(real):  # type: ignore[misc, valid-type]
        def __init__(self, base_url: str, token: str | None = None, **kw: Any) -> None:
            super().__init__(base_url, token, client=client)

    mp.setattr(exposure_client, "HttpEvaluator", InProcess)


def build(tmp: Path, mp: pytest.MonkeyPatch, stack: contextlib.ExitStack) -> World:
    """Run every `--json` command on one small world; module-scoped, so tests only validate."""
    from leaktrace.service import accounts, sessions
    from leaktrace.simulate.serve import Behaviour, running_world

    w = World()
    demo = tmp / "demo"
    w.one("demo-result", ["demo", str(demo), "--scale", str(SCALE), "--seed", "11", "--json"])
    # every command after the demo works in the demo's data directory, with the demo's key
    w.env = {"LEAKTRACE_DATA_DIR": str(demo / "data"),
             "LEAKTRACE_KEYRING": (demo / "demo-secret.env").read_text("utf-8").strip().split("=", 1)[1]}
    for var, value in w.env.items():
        mp.setenv(var, value)
    get_settings.cache_clear()
    world = demo / "world"
    truth = json.loads((world / "truth.json").read_text("utf-8"))
    leak = world / truth["leak"]["files"]["csv"]

    w.one("simulate-summary", ["simulate", "generate", str(tmp / "sim"), "--scale", "200", "--seed", "3", "--json"])
    w.lines("config-setting", ["config", "show", "--json"])
    w.one("db-current", ["db", "current", "--json"])
    w.one("db-upgrade", ["db", "upgrade", "--json"])

    text = tmp / "scan.txt"
    text.write_text("\n".join(leak.read_text("gb18030", errors="replace").splitlines()[:40]), "utf-8")
    w.lines("scan-hit", ["scan", str(text), "--json"])
    posts = tmp / "posts.jsonl"
    posts.write_text("".join(json.dumps({"id": f"p{i}", "title": r["title"], "body": r["body"]}, ensure_ascii=False) + "\n"
                             for i, r in enumerate(json.loads(x) for x in
                                                   (world / "social" / "listings.jsonl").read_text("utf-8").splitlines()[:30])),
                     "utf-8")
    w.lines("classify-result", ["classify", str(posts), "--json"])
    w.one("intel-eval", ["intel", "eval", str(_labels(world / "social" / "listings.jsonl", tmp / "labels.csv")), "--json"])

    w.one("dump-report", ["dump", "analyze", str(leak), "--json"])
    w.one("attribute-result", ["attribute", str(leak), "--json"])
    # sample pictures the simulator drew for its listings (docs/images.md): read, then attributed like a dump sample
    pictures = [str(p) for p in sorted((tmp / "sim" / "social" / "images").glob("p*"))[:2]]
    assert pictures, "simulate draws sample pictures by default"
    w.lines("image-reading", ["images", "read", *pictures, "--json"])
    w.one("attribute-result", ["images", "attribute", *pictures, "--json"])
    w.one("org-list", ["org", "list", "--json"])
    canaries = tmp / "acme.partner.canaries.json"
    _run(["org", "canaries", "--org", "ACME", "--partner", "logistics", "--count", "3",
          "--phone-range", "13900000000-13900009999", "--mail-domain", "acme.example", "--order-prefix", "AC",
          "-o", str(canaries)])
    w.add("canaries", ["org", "canaries", "-o"], [json.loads(canaries.read_text("utf-8"))])
    planted = sorted((world / "orgs").glob("*/canaries.*.json"))  # what the simulator writes for organisations
    assert planted
    w.add("canaries", ["simulate", "orgs/*/canaries.*.json"], [json.loads(p.read_text("utf-8")) for p in planted])
    export = tmp / "customers.csv"
    export.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i:04d},139{i:08d}\n" for i in range(80)), "utf-8")
    req, st, resp, fp = (tmp / n for n in ("req.json", "st.json", "resp.json", "fp.json"))
    _run(["org", "fingerprint", str(export), "--org", "ACME", "--request", str(req), "--state", str(st)])
    _run(["org", "evaluate", str(req), "--org", "ACME", "--out", str(resp)])
    w.one("org-fingerprint", ["org", "fingerprint", str(export), "--org", "ACME", "--response", str(resp),
                              "--state", str(st), "--out", str(fp), "--key-file", str(tmp / "k.pem"), "--json"])

    org_token = _run(["org", "token", "--org", "ACME", "--daily-quota", "5000"]).strip()
    _exposure_service(mp, stack.enter_context(open_context(get_settings())))
    w.one("exposure-check", ["exposure", "check", "13900000042", "--server", "http://testserver",
                             "--token", org_token, "--json"])
    w.one("notice-check", ["org", "notice-check", str(export), "--server", "http://testserver", "--token", org_token,
                           "-o", str(tmp / "exposed.csv"), "--json"])

    w.one("evidence-add", ["evidence", "add", str(text), "--json"])
    blobs = w.lines("evidence-blob", ["evidence", "list", "--json"])
    w.one("evidence-verify", ["evidence", "verify", "--json"])
    w.one("evidence-rekey", ["evidence", "rekey", "--json"])
    w.one("bundle-verify", ["evidence", "verify-bundle", str(demo / "report" / "LT-DEMO-1.bundle"), "--json"])

    with running_world(world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as served:
        url = served.url("m1")
        creds = served.credentials[url.split("/")[2]]
        mp.setenv("LT_SCHEMA_PW", creds["password"])
        w.lines("crawl-report", ["crawl", "simulated-market", "--url", url, "--source", "m1-again",
                                 "--legal-basis", "test", "--owner", "tester", "--proxy", served.proxy_url,
                                 "--username", creds["username"], "--password-env", "LT_SCHEMA_PW",
                                 "--delay", "0", "--max-pages", "6", "--json"])
    w.one("import-report", ["import", "telegram", str(world / "social" / "telegram" / "result.json"),
                            "--source", "tg-again", "--legal-basis", "test", "--owner", "tester", "--json"])
    register = ["--legal-basis", "test", "--owner", "tester", "--json"]
    warc = next(b["sha256"] for b in blobs if b["media_type"] == "application/warc")
    original = Path(_run(["evidence", "export", warc, "--out", str(tmp / "exported")]).splitlines()[0])
    w.one("import-report", ["import", "warc", str(original), "--profile", "simulated-market", "--source", "warc-again",
                            *register])
    pages = tmp / "saved"
    pages.mkdir()
    rows = [json.loads(x) for x in (world / "social" / "listings.jsonl").read_text("utf-8").splitlines()[:5]]
    for r in rows:
        (pages / f"{r['id']}.html").write_text(f"<html><head><title>{r['title']}</title></head>"
                                               f"<body><p>{r['body']}</p></body></html>", "utf-8")
    w.one("import-report", ["import", "html", str(pages), "--source", "html-again", *register])
    table = tmp / "listings.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        cw = csv.DictWriter(fh, fieldnames=["url", "title", "body", "seller"])
        cw.writeheader()
        cw.writerows({"url": f"http://m.onion/listing/{r['id']}", "title": r["title"], "body": r["body"],
                      "seller": r["seller"]} for r in rows)
    w.one("import-report", ["import", "csv", str(table), "--source", "csv-again", *register])
    w.one("analyze-report", ["analyze", "--json"])
    listed = w.lines("post", ["posts", "list", "--limit", "5", "--json"])
    w.lines("post", ["posts", "search", "出", "--limit", "3", "--json"])
    w.one("post-detail", ["posts", "show", str(listed[0]["id"]), "--json"])

    w.one("graph-build", ["graph", "build", "--json"])
    w.lines("graph-actor", ["graph", "actors", "--json"])
    links = w.lines("graph-link", ["graph", "links", "--json"])
    w.one("graph-review", ["graph", "confirm", links[0]["id"], "--note", "test", "--json"])
    w.one("graph-review", ["graph", "reject", links[-1]["a"], links[-1]["b"], "--note", "test", "--json"])
    w.one("graph-export", ["graph", "export", str(tmp / "graph.json"), "--json"])
    w.one("graph-import-tx", ["graph", "import-tx", str(world / "social" / "wallet_transactions.csv"), "--json"])

    content = w.one("case-content", ["case", "show", "LT-DEMO-1", "--json"])
    w.lines("case-summary", ["case", "show", "--json"])
    w.one("case-new", ["case", "new", "schema test", "--ref", "LT-SCHEMA", "--json"])
    items = tmp / "items.json"
    items.write_text(json.dumps({k: content[k][:3] for k in ("listings", "actors", "groups", "dumps", "attributions",
                                                             "captures", "wallets")}, ensure_ascii=False), "utf-8")
    w.add("case-items", ["case", "add", "FILE.json"], [json.loads(items.read_text("utf-8"))])
    lines = tmp / "items.jsonl"
    lines.write_text(json.dumps({"kind": "event", "at": "2026-01-02T03:04:05+00:00", "text": "seller contacted"}) + "\n"
                     + json.dumps({"kind": "wallet", **content["wallets"][0]}, ensure_ascii=False) + "\n", "utf-8")
    w.add("case-items", ["case", "add", "FILE.jsonl"], _lines(lines.read_text("utf-8")))
    w.one("case-add", ["case", "add", "LT-SCHEMA", str(items), "--json"])
    w.one("case-add", ["case", "add", "LT-SCHEMA", str(lines), "--json"])
    # leaktrace's own outputs, as printed, are case items too
    for name in ("dump-report", "attribute-result"):
        out = tmp / f"{name}.json"
        out.write_text(json.dumps(w.outputs[name][0][1][0], ensure_ascii=False), "utf-8")
        w.add("case-items", ["case", "add", out.name], [json.loads(out.read_text("utf-8"))])
        w.one("case-add", ["case", "add", "LT-SCHEMA", str(out), "--json"])
    for name in ("graph-actor", "post"):
        out = tmp / f"{name}.jsonl"
        out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in w.outputs[name][0][1][:3]), "utf-8")
        w.add("case-items", ["case", "add", out.name], _lines(out.read_text("utf-8")))
        w.one("case-add", ["case", "add", "LT-SCHEMA", str(out), "--json"])
    w.one("case-build", ["case", "build", "LT-SCHEMA", "--json"])
    w.one("case-report", ["case", "report", "LT-SCHEMA", "--lang", "en", "--out", str(tmp / "report"), "--json"])

    # console accounts (docs/console.md): ana is added, logs in once choosing her own password, and is reset
    added = w.one("user-added", ["users", "add", "ana", "--role", "analyst", "--json"])
    with open_context(get_settings()) as ctx:
        sessions.open_session(ctx, accounts.change_password(ctx, "ana", added["one_time_password"],
                                                            "a much longer password", None, "10.1.2.3"))
    w.lines("user-account", ["users", "list", "--json"])
    w.lines("user-token", ["users", "tokens", "--json"])  # the partner account's, from `org token` above
    w.lines("user-session", ["users", "sessions", "--json"])
    # online inspection (docs/inspection.md): a source put under a schedule, then listed
    _run(["sources", "add", "schema-src", "--profile", "generic-forum", "--url", "https://forum.example/",
          "--interval", "900", "--no-proxy", "--legal-basis", "test warrant", "--owner", "tester"])
    w.lines("source-view", ["sources", "list", "--json"])
    w.one("user-reset", ["users", "reset", "ana", "--totp", "--json"])
    # the audit log holds all of the above, and the case report and exports
    w.lines("audit-entry", ["audit", "show", "--limit", "500", "--json"])
    audit_file = tmp / "audit.jsonl"
    _run(["audit", "export", "-o", str(audit_file)])
    w.add("audit-entry", ["audit", "export", "-o"], _lines(audit_file.read_text("utf-8")))
    w.one("audit-verify", ["audit", "verify", "--json"])

    # the console's search index over the posts stored above (docs/console.md, "Search")
    w.one("search-reindex", ["search", "reindex", "--full", "--json"])

    # online inspection (docs/alerts.md): a tracker retro-hunted over the posts above, its alerts, notices,
    # a subscription; then operations: health, a backup, its verification, a restore into a fresh data directory
    tracker = w.one("tracker", ["trackers", "add", "schema 出", "--term", "出", "--regex", r"\d+", "--json"])
    w.one("tracker", ["trackers", "edit", str(tracker["id"]), "--term", "出", "--min-records", "1", "--json"])
    w.lines("tracker", ["trackers", "list", "--json"])
    w.one("retrohunt-status", ["trackers", "retrohunt", str(tracker["id"]), "--wait", "--json"])
    w.one("retrohunt-status", ["trackers", "status", str(tracker["id"]), "--json"])
    raised = w.lines("alert", ["alerts", "list", "--limit", "5", "--json"])
    assert len(raised) >= 3, "the retro-hunt found too few listings to exercise every alert command"
    w.one("alert", ["alerts", "show", str(raised[0]["id"]), "--json"])
    w.one("alert", ["alerts", "ack", str(raised[0]["id"]), "--json"])
    w.one("alert", ["alerts", "dismiss", str(raised[1]["id"]), "--reason", "schema test", "--json"])
    w.one("alert", ["alerts", "escalate", str(raised[2]["id"]), "--case", "LT-SCHEMA", "--json"])
    w.one("alert-subscription", ["alerts", "subscribe", "--user", "ana", "--webhook", "http://127.0.0.1:9/h",
                                 "--min-priority", "3", "--json"])
    with open_context(get_settings()) as ctx:
        from leaktrace.service.alerts import hold_notice, raise_alert
        from leaktrace.store.types import utcnow

        with ctx.session() as s:
            r = raise_alert(s, rule="canary:ACME", kind="canary", listing="post:schema", priority=3,
                            matched={"org": "ACME", "canary_id": "logistics#0"})
            hold_notice(s, r.alert_id, org="ACME", canary_id="logistics#0", source="m1", seen_at=utcnow())
            s.commit()
    w.lines("org-notice", ["alerts", "notices", "--json"])
    w.one("health", ["health", "--json"])
    w.one("retention-report", ["retention", "run", "--dry-run", "--json"])
    w.one("backup-report", ["backup", str(tmp / "backup"), "--json"])
    w.one("backup-verify", ["backup", str(tmp / "backup"), "--verify", "--json"])
    with pytest.MonkeyPatch.context() as fresh:
        fresh.setenv("LEAKTRACE_DATA_DIR", str(tmp / "restored"))
        get_settings.cache_clear()
        w.one("backup-report", ["restore", str(tmp / "backup"), "--json"])
    get_settings.cache_clear()

    w.lines("schema-entry", ["schema", "list", "--json"])
    return w


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("schemas")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp)
        try:
            with contextlib.ExitStack() as stack:
                yield build(tmp, mp, stack)
        finally:
            get_settings.cache_clear()


def _outputs() -> list[str]:
    return sorted(schemas.names())


def test_every_schema_is_a_valid_draft_2020_12_schema_with_id_title_and_description() -> None:
    assert len(_outputs()) >= 30
    for name in _outputs():
        doc = schemas.load(name)
        jsonschema.Draft202012Validator.check_schema(doc)
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert doc["$id"].endswith(f"/{name}.schema.json")
        assert doc.get("title") and doc.get("description"), name


@pytest.mark.parametrize("name", _outputs())
def test_output_validates_against_its_schema(world: World, name: str) -> None:
    runs = world.outputs.get(name)
    assert runs, f"schema {name!r}: no command in this test produced it; add one to build()"
    validator = schemas.validator(name)
    for command, docs in runs:
        for i, doc in enumerate(docs):
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            assert not errors, (f"leaktrace {' '.join(command[:3])} (document {i + 1}) does not match {name}.schema.json: "
                                f"{errors[0].json_path}: {errors[0].message[:300]}")


def _json_commands() -> list[tuple[str, ...]]:
    """Every command of the CLI that has a --json option, as its path of names."""
    from leaktrace.cli.app import command

    found: list[tuple[str, ...]] = []
    stack: list[tuple[tuple[str, ...], Any]] = [((), command())]
    while stack:
        path, cmd = stack.pop()
        subs = getattr(cmd, "commands", None)
        if subs is not None:
            if hasattr(cmd, "list_commands"):  # lazily loaded groups (simulate serve) list what they hold
                subs = {n: cmd.get_command(None, n) or subs.get(n) for n in cmd.list_commands(None)} or subs
            stack.extend(((*path, n), c) for n, c in subs.items() if c is not None)
        if any("--json" in p.opts or "--json" in getattr(p, "secondary_opts", []) for p in cmd.params):
            found.append(path)
    return sorted(found)


def test_every_json_command_is_run_here(world: World) -> None:
    """A new --json output fails this test until build() runs it and a schema describes it."""
    ran = [argv for runs in world.outputs.values() for argv, _ in runs]
    missing = [" ".join(path) for path in _json_commands()
               if not any(tuple(argv[:len(path)]) == path for argv in ran)]
    assert len(_json_commands()) >= 30
    assert not missing, f"commands with --json that no test here runs: {missing}"


def test_invalid_outputs_are_rejected(world: World) -> None:
    """The schemas are strict enough to catch drift: a renamed, missing or extra key fails."""
    for name in ("crawl-report", "import-report", "post", "dump-report", "attribute-result", "case-content",
                 "user-account", "user-token", "audit-entry", "audit-verify", "bundle-verify"):
        doc = json.loads(json.dumps(world.outputs[name][0][1][0]))
        validator = schemas.validator(name)
        extra = {**doc, "unexpected_key": 1}
        assert not validator.is_valid(extra), f"{name}: an extra key passed"
        key = next(k for k in schemas.load(name).get("required", []))
        missing = {k: v for k, v in doc.items() if k != key}
        assert not validator.is_valid(missing), f"{name}: a missing {key!r} passed"


@pytest.mark.parametrize("damage", ["custody/custody.jsonl", "manifest.json"])
def test_a_failed_bundle_verification_prints_its_schema_too(world: World, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str], damage: str) -> None:
    """`verify-bundle --json` prints its verdict before exit 4; a broken bundle's verdict matches the schema too."""
    import shutil

    bundle = tmp_path / "LT-DEMO-1.bundle"
    shutil.copytree(Path(world.env["LEAKTRACE_DATA_DIR"]).parent / "report" / "LT-DEMO-1.bundle", bundle)
    (bundle / damage).unlink()
    for var, value in world.env.items():
        monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    assert main(["evidence", "verify-bundle", str(bundle), "--json"]) == 4
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and any(damage in p for p in doc["problems"]), doc["problems"]
    validator = schemas.validator("bundle-verify")
    errors = list(validator.iter_errors(doc))
    assert not errors, f"{errors[0].json_path}: {errors[0].message[:300]}"
    assert not validator.is_valid({**doc, "ok": True, "problems": []}), "a sound verdict must be read through"


def test_generated_schemas_equal_the_models() -> None:
    """Schemas built from pydantic models are regenerated, never edited: `make schemas` writes them."""
    from leaktrace.pipeline.json_schemas import GENERATED, generate

    assert GENERATED
    stale = [name for name in GENERATED if schemas.load(name) != generate(name)]
    assert not stale, f"{stale}: shipped schema differs from its model; run `make schemas` and commit the result"


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d["listings"][0].update(no_such_field=1), "no_such_field"),
    (lambda d: d["actors"][0].update(confidence=3), "confidence"),
    (lambda d: d["wallets"][0].pop("address"), "address"),
    (lambda d: d["captures"][0].update(size=-1), "size"),
])
def test_case_items_schema_and_case_add_agree(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str], change: Any, problem: str) -> None:
    """What the case-items schema rejects, `case add` rejects too; both accept the unchanged file."""
    good = world.outputs["case-items"][0][1][0]
    bad = json.loads(json.dumps(good))
    change(bad)
    path = tmp_path / "items.json"
    path.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    for var, value in world.env.items():
        monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    assert main(["schema", "check", "case-items", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err and str(path) in err
    assert main(["case", "add", "LT-SCHEMA", str(path)]) == 2
    assert problem in capsys.readouterr().err
    path.write_text(json.dumps(good, ensure_ascii=False), "utf-8")
    assert main(["schema", "check", "case-items", str(path)]) == 0


def test_schema_show_prints_the_shipped_file(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("canaries", "case-items", "crawl-report"):
        assert main(["schema", "show", name]) == 0
        assert json.loads(capsys.readouterr().out) == schemas.load(name)
    assert main(["schema", "show", "no-such"]) == 2
    assert "no such schema" in capsys.readouterr().err


def test_schema_check_names_the_line_and_field(world: World, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON-lines output is checked line by line; the first bad line is named with the field."""
    posts = [json.dumps(d, ensure_ascii=False) for d in world.outputs["post"][0][1]]
    assert len(posts) >= 3
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(posts) + "\n", "utf-8")
    assert main(["schema", "check", "post", str(path)]) == 0
    assert f"{len(posts)} document(s) match post" in capsys.readouterr().out
    broken = json.loads(posts[1])
    broken["score"] = "high"
    path.write_text("\n".join([posts[0], json.dumps(broken, ensure_ascii=False), *posts[2:]]) + "\n", "utf-8")
    assert main(["schema", "check", "post", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 2: $.score:" in err and err.count("\n") == 1


def test_docs_list_every_schema() -> None:
    """docs/formats.md has a row for each shipped schema, and a command page names each one too."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    table = (docs / "formats.md").read_text("utf-8")
    pages = "".join(p.read_text("utf-8") for p in docs.glob("*.md") if p.name != "formats.md")
    missing_row = [n for n in schemas.names() if f"| `{n}` |" not in table]
    assert not missing_row, f"docs/formats.md has no row for {missing_row}"
    unreferenced = [n for n in schemas.names() if f"`{n}`" not in pages and n != "schema-entry"]
    assert not unreferenced, f"no docs page names the schema(s) {unreferenced}"


@pytest.mark.parametrize("name", ["dump-report", "attribute-result", "graph-actor", "post"])
def test_one_printed_output_is_a_case_item(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], name: str) -> None:
    """A file holding one output as printed (one actor, one post) passes the schema and `case add` alike."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(world.outputs[name][0][1][0], ensure_ascii=False) + "\n", "utf-8")
    for var, value in world.env.items():
        monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    assert main(["schema", "check", "case-items", str(path)]) == 0
    assert main(["case", "add", "LT-SCHEMA", str(path)]) == 0, capsys.readouterr().err


def test_canary_schema_names_the_format_writers_use() -> None:
    from leaktrace.core.file_formats import CANARY_FILE_FORMAT

    assert schemas.load("canaries")["properties"]["format"] == {"const": CANARY_FILE_FORMAT}
