"""Sample files of three vending sources, as Russian exports look, with known discrepancies.

`orderdesk demo --blueprint vending --sample-files DIR` writes them so that a user can try
import and reconciliation; `discrepancies.csv` lists what was deliberately broken.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from orderdesk.blueprints.vending_catalog import MODELS, PRODUCTS, UNITS
from orderdesk.blueprints.vending_sales import Sale, SourceRecord, all_records

MSK = timedelta(hours=3)
METHOD_RU = {"cash": "Наличные", "card": "Банковская карта", "qr": "QR-код (СБП)"}
MACHINE_HEADER = ("Код автомата", "Место установки", "Дата и время продажи", "Товар",
                  "Цена, руб.", "Способ оплаты", "Номер заказа")  # fmt: skip
PAYMENT_HEADER = ("Дата и время операции", "Код автомата", "Сумма операции, руб.",
                  "Тип операции", "Способ оплаты", "RRN", "Код авторизации", "Карта")  # fmt: skip
FISCAL_HEADER = ("Дата и время чека", "Номер ФД", "ФПД", "Автомат", "Предмет расчёта",
                 "Сумма чека, руб.", "Наличными", "Безналичными")  # fmt: skip
Row = Sequence[str | Decimal | datetime]


def sample_sales(rng: random.Random, count: int, now: datetime, days: int = 3) -> list[Sale]:
    """Sales at three machines per branch over the last `days` days, oldest first."""
    machines = [
        (f"VM-{unit}{n:03d}", rng.choice(list(MODELS)))
        for unit in range(1, len(UNITS) + 1)
        for n in range(1, 4)
    ]
    prices = {name: Decimal(rng.randrange(lo, hi + 1, 10)) for name, _, (lo, hi), _ in PRODUCTS}
    start = now - timedelta(days=days)
    sales = []
    for number in range(1, count + 1):
        code, model = rng.choice(machines)
        product = rng.choice([p for p in PRODUCTS if p[3] == MODELS[model]])[0]
        at = start + timedelta(seconds=rng.uniform(0, days * 86400 - 900))
        method = rng.choices(("cash", "card", "qr"), weights=(25, 55, 20))[0]
        sales.append(
            Sale(number, code, product, prices[product], at.replace(microsecond=0), method)
        )
    sales.sort(key=lambda sale: sale.sold_at)
    return [
        Sale(n, s.machine, s.product, s.price, s.sold_at, s.method) for n, s in enumerate(sales, 1)
    ]


def write_sample_files(
    directory: Path, *, sales: int = 400, seed: int = 1, now: datetime | None = None
) -> list[Path]:
    """Write the three sources (CSV cp1251 ";" decimal comma, acquiring also as XLSX)."""
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    records = list(all_records(rng, sample_sales(rng, sales, now)))
    present = [r for r in records if r.defect != "missing"]
    by_source = {s: [r for r in present if r.source == s] for s in ("machine", "payment", "fiscal")}
    directory.mkdir(parents=True, exist_ok=True)
    places = {
        f"VM-{u}{n:03d}": f"{UNITS[u - 1][1]}, точка {n}" for u in (1, 2, 3) for n in (1, 2, 3)
    }
    written = [
        _csv(directory / "machine_sales.csv", "Отчёт о продажах торговых автоматов",
             MACHINE_HEADER, [_machine_row(r, places) for r in by_source["machine"]]),
        _csv(directory / "acquiring.csv", "Реестр операций эквайринга", PAYMENT_HEADER,
             [_payment_row(rng, r) for r in by_source["payment"]]),
        _csv(directory / "fiscal_receipts.csv", "Выгрузка чеков ОФД", FISCAL_HEADER,
             [_fiscal_row(rng, r) for r in by_source["fiscal"]]),
    ]  # fmt: skip
    payment_rows = [_payment_row(random.Random(seed), r) for r in by_source["payment"]]
    written.append(_xlsx(directory / "acquiring.xlsx", PAYMENT_HEADER, payment_rows))
    written.append(_manifest(directory / "discrepancies.csv", records))
    return written


def _local(at: datetime) -> str:
    """Moscow time without an offset, as Russian exports print it."""
    return (at + MSK).strftime("%d.%m.%Y %H:%M:%S")


def _money(amount: Decimal) -> str:
    """1 250,00: a space between thousands and a decimal comma."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",")


def _machine_row(record: SourceRecord, places: dict[str, str]) -> Row:
    place = places.get(record.machine, "")
    method = METHOD_RU[record.method]
    return (record.machine, place, _local(record.sold_at), record.product,
            _money(record.amount), method, record.receipt)  # fmt: skip


def _payment_row(rng: random.Random, record: SourceRecord) -> Row:
    card = f"{rng.choice(('220220', '427638', '546938'))}******{rng.randrange(1000, 9999)}"
    code = f"{rng.randrange(10**5, 10**6)}"
    return (_local(record.sold_at), record.machine, _money(record.amount), "Оплата",
            METHOD_RU[record.method], record.receipt, code, card)  # fmt: skip


def _fiscal_row(rng: random.Random, record: SourceRecord) -> Row:
    cash = record.amount if record.method == "cash" else Decimal(0)
    return (_local(record.sold_at), record.receipt, f"{rng.randrange(10**9, 4 * 10**9)}",
            record.machine, record.product, _money(record.amount), _money(cash),
            _money(record.amount - cash))  # fmt: skip


def _csv(path: Path, title: str, header: Row, rows: list[Row]) -> Path:
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _xlsx(path: Path, header: Row, rows: list[Row]) -> Path:
    """The acquiring report as a bank's XLSX: a title, merged, above the header row."""
    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("Операции")
        bold = book.add_format({"bold": True})
        sheet.merge_range(0, 0, 0, len(header) - 1, "Реестр операций эквайринга", bold)
        sheet.write_row(1, 0, header, bold)
        for index, row in enumerate(rows, 2):
            sheet.write_row(index, 0, [str(value) for value in row])
    finally:
        book.close()
    return path


def _manifest(path: Path, records: list[SourceRecord]) -> Path:
    header = ("Продажа", "Источник", "Расхождение", "Автомат", "Время (МСК)", "Сумма")
    broken = [r for r in records if r.defect]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for r in broken:
            writer.writerow((r.sale, r.source, DEFECT_RU[r.defect], r.machine, _local(r.sold_at),
                             _money(r.amount)))  # fmt: skip
    return path


DEFECT_RU = {
    "missing": "нет записи",
    "late": "сдвиг времени за пределы окна ±60 с",
    "edge": "сдвиг времени внутри окна (45–59 с)",
    "amount": "другая сумма",
    "duplicate": "дубль (сверка неоднозначна)",
    "orphan": "платёж без продажи",
}
