"""The shared resources one orderdesk process holds; built once by create_app or the CLI."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orderdesk.auth.passwords import Passwords
from orderdesk.auth.tokens import TokenCodec
from orderdesk.backends import Backends, Cache, IdempotencyStore, Locks, RateLimiter, build_backends
from orderdesk.db import models  # noqa: F401  (every table mapped: ORM flushes resolve foreign keys)
from orderdesk.db.engine import create_engine, session_factories
from orderdesk.files.storage import Storage, build_storage
from orderdesk.jobs.queue import JobQueue
from orderdesk.jobs.registry import load_modules
from orderdesk.jobs.runner import JobRunner
from orderdesk.realtime.bus import EventBus, build_bus, publish_live
from orderdesk.realtime.relay import InTransactionConsumer, OutboxRelay
from orderdesk.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenCodec
    jobs: JobQueue
    storage: Storage
    bus: EventBus
    relay: OutboxRelay
    backends: Backends

    @property
    def rate_limiter(self) -> RateLimiter:
        return self.backends.rate_limiter

    @property
    def cache(self) -> Cache:
        return self.backends.cache

    @property
    def locks(self) -> Locks:
        return self.backends.locks

    @property
    def idempotency(self) -> IdempotencyStore:
        return self.backends.idempotency

    @classmethod
    def build(cls, settings: Settings, *, run_jobs: bool | None = None) -> Container:
        """Create the resources; `run_jobs` (default: the embedded shape) adds a job runner."""
        engine = create_engine(settings)
        read, write = session_factories(engine)
        load_modules(settings.job_modules)
        runs = settings.runs_jobs_in_process if run_jobs is None else run_jobs
        sqlite = engine.dialect.name == "sqlite"
        runner = None
        if runs:
            runner = JobRunner(settings, write, sqlite=sqlite, autocommit=None if sqlite else read)
        jobs = JobQueue(settings, write, runner)
        write.configure(info={"job_queue": jobs})
        bus = build_bus(settings.redis_url, settings.realtime_channel)
        if runner is not None and not runner.share_progress_in_db:
            runner.live_events = functools.partial(publish_live, bus)
        relay = OutboxRelay(
            read_sessions=read,
            write_sessions=write,
            bus=bus,
            batch_size=settings.realtime_batch_size,
            poll_seconds=settings.realtime_poll_seconds,
            retention=timedelta(hours=settings.realtime_retention_hours),
            consumers=_relay_consumers(settings),
        )
        return cls(
            settings=settings,
            engine=engine,
            read_sessions=read,
            write_sessions=write,
            passwords=Passwords(settings),
            tokens=TokenCodec(settings),
            jobs=jobs,
            storage=build_storage(settings),
            bus=bus,
            relay=relay,
            backends=build_backends(settings),
        )

    async def start_realtime(self) -> None:
        """Connect the event bus and start the outbox relay (if enabled)."""
        await self.bus.start()
        if self.settings.realtime_relay_enabled:
            self.relay.start()

    async def stop_realtime(self) -> None:
        """Stop the relay, then disconnect the bus."""
        await self.relay.stop()
        await self.bus.close()

    async def close(self) -> None:
        await self.jobs.stop()
        await self.stop_realtime()
        writer = self.write_sessions.kw["bind"]
        if writer.sync_engine.pool is not self.engine.sync_engine.pool:
            await writer.dispose()
        await self.engine.dispose()
        await self.backends.close()


def _relay_consumers(settings: Settings) -> list[InTransactionConsumer]:
    """Consumers that must see every event exactly once: Telegram deliveries (ADR 0017)."""
    if not settings.telegram_enabled:
        return []
    from orderdesk.telegram.notifications import TelegramPlanner

    return [TelegramPlanner(settings)]
