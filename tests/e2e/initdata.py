"""Build Mini App initData the way Telegram signs it, for tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

BOT_TOKEN = "123456789:AAE2e-test-token_for-the-mini-app-0123"  # noqa: S105


def sign_init_data(
    user: dict[str, Any],
    *,
    bot_token: str = BOT_TOKEN,
    auth_date: int | None = None,
    **extra: str,
) -> str:
    """A query string with `user`, `auth_date`, `extra` fields and a valid `hash`."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(time.time()) if auth_date is None else auth_date),
        **extra,
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def tamper(init_data: str, **changes: Any) -> str:
    """The same initData (and its old hash) with some fields changed."""
    fields = dict(parse_qsl(init_data))
    for key, value in changes.items():
        fields[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return urlencode(fields)
