"""One call per post: clean once, then facts and identifiers from the same text.

The trafficking classifier (a later stage of this package) takes a
`PostAnalysis` as its input so cleaning and lexicon scanning happen once per
post, which is what keeps the whole of classify + facts + identifiers above
2,000 posts/s on one core.
"""

from __future__ import annotations

from dataclasses import dataclass

from leaktrace.core.intel_types import Facts, Identifier
from leaktrace.intel.facts import extract_facts
from leaktrace.intel.identifiers import find_identifiers
from leaktrace.intel.lexicon import Lexicon
from leaktrace.intel.text_hygiene import CleanText, clean


@dataclass(frozen=True)
class PostAnalysis:
    """The cleaned text of a post with its facts and identifiers."""

    clean: CleanText
    facts: Facts
    identifiers: list[Identifier]
    title_chars: int = 0  # the cleaned title is clean.text[:title_chars]

    def contract(self) -> dict[str, object]:
        """The `facts` and `identifiers` parts of a classify output line."""
        return {"facts": self.facts.contract(), "identifiers": [i.contract() for i in self.identifiers]}


def analyse_post(title: str | bytes | None, body: str | bytes | None = None,
                 lexicon: Lexicon | None = None) -> PostAnalysis:
    """Facts and identifiers of a post; the title comes first, as sellers lead with the offer."""
    t = clean(title)
    b = clean(body)
    text = t.text if not b.text else (t.text + "\n" + b.text if t.text else b.text)
    ct = CleanText(text, t.truncated or b.truncated, t.was_html or b.was_html,
                   t.original_chars + b.original_chars)
    facts = extract_facts(text, lexicon, truncated=ct.truncated)
    return PostAnalysis(ct, facts, find_identifiers(text), len(t.text))
