"""Collect: crawler, proxy/Tor, site profiles and importers; hands captures to evidence."""
