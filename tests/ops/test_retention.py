"""Retention: old export files, import files, finished jobs, spent links and update ids go."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select

from orderdesk.auth.models import LoginLink
from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.files.models import Attachment
from orderdesk.jobs.models import Job
from orderdesk.ops.retention import purge
from orderdesk.scheduler.tasks import periodic_tasks
from orderdesk.telegram.models import TelegramDelivery, TelegramUpdate
from orderdesk.transfer.importing.models import Import
from tests.conftest import UserFactory
from tests.factories import make_item, make_item_type
from tests.files import samples
from tests.files.helpers import stored_key, upload

DAY = timedelta(days=1)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _stored(container: Container, key: str) -> str:
    await container.storage.put(key, _chunks(b"content"))
    return key


async def _job(
    container: Container, *, age: timedelta, status: str = "succeeded", **kw: Any
) -> int:
    now = utcnow()
    values = {"kind": "export.file", "status": status, "params": {}, "counts": {}, **kw}
    if status in ("succeeded", "failed", "cancelled"):
        values["finished_at"] = now - age
    async with container.write_sessions() as session, session.begin():
        return int(
            (await session.execute(insert(Job).values(**values).returning(Job.id))).scalar_one()
        )


async def _import(container: Container, *, age: timedelta, status: str, key: str) -> int:
    values = {
        "original_name": "sales.csv",
        "storage_key": key,
        "size": 7,
        "sha256": "0" * 64,
        "status": status,
        "report_key": await _stored(container, key + ".report.csv"),
        "created_at": utcnow() - age,
        "updated_at": utcnow() - age,
    }
    async with container.write_sessions() as session, session.begin():
        return int(
            (
                await session.execute(insert(Import).values(**values).returning(Import.id))
            ).scalar_one()
        )


async def _run(container: Container, **kw: Any) -> Any:
    async with container.write_sessions() as session, session.begin():
        return await purge(session, container.storage, files_days=14, jobs_days=90, **kw)


async def test_export_files_past_retention_are_deleted_and_the_job_says_so(
    container: Container,
) -> None:
    old_key = await _stored(container, "exports/1.xlsx")
    new_key = await _stored(container, "exports/2.xlsx")
    old = await _job(container, age=20 * DAY, result={"storage_key": old_key, "rows": 3})
    await _job(container, age=2 * DAY, result={"storage_key": new_key})

    done = await _run(container)

    assert done.export_files == 1
    assert not await container.storage.exists(old_key)
    assert await container.storage.exists(new_key)
    async with container.read_sessions() as session:
        result = (await session.execute(select(Job.result).where(Job.id == old))).scalar_one()
    assert result == {"storage_key": None, "rows": 3, "file_expired": True}


async def test_import_files_go_but_running_imports_keep_theirs(container: Container) -> None:
    done_key = await _stored(container, "imports/done.csv")
    running_key = await _stored(container, "imports/running.csv")
    finished = await _import(container, age=30 * DAY, status="succeeded", key=done_key)
    await _import(container, age=30 * DAY, status="running", key=running_key)

    done = await _run(container)

    assert done.import_files == 1
    assert not await container.storage.exists(done_key)
    assert not await container.storage.exists(done_key + ".report.csv")
    assert await container.storage.exists(running_key)
    async with container.read_sessions() as session:
        row = (
            await session.execute(
                select(Import.storage_key, Import.report_key, Import.sha256).where(
                    Import.id == finished
                )
            )
        ).one()
    assert tuple(row) == ("", None, "0" * 64)  # the checksum stays: re-uploads are still noticed


async def test_finished_jobs_go_after_their_retention_but_queued_ones_never(
    container: Container,
) -> None:
    old_failed = await _job(container, age=100 * DAY, status="failed", kind="import.commit")
    recent = await _job(container, age=10 * DAY, status="succeeded", kind="import.commit")
    queued = await _job(container, age=0 * DAY, status="queued", kind="import.commit")

    done = await _run(container)

    async with container.read_sessions() as session:
        left = set((await session.scalars(select(Job.id))).all())
    assert done.jobs == 1
    assert old_failed not in left
    assert {recent, queued} <= left


async def test_spent_login_links_and_old_update_ids_go(
    container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    now = utcnow()
    async with container.write_sessions() as session, session.begin():
        for n, expires in enumerate((now - 3 * DAY, now + DAY)):
            await session.execute(
                insert(LoginLink).values(
                    user_id=user.id,
                    token_hash=f"{n:064d}",
                    created_at=expires - DAY,
                    expires_at=expires,
                    issued_via="telegram",
                )
            )
        await session.execute(
            insert(TelegramUpdate),
            [{"update_id": 1, "received_at": now - 3 * DAY}, {"update_id": 2, "received_at": now}],
        )

    done = await _run(container)

    async with container.read_sessions() as session:
        links = (await session.scalars(select(LoginLink.expires_at))).all()
        updates = (await session.scalars(select(TelegramUpdate.update_id))).all()
    assert (done.login_links, done.telegram_updates) == (1, 1)
    assert len(links) == 1
    assert list(updates) == [2]


async def test_a_run_removes_at_most_one_batch(container: Container) -> None:
    for _ in range(3):
        await _job(container, age=200 * DAY, status="failed", kind="import.commit")
    assert (await _run(container, batch=2)).jobs == 2
    assert (await _run(container, batch=2)).jobs == 1


def test_retention_runs_daily_on_the_scheduler(container: Container) -> None:
    tasks = {task.name: task for task in periodic_tasks(container.settings)}
    assert tasks["cleanup.retention"].job_kind == "cleanup.retention"


async def test_attachments_of_a_deleted_item_go_and_those_of_a_live_item_stay(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    doomed = await make_item(container, item_type["id"])
    kept = await make_item(container, item_type["id"])
    keys = []
    for item in (doomed, kept):
        created = await upload(client, f"items/{item['id']}", admin_headers, "a.pdf", samples.PDF)
        assert created.status_code == 201, created.text
        keys.append(await stored_key(container, created.json()["id"]))
    gone = await client.delete(
        f"/api/v1/items/{doomed['id']}",
        headers={**admin_headers, "If-Match": f'"{doomed["version"]}"'},
    )
    assert gone.status_code == 204, gone.text

    done = await _run(container)

    assert done.orphaned_attachments == 1
    assert not await container.storage.exists(keys[0])
    assert await container.storage.exists(keys[1])
    async with container.read_sessions() as session:
        owners = (await session.scalars(select(Attachment.owner_id))).all()
    assert list(owners) == [kept["id"]]


async def test_finished_telegram_deliveries_go_after_the_jobs_retention_pending_ones_stay(
    container: Container,
) -> None:
    old = utcnow() - 100 * DAY
    async with container.write_sessions() as session, session.begin():
        await session.execute(
            insert(TelegramDelivery),
            [
                {
                    "event_id": f"e{n}",
                    "chat_id": 1,
                    "purpose": "customer.status",
                    "status": status,
                    "created_at": created,
                    "message": {},
                    "attempts": 0,
                    "aggregate_type": "order",
                    "aggregate_id": "1",
                }  # fmt: skip
                for n, (status, created) in enumerate(
                    [("sent", old), ("dropped", old), ("pending", old), ("sent", utcnow())]
                )
            ],
        )

    done = await _run(container)

    async with container.read_sessions() as session:
        left = (await session.execute(select(TelegramDelivery.event_id))).scalars().all()
    assert done.telegram_deliveries == 2
    assert sorted(left) == ["e2", "e3"]
