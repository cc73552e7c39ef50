"""The synthetic social world: a gang, other sellers, markets, a chat export and wallets.

Entry point for the world generator: `generate_social(out, seed=..., scale=...,
sample_rows=..., victim_org=..., claimed_records=...)` writes `out/social/`
and returns the "social" section of truth.json. docs/simulate-serve.md
describes the files.
"""

from __future__ import annotations

from leaktrace.simulate.social.world import default_listings_per_market, generate_social

__all__ = ["default_listings_per_market", "generate_social"]
