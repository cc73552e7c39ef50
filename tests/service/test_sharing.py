"""Confirmed alerts and cases pushed to a local TAXII 2.1 server (medallion, started here), TLP honoured."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from pydantic import SecretStr

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import alerts, sharing, trackers
from leaktrace.service.access import Principal

from .conftest import backend_settings
from .inspection_helpers import add_post, drain, fast_queue

COLLECTION = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"


@pytest.fixture(scope="module")
def taxii_server() -> Iterator[str]:
    """medallion's memory backend on a free local port: one API root, one writable collection."""
    import medallion
    from werkzeug.serving import make_server

    data = {
        "/discovery": {"title": "test", "api_roots": ["http://127.0.0.1/api1/"], "default": "http://127.0.0.1/api1/"},
        "api1": {"information": {"title": "api1", "versions": ["application/taxii+json;version=2.1"],
                                 "max_content_length": 10_000_000},
                 "status": [],
                 "collections": [{"id": COLLECTION, "title": "leaktrace", "can_read": True, "can_write": True,
                                  "media_types": ["application/stix+json;version=2.1"], "objects": [],
                                  "manifest": []}]},
    }
    app = medallion.application_instance
    medallion.set_config(app, "users", {"users": {"lt": "secret"}})
    medallion.set_config(app, "taxii", {"taxii": {"max_page_size": 100}})
    with app.app_context():
        from medallion.backends.memory_backend import MemoryBackend

        backend = MemoryBackend()
        backend.data = data
        app.medallion_backend = backend
    if "objects" not in app.blueprints:
        medallion.register_blueprints(app)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{port}/api1/collections/{COLLECTION}/"
    finally:
        server.shutdown()


def _objects(url: str) -> list[dict]:
    """What the collection holds, read from medallion's memory (its GET of objects chokes on a STIX extension
    definition's `version`, a medallion bug unrelated to what was pushed)."""
    import medallion

    assert url.endswith(f"{COLLECTION}/")
    cols = medallion.application_instance.medallion_backend.data["api1"]["collections"]
    return list(next(c for c in cols if c["id"] == COLLECTION)["objects"])


def _confirmed_alert(ctx: Context, shell: Principal) -> int:
    trackers.create_tracker(ctx, shell, "t", {"terms": ["社工库"]})
    pid = add_post(ctx, "社工库", "样本 王小明 13812345678", author="seller9")
    fast_queue(ctx).enqueue("track", {"post_id": pid, "capture_id": None}, key=uuid4().hex)
    drain(ctx)
    return alerts.list_alerts(ctx, shell)[0][0].id


@pytest.fixture
def ctx(request: pytest.FixtureRequest) -> Iterator[Context]:
    """The embedded store only: what is pushed does not depend on the backend."""
    with open_context(backend_settings(request, "sqlite"), migrate=False) as c:
        yield c


def test_confirmed_alert_pushed_with_its_tlp(ctx: Context, shell: Principal, taxii_server: str,
                                             tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="taxii_url"):
        sharing._collection(ctx)
    ctx.settings.taxii_url, ctx.settings.taxii_user = taxii_server, "lt"
    ctx.settings.taxii_password = SecretStr("secret")
    aid = _confirmed_alert(ctx, shell)
    with pytest.raises(InputError, match="only acknowledged or escalated"):
        sharing.push_alert(ctx, shell, aid)
    alerts.acknowledge(ctx, shell, aid)
    with pytest.raises(InputError, match="TLP:RED"):
        sharing.push_alert(ctx, shell, aid, tlp="red")
    ctx.settings.taxii_max_tlp = "green"
    with pytest.raises(InputError, match="TLP:AMBER may not be pushed"):
        sharing.push_alert(ctx, shell, aid, tlp="amber")
    got = sharing.push_alert(ctx, shell, aid, tlp="green")
    assert got["status"] == "complete" and got["success"] == 2
    objs = _objects(taxii_server)
    report = next(o for o in objs if o["type"] == "report")
    assert report["object_marking_refs"] == ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]  # TLP:GREEN
    assert f"alert-{aid}" in str(report["external_references"]) and "seller9" in report["description"]
    text = str(objs)
    assert "13812345678" not in text and "王小明" not in text


def test_case_pushed_as_its_shared_copy_red_never(ctx: Context, shell: Principal, taxii_server: str) -> None:
    from leaktrace.cases.case_records import create_case
    from leaktrace.pipeline.intel_stage import analyse_stored

    ctx.settings.taxii_url, ctx.settings.taxii_user = taxii_server, "lt"
    ctx.settings.taxii_password = SecretStr("secret")
    ctx.settings.taxii_max_tlp = "amber"
    aid = _confirmed_alert(ctx, shell)
    analyse_stored(ctx)
    with ctx.session() as s:
        create_case(s, "shared", ref="LT-SHARE", tlp="green", created_by="t")
        create_case(s, "secret", ref="LT-RED", tlp="red", created_by="t")
        s.commit()
    alerts.escalate(ctx, shell, aid, "LT-SHARE")
    with pytest.raises(InputError, match="TLP:RED"):
        sharing.push_case(ctx, shell, "LT-RED")
    before = len(_objects(taxii_server))
    got = sharing.push_case(ctx, shell, "LT-SHARE")
    assert got["status"] == "complete" and got["objects"] >= 3
    objs = _objects(taxii_server)
    assert len(objs) > before
    green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
    assert any(green in o.get("object_marking_refs", []) for o in objs if o["type"] == "report")
    assert "13812345678" not in str(objs)
