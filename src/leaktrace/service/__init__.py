"""The console's rules, one copy behind the pages, the REST API, the CLI and scheduled jobs.

`access` says who may do what (roles, case membership, TLP, partners'
isolation); `accounts` creates and authenticates users; `sessions` and
`tokens` turn a cookie or a bearer token back into a `Principal`; `audit`
keeps the signed, hash-chained record of who saw and changed what;
`personal_data` is the gate for unmasking and person searches. Every
function takes the entry point's `Context`; nothing here imports `cli` or
`web`.
"""
