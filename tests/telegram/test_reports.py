"""The scheduled staff report: summary caption and the period's orders as XLSX."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from python_calamine import CalamineWorkbook

from orderdesk.container import Container
from orderdesk.orders.models import Order
from orderdesk.scheduler.tasks import periodic_tasks
from orderdesk.telegram.reports import prepare_report, report_period
from tests.factories import free_line, make_order, make_order_type, set_created_at
from tests.telegram.standin import BotAPIStandIn
from tests.telegram.test_sending_helpers import STAFF_CHAT, deliveries, send, send_settings

MONDAY_9_MSK = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


async def test_the_weekly_report_sends_the_weeks_orders_as_xlsx_once(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api)
    await make_order_type(container)
    inside = await make_order(container, lines=[free_line("Мяч", "2", "300")])
    outside = await make_order(container, lines=[free_line("Сетка", "1", "100")])
    await set_created_at(container, Order, inside["id"], datetime(2026, 11, 18, 12, tzinfo=UTC))
    await set_created_at(container, Order, outside["id"], datetime(2026, 11, 23, 7, tzinfo=UTC))

    async with container.write_sessions() as session:
        added = await prepare_report(
            session, settings, container.storage, kind="weekly", now=MONDAY_9_MSK
        )
        again = await prepare_report(
            session, settings, container.storage, kind="weekly", now=MONDAY_9_MSK
        )
        await session.commit()
    await send(container, settings)

    assert (added, again) == (1, 0)
    (call,) = bot_api.calls_to("sendDocument", STAFF_CHAT)
    caption = call.params["caption"]
    assert "16.11.2026 — 22.11.2026" in caption
    assert "Заказов: 1" in caption
    assert "600.00 RUB" in caption
    assert "Мяч" in caption
    name, data = call.files["document"]
    assert name == "заказы-weekly-2026-11-16.xlsx"
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    cells = {str(cell) for row in sheet for cell in row}
    assert inside["number"] in cells
    assert outside["number"] not in cells
    (row,) = await deliveries(container)
    assert row.status == "sent"


async def test_an_empty_day_still_reports_that_there_were_no_orders(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_staff_language="en")
    async with container.write_sessions() as session:
        await prepare_report(session, settings, container.storage, kind="daily", now=MONDAY_9_MSK)
        await session.commit()
    await send(container, settings)
    (call,) = bot_api.calls_to("sendDocument", STAFF_CHAT)
    assert "Daily report 22.11.2026" in call.params["caption"]
    assert "No orders in this period." in call.params["caption"]


def test_report_periods_are_whole_local_days_before_now() -> None:
    weekly = report_period("weekly", MONDAY_9_MSK, "Europe/Moscow")
    daily = report_period("daily", datetime(2026, 11, 23, 21, 30, tzinfo=UTC), "Europe/Moscow")
    assert (weekly.start.isoformat(), weekly.end.isoformat()) == ("2026-11-16", "2026-11-23")
    assert weekly.start_utc == datetime(2026, 11, 15, 21, tzinfo=UTC)
    # 21:30 UTC is already the 24th in Moscow: the report covers the 23rd.
    assert daily.start.isoformat() == "2026-11-23"


def test_the_weekly_report_is_scheduled_on_monday_at_nine_in_the_business_time_zone(
    container: Container, bot_api: BotAPIStandIn
) -> None:
    settings = send_settings(container, bot_api, telegram_report_daily_cron="30 8 * * *")
    tasks: dict[str, Any] = {task.name: task for task in periodic_tasks(settings)}
    weekly = tasks["telegram.report.weekly"]
    assert weekly.job_kind == "telegram.report"
    assert weekly.params == {"kind": "weekly"}
    assert weekly.next_tick(datetime(2026, 11, 20, tzinfo=UTC)) == MONDAY_9_MSK
    assert tasks["telegram.report.daily"].next_tick(MONDAY_9_MSK) == datetime(
        2026, 11, 24, 5, 30, tzinfo=UTC
    )
    off = send_settings(container, bot_api, telegram_bot_token="")
    assert not [t for t in periodic_tasks(off) if t.name.startswith("telegram.")]
