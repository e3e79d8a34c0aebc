"""Reconciliation texts in Russian and English."""

from orderdesk.core.i18n import register

RULE_NOT_FOUND = "reconciliation.rule_not_found"
RULE_EXISTS = "reconciliation.rule_exists"
RUN_NOT_FOUND = "reconciliation.run_not_found"
RUN_BUSY = "reconciliation.run_busy"
NO_UNIT = "reconciliation.no_unit"
BAD_PERIOD = "field.reconciliation_period"

register(
    {
        RULE_NOT_FOUND: {
            "en": "Reconciliation rule {code} not found.",
            "ru": "Правило сверки {code} не найдено.",
        },
        RULE_EXISTS: {
            "en": "A reconciliation rule {code} already exists.",
            "ru": "Правило сверки {code} уже существует.",
        },
        RUN_NOT_FOUND: {
            "en": "Reconciliation {id} not found.",
            "ru": "Сверка {id} не найдена.",
        },
        RUN_BUSY: {
            "en": "Reconciliation {id} of this period is still running (job {job_id}).",
            "ru": "Сверка {id} за этот период ещё выполняется (задача {job_id}).",
        },
        NO_UNIT: {
            "en": "Staff reconcile their own unit's orders, but this user has no unit.",
            "ru": "Сотрудник сверяет заказы своего подразделения, но подразделение не указано.",
        },
        BAD_PERIOD: {
            "en": "The period must end after it starts and last at most {days} days",
            "ru": "Период должен заканчиваться позже начала и длиться не более {days} дн.",
        },
        "field.unknown_order_type": {
            "en": "No order type with this code",
            "ru": "Нет типа заказов с таким кодом",
        },
        "reconciliation.status.matched": {"en": "Matched", "ru": "Сверено"},
        "reconciliation.status.amount_mismatch": {
            "en": "Amount mismatch",
            "ru": "Расхождение суммы",
        },
        "reconciliation.status.only_in_A": {"en": "Only in A", "ru": "Только в A"},
        "reconciliation.status.only_in_B": {"en": "Only in B", "ru": "Только в B"},
        "reconciliation.status.ambiguous": {"en": "Ambiguous", "ru": "Неоднозначно"},
        "reconciliation.column.key": {"en": "Key", "ru": "Ключ"},
        "reconciliation.column.status": {"en": "Status", "ru": "Статус"},
        "reconciliation.column.number_a": {"en": "Number A", "ru": "Номер A"},
        "reconciliation.column.time_a": {"en": "Time A", "ru": "Время A"},
        "reconciliation.column.amount_a": {"en": "Amount A", "ru": "Сумма A"},
        "reconciliation.column.number_b": {"en": "Number B", "ru": "Номер B"},
        "reconciliation.column.time_b": {"en": "Time B", "ru": "Время B"},
        "reconciliation.column.amount_b": {"en": "Amount B", "ru": "Сумма B"},
        "reconciliation.column.difference": {"en": "Difference (B − A)", "ru": "Разница (B − A)"},
        "reconciliation.column.seconds": {"en": "Time gap, s", "ru": "Разница во времени, с"},
        "reconciliation.column.candidates": {"en": "Candidates", "ru": "Кандидатов"},
        "reconciliation.sheet": {"en": "Reconciliation", "ru": "Сверка"},
    }
)
