"""API shapes of auth and users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from orderdesk.core.schemas import StrictModel

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=3, max_length=64, pattern=r"^[\w.@+-]+$"
    ),
]
RoleName = Literal["admin", "manager", "staff", "customer"]
StatusName = Literal["pending", "active", "blocked"]
LocaleName = Literal["ru", "en"]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()-]{5,32}$")]


class LoginIn(StrictModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class RefreshIn(StrictModel):
    refresh_token: Annotated[str, StringConstraints(min_length=10, max_length=200)]


class LogoutIn(StrictModel):
    everywhere: bool = False


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class PasswordChangeIn(StrictModel):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class UserOut(BaseModel):
    id: int
    username: str | None
    email: str | None
    telegram_id: int | None
    display_name: str
    phone: str | None
    locale: str
    role: RoleName
    status: StatusName
    unit_id: int | None
    last_login_at: datetime | None
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class UserCreate(StrictModel):
    username: Username | None = None
    email: EmailStr | None = None
    password: Annotated[str, StringConstraints(max_length=256)] | None = None
    telegram_id: Annotated[int, Field(gt=0, lt=2**53)] | None = None
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    phone: Phone | None = None
    locale: LocaleName = "ru"
    role: RoleName = "customer"
    status: StatusName = "active"
    unit_id: int | None = None


class UserUpdate(StrictModel):
    email: EmailStr | None = None
    display_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
    ) = None
    phone: Phone | None = None
    locale: LocaleName | None = None
    role: RoleName | None = None
    status: StatusName | None = None
    unit_id: int | None = None
    password: Annotated[str, StringConstraints(max_length=256)] | None = None


class TelegramWebAppIn(StrictModel):
    # Longer than any real initData: verification refuses oversized input with a 401 itself.
    init_data: Annotated[str, StringConstraints(max_length=65_536)]


class TelegramLinkIn(StrictModel):
    """Exactly one of: Mini App initData, or the Login Widget's fields."""

    init_data: Annotated[str, StringConstraints(max_length=65_536)] | None = None
    widget: dict[str, Any] | None = None


class LoginLinkIn(StrictModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
