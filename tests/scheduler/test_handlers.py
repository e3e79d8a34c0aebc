"""Handlers the jobs worker calls by kind: cleanup.idempotency deletes expired records only."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, update

from orderdesk.container import Container
from orderdesk.core.models import IdempotencyRecord
from orderdesk.db.types import utcnow
from orderdesk.scheduler import HANDLERS


async def add_record(container: Container, key: str, age: timedelta) -> None:
    async with container.write_sessions() as session:
        await session.execute(
            insert(IdempotencyRecord).values(
                principal_key="system",
                key=key,
                method="POST",
                path="/x",
                request_hash="h",
                status_code=201,
                response_body="{}",
            )
        )
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(created_at=utcnow() - age)
        )
        await session.commit()


async def test_cleanup_idempotency_deletes_records_older_than_the_ttl(
    container: Container,
) -> None:
    await add_record(container, "old", timedelta(hours=30))
    await add_record(container, "fresh", timedelta(hours=1))

    async with container.write_sessions() as session:
        result = await HANDLERS["cleanup.idempotency"](session, {"older_than_hours": 24})
        await session.commit()

    async with container.read_sessions() as session:
        keys = (await session.scalars(select(IdempotencyRecord.key))).all()
    assert result == {"deleted": 1, "older_than_hours": 24}
    assert list(keys) == ["fresh"]
