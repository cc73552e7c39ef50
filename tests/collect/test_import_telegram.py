"""Telegram Desktop exports: one capture, a post per text message, UTC times, stable authors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from _import_helpers import approved, cli, count, posts

from leaktrace.collect.importers.base import Document, Skipped
from leaktrace.collect.importers.telegram import iter_export, message_text
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import run_import
from leaktrace.store.models import Capture


def test_simulated_channel_export(ctx: Context, sim_world: Path) -> None:
    path = sim_world / "social" / "telegram" / "result.json"
    export = json.loads(path.read_text(encoding="utf-8"))
    expected = {m["id"]: m for m in export["messages"] if m["type"] == "message" and message_text(m).strip()}
    src = approved(ctx, "tg")
    assert cli("import", "telegram", str(path), "--source", src) == 0
    got = {p.url: p for p in posts(ctx, "telegram")}
    assert len(got) == len(expected) > 10
    for mid, m in expected.items():
        p = got[f"tg://privatepost?channel={export['id']}&post={mid}"]
        assert p.author_handle == m["from_id"]
        assert p.posted_at == datetime.fromtimestamp(int(m["date_unixtime"]), tz=UTC)
        # `date` is the exporter's local time (UTC+8 here): never taken as UTC.
        assert p.posted_at.replace(tzinfo=None) == datetime.fromisoformat(m["date"]) - timedelta(hours=8)
        assert p.body == message_text(m).strip()
    # Entities (mentions, wallets in `code`) are flattened into the text, not lost.
    assert any(isinstance(m["text"], list) for m in expected.values())
    assert count(ctx, Capture) == 1
    assert cli("import", "telegram", str(path), "--source", src) == 0
    assert count(ctx, Capture) == 1 and len(list(ctx.evidence.entries())) == 1
    assert ctx.evidence.verify().ok


def test_account_export_and_old_dates(tmp_path: Path) -> None:
    chat = {"name": "c", "type": "private_group", "id": 7, "messages": [
        {"id": 1, "type": "message", "date": "2020-01-02T03:04:05", "from": "A", "from_id": "user1",
         "text": ["see ", {"type": "mention", "text": "@seller"}, " now"]},
        {"id": 2, "type": "service", "date": "2020-01-02T03:04:06", "actor": "B", "action": "pin_message"},
        {"id": 3, "type": "message", "date": "2020-01-02T03:04:07", "from": "A", "from_id": "user1", "text": "",
         "photo": "photos/1.jpg"},
    ]}
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"about": "x", "chats": {"about": "y", "list": [chat]}}), encoding="utf-8")
    with pytest.raises(InputError, match="give --timezone"):
        list(iter_export(path))
    docs = list(iter_export(path, local=timezone(timedelta(hours=8))))
    doc = next(d for d in docs if isinstance(d, Document))
    (item,) = doc.items
    assert item.body == "see @seller now" and item.posted_at == datetime(2020, 1, 1, 19, 4, 5, tzinfo=UTC)
    assert any("1 service record(s) and 1 message(s) without text" in s.reason for s in docs if isinstance(s, Skipped))


@pytest.mark.parametrize(("content", "message"), [
    (b'{"name": "x", "messages": [', "line 1: not valid JSON"),
    (b'{"name": "x"}', "not a Telegram Desktop JSON export"),
    (b'\xff\xfe{}', "not UTF-8"),
    (b'{"name": "x", "messages": []}', "field 'id' is missing"),
    (b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
])
def test_bad_exports_are_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as exc:
        list(iter_export(path))
    assert str(path) in str(exc.value)


def test_export_over_the_limit_is_refused(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"id": 1, "messages": [{"id": 1, "type": "message", "date_unixtime": "1700000000",
                                                      "text": "x" * 5000}]}))
    src = approved(ctx, "tg")
    assert cli("import", "telegram", str(path), "--source", src, "--max-bytes", "1000") == 2
    assert "exceeds the limit of 1000" in capsys.readouterr().err
    assert count(ctx, Capture) == 0 and list(ctx.evidence.entries()) == []
    report = run_import(ctx, iter_export(path, max_bytes=10_000), source=src, collector="t", max_body=10_000)
    assert report.captures_new == 1 and report.posts["new"] == 1


def test_bad_chat_error_does_not_print_the_chat_name(tmp_path: Path) -> None:
    """A personal chat is named after the other person: the error names the chat by position, not by name."""
    path = tmp_path / "result.json"
    chats = [{"id": 1, "name": "ok", "messages": []}, {"id": 2}, {"name": "张伟 13800138000", "messages": []}]
    path.write_text(json.dumps({"chats": {"list": chats}}, ensure_ascii=False), "utf-8")
    with pytest.raises(InputError, match=r"chats.list\[2\]: field 'id' is missing") as exc:
        list(iter_export(path))
    assert "张伟" not in str(exc.value) and "13800138000" not in str(exc.value)
