"""DumpReport: what `leaktrace dump analyze` measured about one seized dump.

It crosses stages (dumps -> attribution, pipeline, cases, web), so it lives
in `core`. It holds counts, codes, masked samples and keyed-hash file
locations only, never a raw PII value, so it may be stored and printed.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

ROLES = (
    "id_number", "mobile", "name", "address", "email", "bank_card",
    "order_id", "order_time", "amount", "other",
)


class ColumnRole(BaseModel):
    """One input column and the role inferred (or forced with --role) for it."""

    index: int
    name: str
    role: str
    confidence: float = Field(ge=0.0, le=1.0)
    source: str = "inferred"  # inferred | flag | default


class MalformedSample(BaseModel):
    line: int | None
    problem: str
    text_masked: str


class Malformed(BaseModel):
    """Rows the reader could not use; each is counted, a few are shown masked."""

    rows: int = 0
    by_problem: dict[str, int] = Field(default_factory=dict)
    samples: list[MalformedSample] = Field(default_factory=list)
    skipped: list[str] = Field(default_factory=list)  # whole parts not read (zip members, sheets, statements)


class RoleValidity(BaseModel):
    """Per role: values present, valid, and invalid by the first broken rule."""

    present: int = 0
    valid: int = 0
    invalid: int = 0
    invalid_by_reason: dict[str, int] = Field(default_factory=dict)
    distinct_valid: int = 0


class Padding(BaseModel):
    """Fabricated rows (duplicates are counted apart), with the interval the estimate is good for."""

    estimate: int
    low: int
    high: int
    invalid_id_rows: int
    impossible_history_rows: int
    geo_conflict_rows: int
    one_sided_geo_rows: int
    method: str


class Novelty(BaseModel):
    earlier_dumps: int = 0
    persons_seen_before: int = 0
    persons_new: int = 0


class PlaceCount(BaseModel):
    code: str
    name: str | None
    persons: int


class DumpReport(BaseModel):
    schema_: str = Field("leaktrace-dump-report/1", alias="schema")
    path: str
    sha256: str
    format: str
    encoding: str
    delimiter: str | None = None
    header: bool = False
    engine: str
    rows: int
    malformed: Malformed
    columns: list[ColumnRole]
    distinct_persons: int
    distinct_persons_by: str  # id_number | mobile | none
    distinct_valid_ids: int
    distinct_valid_mobiles: int
    validity: dict[str, RoleValidity]
    duplicate_rows: int
    distinct_rows: int
    padding: Padding | None
    provinces_by_id: list[PlaceCount]
    provinces_by_mobile: list[PlaceCount]
    cities_by_id: list[PlaceCount]
    cities_by_mobile: list[PlaceCount]
    age_buckets: dict[str, int]
    gender: dict[str, int]
    age_reference_date: str | None
    order_time_min: str | None
    order_time_max: str | None
    novelty: Novelty
    hash_sets: dict[str, str]  # persons / phones / records -> Parquet path
    seconds: float = 0.0

    model_config = {"populate_by_name": True}
