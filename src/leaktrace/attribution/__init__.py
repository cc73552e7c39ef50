"""Attribution: whose data is a dump, and private exposure checks.

Organisations hand over keyed fingerprints (obtained through an oblivious PRF,
so they never hold the platform key) and plant canaries; `match` ranks them
against a dump as leads with evidence; the exposure service answers "am I in
it?" without seeing the value asked about. See docs/attribution.md.
"""
