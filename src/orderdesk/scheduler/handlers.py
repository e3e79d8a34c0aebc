"""Job handlers of the scheduler's tasks: `async def run(session, params) -> dict` by job kind.

The jobs worker looks a job's kind up in HANDLERS and calls the handler inside the job's
transaction; handlers flush, never commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.http import purge_idempotency

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[dict[str, Any]]]
DEFAULT_IDEMPOTENCY_HOURS = 24


async def cleanup_idempotency(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
    """Delete Idempotency-Key replay records older than `older_than_hours`."""
    hours = int(params.get("older_than_hours", DEFAULT_IDEMPOTENCY_HOURS))
    deleted = await purge_idempotency(session, timedelta(hours=max(1, hours)))
    return {"deleted": deleted, "older_than_hours": hours}


HANDLERS: dict[str, Handler] = {"cleanup.idempotency": cleanup_idempotency}
