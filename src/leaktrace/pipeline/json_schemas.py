"""The shipped JSON Schemas that are generated from pydantic models, and the command that writes them.

Where a format is a pydantic model (the dump report, graph actors and links,
a case's content, case items), its schema is derived from the model so the
two cannot part: tests/cli/test_json_schemas.py compares every shipped file
with `generate(name)`. After changing one of these models, run

    make schemas        (python -m leaktrace.pipeline.json_schemas)

and commit the rewritten files under src/leaktrace/core/schemas/. It lives in
`pipeline` because it reads models of several stages (core, cases).
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from leaktrace.core import schemas
from leaktrace.core.dump_types import DumpReport
from leaktrace.core.graph_types import GraphActor, GraphLink

FOLDER = Path(schemas.__file__).parent


def _head(name: str, title: str, description: str) -> dict[str, Any]:
    return {"$schema": schemas.DRAFT, "$id": schemas.schema_id(name), "title": title, "description": description}


def _exact(node: Any) -> Any:
    """An output schema: every object lists all its keys as required and allows no others.

    Outputs are `model_dump`s, which always write every field (null or empty
    when unset), so a key that appears, disappears or is renamed is drift.
    """
    if isinstance(node, dict):
        if "properties" in node and node.get("type") == "object":
            node["required"] = list(node["properties"])
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _exact(value)
    elif isinstance(node, list):
        for value in node:
            _exact(value)
    return node


def _output(name: str, model: type[BaseModel], title: str, description: str) -> dict[str, Any]:
    body = model.model_json_schema(mode="serialization", by_alias=True)
    body.pop("title", None)
    body.pop("description", None)
    return {**_head(name, title, description), **_exact(body)}


def dump_report() -> dict[str, Any]:
    return _output("dump-report", DumpReport, "Dump report",
                   "`leaktrace dump analyze --json`: what was measured about one seized dump (counts, masked "
                   "samples, keyed-hash file paths; never a raw value). Generated from core.dump_types.DumpReport.")


def graph_actor() -> dict[str, Any]:
    return _output("graph-actor", GraphActor, "Graph actor",
                   "`leaktrace graph actors --json`, one object per line: a person behind one or more accounts, "
                   "with group, role lead, provinces and wallets. Generated from core.graph_types.GraphActor.")


def graph_link() -> dict[str, Any]:
    return _output("graph-link", GraphLink, "Graph link",
                   "`leaktrace graph links --json`, one object per line: two accounts (SOURCE:HANDLE) judged to "
                   "be one person or one group, with reasons and evidence. Generated from core.graph_types.GraphLink.")


def case_content() -> dict[str, Any]:
    from leaktrace.cases.model import CaseContent

    return _output("case-content", CaseContent, "Case content",
                   "`leaktrace case show CASE --json`: everything a report or export is built from, already "
                   "minimised. Generated from cases.model.CaseContent.")


# leaktrace's own --json outputs that `case add` takes as they are printed, without 'kind'
# (pipeline.case_assembly.recognise_output knows them by shape). A new one is named here,
# then `make schemas`.
RECOGNISED_OUTPUTS: tuple[str, ...] = ("dump-report", "attribute-result", "graph-actor", "post")


def case_items() -> dict[str, Any]:
    """The input of `case add`: items of each kind, alone, in a list, one per line, or grouped by kind."""
    from leaktrace.cases.model import ITEM_TYPES, TimelineEvent

    kinds: dict[str, type[BaseModel]] = {**ITEM_TYPES, "event": TimelineEvent}
    _, top = models_json_schema([(m, "validation") for m in kinds.values()], ref_template="#/$defs/{model}")
    defs: dict[str, Any] = top["$defs"]
    for kind, model in kinds.items():
        defs[model.__name__]["properties"]["kind"] = {
            "const": kind, "description": f"'{kind}'; may be left out under a '{kind}s' key, or when "
                                          f"`case add --kind {kind}` is given"}
    refs = {kind: {"$ref": f"#/$defs/{model.__name__}"} for kind, model in kinds.items()}
    # An item that names its kind is checked against that kind alone (errors then name the field);
    # one without (`--kind` given) must be some kind of item.
    item = {
        "type": "object",
        "if": {"required": ["kind"]},
        "then": {"properties": {"kind": {"enum": list(kinds)}},
                 "allOf": [{"if": {"properties": {"kind": {"const": k}}}, "then": ref} for k, ref in refs.items()]},
        "else": {"anyOf": [*refs.values(), *({"$ref": f"{n}{schemas.SUFFIX}"} for n in RECOGNISED_OUTPUTS)]},
    }
    plurals = {f"{k}s": {"type": "array", "items": ref} for k, ref in refs.items()}
    grouped = {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": plurals,
               "description": "Items grouped by kind: each key is a kind in the plural and holds a list of that kind"}
    return {
        **_head("case-items", "Case items",
                "The file `leaktrace case add CASE FILE` reads (JSON, or JSON lines where each line is one item). "
                "An item is a listing, actor, group, dump, attribution, capture, wallet or event, named by its "
                "'kind' field, or one of leaktrace's own --json outputs as printed (dump analyze, attribute, "
                "graph actors, posts list|search); personal data only masked or keyed. Generated from "
                "cases.model."),
        "if": {"type": "array"},
        "then": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/item"}},
        "else": {
            # an object whose keys are all kinds in the plural is a grouped file; anything else one item
            "if": {"type": "object", "minProperties": 1, "propertyNames": {"enum": list(plurals)}},
            "then": {"$ref": "#/$defs/grouped"},
            "else": {"$ref": "#/$defs/item"},
        },
        "$defs": {"item": item, "grouped": grouped, **defs},
    }


GENERATED: dict[str, Callable[[], dict[str, Any]]] = {
    "dump-report": dump_report,
    "graph-actor": graph_actor,
    "graph-link": graph_link,
    "case-content": case_content,
    "case-items": case_items,
}


def generate(name: str) -> dict[str, Any]:
    """The schema `name` as its model defines it now."""
    return copy.deepcopy(GENERATED[name]())


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_all(folder: Path = FOLDER) -> list[Path]:
    """Rewrite every generated schema file; returns the files that changed."""
    changed = []
    for name in GENERATED:
        path = folder / f"{name}{schemas.SUFFIX}"
        new = render(generate(name))
        if not path.exists() or path.read_text("utf-8") != new:
            path.write_text(new, "utf-8")
            changed.append(path)
    schemas.names.cache_clear()
    return changed


if __name__ == "__main__":
    for p in write_all():
        print(f"rewrote {p}")
    sys.exit(0)
