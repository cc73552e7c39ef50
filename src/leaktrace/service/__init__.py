"""Service functions: what a console page, a REST call, a scheduled job and a CLI command do, once.

Each function takes the entry point's Context and the acting Principal, checks
access through `service.access` and records what the audit log must hold
through `service.audit`, so no face (pages, API, shell) carries a rule of its own.
"""
