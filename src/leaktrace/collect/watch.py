"""Watch-list terms (organisation names, domains, brands) and the webhook that alerts on them.

A term matches a new or changed listing when it occurs in the title or body
after the folding intel and trackers use (`core.text_fold.match_form`: NFKC,
case, invisible characters, homoglyphs, pinyin initials), so `ＡＢＣ银行`
matches `abc银行` and `sgk` matches `社工库`. An
alert carries where and what matched, never the body: a listing body may
quote sample rows of personal data, and a webhook leaves the evidence store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import httpx

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.core.text_fold import TermMatcher, match_form

log = logging.getLogger(__name__)
MAX_TERMS = 10_000
MAX_TITLE_CHARS = 200
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_TRIES = 3


def fold(text: str) -> str:
    return match_form(text)


def load_terms(terms: Iterable[str] = (), path: Path | None = None) -> list[str]:
    """Terms from the command line and a file (one per line, `#` comments), folded and de-duplicated."""
    raw = list(terms)
    if path is not None:
        try:
            raw += path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise InputError(f"{path}: no such watch-list file") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 (byte {exc.start})") from None
    out = list(dict.fromkeys(f for t in raw if (f := fold(t.strip())) and not f.startswith("#")))
    if len(out) > MAX_TERMS:
        raise InputError(f"watch list: {len(out)} terms, more than {MAX_TERMS}")
    return out


@lru_cache(maxsize=16)
def _matcher(terms: tuple[str, ...]) -> TermMatcher:
    return TermMatcher.compile(terms)


def matching_terms(terms: Iterable[str], *texts: str | None) -> list[str]:
    """The watch-list terms found in `texts`, by the same matcher trackers use."""
    return _matcher(tuple(terms)).find(*texts)


@dataclass(frozen=True)
class Alert:
    """One listing that matched watch-list terms in this round."""

    terms: tuple[str, ...]
    state: str  # new | changed
    site: str
    url: str
    post_id: int
    capture_id: int | None
    changed: tuple[str, ...]
    title: str | None
    price_amount: float | None = None
    price_currency: str | None = None


class Webhook:
    """POSTs alerts as JSON to one URL (the team's own endpoint: not through the Tor proxy)."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--webhook {url[:100]}: give an http(s) URL")
        self.url = url
        self.client = client or httpx.Client(timeout=WEBHOOK_TIMEOUT_S, trust_env=False)
        self.sent = 0
        self.failed = 0

    def send(self, alerts: list[Alert], *, source: str, round_no: int) -> bool:
        """Deliver one batch; a failing webhook is logged and counted, never fatal to the crawl."""
        if not alerts:
            return True
        doc = {"kind": "leaktrace.watch", "source": source, "round": round_no,
               "alerts": [asdict(a) for a in alerts]}
        for attempt in range(WEBHOOK_TRIES):
            try:
                resp = self.client.post(self.url, json=doc)
                if resp.status_code < 300:
                    self.sent += len(alerts)
                    return True
                why = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            time.sleep(0.2 * 2**attempt)
        self.failed += len(alerts)
        log.warning("webhook %s: %d alerts not delivered (%s)", self.url, len(alerts), why)
        return False
