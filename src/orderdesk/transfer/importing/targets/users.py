"""Customers: users with the customer role and no password, keyed by username, email or phone."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from sqlalchemy import Table

from orderdesk.auth.models import User
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Permission
from orderdesk.db.types import utcnow
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing.mapping import normalise
from orderdesk.transfer.importing.targets.base import (
    ChunkResult,
    FieldSpec,
    ParsedRow,
    Rejection,
    Target,
)
from orderdesk.transfer.importing.targets.common import (
    change_rows,
    diff,
    label,
    units_by_name,
    write_changes,
)

USERS = cast(Table, User.__table__)
LOCALES = {"ru": "ru", "en": "en", "русский": "ru", "english": "en", "английский": "en"}
FIELDS = [
    FieldSpec(
        "username", "text", label("Username", "Логин"), ("login", "пользователь", "user"), False, 64
    ),
    FieldSpec(
        "email",
        "text",
        label("Email", "Эл. почта"),
        ("e mail", "почта", "электронная почта"),
        False,
        254,
    ),
    FieldSpec(
        "phone", "text", label("Phone", "Телефон"), ("тел", "мобильный", "mobile"), False, 32
    ),
    FieldSpec(
        "display_name",
        "text",
        label("Name", "ФИО"),
        ("имя", "full name", "клиент", "покупатель", "наименование"),
        True,
        200,
    ),
    FieldSpec("telegram_id", "integer", label("Telegram id", "Telegram id"), ("telegram",)),
    FieldSpec("locale", "enum", label("Language", "Язык"), ("locale",), False, None, LOCALES),
    FieldSpec("unit", "text", label("Department", "Подразделение"), ("отдел", "unit")),
]
TRACKED = ("username", "email", "phone", "display_name", "telegram_id", "locale", "unit_id")
INSERT_COLUMNS: tuple[str, ...] = (
    *TRACKED,
    "role",
    "status",
    "failed_logins",
    "search_text",
    "version",
)
INSERT_COLUMNS += ("created_at", "updated_at")
UPDATE_COLUMNS = (*TRACKED, "search_text", "version", "updated_at")


class UsersTarget(Target):
    name: ClassVar[str] = "users"
    keys: ClassVar[tuple[str, ...]] = ("username", "email", "phone")
    permission: ClassVar[Permission] = Permission.users_manage
    update_permission: ClassVar[Permission] = Permission.users_manage

    async def load(self) -> None:
        self.fields = list(FIELDS)
        self.units = await units_by_name(self.session)

    async def process(self, rows: list[ParsedRow], *, write: bool) -> ChunkResult:
        result = ChunkResult()
        key = self.key
        keys = list(dict.fromkeys(r.values[key] for r in rows if key in r.values))
        existing = await bulk.fetch_by_keys(
            self.session, USERS, key, keys, (*TRACKED, "version", "role")
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        seen: set[Any] = set()
        now = utcnow()
        for row in rows:
            value = row.values.get(key)
            column = row.columns.get(key, key)
            if value is None:
                result.rejected.append(Rejection.of(row.number, column, None, "import.required"))
                continue
            if value in seen:
                result.rejected.append(
                    Rejection.of(row.number, column, value, "import.key_repeated")
                )
                continue
            seen.add(value)
            old = existing.get(value)
            if old is not None and (self.options.mode != "upsert" or old["role"] != "customer"):
                if self.options.mode == "skip":
                    result.skipped += 1
                else:
                    reason = (
                        "import.key_exists"
                        if self.options.mode == "insert"
                        else "import.not_a_customer"
                    )
                    result.rejected.append(Rejection.of(row.number, column, value, reason))
                continue
            values: dict[str, Any] = {k: old[k] if old else None for k in TRACKED}
            if old is None:
                values["locale"] = "ru"
            values.update({k: v for k, v in row.values.items() if k in TRACKED})
            if "unit" in row.values:
                values["unit_id"] = self.units.get(normalise(row.values["unit"]))
                if values["unit_id"] is None:
                    result.rejected.append(
                        Rejection.of(
                            row.number,
                            row.columns["unit"],
                            row.values["unit"],
                            "import.ref_not_found",
                        )
                    )
                    continue
            text = search_text(
                values["username"],
                values["email"],
                values["display_name"],
                values["phone"],
                values["telegram_id"],
            )
            if old is None:
                result.created += 1
                inserts.append(
                    (*(values[k] for k in TRACKED), "customer", "active", 0, text, 1, now, now)
                )
                continue
            changed = diff({k: old[k] for k in TRACKED}, values)
            if not changed:
                result.unchanged += 1
                continue
            result.updated += 1
            updates.append(
                (old["id"], *(values[k] for k in TRACKED), text, old["version"] + 1, now)
            )
            changes.extend(change_rows("user", old["id"], changed, self.principal, "import", now))
        if write:
            await bulk.insert_rows(self.session, USERS, INSERT_COLUMNS, inserts)
            await bulk.update_rows(self.session, USERS, UPDATE_COLUMNS, updates)
            await write_changes(self.session, changes)
        return result
