"""Configuration: environment variables with the ORDERDESK_ prefix, or a `.env` file."""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "change-me-this-is-not-a-secret-orderdesk-dev"  # noqa: S105
MIN_SECRET_LENGTH = 32


class StorageBackend(StrEnum):
    local = "local"
    s3 = "s3"


class TelegramMode(StrEnum):
    webhook = "webhook"  # updates arrive at /telegram/webhook (API processes)
    polling = "polling"  # `orderdesk bot run` asks for updates (one process at a time)


class Environment(StrEnum):
    development = "development"
    production = "production"


class ConfigurationError(RuntimeError):
    """The settings are unsafe or inconsistent; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("orderdesk refuses to start:\n  - " + "\n  - ".join(problems))


class Settings(BaseSettings):
    """Everything orderdesk reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="ORDERDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.development
    debug: bool = False
    data_dir: Path = Path("orderdesk-data")
    database_url: str = ""
    database_pool_size: int = Field(30, ge=1, le=500)
    database_max_overflow: int = Field(10, ge=0, le=500)
    allow_sqlite_in_production: bool = False
    redis_url: str | None = None
    # Every Redis key starts with `orderdesk:<namespace>:`, so instances can share one Redis.
    redis_namespace: str = Field("main", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    cache_max_entries: int = Field(10_000, ge=100, le=10_000_000)
    cache_ttl_seconds: int = Field(300, ge=1, le=86_400)
    # None: run the scheduler inside `serve` in the embedded shape (no Redis) only.
    scheduler_in_process: bool | None = None
    # Change a periodic task's cron by name, e.g. {"cleanup.idempotency": "30 4 * * *"}.
    schedule_overrides: dict[str, str] = Field(default_factory=dict)
    scheduler_catchup_seconds: int = Field(86_400, ge=0, le=30 * 86_400)

    # NoDecode: the environment may give "a,b" as well as a JSON list; _split_csv reads both.
    secret_keys: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [DEFAULT_SECRET])
    jwt_issuer: str = "orderdesk"
    jwt_audience: str = "orderdesk-api"
    access_token_ttl_seconds: int = Field(900, ge=30, le=86_400)
    refresh_token_ttl_seconds: int = Field(30 * 86_400, ge=300, le=365 * 86_400)

    password_min_length: int = Field(10, ge=8, le=128)
    argon2_time_cost: int = Field(2, ge=1, le=20)
    argon2_memory_cost_kib: int = Field(19_456, ge=8, le=1_048_576)

    lockout_threshold: int = Field(5, ge=1, le=100)
    lockout_minutes: int = Field(15, ge=1, le=24 * 60)
    login_rate_per_ip: str = "20/minute"
    login_rate_per_username: str = "10/minute"

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(1_048_576, ge=1024)
    idempotency_ttl_hours: int = Field(24, ge=1, le=24 * 30)

    # None: run jobs inside the API process when there is no Redis (the embedded shape).
    jobs_in_process: bool | None = None
    jobs_concurrency: int = Field(50, ge=1, le=1000)
    jobs_heartbeat_seconds: float = Field(2.0, gt=0, le=300)
    jobs_stale_after_seconds: float = Field(15.0, gt=0, le=3600)
    jobs_redispatch_after_seconds: float = Field(60.0, gt=0, le=86_400)
    jobs_sweep_interval_seconds: float = Field(1.0, gt=0, le=300)
    jobs_shutdown_grace_seconds: float = Field(10.0, ge=0, le=3600)
    job_modules: Annotated[list[str], NoDecode] = Field(default_factory=list)
    storage_backend: StorageBackend = StorageBackend.local
    files_dir: Path | None = None  # default: <data_dir>/files
    s3_endpoint_url: str = ""  # empty: the AWS endpoint of s3_region
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""
    upload_max_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    # Files to import are data, not attachments: a 1,000,000-row CSV is 100–200 MB. They are
    # received into a spooled temporary file and read as a stream, so memory does not grow.
    import_max_bytes: int = Field(1024 * 1024 * 1024, ge=1024)
    # Empty: every type the sniffer knows (files/sniff.py); else a list of MIME types.
    upload_allowed_types: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Outbox relay and event bus (realtime/)
    realtime_relay_enabled: bool = True
    realtime_channel: str = "orderdesk:events"
    realtime_batch_size: int = Field(500, ge=1, le=10_000)
    realtime_poll_seconds: float = Field(0.5, gt=0, le=60)
    realtime_retention_hours: int = Field(24, ge=1, le=24 * 90)
    # WebSocket /ws
    ws_heartbeat_seconds: float = Field(25.0, gt=0, le=600)
    ws_auth_timeout_seconds: float = Field(10.0, gt=0, le=120)
    ws_send_queue: int = Field(256, ge=1, le=100_000)
    ws_replay_limit: int = Field(500, ge=0, le=10_000)
    ws_replay_minutes: int = Field(60, ge=1, le=24 * 60)
    ws_max_topics: int = Field(100, ge=1, le=10_000)
    # Exports (transfer/export/): XLSX and PDF above this many rows become background jobs.
    export_sync_max_rows: int = Field(5_000, ge=0, le=1_000_000)
    export_batch_rows: int = Field(2_000, ge=1, le=100_000)
    export_pdf_max_rows: int = Field(20_000, ge=1, le=1_000_000)
    # Retention (ops/retention.py, daily job cleanup.retention): export files, import uploads
    # and reports are deleted after retention_files_days; finished job rows after
    # retention_jobs_days (never before their files).
    retention_files_days: int = Field(14, ge=1, le=3650)
    retention_jobs_days: int = Field(90, ge=1, le=3650)

    # Telegram (telegram/): an empty token turns the bot off.
    telegram_bot_token: str = ""
    # The Bot API server; tests point it at a loopback stand-in, a local Bot API server works too.
    telegram_api_base: str = "https://api.telegram.org"
    telegram_mode: TelegramMode = TelegramMode.webhook
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; allowed: A-Z a-z 0-9 _ -
    telegram_webhook_secret: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    telegram_bot_username: str = ""  # for deep links; empty: asked from getMe
    # Chats that hear about every new order (group or private chat ids).
    telegram_staff_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Status of a user who first arrives through Telegram: "pending" waits for approval (VHM24R).
    telegram_new_user_status: Literal["active", "pending"] = "active"
    telegram_updates_rate: str = "30/minute"  # per Telegram user
    # Order type the bot places (its code); empty: the first active order type.
    telegram_order_type: str = ""
    telegram_send_per_second: float = Field(30.0, gt=0, le=1000)  # the bot's global send rate
    telegram_send_per_chat_per_second: float = Field(1.0, gt=0, le=100)
    telegram_group_sends_per_minute: int = Field(20, ge=1, le=1000)
    telegram_init_data_max_age_seconds: int = Field(3600, ge=60, le=7 * 86_400)
    telegram_login_max_age_seconds: int = Field(86_400, ge=60, le=30 * 86_400)
    # Login Widget sign-ins by unknown Telegram accounts create customers (else 401 not linked).
    telegram_widget_creates_users: bool = False
    # Sending (telegram/sending.py): concurrent requests per sender, retries, recovery.
    telegram_send_concurrency: int = Field(8, ge=1, le=100)
    telegram_send_max_attempts: int = Field(8, ge=1, le=100)
    telegram_send_retry_base_seconds: float = Field(2.0, gt=0, le=600)
    telegram_send_retry_max_seconds: float = Field(600.0, gt=0, le=86_400)
    # A row claimed by a sender that stopped goes back to the queue after this long; one left
    # "sending" (the request's outcome unknown) is failed, never resent: at most once.
    telegram_send_claim_timeout_seconds: float = Field(60.0, gt=0, le=3600)
    telegram_send_outcome_timeout_seconds: float = Field(300.0, gt=0, le=86_400)
    # One send job works this long, then hands over to a fresh job (job timeouts stay short).
    telegram_send_job_seconds: float = Field(240.0, gt=0, le=3000)
    telegram_staff_language: Literal["ru", "en"] = "ru"  # staff chats not registered otherwise
    # Reports to the staff chats (telegram/reports.py); cron in telegram_report_timezone,
    # empty turns a report off.
    telegram_report_daily_cron: str = ""
    telegram_report_weekly_cron: str = "0 9 * * 1"
    telegram_report_timezone: str = "Europe/Moscow"
    login_link_ttl_seconds: int = Field(900, ge=60, le=86_400)
    # Absolute base URL users reach this service at (Mini App and one-time login links).
    public_url: str = "http://127.0.0.1:8000"

    # Move the objects built at startup out of the garbage collector's reach (ops/runtime.py):
    # full collections then scan only what requests create, not the whole framework heap.
    gc_freeze_on_startup: bool = True
    # Young-generation threshold of the cyclic collector while the server runs (ops/runtime.py;
    # 0 keeps Python's 700): rarer young collections cost less in all.
    gc_young_threshold: int = Field(default=10_000, ge=0)

    log_level: str = "INFO"
    log_format: str = ""  # "json" or "console"; empty: json in production, console otherwise

    @field_validator(
        "secret_keys",
        "cors_origins",
        "job_modules",
        "upload_allowed_types",
        "telegram_staff_chat_ids",
        mode="before",
    )
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    @field_validator("upload_allowed_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        from orderdesk.files.sniff import KNOWN_TYPES

        unknown = sorted(set(value) - KNOWN_TYPES)
        if unknown:
            raise ValueError(f"unknown types {unknown}; known: {sorted(KNOWN_TYPES)}")
        return value

    @cached_property
    def effective_database_url(self) -> str:
        """The configured URL, or an SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'orderdesk.db').as_posix()}"

    @property
    def effective_files_dir(self) -> Path:
        """Where the local storage backend keeps uploaded files."""
        return self.files_dir or self.data_dir / "files"

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def runs_jobs_in_process(self) -> bool:
        return self.jobs_in_process if self.jobs_in_process is not None else not self.redis_url

    @property
    def runs_scheduler_in_process(self) -> bool:
        """Whether `serve` runs the scheduler loop itself (default: embedded shape only)."""
        if self.scheduler_in_process is None:
            return not self.redis_url
        return self.scheduler_in_process

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.production

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.is_production else "console")

    def problems(self) -> list[str]:
        """Reasons this configuration must not run in production (empty when it may)."""
        if not self.is_production:
            return []
        found: list[str] = []
        if not self.secret_keys:
            found.append("ORDERDESK_SECRET_KEYS is empty")
        for key in self.secret_keys:
            if key == DEFAULT_SECRET:
                found.append("ORDERDESK_SECRET_KEYS contains the built-in development secret")
            elif len(key) < MIN_SECRET_LENGTH:
                found.append(
                    f"ORDERDESK_SECRET_KEYS has a key shorter than {MIN_SECRET_LENGTH} characters"
                )
        if "*" in self.cors_origins:
            found.append("ORDERDESK_CORS_ORIGINS must list origins, not '*'")
        if self.debug:
            found.append("ORDERDESK_DEBUG must be off in production")
        if self.jobs_heartbeat_seconds * 3 > self.jobs_stale_after_seconds:
            found.append(
                "ORDERDESK_JOBS_STALE_AFTER_SECONDS must be at least 3 heartbeats "
                "(ORDERDESK_JOBS_HEARTBEAT_SECONDS)"
            )
        if self.is_sqlite and not self.allow_sqlite_in_production:
            found.append(
                "SQLite in production needs ORDERDESK_ALLOW_SQLITE_IN_PRODUCTION=true "
                "(or set ORDERDESK_DATABASE_URL to PostgreSQL)"
            )
        if (
            self.telegram_bot_token
            and self.telegram_mode is TelegramMode.webhook
            and len(self.telegram_webhook_secret) < MIN_SECRET_LENGTH
        ):
            found.append(
                "ORDERDESK_TELEGRAM_WEBHOOK_SECRET must be at least "
                f"{MIN_SECRET_LENGTH} characters in webhook mode"
            )
        found.extend(self.storage_problems())
        return found

    def storage_problems(self) -> list[str]:
        """Reasons the S3 storage settings cannot work (checked in production)."""
        if self.storage_backend is not StorageBackend.s3:
            return []
        found = []
        if not self.s3_bucket:
            found.append("ORDERDESK_S3_BUCKET is required with ORDERDESK_STORAGE_BACKEND=s3")
        if bool(self.s3_access_key_id) != bool(self.s3_secret_access_key):
            found.append(
                "ORDERDESK_S3_ACCESS_KEY_ID and ORDERDESK_S3_SECRET_ACCESS_KEY go together"
            )
        return found

    def validate_for_startup(self) -> None:
        """Raise ConfigurationError naming every problem, if there is any."""
        found = self.problems()
        if found:
            raise ConfigurationError(found)
