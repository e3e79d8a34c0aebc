"""The message catalogue shared by errors and notifications."""

from orderdesk.core.i18n import register

register(
    {
        # generic problems
        "problem.bad_request": {"en": "Bad request", "ru": "Некорректный запрос"},
        "problem.validation": {"en": "Validation failed", "ru": "Ошибка проверки данных"},
        "problem.validation.detail": {
            "en": "{count} field(s) are invalid.",
            "ru": "Некорректных полей: {count}.",
        },
        "problem.unauthorized": {"en": "Not authenticated", "ru": "Требуется вход"},
        "problem.forbidden": {"en": "Forbidden", "ru": "Доступ запрещён"},
        "problem.not_found": {"en": "Not found", "ru": "Не найдено"},
        "problem.method_not_allowed": {"en": "Method not allowed", "ru": "Метод не разрешён"},
        "problem.conflict": {"en": "Conflict", "ru": "Конфликт"},
        "problem.precondition_failed": {
            "en": "Precondition failed",
            "ru": "Условие запроса не выполнено",
        },
        "problem.precondition_required": {
            "en": "Precondition required",
            "ru": "Требуется условие запроса",
        },
        "problem.too_large": {"en": "Request body too large", "ru": "Слишком большой запрос"},
        "problem.too_large.detail": {
            "en": "The request body exceeds {limit} bytes.",
            "ru": "Тело запроса больше {limit} байт.",
        },
        "problem.unsupported_media_type": {
            "en": "Unsupported media type",
            "ru": "Неподдерживаемый тип данных",
        },
        "problem.rate_limited": {"en": "Too many requests", "ru": "Слишком много запросов"},
        "problem.rate_limited.detail": {
            "en": "Try again in {seconds} s.",
            "ru": "Повторите через {seconds} с.",
        },
        "problem.locked": {"en": "Account locked", "ru": "Учётная запись заблокирована"},
        "problem.internal": {"en": "Internal server error", "ru": "Внутренняя ошибка сервера"},
        "problem.internal.detail": {
            "en": "Something went wrong on our side; the request id identifies it in the logs.",
            "ru": "Ошибка на стороне сервера; идентификатор запроса поможет найти её в журнале.",
        },
        "problem.unavailable": {"en": "Service unavailable", "ru": "Сервис недоступен"},
        # field-level validation messages (pydantic error types)
        "field.missing": {"en": "Field required", "ru": "Обязательное поле"},
        "field.extra_forbidden": {"en": "Unknown field", "ru": "Неизвестное поле"},
        "field.int_parsing": {"en": "Must be an integer", "ru": "Должно быть целым числом"},
        "field.int_type": {"en": "Must be an integer", "ru": "Должно быть целым числом"},
        "field.decimal_parsing": {"en": "Must be a number", "ru": "Должно быть числом"},
        "field.decimal_type": {"en": "Must be a number", "ru": "Должно быть числом"},
        "field.float_parsing": {"en": "Must be a number", "ru": "Должно быть числом"},
        "field.string_type": {"en": "Must be a string", "ru": "Должно быть строкой"},
        "field.bool_parsing": {"en": "Must be true or false", "ru": "Должно быть true или false"},
        "field.string_too_short": {"en": "Too short", "ru": "Слишком короткое значение"},
        "field.string_too_long": {"en": "Too long", "ru": "Слишком длинное значение"},
        "field.greater_than": {
            "en": "Must be greater than {limit}",
            "ru": "Должно быть больше {limit}",
        },
        "field.greater_than_equal": {
            "en": "Must be at least {limit}",
            "ru": "Должно быть не меньше {limit}",
        },
        "field.less_than": {"en": "Must be less than {limit}", "ru": "Должно быть меньше {limit}"},
        "field.less_than_equal": {
            "en": "Must be at most {limit}",
            "ru": "Должно быть не больше {limit}",
        },
        "field.enum": {"en": "Must be one of: {choices}", "ru": "Допустимые значения: {choices}"},
        "field.literal_error": {
            "en": "Must be one of: {choices}",
            "ru": "Допустимые значения: {choices}",
        },
        "field.decimal_max_places": {
            "en": "Too many decimal places",
            "ru": "Слишком много знаков после запятой",
        },
        "field.decimal_max_digits": {"en": "Too many digits", "ru": "Слишком много цифр"},
        "field.json_invalid": {"en": "Malformed JSON", "ru": "Некорректный JSON"},
        "field.datetime_parsing": {
            "en": "Must be a date and time",
            "ru": "Должно быть датой и временем",
        },
        "field.datetime_from_date_parsing": {
            "en": "Must be a date and time",
            "ru": "Должно быть датой и временем",
        },
        "field.date_parsing": {"en": "Must be a date", "ru": "Должно быть датой"},
        "field.list_type": {"en": "Must be a list", "ru": "Должно быть списком"},
        "field.too_short": {"en": "Too few elements", "ru": "Слишком мало элементов"},
        "field.too_long": {"en": "Too many elements", "ru": "Слишком много элементов"},
        "field.dict_type": {"en": "Must be an object", "ru": "Должно быть объектом"},
        "field.model_attributes_type": {"en": "Must be an object", "ru": "Должно быть объектом"},
        "field.string_pattern_mismatch": {
            "en": "Has an invalid format",
            "ru": "Неверный формат",
        },
        "field.value_error": {"en": "Invalid value", "ru": "Недопустимое значение"},
        "field.invalid": {"en": "Invalid value", "ru": "Недопустимое значение"},
    }
)

register(
    {
        "http.if_match_invalid": {
            "en": "If-Match must be an ETag given by this API.",
            "ru": "If-Match должен содержать ETag, выданный этим API.",
        },
        "http.stale_version": {
            "en": "The record changed since you read it (your version {expected}, now {current}).",
            "ru": "Запись изменилась после чтения (ваша версия {expected}, текущая {current}).",
        },
        "http.idempotency_mismatch": {
            "en": "This Idempotency-Key was used for a different request.",
            "ru": "Этот Idempotency-Key уже использован для другого запроса.",
        },
        "http.idempotency_in_progress": {
            "en": "A request with this Idempotency-Key is being processed; retry shortly.",
            "ru": "Запрос с этим Idempotency-Key уже выполняется; повторите позже.",
        },
    }
)
