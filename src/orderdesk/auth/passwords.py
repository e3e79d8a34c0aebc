"""Password hashing (argon2) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from orderdesk.auth import messages  # noqa: F401  (policy texts, also for the CLI)
from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.settings import Settings

# A constant hash to verify against when the user does not exist, so timing reveals nothing.
_DUMMY_PASSWORD = "orderdesk-dummy-password-for-timing"  # noqa: S105


class Passwords:
    """Hash and verify passwords with the configured argon2 cost."""

    def __init__(self, settings: Settings) -> None:
        hasher = Argon2Hasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost_kib,
            parallelism=1,
        )
        self._hash = PasswordHash((hasher,))
        self._dummy = self._hash.hash(_DUMMY_PASSWORD)
        self.min_length = settings.password_min_length

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, password_hash: str | None) -> bool:
        """True if the password matches; spends the same time when there is no hash."""
        if password_hash is None:
            self._hash.verify(password, self._dummy)
            return False
        try:
            return self._hash.verify(password, password_hash)
        except Exception:  # noqa: BLE001 - a malformed stored hash never matches
            return False

    def check_policy(self, password: str, *, username: str | None, field: str = "password") -> None:
        """Raise ValidationFailed if the password is short, common or equals the username."""
        problems = []
        if len(password) < self.min_length:
            problems.append(FieldError(field, "password_too_short", limit=self.min_length))
        if len(password) > 256:
            problems.append(FieldError(field, "string_too_long"))
        lowered = password.casefold()
        if lowered in common_passwords():
            problems.append(FieldError(field, "password_common"))
        if username and (lowered == username.casefold() or username.casefold() in lowered):
            problems.append(FieldError(field, "password_contains_username"))
        if problems:
            raise ValidationFailed(problems)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text("utf-8").splitlines())
