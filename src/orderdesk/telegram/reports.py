"""The daily and weekly report to the staff chats: a summary and the period's orders as XLSX."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.files.storage import CHUNK_SIZE, Storage
from orderdesk.orders.models import Order, OrderLine, OrderType
from orderdesk.orders.workflow import status_label
from orderdesk.settings import Settings
from orderdesk.telegram import messages as _messages  # noqa: F401  (registers the texts)
from orderdesk.telegram.chats import ChatTarget, staff_targets
from orderdesk.telegram.notifications import STAFF_REPORT, insert_deliveries, money
from orderdesk.transfer.export import service as export
from orderdesk.transfer.export.schemas import ExportOptions, ExportSpec
from orderdesk.transfer.export.writers import ExportFormat

Kind = Literal["daily", "weekly"]
TOP_ITEMS = 5


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """[start, end) in the business time zone, and the same instants in UTC."""

    kind: Kind
    start: date
    end: date
    zone: str

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time(), ZoneInfo(self.zone))

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time(), ZoneInfo(self.zone))

    @property
    def key(self) -> str:
        """Identifies the report (its delivery event id): `report:weekly:2026-11-16`."""
        return f"report:{self.kind}:{self.start.isoformat()}"


def report_period(kind: Kind, now: datetime, zone: str) -> ReportPeriod:
    """The last whole day (daily) or the seven whole days (weekly) before `now`'s local date."""
    today = now.astimezone(ZoneInfo(zone)).date()
    days = 1 if kind == "daily" else 7
    return ReportPeriod(kind, today - timedelta(days=days), today, zone)


@dataclass(slots=True)
class Summary:
    count: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)
    top: list[tuple[str, Decimal]] = field(default_factory=list)


async def summarize(session: AsyncSession, period: ReportPeriod, language: str) -> Summary:
    """Orders created in the period: how many, by status, sums per currency, top items."""
    in_period = (Order.created_at >= period.start_utc, Order.created_at < period.end_utc)
    summary = Summary()
    rows = await session.execute(
        select(
            Order.status, OrderType.workflow, func.count(), func.sum(Order.total), Order.currency
        )
        .join(OrderType, OrderType.id == Order.order_type_id)
        .where(*in_period)
        .group_by(Order.status, OrderType.id, OrderType.workflow, Order.currency)
    )
    counts: dict[str, int] = {}
    for status, workflow, count, total, currency in rows:
        label = status_label(workflow or {}, status, language)
        counts[label] = counts.get(label, 0) + int(count)
        summary.count += int(count)
        summary.totals[currency] = summary.totals.get(currency, Decimal(0)) + Decimal(total or 0)
    summary.by_status = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    top = await session.execute(
        select(OrderLine.name, func.sum(OrderLine.quantity).label("quantity"))
        .join(Order, Order.id == OrderLine.order_id)
        .where(*in_period)
        .group_by(OrderLine.name)
        .order_by(func.sum(OrderLine.quantity).desc(), OrderLine.name)
        .limit(TOP_ITEMS)
    )
    summary.top = [(name, Decimal(quantity or 0)) for name, quantity in top]
    return summary


def summary_text(summary: Summary, period: ReportPeriod, language: str) -> str:
    """The report's caption (under Telegram's 1,024 characters)."""
    last = period.end - timedelta(days=1)
    if period.kind == "daily":
        title = t("tg.report.daily", language, start=period.start.strftime("%d.%m.%Y"))
    else:
        title = t(
            "tg.report.weekly",
            language,
            start=period.start.strftime("%d.%m.%Y"),
            end=last.strftime("%d.%m.%Y"),
        )
    lines = [f"<b>{title}</b>"]
    if not summary.count:
        lines.append(t("tg.report.empty", language))
        return "\n".join(lines)
    lines.append(t("tg.report.orders", language, count=summary.count))
    for currency, amount in sorted(summary.totals.items()):
        lines.append(t("tg.report.revenue", language, amount=money(amount, currency)))
        if len(summary.totals) == 1:
            average = (amount / summary.count).quantize(Decimal("0.01"))
            lines.append(t("tg.report.average", language, amount=money(average, currency)))
    lines.append(t("tg.report.by_status", language))
    lines.extend(f"• {_escape(label)}: {count}" for label, count in summary.by_status[:10])
    if summary.top:
        lines.append(t("tg.report.top", language))
        lines.extend(f"• {_escape(name[:60])} — {qty.normalize():f}" for name, qty in summary.top)
    return "\n".join(lines)[:1024]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def write_orders_xlsx(
    session: AsyncSession, settings: Settings, period: ReportPeriod, language: str, path: Path
) -> int:
    """The period's orders (one row per line) as XLSX through the export module; rows written."""
    spec = ExportSpec(
        target="orders",
        options=ExportOptions(format=ExportFormat.xlsx, lang=language),
        filters={"created_from": period.start_utc, "created_to": period.end_utc},
        lang=language,
    )
    plan = await export.prepare(
        session=session, principal=Principal.system(), spec=spec, settings=settings
    )
    return await export.write_file(session, plan, path)


def report_file_name(period: ReportPeriod, language: str) -> str:
    return f"{t('tg.report.file', language)}-{period.kind}-{period.start.isoformat()}.xlsx"


async def prepare_report(
    session: AsyncSession,
    settings: Settings,
    storage: Storage,
    *,
    kind: Kind,
    now: datetime,
) -> int:
    """Store the period's XLSX and owe every staff chat the report; deliveries added.

    The report's key is the delivery's event id, so a retried or repeated job adds nothing.
    """
    period = report_period(kind, now, settings.telegram_report_timezone)
    targets = await staff_targets(session, settings)
    if not targets:
        return 0
    rows: list[dict[str, Any]] = []
    for language in sorted({target.language for target in targets}):
        key = f"telegram/reports/{period.kind}-{period.start.isoformat()}-{language}.xlsx"
        with tempfile.TemporaryDirectory(prefix="orderdesk-report-") as folder:
            path = Path(folder) / "report.xlsx"
            await write_orders_xlsx(session, settings, period, language, path)
            await storage.put(key, _chunks(path))
        caption = summary_text(await summarize(session, period, language), period, language)
        rows.extend(
            _report_row(period, target, key, caption, language)
            for target in targets
            if target.language == language
        )
    return await insert_deliveries(session, rows)


def _report_row(
    period: ReportPeriod, target: ChatTarget, key: str, caption: str, language: str
) -> dict[str, Any]:
    from orderdesk.db.types import utcnow

    return {
        "event_id": period.key,
        "chat_id": target.chat_id,
        "purpose": STAFF_REPORT,
        "aggregate_type": "report",
        "aggregate_id": period.key[7:],
        "status": "pending",
        "attempts": 0,
        "message": {
            "caption": caption,
            "document": {"key": key, "filename": report_file_name(period, language)},
        },
        "created_at": utcnow(),
    }


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk
