"""Telegram Desktop JSON exports (`result.json`) as one capture and one post per message.

Telegram Desktop writes either one chat (top level has `messages`) or a
whole-account export (`chats.list[]`, each with `messages`); both are read.
The file itself is the evidence (kept byte for byte); each message with text
becomes a post at `tg://privatepost?channel=<chat id>&post=<message id>`,
Telegram's own deep link, so a message keeps its identity across re-imports.

Times: `date` is the exporting machine's local time with no offset, so it is
never used when `date_unixtime` (UTC seconds) is present; an export too old
to have it needs `--timezone`. The author handle is the stable `from_id`
(`user123`, `channel456`); display names change and are kept in `extra`.
Service records (joins, pins) and messages without text are counted, not posted.

Photos (`photo`, and `file` with an image `mime_type`) are attachments: a
file inside the export's folder, checked here (a path that leaves the
folder, a file the export left out, or a missing one is a recorded problem,
never read), sealed as evidence with the export and OCR'd by the queued
"ocr" stage (pipeline/media.py). A photo of a message without text is kept
with the export, not with a post.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from leaktrace.collect.importers.base import (
    MAX_FILE_BYTES,
    Attachment,
    Document,
    Skipped,
    attachment,
    file_url,
    mtime,
    read_file,
)
from leaktrace.collect.items import ParsedItem
from leaktrace.core.errors import InputError

MAX_TEXT_CHARS = 1 << 18
MAX_ATTACHMENTS = 10_000


def _picture_name(msg: dict[str, Any]) -> str | None:
    """The export's path of the message's picture, if it has one."""
    photo = msg.get("photo")
    if isinstance(photo, str):
        return photo
    mime = msg.get("mime_type")
    if isinstance(msg.get("file"), str) and isinstance(mime, str) and mime.lower().startswith("image/"):
        return str(msg["file"])
    return None


def message_text(msg: dict[str, Any]) -> str:
    """Plain text of a message: `text` is a string, or a list of strings and entity objects."""
    text = msg.get("text")
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) if isinstance(p, dict) else ""
                       for p in text)
    ents = msg.get("text_entities")
    if isinstance(ents, list):
        return "".join(str(e.get("text", "")) for e in ents if isinstance(e, dict))
    return ""


def _when(msg: dict[str, Any], local: tzinfo | None, where: str) -> datetime | None:
    unix = msg.get("date_unixtime")
    if unix is not None:
        try:
            return datetime.fromtimestamp(int(unix), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise InputError(f"{where}: field 'date_unixtime': {str(unix)[:40]!r} is not a Unix time") from None
    date = msg.get("date")
    if not isinstance(date, str):
        return None
    if local is None:
        raise InputError(f"{where}: no 'date_unixtime' and 'date' has no time zone; give --timezone")
    try:
        return datetime.fromisoformat(date).replace(tzinfo=local)
    except ValueError:
        raise InputError(f"{where}: field 'date': {date[:40]!r} is not a timestamp") from None


def _chats(data: Any, label: str) -> list[tuple[str, dict[str, Any]]]:
    """The chats with messages, each with where it is in the file (for error lines that name no person)."""
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [("the chat", data)]
    chats = data.get("chats") if isinstance(data, dict) else None
    listed = chats.get("list") if isinstance(chats, dict) else None
    if isinstance(listed, list):
        return [(f"chats.list[{i}]", c) for i, c in enumerate(listed)
                if isinstance(c, dict) and isinstance(c.get("messages"), list)]
    raise InputError(f"{label}: not a Telegram Desktop JSON export (no 'messages' and no 'chats.list')")


def iter_export(
    path: Path, *, site: str = "telegram", max_bytes: int = MAX_FILE_BYTES, local: tzinfo | None = None
) -> Iterator[Document | Skipped]:
    """One Document: the export file, with a post per text message of every chat in it."""
    data = read_file(path, max_bytes)
    yield from iter_export_bytes(data, label=str(path), name=path.name, fetched_at=mtime(path), site=site,
                                 local=local, folder=path.parent)


def iter_export_bytes(
    data: bytes, *, label: str, name: str, fetched_at: datetime, site: str = "telegram",
    local: tzinfo | None = None, fetched_at_is: str = "file modification time", folder: Path | None = None,
) -> Iterator[Document | Skipped]:
    """The export's Document from its bytes (a file read whole, or a sealed upload opened from evidence).

    `label` names the input in messages, `name` is the file name recorded,
    `fetched_at` the time the capture is dated (`fetched_at_is` says what it is).
    `folder` is the export's folder, where its photos lie; an upload of the
    JSON alone has none, and its photos are recorded as not received.
    """
    path = label
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte offset {exc.start}); Telegram exports are UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: JSON nested too deeply to be a Telegram export") from None
    items: list[ParsedItem] = []
    attachments: list[Attachment] = []
    skipped: list[Skipped] = []
    chats = _chats(doc, str(path))
    names = []
    for place, chat in chats:
        chat_id = chat.get("id")
        if not isinstance(chat_id, int):
            # by place, not by name: a personal chat is named after the other person
            raise InputError(f"{path}: {place}: field 'id' is missing or not a number")
        names.append(str(chat.get("name") or chat_id))
        services = empty = 0
        for n, msg in enumerate(chat["messages"]):
            where = f"{path}: chat {chat_id} message #{n}"
            if not isinstance(msg, dict) or not isinstance(msg.get("id"), int):
                skipped.append(Skipped(where, "not a message object with a numeric 'id'"))
                continue
            where = f"{path}: chat {chat_id} message {msg['id']}"
            if msg.get("type") != "message":
                services += 1
                continue
            text = message_text(msg).strip()
            picture = _picture_name(msg)
            url = f"tg://privatepost?channel={chat_id}&post={msg['id']}"
            if picture is not None and folder is None:
                skipped.append(Skipped(where, f"photo {picture[:200]!r} not received (only the JSON was given)"))
            elif picture is not None and len(attachments) < MAX_ATTACHMENTS:
                attachments.append(attachment(folder, picture, url if text else None))
            if not text:
                empty += 1
                continue
            if local is None and "date_unixtime" not in msg and "date" in msg:
                # An export-wide gap, not one bad message: stop before importing half of it.
                raise InputError(f"{where}: no 'date_unixtime' and 'date' has no time zone; give --timezone")
            try:
                posted = _when(msg, local, where)
            except InputError as exc:
                skipped.append(Skipped(where, str(exc).removeprefix(f"{where}: ")))
                continue
            author = msg.get("from_id") or msg.get("actor_id")
            extra = {k: msg[k] for k in ("from", "reply_to_message_id", "forwarded_from", "edited_unixtime",
                                         "media_type", "file", "photo") if k in msg}
            extra.update({"chat_id": chat_id, "chat_name": chat.get("name"), "message_id": msg["id"]})
            items.append(ParsedItem(
                site=site, url=url,
                author_handle=str(author)[:255] if author else None, body=text[:MAX_TEXT_CHARS],
                posted_at=posted, extra=extra,
            ))
        if services or empty:
            skipped.append(Skipped(f"{path}: chat {chat_id}",
                                   f"{services} service record(s) and {empty} message(s) without text not posted"))
    yield Document(
        url=file_url(name), body=data, fetched_at=fetched_at, where=label,
        content_type="application/json", items=tuple(items),
        meta={"imported_from": name, "telegram_chats": names[:50], "fetched_at_is": fetched_at_is},
        attachments=tuple(attachments),
    )
    yield from skipped
