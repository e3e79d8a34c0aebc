"""Storage and upload settings: defaults, environment lists, production checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from orderdesk.files.storage import LocalStorage, S3Storage, build_storage
from orderdesk.files.upload import UploadPolicy
from orderdesk.settings import Settings, StorageBackend

GOOD_SECRET = "a-production-secret-that-is-long-enough-42"  # noqa: S105


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("ORDERDESK_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def production(**overrides: object) -> Settings:
    return Settings(
        environment="production",  # type: ignore[arg-type]
        secret_keys=[GOOD_SECRET],
        database_url="postgresql+asyncpg://orderdesk@db.internal/orderdesk",
        **overrides,  # type: ignore[arg-type]
    )


def test_defaults_are_local_files_in_the_data_directory_and_50_mb() -> None:
    settings = Settings()
    assert settings.storage_backend is StorageBackend.local
    assert settings.effective_files_dir == Path("orderdesk-data/files")
    assert settings.upload_max_bytes == 50 * 1024 * 1024
    assert isinstance(build_storage(settings), LocalStorage)
    policy = UploadPolicy.from_settings(settings)
    assert "application/pdf" in policy.allowed_types
    assert policy.max_body_bytes > policy.max_bytes


def test_allowed_types_are_read_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_UPLOAD_ALLOWED_TYPES", "application/pdf, image/png")
    policy = UploadPolicy.from_settings(Settings())
    assert policy.allowed_types == {"application/pdf", "image/png"}


def test_an_unknown_allowed_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown types"):
        Settings(upload_allowed_types=["application/x-msdownload"])


def test_production_refuses_s3_without_a_bucket_or_with_half_the_keys() -> None:
    problems = production(storage_backend="s3", s3_access_key_id="AKIA").problems()
    assert any("S3_BUCKET" in problem for problem in problems)
    assert any("S3_SECRET_ACCESS_KEY" in problem for problem in problems)
    assert production(storage_backend="s3", s3_bucket="files").problems() == []


def test_s3_settings_build_the_s3_backend() -> None:
    settings = Settings(
        storage_backend="s3", s3_bucket="files", s3_endpoint_url="http://127.0.0.1:9"
    )  # type: ignore[arg-type]
    assert isinstance(build_storage(settings), S3Storage)
