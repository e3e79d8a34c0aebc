"""Transfer texts in Russian and English: format detection, decoding and reading of text formats.

Other parts of transfer register theirs in `messages_<area>.py`; this module holds the titles
of the shared reader errors and the messages of detection and the text, JSON and XML readers.
"""

from orderdesk.core.i18n import register

register(
    {
        "transfer.unreadable": {"en": "The file cannot be read", "ru": "Файл не удаётся прочитать"},
        "transfer.unsupported": {
            "en": "Unsupported file format",
            "ru": "Формат файла не поддерживается",
        },
        "transfer.too_large": {
            "en": "The file exceeds a limit",
            "ru": "Файл превышает ограничение",
        },
        "transfer.format_unsupported": {
            "en": "Files of format {format} cannot be imported.",
            "ru": "Файлы формата {format} нельзя импортировать.",
        },
        "transfer.unknown_binary": {
            "en": "The content of {filename} is not a format orderdesk can import.",
            "ru": "Содержимое {filename} не относится ни к одному формату, "
            "который можно импортировать.",
        },
        "transfer.file_too_large": {
            "en": "The file is larger than {limit} bytes.",
            "ru": "Файл больше {limit} байт.",
        },
        "transfer.damaged_container": {
            "en": "{filename} looks like a {format} container but is damaged or truncated.",
            "ru": "{filename} похож на контейнер {format}, но повреждён или обрезан.",
        },
        "transfer.empty_file": {
            "en": "The file {filename} is empty.",
            "ru": "Файл {filename} пуст.",
        },
        "transfer.format_mismatch": {
            "en": "The file is named .{extension} but its content is {detected}; "
            "read as {detected}.",
            "ru": "Файл назван .{extension}, но по содержимому это {detected}; "
            "прочитан как {detected}.",
        },
        "transfer.encoding_unknown": {
            "en": "The text encoding of {filename} could not be determined (tried UTF-8, UTF-16, "
            "Windows-1251, KOI8-R). Save the file as UTF-8 and try again.",
            "ru": "Не удалось определить кодировку {filename} (проверены UTF-8, UTF-16, "
            "Windows-1251, KOI8-R). Сохраните файл в UTF-8 и повторите.",
        },
        "transfer.encoding_invalid": {
            "en": "The file is not valid {encoding}: byte {offset} (line {line}) "
            "cannot be decoded.",
            "ru": "Файл не соответствует кодировке {encoding}: байт {offset} (строка {line}) "
            "не удаётся декодировать.",
        },
        "transfer.line_too_long": {
            "en": "Line {line} is longer than {limit} characters.",
            "ru": "Строка {line} длиннее {limit} символов.",
        },
        "transfer.cell_too_long": {
            "en": "Row {row}, column {column}: the value is longer than {limit} characters.",
            "ru": "Строка {row}, столбец {column}: значение длиннее {limit} символов.",
        },
        "transfer.too_many_rows": {
            "en": "The file has more than {limit} rows.",
            "ru": "В файле больше {limit} строк.",
        },
        "transfer.too_many_columns": {
            "en": "Row {row} has more than {limit} columns.",
            "ru": "В строке {row} больше {limit} столбцов.",
        },
        "transfer.nul_character": {
            "en": "Line {line} contains a NUL character: the file looks binary or damaged.",
            "ru": "Строка {line} содержит символ NUL: файл похож на двоичный или повреждён.",
        },
        "transfer.csv_malformed": {
            "en": "Row {row} cannot be read as CSV: {reason}.",
            "ru": "Строку {row} не удаётся прочитать как CSV: {reason}.",
        },
        "transfer.json_invalid": {
            "en": "The JSON is invalid or truncated near record {record}: {reason}",
            "ru": "JSON повреждён или обрезан около записи {record}: {reason}",
        },
        "transfer.ndjson_invalid": {
            "en": "Line {line} is not a valid JSON object: {reason}",
            "ru": "Строка {line} не является корректным объектом JSON: {reason}",
        },
        "transfer.json_no_records": {
            "en": "The JSON holds no list of records (objects).",
            "ru": "В JSON нет списка записей (объектов).",
        },
        "transfer.too_deep": {
            "en": "The data is nested deeper than {limit} levels (near {where}).",
            "ru": "Вложенность данных глубже {limit} уровней (около {where}).",
        },
        "transfer.xml_invalid": {
            "en": "The XML is invalid or truncated at line {line}: {reason}",
            "ru": "XML повреждён или обрезан в строке {line}: {reason}",
        },
        "transfer.xml_doctype": {
            "en": "XML with a DOCTYPE (DTD, entities) is not accepted: it can hide entity bombs "
            "and references to other files.",
            "ru": "XML с DOCTYPE (DTD, сущностями) не принимается: так скрывают «бомбы» сущностей "
            "и ссылки на чужие файлы.",
        },
        "transfer.xml_no_records": {
            "en": "No repeating record element was found in the XML.",
            "ru": "В XML не найден повторяющийся элемент-запись.",
        },
        "transfer.value.decimal": {"en": "“{value}” is not a number", "ru": "«{value}» — не число"},
        "transfer.value.integer": {
            "en": "“{value}” is not a whole number",
            "ru": "«{value}» — не целое число",
        },
        "transfer.value.boolean": {
            "en": "“{value}” is not yes or no",
            "ru": "«{value}» — не «да» и не «нет»",
        },
        "transfer.value.date": {"en": "“{value}” is not a date", "ru": "«{value}» — не дата"},
        "transfer.value.datetime": {
            "en": "“{value}” is not a date and time",
            "ru": "«{value}» — не дата и время",
        },
        "transfer.xml_record_missing": {
            "en": "The XML has no element <{record}>.",
            "ru": "В XML нет элемента <{record}>.",
        },
    }
)
