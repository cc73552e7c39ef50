"""The gang's chat channel as a Telegram Desktop JSON export (`result.json`).

Investigators receive chats as Telegram Desktop exports, so the importer is
tested on that exact shape: `name`, `type`, `id`, `messages[]` with `id`,
`type`, `date` (the exporting machine's local time, here UTC+8, naive),
`date_unixtime` (a string), `from`, `from_id`, `text` (a plain string, or a
list mixing strings and entity objects when the message has entities) and
`text_entities` (always a list of `{type, text}`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_ENTITY = re.compile(r"(@[A-Za-z][A-Za-z0-9_]{3,31}|#\w+|\b(?:T[1-9A-HJ-NP-Za-km-z]{33}|bc1[0-9a-z]{39}|"
                     r"[13][1-9A-HJ-NP-Za-km-z]{25,34}|0x[0-9A-Fa-f]{40}|[0-9A-F]{40})\b)")
LOCAL = timedelta(hours=8)


def entities(text: str) -> list[dict[str, str]]:
    """Split text the way Telegram marks it: mentions, hashtags, and addresses in `code`."""
    parts: list[dict[str, str]] = []
    pos = 0
    for m in _ENTITY.finditer(text):
        if m.start() > pos:
            parts.append({"type": "plain", "text": text[pos : m.start()]})
        tok = m.group(0)
        kind = "mention" if tok.startswith("@") else "hashtag" if tok.startswith("#") else "code"
        parts.append({"type": kind, "text": tok})
        pos = m.end()
    if pos < len(text):
        parts.append({"type": "plain", "text": text[pos:]})
    return parts


def message(msg_id: int, unix: int, sender: str, sender_id: int, text: str) -> dict[str, object]:
    """One `type: message` record, `text` shaped as Telegram Desktop writes it."""
    ents = entities(text)
    body: object = text if all(e["type"] == "plain" for e in ents) else [
        e["text"] if e["type"] == "plain" else e for e in ents
    ]
    return {
        "id": msg_id, "type": "message", "date": _local(unix), "date_unixtime": str(unix),
        "from": sender, "from_id": f"user{sender_id}", "text": body, "text_entities": ents,
    }


def join(msg_id: int, unix: int, actor: str, actor_id: int) -> dict[str, object]:
    """A service record: someone joined by invite link."""
    return {
        "id": msg_id, "type": "service", "date": _local(unix), "date_unixtime": str(unix),
        "actor": actor, "actor_id": f"user{actor_id}", "action": "join_group_by_link",
        "inviter": "Group", "text": "", "text_entities": [],
    }


def _local(unix: int) -> str:
    return (datetime.fromtimestamp(unix, tz=UTC) + LOCAL).replace(tzinfo=None).isoformat()


def export(name: str, chat_id: int, messages: list[dict[str, object]]) -> dict[str, object]:
    """The top-level object of result.json."""
    return {"name": name, "type": "public_supergroup", "id": chat_id, "messages": messages}
