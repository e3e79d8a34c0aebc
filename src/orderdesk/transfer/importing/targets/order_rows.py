"""Orders from rows: fields, grouping rows into orders, building lines and totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, get_args

from orderdesk.audit.service import jsonable
from orderdesk.orders.schemas import Channel
from orderdesk.orders.totals import MAX_AMOUNT, compute_totals, line_amount
from orderdesk.transfer.importing.mapping import normalise
from orderdesk.transfer.importing.targets.base import FieldSpec, ParsedRow, Rejection
from orderdesk.transfer.importing.targets.common import label, same_json, with_export_names

CHANNELS = {code: code for code in get_args(Channel)}

HEADER_FIELDS = [
    FieldSpec(
        "number",
        "text",
        label("Order number", "№ заказа"),
        (
            "номер заказа",
            "номер",
            "заказ",
            "order no",
            "order",
            "number",
            "order id",
            "номер документа",
        ),
        False,
        64,
    ),
    FieldSpec(
        "external_ref",
        "text",
        label("External reference", "Внешний номер"),
        ("external id", "ref", "внешний id", "код заказа"),
        False,
        128,
    ),
    FieldSpec("status", "enum", label("Status", "Статус"), ("состояние", "state")),
    FieldSpec(
        "customer",
        "text",
        label("Customer", "Клиент"),
        ("покупатель", "заказчик", "client", "buyer", "customer email", "логин клиента"),
    ),
    FieldSpec("unit", "text", label("Department", "Подразделение"), ("отдел", "unit", "филиал")),
    FieldSpec(
        "note",
        "text",
        label("Note", "Комментарий"),
        ("примечание", "comment", "notes"),
        strip=False,
    ),
    FieldSpec(
        "created_at",
        "datetime",
        label("Date", "Дата"),
        ("дата заказа", "date", "order date", "время", "дата и время", "created"),
    ),
    FieldSpec("starts_at", "datetime", label("Starts at", "Начало"), ("дата начала", "start")),
    FieldSpec("ends_at", "datetime", label("Ends at", "Окончание"), ("дата окончания", "end")),
    FieldSpec("channel", "enum", label("Channel", "Канал"), (), False, None, CHANNELS),
    FieldSpec(
        "external_source", "text", label("External source", "Внешний источник"), (), False, 64
    ),
]
HEADER_FIELDS = with_export_names(HEADER_FIELDS, {})
LINE_FIELDS = [
    FieldSpec(
        "line_sku",
        "text",
        label("SKU", "Артикул"),
        ("sku", "код товара", "article", "code", "код"),
        False,
        100,
    ),
    FieldSpec(
        "line_name",
        "text",
        label("Item name", "Наименование"),
        ("name", "товар", "название", "product", "item", "номенклатура"),
        False,
        300,
    ),
    FieldSpec(
        "quantity",
        "decimal",
        label("Qty", "Кол-во"),
        ("количество", "quantity", "qty", "кол во", "шт"),
    ),
    FieldSpec(
        "unit_price", "decimal", label("Price", "Цена"), ("price", "unit price", "цена за единицу")
    ),
    FieldSpec(
        "amount",
        "decimal",
        label("Amount", "Сумма"),
        ("amount", "total", "итого", "стоимость", "сумма заказа"),
    ),
    FieldSpec(
        "measure_unit",
        "text",
        label("Unit of measure", "Ед. изм."),
        ("единица измерения", "uom", "ед"),
        False,
        32,
    ),
    FieldSpec("coefficient", "decimal", label("Coefficient", "Коэффициент"), ("коэф",)),
    FieldSpec("position", "integer", label("Line", "Строка")),
]
LINE_FIELDS = with_export_names(
    LINE_FIELDS,
    {
        "line_sku": "line.sku",
        "line_name": "line.name",
        "quantity": "line.quantity",
        "unit_price": "line.unit_price",
        "amount": "line.amount",
        "measure_unit": "line.measure_unit",
        "coefficient": "line.coefficient",
        "position": "line.position",
    },
)
# Values that say nothing of a line by themselves (every exported row has its position).
LINE_NAMES = frozenset(spec.name for spec in LINE_FIELDS) - {"position"}
ONE = Decimal(1)
TOLERANCE = Decimal("0.01")


def status_choices(workflow: dict[str, Any]) -> dict[str, str]:
    """Status codes and their ru/en labels, normalised, to the code."""
    choices = {}
    for status in workflow.get("statuses", []):
        code = status["code"]
        choices[normalise(code)] = code
        for text in (status.get("label") or {}).values():
            choices.setdefault(normalise(text), code)
    return choices


class Group:
    """The rows of one order (same key), in file order."""

    __slots__ = ("key", "rows")

    def __init__(self, key: str | None, rows: list[ParsedRow]) -> None:
        self.key = key
        self.rows = rows

    @property
    def first(self) -> ParsedRow:
        return self.rows[0]


def group_rows(rows: list[ParsedRow], key: str) -> list[Group]:
    """Rows with the same key value form one order; rows without one are orders of their own."""
    groups: dict[str, list[ParsedRow]] = {}
    out: list[Group] = []
    for row in rows:
        value = row.values.get(key)
        if value is None:
            out.append(Group(None, [row]))
            continue
        found = groups.get(value)
        if found is None:
            found = groups[value] = [row]
            out.append(Group(value, found))
        else:
            found.append(row)
    return out


def build_line(
    row: ParsedRow, position: int, item: dict[str, Any] | None
) -> dict[str, Any] | Rejection:
    """One order line from a row, priced like the orders service prices it."""
    values = row.values
    sku = values.get("line_sku")
    column = row.columns.get
    quantity = values.get("quantity", ONE)
    if quantity <= 0:
        return Rejection.of(
            row.number, column("quantity", "quantity"), quantity, "import.quantity_positive"
        )
    if sku is not None and item is None and "line_name" not in values:
        return Rejection.of(row.number, column("line_sku", "line_sku"), sku, "import.ref_not_found")
    coefficient = values.get("coefficient", ONE)
    if coefficient <= 0:
        return Rejection.of(
            row.number, column("coefficient", "coefficient"), coefficient,
            "import.quantity_positive",
        )  # fmt: skip
    price = values.get("unit_price")
    if price is None and "amount" in values:
        price = values["amount"] / quantity / coefficient
    if price is None and item is not None:
        price = item["price"]
    if price is None:
        return Rejection.of(
            row.number, column("unit_price", "unit_price"), None, "import.line_needs_price"
        )
    amount = line_amount(quantity, price, coefficient)
    given = values.get("amount")
    if given is not None and abs(given - amount) > TOLERANCE:
        return Rejection.of(
            row.number, column("amount", "amount"), given, "import.amount_mismatch", computed=amount
        )
    if amount > MAX_AMOUNT:
        return Rejection.of(
            row.number, column("amount", "amount"), amount, "import.number_too_large"
        )
    name = values.get("line_name") or (item["name"] if item else None) or sku or ""
    return {
        "position": values.get("position", position),
        "item_id": item["id"] if item else None,
        "sku": sku or (item["sku"] if item else ""),
        "name": name[:300],
        "measure_unit": values.get("measure_unit") or (item["measure_unit"] if item else "шт"),
        "quantity": quantity,
        "unit_price": price,
        "coefficient": coefficient,
        "amount": amount,
    }  # fmt: skip


def totals_of(order_type: Any, lines: list[dict[str, Any]]) -> tuple[Decimal, Decimal, Decimal]:
    totals = compute_totals(
        (line["amount"] for line in lines), order_type.vat_rate, order_type.prices_include_vat
    )
    return totals.subtotal, totals.vat_amount, totals.total


def same_lines(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> bool:
    """Whether two line lists surely have the same `lines_summary`, without formatting it."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new, strict=True):
        if (a["sku"] or a["name"]) != (b["sku"] or b["name"]):
            return False
        if not (
            same_json(a["quantity"], b["quantity"]) and same_json(a["unit_price"], b["unit_price"])
        ):
            return False
    return True


def lines_summary(lines: list[dict[str, Any]]) -> list[str]:
    """Lines as the orders service records them in change history."""
    return [
        f"{line['sku'] or line['name']} × {jsonable(line['quantity'])} @ "
        f"{jsonable(line['unit_price'])}"
        for line in lines
    ]
