"""Job kinds declared in code: a handler plus its timeout, attempts and retry backoff."""

from __future__ import annotations

import importlib
import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orderdesk.jobs.context import JobContext

Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class JobKind:
    name: str
    handler: Handler
    timeout_seconds: float = 600.0
    max_attempts: int = 3
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 300.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter before retry number `attempt` (1 = first retry)."""
        delay = min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        jitter: float = random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not crypto)
        return float(delay) * jitter


_KINDS: dict[str, JobKind] = {}
BUILTIN_MODULES = (
    "orderdesk.jobs.builtin",
    "orderdesk.ops.retention",
    "orderdesk.reconciliation.jobs",
    "orderdesk.telegram.tasks",
    "orderdesk.transfer.export.jobs",
    "orderdesk.transfer.importing.jobs",
)


def job_kind(
    name: str,
    *,
    timeout_seconds: float = 600.0,
    max_attempts: int = 3,
    backoff_seconds: float = 2.0,
) -> Callable[[Handler], Handler]:
    """Declare a job kind: `@job_kind("import.items", timeout_seconds=1800)`."""

    def register(handler: Handler) -> Handler:
        _KINDS[name] = JobKind(name, handler, timeout_seconds, max_attempts, backoff_seconds)
        return handler

    return register


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def known_kinds() -> list[str]:
    return sorted(_KINDS)


def load_modules(extra: Iterable[str] = ()) -> None:
    """Import the modules that declare job kinds (built-in ones and ORDERDESK_JOB_MODULES)."""
    for module in (*BUILTIN_MODULES, *extra):
        importlib.import_module(module)
