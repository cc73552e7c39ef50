"""The feed's and search's filters as query parameters, read into the one PostFilter both use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

from leaktrace.core.errors import InputError
from leaktrace.store.repo.post_queries import PostFilter

TEXT_PARAMS = ("category", "language", "source", "seller", "province", "triage", "sort")
NUMBER_PARAMS = {"min_records": int, "max_records": int, "min_price": float, "max_price": float,
                 "min_score": float}
DATE_PARAMS = ("since", "until")


def _date(name: str, value: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(f"field {name!r}: {value[:40]!r} is not a date (e.g. 2026-11-30)") from exc
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def post_filter(params: QueryParams | dict[str, Any]) -> PostFilter:
    """A PostFilter from the request's parameters; empty fields mean any; a bad value is an InputError naming it."""
    values: dict[str, Any] = {}
    for name in TEXT_PARAMS:
        v = (params.get(name) or "").strip()
        if v and len(v) <= 200:
            values[name] = v
        elif len(v) > 200:
            raise InputError(f"field {name!r}: at most 200 characters")
    for name, kind in NUMBER_PARAMS.items():
        v = (params.get(name) or "").strip()
        if v:
            try:
                values[name] = kind(v)
            except ValueError as exc:
                raise InputError(f"field {name!r}: {v[:40]!r} is not a number") from exc
    for name in DATE_PARAMS:
        v = (params.get(name) or "").strip()
        if v:
            values[name] = _date(name, v)
    if values.get("triage") == "all":
        values.pop("triage")
    return PostFilter(**values)


def page_offset(params: QueryParams | dict[str, Any]) -> int:
    v = (params.get("offset") or "0").strip()
    if not v.isdigit() or int(v) > 1_000_000:
        raise InputError(f"field 'offset': {v[:20]!r} is not a row number")
    return int(v)
