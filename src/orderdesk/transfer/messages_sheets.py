"""Texts of multi-sheet imports (skipped sheets and members) and the extra parser guards."""

from orderdesk.core.i18n import register

register(
    {
        "transfer.member_empty": {
            "en": "{name}: entry {member} is empty and was skipped.",
            "ru": "{name}: элемент {member} пуст и пропущен.",
        },
        "import.sheet_empty": {
            "en": "No rows",
            "ru": "Нет строк",
        },
        "import.sheet_unmapped": {
            "en": "The header does not map: no column for {fields}",
            "ru": "Заголовок не сопоставлен: нет колонки для {fields}",
        },
        "import.sheet_columns_missing": {
            "en": "The mapped columns are not on this sheet (fields: {fields})",
            "ru": "На этом листе нет колонок из сопоставления (поля: {fields})",
        },
        "import.sheet_not_checked": {
            "en": "Not among the sheets checked when the import was committed",
            "ru": "Не входил в листы, проверенные при запуске импорта",
        },
        "field.import_sheet_unlisted": {
            "en": "No sheet of the file is named here: {sheet}",
            "ru": "Здесь не указан ни один лист файла: {sheet}",
        },
        "import.report.source": {"en": "Sheet", "ru": "Лист"},
    }
)
