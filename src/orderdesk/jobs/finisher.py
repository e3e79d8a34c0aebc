"""Write the "succeeded" marks of jobs without a database effect in batches, one transaction each.

A job whose handler never opened `ctx.session` changed nothing in the database, so its mark
needs no transaction of its own: the marks of jobs ending at about the same time share one
UPDATE and one multi-row outbox INSERT. While one batch commits, the next one gathers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.realtime.outbox import insert_events

Pending = tuple[dict[str, Any], repo.Finished, "asyncio.Future[bool]"]


class Finisher:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], worker_id: str) -> None:
        self.sessions = sessions
        self.worker_id = worker_id
        self._pending: list[Pending] = []
        self._flushing: asyncio.Task[None] | None = None

    async def finish(self, claimed: dict[str, Any], finished: repo.Finished) -> bool:
        """Mark the job succeeded; False when another worker has taken it over meanwhile."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((claimed, finished, future))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the jobs finishing in this loop turn join the batch
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                won = await self._commit(batch)
            except Exception as exc:  # noqa: BLE001 (each waiting job settles its own failure)
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for claimed, _, future in batch:
                if not future.done():
                    future.set_result(claimed["id"] in won)

    async def _commit(self, batch: list[Pending]) -> set[int]:
        async with self.sessions() as session:
            won = await repo.finish_many(
                session,
                jobs=[finished for _, finished, _ in batch],
                worker_id=self.worker_id,
                now=utcnow(),
            )
            await insert_events(
                session,
                [
                    job_event(claimed, "job.succeeded", {"result": finished.result})
                    for claimed, finished, _ in batch
                    if claimed["id"] in won
                ],
            )
            await session.commit()
        return won


def job_event(job: dict[str, Any], type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The outbox event of a job's state change; the requester hears it even as a customer."""
    return {
        "type": type_,
        "aggregate_type": "job",
        "aggregate_id": job["id"],
        "payload": {"kind": job.get("kind"), **payload},
        "unit_id": job.get("unit_id"),
        "customer_id": job.get("actor_id"),
        "actor_id": job.get("actor_id"),
    }
