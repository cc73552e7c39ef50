"""The record pages (dumps, cases, organisations, administration) as one router, which app.py registers."""

from __future__ import annotations

from fastapi import APIRouter


def records_router() -> APIRouter:
    from leaktrace.web import pages_admin, pages_cases, pages_dumps

    router = APIRouter(include_in_schema=False)
    for module in (pages_dumps, pages_cases, pages_admin):
        router.include_router(module.router)
    return router
