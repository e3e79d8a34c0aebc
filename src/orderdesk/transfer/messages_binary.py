"""Texts of the binary-format and archive readers, in Russian and English."""

from orderdesk.core.i18n import register

register(
    {
        "transfer.corrupt_file": {
            "en": "{name}: the file is damaged or is not a valid {format} file ({reason}).",
            "ru": "{name}: файл повреждён или не является файлом {format} ({reason}).",
        },
        "transfer.office_doctype": {
            "en": "{name}: part {part} declares a DTD; office files never need one, "
            "so it is refused.",
            "ru": "{name}: часть {part} содержит DTD; в офисных файлах её не бывает, "
            "файл отклонён.",
        },
        "transfer.too_many_members": {
            "en": "{name}: {count} entries inside, more than the limit of {limit}.",
            "ru": "{name}: внутри {count} элементов, больше допустимых {limit}.",
        },
        "transfer.unpacked_too_large": {
            "en": "{name}: unpacks to more than {limit} bytes ({member}).",
            "ru": "{name}: в распакованном виде больше {limit} байт ({member}).",
        },
        "transfer.compression_ratio": {
            "en": "{name}: {member} expands {ratio}× — more than the allowed {limit}× "
            "(a zip bomb?).",
            "ru": "{name}: {member} распаковывается в {ratio} раз — больше допустимых {limit} "
            "(zip-бомба?).",
        },
        "transfer.shared_strings": {
            "en": "{name}: {count} shared strings, more than the limit of {limit}.",
            "ru": "{name}: {count} общих строк, больше допустимых {limit}.",
        },
        "transfer.sheet_too_big": {
            "en": "{name}, sheet {sheet}: {rows} rows × {columns} columns is more than the limit "
            "({limit}); split the sheet or save it as CSV.",
            "ru": "{name}, лист {sheet}: {rows} строк × {columns} столбцов — больше допустимого "
            "({limit}); разделите лист или сохраните его в CSV.",
        },
        "transfer.sheet_too_many_rows": {
            "en": "{sheet}: more than {limit} rows.",
            "ru": "{sheet}: больше {limit} строк.",
        },
        "transfer.sheet_too_many_columns": {
            "en": "{sheet}, row {row}: {count} columns, more than the limit of {limit}.",
            "ru": "{sheet}, строка {row}: {count} столбцов, больше допустимых {limit}.",
        },
        "transfer.sheet_cell_too_long": {
            "en": "{sheet}, row {row}, column {column}: the value is longer than {limit} "
            "characters.",
            "ru": "{sheet}, строка {row}, столбец {column}: значение длиннее {limit} символов.",
        },
        "transfer.too_many_sheets": {
            "en": "{name}: more than {limit} sheets or tables.",
            "ru": "{name}: больше {limit} листов или таблиц.",
        },
        "transfer.parser_cpu": {
            "en": "{name}: reading took more than {seconds} s of processor time; the file is too "
            "complex or hostile.",
            "ru": "{name}: чтение заняло больше {seconds} с процессорного времени; файл слишком "
            "сложный или вредоносный.",
        },
        "transfer.parser_memory": {
            "en": "{name}: reading needs more than {limit} bytes of memory.",
            "ru": "{name}: для чтения нужно больше {limit} байт памяти.",
        },
        "transfer.parser_timeout": {
            "en": "{name}: reading did not finish in {seconds} s and was stopped.",
            "ru": "{name}: чтение не завершилось за {seconds} с и было остановлено.",
        },
        "transfer.parser_failed": {
            "en": "{name}: the reader failed ({reason}).",
            "ru": "{name}: не удалось прочитать файл ({reason}).",
        },
        "transfer.doc_needs_converter": {
            "en": "DOC import needs antiword (or catdoc, or LibreOffice) installed on the server; "
            "or save the file as DOCX.",
            "ru": "Для импорта DOC на сервере нужен antiword (или catdoc, или LibreOffice); "
            "либо сохраните файл в DOCX.",
        },
        "transfer.rar_needs_tool": {
            "en": "RAR import needs unrar, unar or bsdtar (libarchive-tools) installed on the "
            "server; or repack the archive as ZIP.",
            "ru": "Для импорта RAR на сервере нужен unrar, unar или bsdtar (libarchive-tools); "
            "либо перепакуйте архив в ZIP.",
        },
        "transfer.archive_too_deep": {
            "en": "{name}: archives nested deeper than {limit} levels.",
            "ru": "{name}: архивы вложены глубже {limit} уровней.",
        },
        "transfer.archive_overlap": {
            "en": "{name}: entries {member} and {other} share the same data (a zip bomb); "
            "the archive is refused.",
            "ru": "{name}: элементы {member} и {other} ссылаются на одни и те же данные "
            "(zip-бомба); архив отклонён.",
        },
        "transfer.member_unsafe_path": {
            "en": "{name}: entry {member} points outside the archive and was skipped.",
            "ru": "{name}: элемент {member} указывает за пределы архива и пропущен.",
        },
        "transfer.member_symlink": {
            "en": "{name}: entry {member} is a symbolic link and was skipped.",
            "ru": "{name}: элемент {member} — символическая ссылка, пропущен.",
        },
        "transfer.member_encrypted": {
            "en": "{name}: entry {member} is password-protected and was skipped.",
            "ru": "{name}: элемент {member} защищён паролем и пропущен.",
        },
        "transfer.member_unsupported": {
            "en": "{name}: entry {member} ({format}) is not a supported format and was skipped.",
            "ru": "{name}: элемент {member} ({format}) в неподдерживаемом формате, пропущен.",
        },
        "transfer.member_failed": {
            "en": "{name}: entry {member} could not be extracted ({reason}).",
            "ru": "{name}: элемент {member} не удалось извлечь ({reason}).",
        },
    }
)
