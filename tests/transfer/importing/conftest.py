"""Import tests read uploads with a tiny CSV reader and run jobs in a worker."""

from __future__ import annotations

import pytest

from orderdesk.transfer.importing import seams
from tests.jobs.conftest import worker  # noqa: F401  (fixture)
from tests.transfer.importing.helpers import csv_open


@pytest.fixture(autouse=True)
def _csv_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "open_file", csv_open)
