"""Export texts in Russian and English: errors, column labels, titles and file names."""

from orderdesk.core.i18n import register

EXPORT_NOT_FOUND = "export.not_found"
EXPORT_NOT_READY = "export.not_ready"
EXPORT_FILE_GONE = "export.file_gone"
EXPORT_PDF_TOO_MANY = "export.pdf_too_many_rows"
EXPORT_TYPE_UNKNOWN = "export.type_unknown"

register(
    {
        EXPORT_NOT_FOUND: {
            "en": "Export {id} not found.",
            "ru": "Выгрузка {id} не найдена.",
        },
        EXPORT_NOT_READY: {
            "en": "Export {id} is not ready: its job is {status}.",
            "ru": "Выгрузка {id} ещё не готова: задача в состоянии {status}.",
        },
        EXPORT_FILE_GONE: {
            "en": "The file of export {id} is no longer stored; run the export again.",
            "ru": "Файл выгрузки {id} больше не хранится; запустите выгрузку заново.",
        },
        EXPORT_PDF_TOO_MANY: {
            "en": "{rows} rows are too many for a readable PDF (at most {limit}); "
            "narrow the filters or export XLSX or CSV.",
            "ru": "{rows} строк слишком много для читаемого PDF (не более {limit}); "
            "сузьте фильтры или выгрузите XLSX или CSV.",
        },
        EXPORT_TYPE_UNKNOWN: {
            "en": "No {target} type with the code {code!r}.",
            "ru": "Нет типа {target} с кодом {code!r}.",
        },
        "field.export_column": {
            "en": "Unknown column {name}; known: {choices}",
            "ru": "Неизвестная колонка {name}; доступны: {choices}",
        },
        "field.export_delimiter": {
            "en": "Delimiter must be one of , ; | or tab",
            "ru": "Разделитель должен быть одним из , ; | или табуляцией",
        },
        "export.title.items": {"en": "Items", "ru": "Позиции"},
        "export.title.orders": {"en": "Orders", "ru": "Заказы"},
        "export.file.items": {"en": "items", "ru": "позиции"},
        "export.file.orders": {"en": "orders", "ru": "заказы"},
        "export.generated": {
            "en": "{rows} rows, exported {at} UTC",
            "ru": "Строк: {rows}, выгружено {at} UTC",
        },
        "export.page": {"en": "Page {page} of {pages}", "ru": "Страница {page} из {pages}"},
    }
)

# One label per column key (attribute columns take their labels from the type's schema).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "sku": {"en": "SKU", "ru": "Артикул"},
    "name": {"en": "Name", "ru": "Наименование"},
    "type": {"en": "Type", "ru": "Тип"},
    "category": {"en": "Category", "ru": "Категория"},
    "unit": {"en": "Unit", "ru": "Подразделение"},
    "measure_unit": {"en": "Measure unit", "ru": "Ед. изм."},
    "price": {"en": "Price", "ru": "Цена"},
    "currency": {"en": "Currency", "ru": "Валюта"},
    "stock": {"en": "Stock", "ru": "Остаток"},
    "status": {"en": "Status", "ru": "Статус"},
    "tags": {"en": "Tags", "ru": "Метки"},
    "description": {"en": "Description", "ru": "Описание"},
    "archived_at": {"en": "Archived at", "ru": "В архиве с"},
    "archive_reason": {"en": "Archive reason", "ru": "Причина архивации"},
    "created_at": {"en": "Created at", "ru": "Создано"},
    "updated_at": {"en": "Updated at", "ru": "Изменено"},
    "number": {"en": "Number", "ru": "Номер"},
    "channel": {"en": "Channel", "ru": "Канал"},
    "customer": {"en": "Customer", "ru": "Клиент"},
    "customer_name": {"en": "Customer name", "ru": "Имя клиента"},
    "external_source": {"en": "External source", "ru": "Внешний источник"},
    "external_ref": {"en": "External reference", "ru": "Внешний номер"},
    "subtotal": {"en": "Subtotal", "ru": "Сумма без НДС"},
    "vat_amount": {"en": "VAT", "ru": "НДС"},
    "total": {"en": "Total", "ru": "Итого"},
    "note": {"en": "Note", "ru": "Примечание"},
    "starts_at": {"en": "Starts at", "ru": "Начало"},
    "ends_at": {"en": "Ends at", "ru": "Окончание"},
    "line.position": {"en": "Line", "ru": "Строка"},
    "line.sku": {"en": "Line SKU", "ru": "Артикул строки"},
    "line.name": {"en": "Line name", "ru": "Наименование строки"},
    "line.measure_unit": {"en": "Line measure unit", "ru": "Ед. изм. строки"},
    "line.quantity": {"en": "Quantity", "ru": "Количество"},
    "line.unit_price": {"en": "Unit price", "ru": "Цена за единицу"},
    "line.coefficient": {"en": "Coefficient", "ru": "Коэффициент"},
    "line.amount": {"en": "Amount", "ru": "Сумма строки"},
}
register({f"export.column.{key}": labels for key, labels in COLUMN_LABELS.items()})
