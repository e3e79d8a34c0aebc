"""File and attachment texts in Russian and English."""

from orderdesk.core.i18n import register

ATTACHMENT_NOT_FOUND = "attachment.not_found"

register(
    {
        ATTACHMENT_NOT_FOUND: {
            "en": "Attachment {id} not found.",
            "ru": "Вложение {id} не найдено.",
        },
        "attachment.content_missing": {
            "en": "The file of attachment {id} is missing from storage.",
            "ru": "Файл вложения {id} отсутствует в хранилище.",
        },
        "attachment.too_large": {
            "en": "The file exceeds {limit} bytes.",
            "ru": "Файл больше {limit} байт.",
        },
        "attachment.type_not_allowed": {
            "en": "Files of this type are not accepted (detected: {detected}).",
            "ru": "Файлы этого типа не принимаются (определено: {detected}).",
        },
        "attachment.type_unknown": {
            "en": "The file type could not be recognised or is not accepted.",
            "ru": "Тип файла не распознан или не принимается.",
        },
        "attachment.extension_mismatch": {
            "en": "The file is named .{extension} but its content is {detected}.",
            "ru": "У файла расширение .{extension}, но по содержимому это {detected}.",
        },
        "attachment.empty": {"en": "The file is empty.", "ru": "Файл пустой."},
        "attachment.order_not_editable": {
            "en": "Customers can attach files only while the order can be edited.",
            "ru": "Клиент может прикладывать файлы, только пока заказ можно редактировать.",
        },
        "attachment.not_yours": {
            "en": "You can change only the files you uploaded.",
            "ru": "Изменять можно только загруженные вами файлы.",
        },
        "attachment.current_conflict": {
            "en": "Another file became current at the same time; try again.",
            "ru": "Другой файл одновременно стал текущим; повторите попытку.",
        },
        "problem.unsupported_media_type.detail": {
            "en": "The content type is not accepted.",
            "ru": "Тип содержимого не принимается.",
        },
    }
)
