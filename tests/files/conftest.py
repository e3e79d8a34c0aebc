"""An S3 endpoint for the file tests: moto's HTTP server on loopback, a fresh bucket per test."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from orderdesk.settings import Settings, StorageBackend

S3_KEYS = {"s3_access_key_id": "testing", "s3_secret_access_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto in server mode: a real S3 HTTP API on 127.0.0.1 (no Python-level mocking)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint: str) -> dict[str, Any]:
    """Settings overrides pointing at a new, empty bucket."""
    import boto3

    bucket = f"orderdesk-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
    )
    client.create_bucket(Bucket=bucket)
    return {
        "storage_backend": StorageBackend.s3,
        "s3_endpoint_url": s3_endpoint,
        "s3_bucket": bucket,
        "s3_region": "us-east-1",
        **S3_KEYS,
    }


def s3_only(overrides: dict[str, Any]) -> Settings:
    return Settings(**overrides)
