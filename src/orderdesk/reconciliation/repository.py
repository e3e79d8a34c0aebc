"""All SQL of reconciliation rules, runs and matches."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.pagination import Page, PageRequest, finish_page, paginate_statement
from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.jobs.models import Job
from orderdesk.orders.models import Order, OrderType
from orderdesk.reconciliation.models import (
    ReconciliationMatch,
    ReconciliationRule,
    ReconciliationRun,
)
from orderdesk.reconciliation.rules import RuleSpec, SideSpec

BATCH = 2000
RULE_COLUMNS = (
    ReconciliationRule.id,
    ReconciliationRule.code,
    ReconciliationRule.name,
    ReconciliationRule.spec,
    ReconciliationRule.active,
    ReconciliationRule.created_at,
    ReconciliationRule.updated_at,
    ReconciliationRule.version,
)
RUN_COLUMNS = (
    ReconciliationRun.id,
    ReconciliationRun.rule_id,
    ReconciliationRule.code.label("rule"),
    ReconciliationRun.period_from,
    ReconciliationRun.period_to,
    ReconciliationRun.scope,
    ReconciliationRun.unit_id,
    ReconciliationRun.job_id,
    ReconciliationRun.actor_id,
    ReconciliationRun.counts,
    ReconciliationRun.finished_at,
    ReconciliationRun.created_at,
    ReconciliationRun.updated_at,
    Job.status.label("job_status"),
    Job.progress_done,
    Job.progress_total,
    Job.error.label("job_error"),
)
M = ReconciliationMatch
MATCH_COLUMNS = (
    M.id, M.side, M.status, M.order_id, M.number, M.key, M.at, M.amount, M.counterpart_id,
    M.counterpart_number, M.counterpart_at, M.counterpart_amount, M.time_delta_ms,
    M.amount_delta, M.candidates,
)  # fmt: skip


async def insert_rule(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    stmt = insert(ReconciliationRule).values(**values).returning(*RULE_COLUMNS)
    row = await fetch_one(session, stmt)
    assert row is not None
    return row


async def get_rule(session: AsyncSession, code: str) -> dict[str, Any] | None:
    stmt = select(*RULE_COLUMNS).where(ReconciliationRule.code == code)
    return await fetch_one(session, stmt)


async def list_rules(session: AsyncSession) -> list[dict[str, Any]]:
    return await fetch_all(session, select(*RULE_COLUMNS).order_by(ReconciliationRule.code))


async def order_type_id(session: AsyncSession, code: str) -> int | None:
    return await session.scalar(select(OrderType.id).where(OrderType.code == code))


def _column(name: str) -> Any:
    """An order column ("order.total") or the text of an attribute ("sold_at")."""
    if name.startswith("order."):
        return getattr(Order, name[6:])
    return Order.attributes[name].as_string()


async def load_side(
    session: AsyncSession,
    *,
    side: SideSpec,
    spec: RuleSpec,
    type_id: int,
    since: datetime,
    until: datetime,
    unit_id: int | None,
) -> list[tuple[Any, ...]]:
    """Rows (id, number, time, amount, *keys) of one side near the period, for the matcher.

    Attribute times are ISO text with any offset, so SQL narrows them by date with a day to
    spare and the caller applies the exact bounds.
    """
    keys = [_column(name) for name in spec.all_keys]
    time = _column(spec.time_field)
    stmt = select(Order.id, Order.number, time, _column(spec.amount_field), *keys).where(
        Order.order_type_id == type_id
    )
    for name, value in side.where.items():
        column = _column(name)
        stmt = stmt.where(column.in_(value) if isinstance(value, list) else column == value)
    if unit_id is not None:
        stmt = stmt.where(Order.unit_id == unit_id)
    if spec.time_field.startswith("order."):
        stmt = stmt.where(time >= since, time <= until)
    else:
        stmt = stmt.where(time >= _day(since - timedelta(days=1)), time < _day(until, 2))
    conn = await session.connection()
    return [tuple(row) for row in await conn.execute(stmt)]


def _day(when: datetime, plus: int = 0) -> str:
    return (when + timedelta(days=plus)).strftime("%Y-%m-%d")


async def find_run(
    session: AsyncSession, *, rule_id: int, since: datetime, until: datetime, scope: str
) -> dict[str, Any] | None:
    stmt = _run_select().where(
        ReconciliationRun.rule_id == rule_id,
        ReconciliationRun.period_from == since,
        ReconciliationRun.period_to == until,
        ReconciliationRun.scope == scope,
    )
    return await fetch_one(session, stmt)


def _run_select() -> Any:
    return (
        select(*RUN_COLUMNS)
        .join(ReconciliationRule, ReconciliationRule.id == ReconciliationRun.rule_id)
        .outerjoin(Job, Job.id == ReconciliationRun.job_id)
    )


async def insert_run(session: AsyncSession, values: dict[str, Any]) -> int:
    stmt = insert(ReconciliationRun).values(**values).returning(ReconciliationRun.id)
    return int(await session.scalar(stmt))  # type: ignore[arg-type]


async def update_run(session: AsyncSession, run_id: int, values: dict[str, Any]) -> None:
    await session.execute(
        update(ReconciliationRun).where(ReconciliationRun.id == run_id).values(**values)
    )


async def get_run(
    session: AsyncSession, run_id: int, scope: Sequence[ColumnElement[bool]] = ()
) -> dict[str, Any] | None:
    stmt = _run_select().where(ReconciliationRun.id == run_id, *scope)
    return await fetch_one(session, stmt)


async def list_runs(
    session: AsyncSession, *, page: PageRequest, scope: Sequence[ColumnElement[bool]] = ()
) -> Page:
    stmt, key, _ = paginate_statement(
        _run_select().where(*scope), page, {"id": ReconciliationRun.id}, ReconciliationRun.id
    )
    return finish_page(await fetch_all(session, stmt), page, key)


async def replace_matches(
    session: AsyncSession, run_id: int, rows: Sequence[dict[str, Any]]
) -> AsyncIterator[int]:
    """Drop the run's previous matches and insert the new ones; yields rows written so far."""
    await session.execute(delete(ReconciliationMatch).where(ReconciliationMatch.run_id == run_id))
    table: Table = ReconciliationMatch.__table__  # type: ignore[assignment]
    stmt = insert(table)
    for start in range(0, len(rows), BATCH):
        await session.execute(
            stmt, [{**row, "run_id": run_id} for row in rows[start : start + BATCH]]
        )
        yield min(start + BATCH, len(rows))


async def list_matches(
    session: AsyncSession,
    *,
    run_id: int,
    page: PageRequest,
    status: str | None,
    side: str | None,
) -> Page:
    stmt = select(*MATCH_COLUMNS).where(M.run_id == run_id)
    if status is not None:
        stmt = stmt.where(M.status == status)
    if side is not None:
        stmt = stmt.where(M.side == side)
    stmt, key, _ = paginate_statement(stmt, page, {"id": M.id}, M.id)
    return finish_page(await fetch_all(session, stmt), page, key)


async def matches_of_order(
    session: AsyncSession, *, order_id: int, scope: Sequence[ColumnElement[bool]] = ()
) -> list[dict[str, Any]]:
    """An order's rows in every run, newest run first, with the rule and the period."""
    stmt = (
        select(
            *MATCH_COLUMNS,
            ReconciliationRun.id.label("run_id"),
            ReconciliationRule.code.label("rule"),
            ReconciliationRun.period_from,
            ReconciliationRun.period_to,
        )
        .join(ReconciliationRun, ReconciliationRun.id == M.run_id)
        .join(ReconciliationRule, ReconciliationRule.id == ReconciliationRun.rule_id)
        .where(M.order_id == order_id, *scope)
        .order_by(ReconciliationRun.updated_at.desc(), M.id.desc())
        .limit(100)
    )
    return await fetch_all(session, stmt)


async def report_rows(
    session: AsyncSession, *, run_id: int, statuses: Sequence[str]
) -> AsyncIterator[dict[str, Any]]:
    """A side's rows for the report (B rows only when they have no A counterpart).

    Read in keyset batches, not through a server-side cursor: PostgreSQL read sessions run in
    autocommit, where cursors cannot live, and memory stays bounded either way.
    """
    base = (
        select(*MATCH_COLUMNS)
        .where(M.run_id == run_id, M.status.in_(statuses))
        .where((M.side == "A") | M.counterpart_id.is_(None))
        .order_by(M.key, M.at, M.id)
        .limit(BATCH)
    )
    last: tuple[Any, ...] | None = None
    while True:
        stmt = base if last is None else base.where(tuple_(M.key, M.at, M.id) > last)
        rows = await fetch_all(session, stmt)
        for row in rows:
            yield row
        if len(rows) < BATCH:
            return
        last = (rows[-1]["key"], rows[-1]["at"], rows[-1]["id"])
