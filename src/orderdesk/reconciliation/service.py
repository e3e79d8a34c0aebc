"""Reconciliation use cases: rules, starting a run as a job, the run itself, reading results."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Permission, Principal, Role, ensure
from orderdesk.db.types import utcnow
from orderdesk.jobs import service as jobs
from orderdesk.reconciliation import messages as msg
from orderdesk.reconciliation import repository as repo
from orderdesk.reconciliation.matcher import Side, match
from orderdesk.reconciliation.models import ReconciliationRun
from orderdesk.reconciliation.records import Info, Loaded, count, match_rows, to_records
from orderdesk.reconciliation.rules import RuleCreate, RuleSpec
from orderdesk.reconciliation.schemas import RunCreate

JOB_KIND = "reconciliation.run"
MAX_PERIOD_DAYS = 366
RECONCILERS = frozenset({Role.admin, Role.manager, Role.staff})
Progress = Callable[[int, int], Awaitable[None]]


async def create_rule(
    *, session: AsyncSession, principal: Principal, data: RuleCreate
) -> dict[str, Any]:
    """Declare a rule (blueprints and administrators); its order types must exist."""
    ensure(principal, Permission.order_types_manage)
    if await repo.get_rule(session, data.code) is not None:
        raise Conflict(msg.RULE_EXISTS, code=data.code)
    for name, side in (("a", data.spec.a), ("b", data.spec.b)):
        if await repo.order_type_id(session, side.order_type) is None:
            raise ValidationFailed([FieldError(f"spec.{name}.order_type", "unknown_order_type")])
    row = await repo.insert_rule(
        session,
        {
            "code": data.code,
            "name": data.name.model_dump(),
            "spec": data.spec.model_dump(mode="json"),
            "active": data.active,
        },
    )
    await audit.record(
        session,
        action="reconciliation_rule.create",
        actor=principal,
        entity_type="reconciliation_rule",
        entity_id=row["id"],
    )
    return row


def _ensure_reconciler(principal: Principal) -> None:
    if principal.role not in RECONCILERS:
        raise Forbidden("auth.permission", role=principal.role.value)
    if not principal.sees_all_units and principal.unit_id is None:
        raise Forbidden(msg.NO_UNIT)


def _scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Staff see the runs of their own unit; admins and managers every run."""
    if principal.sees_all_units:
        return []
    return [ReconciliationRun.unit_id == principal.unit_id]


async def list_rules(*, session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    _ensure_reconciler(principal)
    return await repo.list_rules(session)


async def start_run(
    *, session: AsyncSession, principal: Principal, data: RunCreate
) -> dict[str, Any]:
    """Queue a run of a rule over a period; the same rule, period and scope reuse one run."""
    _ensure_reconciler(principal)
    since, until = data.from_, data.to
    if until <= since or until - since > timedelta(days=MAX_PERIOD_DAYS):
        raise ValidationFailed([FieldError("to", "reconciliation_period", days=MAX_PERIOD_DAYS)])
    rule = await repo.get_rule(session, data.rule)
    if rule is None or not rule["active"]:
        raise NotFound(msg.RULE_NOT_FOUND, code=data.rule)
    unit_id = None if principal.sees_all_units else principal.unit_id
    scope = "all" if unit_id is None else f"unit:{unit_id}"
    found = await repo.find_run(session, rule_id=rule["id"], since=since, until=until, scope=scope)
    if found is not None and found["job_status"] in ("queued", "running"):
        raise Conflict(msg.RUN_BUSY, id=found["id"], job_id=found["job_id"])
    if found is None:
        run_id = await repo.insert_run(
            session,
            {"rule_id": rule["id"], "period_from": since, "period_to": until, "scope": scope,
             "unit_id": unit_id, "counts": {}},
        )  # fmt: skip
    else:
        run_id = found["id"]
    job = await jobs.enqueue(
        session,
        kind=JOB_KIND,
        params={"run_id": run_id},
        actor_id=principal.user_id,
        unit_id=unit_id,
        max_attempts=2,
    )
    values = {"job_id": job.id, "actor_id": principal.user_id, "finished_at": None}
    await repo.update_run(session, run_id, values)
    await audit.record(
        session,
        action="reconciliation.start",
        actor=principal,
        entity_type="reconciliation_run",
        entity_id=run_id,
    )
    return await get_run(session=session, principal=principal, run_id=run_id)


def run_out(row: dict[str, Any]) -> dict[str, Any]:
    """The API shape of a run: the job's status and progress stand for the run's."""
    return {
        "id": row["id"],
        "rule": row["rule"],
        "period_from": row["period_from"],
        "period_to": row["period_to"],
        "unit_id": row["unit_id"],
        "job_id": row["job_id"],
        "status": row["job_status"] or "unknown",
        "progress_done": row["progress_done"] or 0,
        "progress_total": row["progress_total"],
        "counts": row["counts"] or {},
        "error": row["job_error"],
        "finished_at": row["finished_at"],
        "created_at": row["created_at"],
    }


async def get_run(*, session: AsyncSession, principal: Principal, run_id: int) -> dict[str, Any]:
    _ensure_reconciler(principal)
    row = await repo.get_run(session, run_id, _scope(principal))
    if row is None:
        raise NotFound(msg.RUN_NOT_FOUND, id=run_id)
    return run_out(row)


async def list_runs(*, session: AsyncSession, principal: Principal, page: PageRequest) -> Page:
    _ensure_reconciler(principal)
    result = await repo.list_runs(session, page=page, scope=_scope(principal))
    result.items = [run_out(row) for row in result.items]
    return result


async def list_matches(
    *,
    session: AsyncSession,
    principal: Principal,
    run_id: int,
    page: PageRequest,
    status: str | None = None,
    side: str | None = None,
) -> Page:
    await get_run(session=session, principal=principal, run_id=run_id)
    return await repo.list_matches(session, run_id=run_id, page=page, status=status, side=side)


async def order_matches(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> list[dict[str, Any]]:
    """An order's status in each run the principal may see, the newest run first."""
    _ensure_reconciler(principal)
    return await repo.matches_of_order(session, order_id=order_id, scope=_scope(principal))


async def execute_run(session: AsyncSession, run_id: int, progress: Progress) -> dict[str, Any]:
    """Load both sides, match them off the event loop, replace the run's matches."""
    run = await repo.get_run(session, run_id)
    if run is None:
        raise NotFound(msg.RUN_NOT_FOUND, id=run_id)
    rule = await repo.get_rule(session, run["rule"])
    assert rule is not None
    spec = RuleSpec.model_validate(rule["spec"])
    since, until = run["period_from"], run["period_to"]
    loaded = {side: await _load(session, spec, side, run) for side in ("A", "B")}
    total = len(loaded["A"].records) + len(loaded["B"].records)
    await progress(0, total)
    outcomes = await asyncio.to_thread(
        match, loaded["A"].records, loaded["B"].records, spec.tolerance()
    )
    info: dict[Side, dict[int, Info]] = {"A": loaded["A"].info, "B": loaded["B"].info}
    rows = match_rows(outcomes, info, since, until)
    async for written in repo.replace_matches(session, run_id, rows):
        await progress(written, len(rows))
    counts = count(rows)
    for side in ("A", "B"):
        counts.update({f"{side}.skipped_{k}": v for k, v in loaded[side].skipped.items()})
    await repo.update_run(session, run_id, {"counts": counts, "finished_at": utcnow()})
    await progress(len(rows), len(rows))
    return {"run_id": run_id, "records": len(rows), **counts}


async def _load(session: AsyncSession, spec: RuleSpec, side: Side, run: dict[str, Any]) -> Loaded:
    """One side's records within a window's reach of the period."""
    side_spec = spec.a if side == "A" else spec.b
    type_id = await repo.order_type_id(session, side_spec.order_type)
    if type_id is None:
        return Loaded()
    margin = timedelta(seconds=spec.window_seconds)
    since, until = run["period_from"] - margin, run["period_to"] + margin
    rows = await repo.load_side(
        session,
        side=side_spec,
        spec=spec,
        type_id=type_id,
        since=since,
        until=until,
        unit_id=run["unit_id"],
    )
    loaded = to_records(rows)
    keep = [r for r in loaded.records if since <= loaded.info[r.id].at <= until]
    if len(keep) != len(loaded.records):
        loaded.records = keep
        loaded.info = {r.id: loaded.info[r.id] for r in keep}
    return loaded
