"""The JSON Schemas of leaktrace's file formats and `--json` outputs, shipped with the package.

One file per format, `NAME.schema.json` (draft 2020-12), beside this module:
`leaktrace schema list|show|check` reads them, docs/formats.md lists them, and
tests/cli/test_json_schemas.py validates every command's output against them.
Schemas of outputs that are pydantic models are generated from the models
(`make schemas`, pipeline/json_schemas.py); the rest are written by hand.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from leaktrace.core.errors import InputError

SUFFIX = ".schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://leaktrace.invalid/schemas/"  # an identifier, not an address: get the files with `leaktrace schema show`


def schema_id(name: str) -> str:
    return f"{ID_BASE}{name}{SUFFIX}"


@cache
def names() -> tuple[str, ...]:
    """Every shipped schema's name (the file name without `.schema.json`), sorted."""
    folder = resources.files(__name__)
    return tuple(sorted(p.name.removesuffix(SUFFIX) for p in folder.iterdir() if p.name.endswith(SUFFIX)))


def text(name: str) -> str:
    """The schema file as shipped."""
    if name not in names():
        raise InputError(f"schema {name!r}: no such schema; one of {', '.join(names())}")
    return resources.files(__name__).joinpath(name + SUFFIX).read_text("utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema as a dict (a fresh copy each call: callers may change it)."""
    doc: dict[str, Any] = json.loads(text(name))
    return doc


def validator(name: str) -> Any:
    """A draft 2020-12 validator for `name` that resolves `$ref`s to the other shipped schemas by `$id`.

    A schema may point at another by its file name (`"$ref": "attribute-result.schema.json"`),
    relative to its own `$id`; nothing is fetched from the network.
    """
    import jsonschema
    from referencing import Registry, Resource

    registry: Registry[Any] = Registry().with_resources(
        (schema_id(n), Resource.from_contents(load(n))) for n in names())
    return jsonschema.Draft202012Validator(load(name), registry=registry, format_checker=jsonschema.FormatChecker())
