"""Hand-built stores for the graph's unit tests: posts written the way crawler and intel would."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.hashing import KeyedHasher
from leaktrace.store.repo import (
    PostSighting,
    add_source,
    attach_identifier,
    record_capture,
    upsert_post,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


class Builder:
    """Writes posts the way the crawler and intel stages would, one call per post."""

    def __init__(self, sessions: sessionmaker[Session], hasher: KeyedHasher) -> None:
        self.sessions = sessions
        self.hasher = hasher
        self.sources: dict[str, int] = {}
        self.n = 0

    def post(self, site: str, author: str | None, text: str = "offer", *, ids: tuple[tuple[str, str], ...] = (),
             samples: tuple[str, ...] = (), capture: bool = True, day: int = 0, volume: int | None = None,
             price: float | None = None, currency: str | None = None) -> int:
        self.n += 1
        url = f"http://{site}.onion/listing/{self.n}"
        with self.sessions.begin() as s:
            if site not in self.sources:
                self.sources[site] = add_source(s, site, "market", legal_basis="test", owner="tests").id
            cap = None
            if capture:
                sha = hashlib.sha256(f"{url}|{text}".encode()).hexdigest()
                cap = record_capture(s, sha, url, T0, 200, self.sources[site]).id
            post = upsert_post(s, PostSighting(site=site, url=url, author_handle=author, title=text.split("\n")[0],
                                               body=text, posted_at=T0 + timedelta(days=day), volume_records=volume,
                                               price_amount=price, price_currency=currency),
                               seen_at=T0, source_id=self.sources[site], capture_id=cap)
            for typ, value in ids:
                attach_identifier(s, post.post_id, typ, value, self.hasher, role="contact")
            for row in samples:
                attach_identifier(s, post.post_id, "sample_row", row, self.hasher, role="sample")
        return post.post_id

    def many_identifiers(self, post_id: int, id_type: str, values: list[str]) -> None:
        """Thousands of identifiers on one post in one INSERT each (what attach_identifier stores)."""
        from sqlalchemy import func, insert, select

        from leaktrace.core.masking import mask
        from leaktrace.store.models import Identifier, PostIdentifier

        with self.sessions.begin() as s:
            first = (s.scalar(select(func.max(Identifier.id))) or 0) + 1
            rows = [{"id": first + n, "type": id_type, "value_hash": self.hasher.hash(id_type, v),
                     "value_masked": mask(v), "value_norm": None, "first_seen_at": T0} for n, v in enumerate(values)]
            s.execute(insert(Identifier), rows)
            s.execute(insert(PostIdentifier), [{"post_id": post_id, "identifier_id": r["id"], "role": "contact",
                                                "count": 1} for r in rows])
