"""Texts a WebSocket client reads (close reasons, errors), in Russian and English.

Close reasons must fit in 123 bytes of UTF-8, so they are short.
"""

from orderdesk.core.i18n import register

register(
    {
        "ws.token_invalid": {
            "en": "Invalid or expired access token",
            "ru": "Токен доступа недействителен",
        },
        "ws.session_expired": {"en": "Access token expired", "ru": "Срок токена истёк"},
        "ws.session_ended": {
            "en": "This login session has ended",
            "ru": "Сеанс входа завершён",
        },
        "ws.auth_timeout": {
            "en": "No access token given in time",
            "ru": "Токен не получен вовремя",
        },
        "ws.heartbeat_timeout": {"en": "No answer to ping", "ru": "Нет ответа на ping"},
        "ws.too_slow": {
            "en": "Client too slow; reconnect with last_event_id",
            "ru": "Клиент не успевает; переподключитесь с last_event_id",
        },
        "ws.shutdown": {"en": "Server is restarting", "ru": "Сервер перезапускается"},
        "ws.bad_message": {
            "en": "Unreadable message: expected a JSON object with a known type",
            "ru": "Непонятное сообщение: ожидается JSON-объект с известным type",
        },
        "ws.topic_forbidden": {
            "en": "Unknown topic or not allowed: {topic}",
            "ru": "Неизвестная или недоступная тема: {topic}",
        },
        "ws.too_many_topics": {
            "en": "Too many topics (at most {limit})",
            "ru": "Слишком много тем (не больше {limit})",
        },
        "ws.user_changed": {
            "en": "A new token must belong to the same user",
            "ru": "Новый токен должен принадлежать тому же пользователю",
        },
    }
)
