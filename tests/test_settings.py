"""Settings: environment variables, and production refusing unsafe configurations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from orderdesk.app import create_app
from orderdesk.settings import DEFAULT_SECRET, ConfigurationError, Settings

GOOD_SECRET = "a-production-secret-that-is-long-enough-42"  # noqa: S105
PG = "postgresql+asyncpg://orderdesk@db.internal/orderdesk"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ORDERDESK_ variable or .env file of the developer's leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("ORDERDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "production",
        "secret_keys": [GOOD_SECRET],
        "database_url": PG,
    }
    values.update(overrides)
    return Settings(**values)


def test_good_production_configuration_passes() -> None:
    settings = production(cors_origins=["https://shop.example"])
    settings.validate_for_startup()
    assert settings.problems() == []
    assert settings.is_production


def test_development_may_use_anything() -> None:
    settings = Settings(debug=True, cors_origins=["*"])
    assert settings.secret_keys == [DEFAULT_SECRET]
    settings.validate_for_startup()


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"secret_keys": [DEFAULT_SECRET]}, "built-in development secret"),
        ({"secret_keys": ["short-secret"]}, "shorter than 32 characters"),
        ({"secret_keys": [GOOD_SECRET, "short-old-key"]}, "shorter than 32 characters"),
        ({"secret_keys": []}, "ORDERDESK_SECRET_KEYS is empty"),
        ({"cors_origins": ["https://shop.example", "*"]}, "not '*'"),
        ({"debug": True}, "ORDERDESK_DEBUG must be off"),
        ({"database_url": ""}, "ORDERDESK_ALLOW_SQLITE_IN_PRODUCTION"),
        ({"database_url": "sqlite+aiosqlite:///prod.db"}, "ORDERDESK_ALLOW_SQLITE_IN_PRODUCTION"),
    ],
)
def test_production_refuses_each_unsafe_setting(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        production(**overrides).validate_for_startup()
    assert len(raised.value.problems) == 1
    assert problem in raised.value.problems[0]
    assert problem in str(raised.value)


def test_production_lists_every_problem_at_once() -> None:
    settings = Settings(environment="production", debug=True, cors_origins=["*"])
    with pytest.raises(ConfigurationError) as raised:
        settings.validate_for_startup()
    text = "\n".join(raised.value.problems)
    assert len(raised.value.problems) == 4
    for needle in ("development secret", "'*'", "DEBUG", "SQLITE_IN_PRODUCTION"):
        assert needle in text


def test_sqlite_in_production_is_allowed_when_asked_for() -> None:
    settings = production(
        database_url="sqlite+aiosqlite:///prod.db", allow_sqlite_in_production=True
    )
    assert settings.problems() == []
    settings.validate_for_startup()


def test_create_app_refuses_an_unsafe_production_configuration() -> None:
    with pytest.raises(ConfigurationError, match="development secret"):
        create_app(Settings(environment="production", database_url=PG))


def test_environment_variables_with_prefix_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_ENVIRONMENT", "production")
    monkeypatch.setenv("ORDERDESK_DATABASE_URL", PG)
    monkeypatch.setenv("ORDERDESK_LOCKOUT_THRESHOLD", "7")
    monkeypatch.setenv("ORDERDESK_DEBUG", "false")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///not-mine.db")
    settings = Settings()
    assert settings.is_production
    assert settings.effective_database_url == PG
    assert settings.lockout_threshold == 7
    assert not settings.is_sqlite


def test_comma_separated_lists_are_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_CORS_ORIGINS", "https://shop.example, https://admin.example,")
    monkeypatch.setenv("ORDERDESK_SECRET_KEYS", f"{GOOD_SECRET},{GOOD_SECRET}-old")
    settings = Settings()
    assert settings.cors_origins == ["https://shop.example", "https://admin.example"]
    assert settings.secret_keys == [GOOD_SECRET, f"{GOOD_SECRET}-old"]


def test_json_lists_are_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_CORS_ORIGINS", '["https://shop.example"]')
    assert Settings().cors_origins == ["https://shop.example"]


def test_dotenv_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ORDERDESK_LOCKOUT_MINUTES=42\n", encoding="utf-8")
    assert Settings().lockout_minutes == 42


def test_out_of_range_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_ACCESS_TOKEN_TTL_SECONDS", "5")
    with pytest.raises(ValueError, match="access_token_ttl_seconds"):
        Settings()


def test_default_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.effective_database_url == (
        f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'orderdesk.db').as_posix()}"
    )
    assert settings.is_sqlite


@pytest.mark.parametrize(
    ("environment", "log_format", "effective"),
    [
        ("production", "", "json"),
        ("development", "", "console"),
        ("production", "console", "console"),
    ],
)
def test_log_format_defaults_by_environment(
    environment: str, log_format: str, effective: str
) -> None:
    assert (
        Settings(environment=environment, log_format=log_format).effective_log_format == effective
    )
