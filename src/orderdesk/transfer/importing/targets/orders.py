"""Orders with lines of one order type; rows with the same number (or reference) are one order."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any, ClassVar, cast

from sqlalchemy import Table

from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Permission, Role
from orderdesk.db.types import utcnow
from orderdesk.orders import types_cache
from orderdesk.orders.models import Order, OrderEvent, OrderLine
from orderdesk.orders.numbering import period_of, render_number
from orderdesk.orders.repository import LINE_INSERT_COLUMNS
from orderdesk.orders.workflow import find_transition, is_editable
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing.mapping import normalise
from orderdesk.transfer.importing.targets.base import (
    ChunkResult,
    FieldSpec,
    ParsedRow,
    Rejection,
    Target,
)
from orderdesk.transfer.importing.targets.common import (
    attribute_fields,
    attributes_of,
    change_rows,
    check_attributes,
    diff,
    same_json,
    units_by_name,
    write_changes,
)
from orderdesk.transfer.importing.targets.order_rows import (
    HEADER_FIELDS,
    LINE_FIELDS,
    LINE_NAMES,
    Group,
    build_line,
    group_rows,
    lines_summary,
    same_lines,
    status_choices,
    totals_of,
)

ORDERS = cast(Table, Order.__table__)
LINES = cast(Table, OrderLine.__table__)
EVENTS = cast(Table, OrderEvent.__table__)
ORDER_INSERT = (
    "id", "order_type_id", "number", "status", "customer_id", "unit_id", "channel",
    "external_source", "external_ref", "currency", "subtotal", "vat_amount", "total",
    "attributes", "note", "starts_at", "ends_at", "created_by_id", "stock_deducted",
    "search_text", "version", "created_at", "updated_at",
)  # fmt: skip
TRACKED: tuple[str, ...] = (
    "status",
    "customer_id",
    "unit_id",
    "attributes",
    "note",
    "starts_at",
    "ends_at",
)
TRACKED += ("subtotal", "vat_amount", "total")
ORDER_UPDATE = (*TRACKED, "search_text", "version", "updated_at")
LINE_INSERT = LINE_INSERT_COLUMNS  # the columns an order line is written with
EVENT_INSERT = ("order_id", "kind", "from_status", "to_status", "actor_id", "comment", "at")
EXISTING = (*TRACKED, "number", "external_ref", "version", "order_type_id")
# Order fields taken from an order's first row as they are.
HEADER_VALUES = (
    "status", "note", "starts_at", "ends_at", "number", "external_ref", "created_at", "channel",
    "external_source",
)  # fmt: skip


@dataclass(slots=True)
class _Batch:
    """What one chunk writes."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    replace_lines: list[int] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(slots=True)
class _Lookups:
    existing: dict[Any, dict[str, Any]]
    items: dict[str, dict[str, Any]]
    customers: dict[str, int]
    old_lines: dict[int, list[dict[str, Any]]]


class OrdersTarget(Target):
    name: ClassVar[str] = "orders"
    keys: ClassVar[tuple[str, ...]] = ("number", "external_ref")
    permission: ClassVar[Permission] = Permission.orders_create
    update_permission: ClassVar[Permission] = Permission.orders_update

    async def load(self) -> None:
        code = self.options.type_code or ""
        order_type = await types_cache.type_by_code(self.session, code, cache=None, ttl=0)
        if order_type is None or not order_type.active:
            raise ValidationFailed([FieldError("type", "import_type_not_found", type_code=code)])
        self.order_type = order_type
        self.schema = order_type.attribute_schema
        choices = status_choices(order_type.workflow)
        self.fields = [
            *(
                spec if spec.name != "status" else _with_choices(spec, choices)
                for spec in HEADER_FIELDS
            ),
            *LINE_FIELDS,
            *attribute_fields(self.schema),
        ]
        self.units = await units_by_name(self.session)
        self._template = {
            **_new_order(order_type),
            "order_type_id": order_type.id,
            "created_by_id": self.principal.user_id,
        }
        self._header_values: tuple[str, ...] = HEADER_VALUES
        self._attributes_mapped = True

    def _prepare(self) -> None:
        """What the mapped columns decide once per chunk instead of once per order."""
        self._header_values = tuple(name for name in HEADER_VALUES if name in self.mapped)
        self._attributes_mapped = any(name.startswith("attributes.") for name in self.mapped)

    @property
    def lines_mapped(self) -> bool:
        """Whether the file has line columns: then an upserted order's lines are replaced."""
        return bool(self.mapped & LINE_NAMES)

    def _scope(self) -> list[Any]:
        where: list[Any] = []
        if self.key == "number":
            where.append(ORDERS.c.order_type_id == self.order_type.id)
        else:
            where.append(ORDERS.c.external_source == self.options.source)
        return where

    async def _lookups(self, rows: list[ParsedRow], keys: list[Any]) -> _Lookups:
        """Everything this chunk refers to, read with one query each."""
        existing = await bulk.fetch_by_keys(
            self.session, ORDERS, self.key, keys, EXISTING, *self._scope()
        )
        skus, refs = set(), set()
        for row in rows:
            given = row.values
            if "line_sku" in given:
                skus.add(given["line_sku"])
            if "customer" in given:
                refs.add(given["customer"])
        replacing = self.lines_mapped and self.options.mode == "upsert"
        ids = [o["id"] for o in existing.values()] if replacing else []
        return _Lookups(
            existing=existing,
            items=await repo.items_by_sku(self.session, sorted(skus)),
            customers=await repo.customers_by(self.session, sorted(refs)),
            old_lines=await repo.lines_of(self.session, ids),
        )

    def _refused(self, group: Group, old: dict[str, Any] | None, result: ChunkResult) -> bool:
        """Whether the mode keeps this order out (no key, or an existing one not upserted)."""
        column = group.first.columns.get(self.key, self.key)
        if group.key is None and self.options.mode != "insert":
            result.rejected.append(
                Rejection.of(group.first.number, column, None, "import.required")
            )
            return True
        if old is None or self.options.mode == "upsert":
            return False
        if self.options.mode == "skip":
            result.skipped += 1
        else:
            result.rejected.extend(
                Rejection.of(r.number, column, group.key, "import.key_exists") for r in group.rows
            )
        return True

    async def process(self, rows: list[ParsedRow], *, write: bool) -> ChunkResult:
        result = ChunkResult()
        self._prepare()
        groups = group_rows(rows, self.key)
        found = await self._lookups(rows, [g.key for g in groups if g.key is not None])
        batch, now = _Batch(), utcnow()
        self._template["updated_at"] = now
        for group in groups:
            old = found.existing.get(group.key)
            if self._refused(group, old, result):
                continue
            built = self._build(group, old, found.items, found.customers)
            if isinstance(built, list):
                result.rejected.extend(built)
                continue
            values, lines = built
            if old is None:
                result.created += 1
                batch.orders.append({**values, "_lines": lines})
                continue
            old_lines = found.old_lines.get(old["id"], [])
            self._update(group, old, values, lines, old_lines, batch, result, now)
        if write:
            await self._write(batch, now)
        return result

    def _party(
        self, row: ParsedRow, customers: dict[str, int], values: dict[str, Any]
    ) -> list[Rejection]:
        problems = []
        ref = row.values.get("customer")
        if ref is not None:
            values["customer_id"] = customers.get(ref)
            if values["customer_id"] is None:
                problems.append(
                    Rejection.of(row.number, row.columns["customer"], ref, "import.ref_not_found")
                )
        if "unit" in row.values:
            values["unit_id"] = self.units.get(normalise(row.values["unit"]))
            if values["unit_id"] is None:
                problems.append(
                    Rejection.of(
                        row.number, row.columns["unit"], row.values["unit"], "import.ref_not_found"
                    )
                )
        if self.principal.role is Role.staff:
            if "unit" in row.values and values["unit_id"] != self.principal.unit_id:
                column = row.columns.get("unit", "unit")
                problems.append(
                    Rejection.of(row.number, column, row.values.get("unit"), "import.not_your_unit")
                )
            values["unit_id"] = self.principal.unit_id
        return problems

    def _build(
        self,
        group: Group,
        old: dict[str, Any] | None,
        items: dict[str, dict[str, Any]],
        customers: dict[str, int],
    ) -> tuple[dict[str, Any], list[dict[str, Any]] | None] | list[Rejection]:
        """The order's new field values and lines (None: lines are not in the file)."""
        first = group.first
        values: dict[str, Any] = {k: old[k] for k in TRACKED} if old else dict(self._template)
        given = first.values
        for name in self._header_values:
            if name in given:
                values[name] = given[name]
        problems = self._party(first, customers, values)
        if (
            old is not None
            and self.principal.role is Role.staff
            and old["unit_id"] != self.principal.unit_id
        ):
            problems.append(
                Rejection.of(
                    first.number,
                    first.columns.get(self.key, self.key),
                    group.key,
                    "import.not_your_unit",
                )
            )
        attrs = attributes_of(given) if self._attributes_mapped else {}
        if old:
            attrs = {**old["attributes"], **attrs}
        # No schema and no values: nothing to check (the common case, per order).
        checked = check_attributes(self.schema, attrs, first) if attrs or self.schema else {}
        if isinstance(checked, list):
            problems.extend(checked)
        else:
            values["attributes"] = checked
        lines = self._lines(group, items, problems) if self.lines_mapped else None
        if problems:
            return problems
        if lines is not None:
            values["subtotal"], values["vat_amount"], values["total"] = totals_of(
                self.order_type, lines
            )
        return values, lines

    def _lines(
        self, group: Group, items: dict[str, dict[str, Any]], problems: list[Rejection]
    ) -> list[dict[str, Any]] | None:
        """The order's lines (None: none of its rows has a line value); problems collected."""
        lines: list[dict[str, Any]] = []
        seen = False
        for row in group.rows:
            if LINE_NAMES.isdisjoint(row.values):
                continue
            seen = True
            line = build_line(row, len(lines), items.get(row.values.get("line_sku", "")))
            if isinstance(line, Rejection):
                problems.append(line)
            else:
                lines.append(line)
        return lines if seen else None

    def _update(
        self,
        group: Group,
        old: dict[str, Any],
        values: dict[str, Any],
        lines: list[dict[str, Any]] | None,
        old_lines: list[dict[str, Any]],
        batch: _Batch,
        result: ChunkResult,
        now: Any,
    ) -> None:
        # Only fields that may differ are compared in their stored (JSON) form.
        before = {k: old[k] for k in TRACKED if not same_json(old[k], values[k])}
        after = {k: values[k] for k in before}
        if lines is not None and not same_lines(old_lines, lines):
            before["lines"], after["lines"] = lines_summary(old_lines), lines_summary(lines)
        changed = diff(before, after) if before else {}
        if not changed:
            result.unchanged += 1
            return
        refusal = self._refusal(old["status"], values["status"], changed)
        if refusal is not None:
            # Only a change is refused: the same values again are simply unchanged.
            key, params = refusal
            first = group.first
            if key == "import.not_editable":
                column, value = first.columns.get(self.key, self.key), group.key
            else:
                column, value = first.columns.get("status", "status"), values["status"]
            result.rejected.append(Rejection.of(first.number, column, value, key, **params))
            return
        result.updated += 1
        order_id = old["id"]
        names = (
            [line["name"] for line in (lines or [])[:20]]
            if lines is not None
            else [ln["name"] for ln in old_lines[:20]]
        )
        text = search_text(
            old["number"], old["external_ref"], (values["note"] or "")[:300], " ".join(names)
        )
        batch.updates.append(
            (order_id, *(values[k] for k in TRACKED), text, old["version"] + 1, now)
        )
        if lines is not None and "lines" in changed:
            batch.replace_lines.append(order_id)
            batch.lines.extend(_line_tuple(order_id, line) for line in lines)
        batch.events.append(
            (order_id, "updated", None, None, self.principal.user_id, "import", now)
        )
        if "status" in changed:
            batch.events.append(
                (
                    order_id,
                    "status_changed",
                    old["status"],
                    values["status"],
                    self.principal.user_id,
                    "import",
                    now,
                )
            )
        batch.changes.extend(change_rows("order", order_id, changed, self.principal, "import", now))

    def _refusal(
        self, old: str, new: str, changed: dict[str, Any]
    ) -> tuple[str, dict[str, str]] | None:
        """Why this change may not be imported, as the API would refuse it.

        Fields change only in an editable status. A status changes only along a workflow
        transition this role may take, and not along one that moves stock or needs a comment:
        the bulk path does neither (such a move is made through the order's transitions).
        """
        workflow = self.order_type.workflow
        if changed.keys() - {"status"} and not is_editable(workflow, old):
            return "import.not_editable", {"status": old}
        if "status" not in changed:
            return None
        rule = find_transition(workflow, old, new)
        if rule is None:
            return "import.transition_not_allowed", {"from_status": old, "to": new}
        if self.principal.role.value not in rule["roles"]:
            return "import.transition_role", {"from_status": old, "to": new}
        if rule.get("stock") or rule.get("require_comment"):
            return "import.transition_needs_api", {"from_status": old, "to": new}
        return None

    async def _write(self, batch: _Batch, now: Any) -> None:
        await self._insert_orders(batch, now)
        await bulk.update_rows(self.session, ORDERS, ORDER_UPDATE, batch.updates)
        await repo.delete_lines_of(self.session, batch.replace_lines)
        await bulk.insert_rows(self.session, LINES, LINE_INSERT, batch.lines)
        await bulk.insert_rows(self.session, EVENTS, EVENT_INSERT, batch.events)
        await write_changes(self.session, batch.changes)

    async def _insert_orders(self, batch: _Batch, now: Any) -> None:
        """New orders get reserved ids (their lines refer to them) and numbers if none given."""
        if not batch.orders:
            return
        ids = await bulk.allocate_ids(self.session, ORDERS, len(batch.orders))
        numbers = await self._numbers(sum(1 for o in batch.orders if not o.get("number")), now)
        rows = []
        own_source = "external_source" not in self.mapped
        source, user_id = self.options.source, self.principal.user_id
        lines_out, events_out = batch.lines, batch.events
        for order_id, order in zip(ids, batch.orders, strict=True):
            lines = order.pop("_lines") or []
            number = order["number"] = order.get("number") or next(numbers)
            ref = order.get("external_ref")
            order["id"] = order_id
            order["created_at"] = order.get("created_at") or now
            names = " ".join(line["name"] for line in lines[:20])
            order["search_text"] = search_text(number, ref, (order["note"] or "")[:300], names)
            if own_source:
                order["external_source"] = source if ref else None
            rows.append(tuple(map(order.get, ORDER_INSERT)))
            lines_out.extend([(order_id, *_LINE_VALUES(line)) for line in lines])
            events_out.append((order_id, "created", None, order["status"], user_id, "import", now))
        await bulk.insert_rows(self.session, ORDERS, ORDER_INSERT, rows)

    async def _numbers(self, count: int, now: Any) -> Any:
        fmt = self.order_type.number_format
        if not count:
            return iter(())
        last = await repo.reserve_numbers(
            self.session, self.order_type.id, period_of(fmt, now), count
        )
        return (render_number(fmt, seq, now) for seq in range(last - count + 1, last + 1))


def _with_choices(spec: FieldSpec, choices: dict[str, str]) -> FieldSpec:
    return replace(spec, choices=choices)


def _new_order(order_type: Any) -> dict[str, Any]:
    return {
        "status": order_type.workflow["initial"], "customer_id": None, "unit_id": None,
        "attributes": {}, "note": "", "starts_at": None, "ends_at": None,
        "subtotal": 0, "vat_amount": 0, "total": 0, "channel": "import", "external_source": None,
        "currency": order_type.currency, "stock_deducted": False, "version": 1,
    }  # fmt: skip


_LINE_VALUES = itemgetter(*LINE_INSERT[1:])


def _line_tuple(order_id: int, line: dict[str, Any]) -> tuple[Any, ...]:
    return (order_id, *_LINE_VALUES(line))
