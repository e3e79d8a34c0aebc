"""Import texts in Russian and English: row rejections, errors, report headers."""

from orderdesk.core.i18n import register

register(
    {
        # why a row was rejected (shown in the preview and the error report)
        "import.too_long": {
            "en": "Longer than {limit} characters",
            "ru": "Длиннее {limit} символов",
        },
        "import.not_a_number": {"en": "Not a number", "ru": "Не число"},
        "import.number_too_large": {"en": "The number is too large", "ru": "Слишком большое число"},
        "import.not_an_integer": {"en": "Not a whole number", "ru": "Не целое число"},
        "import.not_a_date": {
            "en": "Not a date (e.g. 31.12.2024)",
            "ru": "Не дата (например, 31.12.2024)",
        },
        "import.not_a_datetime": {
            "en": "Not a date and time (e.g. 31.12.2024 14:30)",
            "ru": "Не дата и время (например, 31.12.2024 14:30)",
        },
        "import.not_a_boolean": {"en": "Expected yes or no", "ru": "Ожидается «да» или «нет»"},
        "import.not_a_choice": {
            "en": "Unknown value; expected one of: {choices}",
            "ru": "Неизвестное значение; допустимо: {choices}",
        },
        "import.required": {"en": "A value is required", "ru": "Нужно значение"},
        "import.key_exists": {
            "en": "A record with this key already exists",
            "ru": "Запись с таким ключом уже есть",
        },
        "import.key_repeated": {
            "en": "This key already appeared earlier in the file",
            "ru": "Этот ключ уже встречался выше в файле",
        },
        "import.ref_not_found": {"en": "Not found", "ru": "Не найдено"},
        "import.not_your_unit": {
            "en": "Outside your department",
            "ru": "Вне вашего подразделения",
        },
        "import.not_editable": {
            "en": "The order cannot be changed in status {status}",
            "ru": "Заказ нельзя менять в статусе {status}",
        },
        "import.transition_not_allowed": {
            "en": "The workflow has no move from {from_status} to {to}",
            "ru": "Процесс не допускает перехода из {from_status} в {to}",
        },
        "import.transition_role": {
            "en": "Your role may not move an order from {from_status} to {to}",
            "ru": "Ваша роль не может переводить заказ из {from_status} в {to}",
        },
        "import.transition_needs_api": {
            "en": "The move from {from_status} to {to} changes stock or needs a comment: "
            "make it on the order itself",
            "ru": "Переход из {from_status} в {to} меняет остатки или требует комментария: "
            "выполните его в самом заказе",
        },
        "import.not_a_customer": {
            "en": "This user is not a customer; only customers are imported",
            "ru": "Это не клиент; импортируются только клиенты",
        },
        "import.quantity_positive": {
            "en": "The quantity must be positive",
            "ru": "Количество должно быть больше нуля",
        },
        "import.line_needs_price": {
            "en": "No price: give a price or amount, or an SKU from the catalog",
            "ru": "Нет цены: укажите цену или сумму либо артикул из каталога",
        },
        "import.amount_mismatch": {
            "en": "The amount differs from quantity × price ({computed})",
            "ru": "Сумма не равна количеству × цену ({computed})",
        },
        # field errors of options and mappings
        "field.import_unknown_field": {"en": "No such field", "ru": "Нет такого поля"},
        "field.import_unknown_column": {
            "en": "The file has no column «{column}»",
            "ru": "В файле нет колонки «{column}»",
        },
        "field.import_type_not_found": {
            "en": "Unknown type «{type_code}»",
            "ru": "Неизвестный тип «{type_code}»",
        },
        "field.import_key_invalid": {
            "en": "The key must be one of: {keys}",
            "ru": "Ключ должен быть одним из: {keys}",
        },
        "field.import_field_unmapped": {
            "en": "Map a column to this field",
            "ru": "Сопоставьте этому полю колонку",
        },
        "field.import_profile_not_found": {
            "en": "No such import profile",
            "ru": "Нет такого профиля импорта",
        },
        # problems
        "import.not_found": {"en": "Import {id} not found.", "ru": "Импорт {id} не найден."},
        "import.forbidden": {
            "en": "You may not import data.",
            "ru": "Вам нельзя импортировать данные.",
        },
        "import.in_progress": {
            "en": "The import is already {status}.",
            "ru": "Импорт уже выполняется ({status}).",
        },
        "import.already_committed": {
            "en": "This import was already committed; upload the file again to repeat it.",
            "ru": "Этот импорт уже выполнен; чтобы повторить, загрузите файл снова.",
        },
        "import.not_started": {
            "en": "The import has not been started.",
            "ru": "Импорт не запускался.",
        },
        "import.rejected": {
            "en": "{count} row(s) rejected; nothing was imported. See the error report.",
            "ru": "Отклонено строк: {count}; ничего не импортировано. См. отчёт об ошибках.",
        },
        "import.conflict": {
            "en": "A value in the file clashes with an existing record; "
            "nothing was imported: {detail}",
            "ru": "Значение из файла совпадает с уже существующей записью; "
            "ничего не импортировано: {detail}",
        },
        "import.duplicate": {
            "en": "The same file was already uploaded as import {id} on {date}.",
            "ru": "Этот же файл уже загружался: импорт {id} от {date}.",
        },
        "import.file_missing": {
            "en": "The uploaded file is no longer stored.",
            "ru": "Загруженный файл больше не хранится.",
        },
        "import.no_sheet": {
            "en": "The file has no sheet {sheet}.",
            "ru": "В файле нет листа {sheet}.",
        },
        "import.no_rows": {"en": "The file has no rows.", "ru": "В файле нет строк."},
        "import.no_report": {
            "en": "Import {id} has no error report.",
            "ru": "У импорта {id} нет отчёта об ошибках.",
        },
        "import.profile_not_found": {
            "en": "Import profile {id} not found.",
            "ru": "Профиль импорта {id} не найден.",
        },
        # the error report
        "import.report.row": {"en": "Row", "ru": "Строка"},
        "import.report.column": {"en": "Column", "ru": "Колонка"},
        "import.report.value": {"en": "Value", "ru": "Значение"},
        "import.report.reason": {"en": "Reason", "ru": "Причина"},
        "import.report.sheet": {"en": "Errors", "ru": "Ошибки"},
    }
)
