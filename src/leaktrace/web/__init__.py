"""The console: server-rendered pages (Jinja2 + htmx) and the REST API under /api/v1, over the service layer.

Nothing here holds a rule: who may see what, what is audited and how text
is masked live in `service`; this package maps HTTP onto those functions
and adds what only HTTP has (cookies, CSRF tokens, security headers).
Nothing imports `web`.
"""
