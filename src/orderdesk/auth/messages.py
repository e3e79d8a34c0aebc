"""Auth texts in Russian and English."""

from orderdesk.core.i18n import register

register(
    {
        "auth.token_missing": {
            "en": "An access token is required (Authorization: Bearer …).",
            "ru": "Нужен токен доступа (Authorization: Bearer …).",
        },
        "auth.login_link_invalid": {
            "en": "This login link is invalid, already used or expired; ask the bot for a new one.",
            "ru": "Ссылка для входа недействительна, уже использована или истекла; "
            "запросите новую у бота.",
        },
        "auth.token_invalid": {
            "en": "The access token is invalid or expired.",
            "ru": "Токен доступа недействителен или истёк.",
        },
        "auth.session_ended": {
            "en": "This session has ended; log in again.",
            "ru": "Сеанс завершён; войдите снова.",
        },
        "auth.bad_credentials": {
            "en": "Wrong username or password.",
            "ru": "Неверное имя пользователя или пароль.",
        },
        "auth.locked": {
            "en": "Too many failed logins; the account is locked for {minutes} min.",
            "ru": "Слишком много неудачных попыток; вход заблокирован на {minutes} мин.",
        },
        "auth.not_active": {
            "en": "The account is {status}; an administrator must approve it.",
            "ru": "Учётная запись в состоянии «{status}»; нужно одобрение администратора.",
        },
        "auth.refresh_invalid": {
            "en": "The refresh token is invalid or expired.",
            "ru": "Токен обновления недействителен или истёк.",
        },
        "auth.refresh_reused": {
            "en": "This refresh token was already used; the session is revoked for safety.",
            "ru": "Токен обновления уже использован; сеанс отозван в целях безопасности.",
        },
        "auth.wrong_password": {
            "en": "The current password is wrong.",
            "ru": "Текущий пароль указан неверно.",
        },
        "auth.permission": {
            "en": "Your role ({role}) may not do this.",
            "ru": "Ваша роль ({role}) не позволяет это действие.",
        },
        "field.password_too_short": {
            "en": "At least {limit} characters",
            "ru": "Не короче {limit} символов",
        },
        "field.password_common": {
            "en": "This password is too common",
            "ru": "Слишком распространённый пароль",
        },
        "field.password_contains_username": {
            "en": "The password must not contain the username",
            "ru": "Пароль не должен содержать имя пользователя",
        },
        "field.taken": {"en": "Already taken", "ru": "Уже занято"},
        "field.not_found": {"en": "Does not exist", "ru": "Не существует"},
        "user.not_found": {"en": "User {id} not found.", "ru": "Пользователь {id} не найден."},
        "user.conflict": {
            "en": "A user with these details already exists.",
            "ru": "Такой пользователь уже существует.",
        },
        "user.ambiguous": {
            "en": "{user} is both one user's id and another's Telegram id: write id:{user} "
            "or tg:{user}.",
            "ru": "{user} — это и id одного пользователя, и Telegram id другого: укажите "
            "id:{user} или tg:{user}.",
        },
        "user.self_demote": {
            "en": "You cannot change your own role or block yourself.",
            "ru": "Нельзя менять свою роль или блокировать себя.",
        },
        "user.last_admin": {
            "en": "The last active administrator cannot be demoted or blocked.",
            "ru": "Нельзя понизить или заблокировать последнего администратора.",
        },
    }
)
