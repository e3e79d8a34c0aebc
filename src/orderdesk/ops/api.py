"""Health and metrics endpoints."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from sqlalchemy import text
from starlette.responses import Response

from orderdesk.core.deps import ContainerDep
from orderdesk.core.http import json_response
from orderdesk.db.migrate import current_revision, head_revision
from orderdesk.ops.metrics import render

router = APIRouter(tags=["operations"])
READY_TIMEOUT_S = 3.0


@router.get("/health/live", summary="The process is up")
async def live() -> Response:
    return json_response({"status": "ok"})


@router.get("/health/ready", summary="The database answers and migrations are at head")
async def ready(container: ContainerDep) -> Response:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            async with container.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
            current = await current_revision(container.engine)
            head = head_revision()
            checks["migrations"] = "ok" if current == head else f"at {current}, head is {head}"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks.setdefault("database", f"error: {type(exc).__name__}")
    ok = all(value == "ok" for value in checks.values()) and len(checks) == 2
    return json_response(
        {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503
    )


@router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics() -> Response:
    body, content_type = render()
    return Response(body, media_type=content_type)
