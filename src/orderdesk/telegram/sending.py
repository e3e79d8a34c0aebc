"""The sender: pending deliveries → Bot API calls, paced, retried, each sent at most once.

A delivery moves pending → claimed → sending → sent, each step a compare-and-set on
(status, claimed_by) in its own short transaction (no transaction is open during an HTTP call):

- **claimed**: a batch taken by one sender (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has
  one writer). Nothing has been sent; a sender that stops leaves it claimed and after
  `telegram_send_claim_timeout_seconds` any sender puts it back to pending.
- **sending**: written just before the request. If the process dies now, nobody knows whether
  Telegram got the message; after `telegram_send_outcome_timeout_seconds` such a row is failed
  ("outcome unknown"), never resent — at most once. (Edits are idempotent and are retried.)
- **sent** with Telegram's message_id (kept for editing in place), or **failed** / **dropped**.

Pacing: one shared schedule per key (GCRA: each send reserves the next slot), in Redis when
configured so every process shares it, in memory otherwise — the bot's global rate, 1/s per
private chat, N/minute per group. A 429 pushes the global schedule back by `retry_after`, which
slows every sender of the bot. See ADR 0017.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from redis.asyncio import Redis
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db.types import utcnow
from orderdesk.files.storage import Storage
from orderdesk.settings import Settings
from orderdesk.telegram.chats import deactivate_chat
from orderdesk.telegram.models import TelegramDelivery
from orderdesk.telegram.notifications import (
    STAFF_ORDER,
    STAFF_ORDER_EDIT,
    RenderedMessage,
    render_staff_order_message,
)

log = structlog.get_logger("orderdesk.telegram")
D = TelegramDelivery
# Pace a little under the configured rates: requests reach Telegram with some jitter, and a
# send exactly one interval after another may land inside Telegram's window.
PACE_MARGIN = 1.05
# Wait for a chat's next slot inside the sender up to this long; beyond, defer the delivery.
MAX_CHAT_WAIT = 1.5
RECOVER_EVERY = 10.0
NO_LIMIT = 1e9
NOT_MODIFIED = "message is not modified"
EDIT_GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")


# --- pacing ---


class Pacer(Protocol):
    async def reserve(self, key: str, interval: float, max_wait: float) -> tuple[bool, float]:
        """Take the key's next slot if it comes within `max_wait` s; (taken, wait in s)."""

    async def push_back(self, key: str, seconds: float) -> None:
        """No slot of `key` before `seconds` from now (after a 429)."""


class MemoryPacer:
    """Slots per key in this process (the embedded shape)."""

    def __init__(self) -> None:
        self._next: dict[str, float] = {}

    async def reserve(self, key: str, interval: float, max_wait: float) -> tuple[bool, float]:
        now = time.monotonic()
        slot = max(self._next.get(key, now), now)
        wait = slot - now
        if wait > max_wait:
            return False, wait
        self._next[key] = slot + interval
        if len(self._next) > 100_000:
            self._forget(now)
        return True, wait

    async def push_back(self, key: str, seconds: float) -> None:
        now = time.monotonic()
        self._next[key] = max(self._next.get(key, now), now + seconds)

    def _forget(self, now: float) -> None:
        for key in [k for k, slot in self._next.items() if slot < now]:
            del self._next[key]


# Redis keeps the slot in its own clock (TIME), so processes on other hosts agree on it.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {0, tostring(wait)} end
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(after), 'PX', math.ceil((after - now) * 1000) + 1000)
return {1, tostring(wait)}
"""
_PUSH_BACK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = math.max(slot, now + tonumber(ARGV[1]))
redis.call('SET', KEYS[1], tostring(after), 'PX', math.ceil((after - now) * 1000) + 1000)
return 1
"""


class RedisPacer:
    """Slots per key in Redis: every process of the bot shares one schedule."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._push_back = redis.register_script(_PUSH_BACK)

    async def reserve(self, key: str, interval: float, max_wait: float) -> tuple[bool, float]:
        taken, wait = await self._reserve(keys=[self.prefix + key], args=[interval, max_wait])
        return bool(int(taken)), float(wait)

    async def push_back(self, key: str, seconds: float) -> None:
        await self._push_back(keys=[self.prefix + key], args=[seconds])


_pacers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], Pacer]] = (
    weakref.WeakKeyDictionary()
)


def pacer_for(settings: Settings) -> Pacer:
    """This process's pacer (one per event loop): Redis-backed when Redis is configured."""
    loop = asyncio.get_running_loop()
    key = (settings.redis_url or "", settings.redis_namespace)
    pacers = _pacers.setdefault(loop, {})
    if key not in pacers:
        if settings.redis_url:
            prefix = f"orderdesk:{settings.redis_namespace}:telegram:pace:"
            pacers[key] = RedisPacer(Redis.from_url(settings.redis_url), prefix)
        else:
            pacers[key] = MemoryPacer()
    return pacers[key]


@dataclass(frozen=True, slots=True)
class Rates:
    """Seconds between two sends: globally, to one private chat, to one group."""

    global_interval: float
    private_interval: float
    group_interval: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Rates:
        return cls(
            PACE_MARGIN / settings.telegram_send_per_second,
            PACE_MARGIN / settings.telegram_send_per_chat_per_second,
            PACE_MARGIN * 60.0 / settings.telegram_group_sends_per_minute,
        )

    def chat_interval(self, chat_id: int) -> float:
        return self.private_interval if chat_id > 0 else self.group_interval


# --- the rows ---


@dataclass(slots=True)
class Claimed:
    id: int
    chat_id: int
    purpose: str
    aggregate_id: str
    attempts: int
    message: dict[str, Any]


@dataclass(slots=True)
class SendStats:
    sent: int = 0
    not_modified: int = 0
    retried: int = 0
    floods: int = 0
    dropped: int = 0
    failed: int = 0
    deferred: int = 0
    next_due: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "not_modified": self.not_modified,
            "retried": self.retried,
            "floods": self.floods,
            "dropped": self.dropped,
            "failed": self.failed,
            "deferred": self.deferred,
            "next_due": self.next_due.isoformat() if self.next_due else None,
        }


def _due(now: datetime) -> Any:
    return and_(D.status == "pending", or_(D.next_attempt_at.is_(None), D.next_attempt_at <= now))


async def claim(session: AsyncSession, *, worker: str, limit: int, now: datetime) -> list[Claimed]:
    """Take up to `limit` due pending deliveries for `worker`, oldest first."""
    pick = select(D.id).where(_due(now)).order_by(D.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list((await session.scalars(pick)).all())
    if not ids:
        return []
    rows = await session.execute(
        update(D)
        .where(D.id.in_(ids), D.status == "pending")
        .values(status="claimed", claimed_by=worker, claimed_at=now)
        .returning(D.id, D.chat_id, D.purpose, D.aggregate_id, D.attempts, D.message)
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(*row) for row in rows]
    return sorted(claimed, key=lambda row: row.id)


async def recover(session: AsyncSession, settings: Settings, now: datetime) -> tuple[int, int]:
    """Free claims of stopped senders; fail "sending" rows whose outcome nobody knows.

    Returns (claims freed, outcomes given up). Edits stuck in "sending" are simply retried:
    editing twice shows the same message.
    """
    claim_cut = now - timedelta(seconds=settings.telegram_send_claim_timeout_seconds)
    outcome_cut = now - timedelta(seconds=settings.telegram_send_outcome_timeout_seconds)
    freed = await session.execute(
        update(D)
        .where(
            or_(
                and_(D.status == "claimed", D.claimed_at < claim_cut),
                and_(
                    D.status == "sending", D.claimed_at < outcome_cut, D.purpose == STAFF_ORDER_EDIT
                ),
            )
        )
        .values(status="pending", claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    lost = await session.execute(
        update(D)
        .where(D.status == "sending", D.claimed_at < outcome_cut, D.purpose != STAFF_ORDER_EDIT)
        .values(
            status="failed",
            claimed_by=None,
            error="outcome unknown: the sender stopped during the request; not resent",
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(freed, "rowcount", 0) or 0), int(getattr(lost, "rowcount", 0) or 0)


async def next_due(session: AsyncSession, settings: Settings) -> datetime | None:
    """When something next needs a sender: a waiting delivery comes due, or a dead sender's
    claim (or unknown outcome) is old enough to recover (None: nothing left to do)."""
    claim_wait = timedelta(seconds=settings.telegram_send_claim_timeout_seconds)
    outcome_wait = timedelta(seconds=settings.telegram_send_outcome_timeout_seconds)
    waiting = await session.scalar(
        select(func.min(func.coalesce(D.next_attempt_at, D.created_at))).where(
            D.status == "pending"
        )
    )
    claimed = await session.scalar(select(func.min(D.claimed_at)).where(D.status == "claimed"))
    sending = await session.scalar(select(func.min(D.claimed_at)).where(D.status == "sending"))
    candidates = [
        waiting,
        claimed + claim_wait if isinstance(claimed, datetime) else None,
        sending + outcome_wait if isinstance(sending, datetime) else None,
    ]
    found = [moment for moment in candidates if isinstance(moment, datetime)]
    return min(found) if found else None


def _mine(row_id: int, worker: str, status: str) -> Any:
    return and_(D.id == row_id, D.status == status, D.claimed_by == worker)


# --- the sender ---


@dataclass(slots=True)
class _Call:
    """What to ask the Bot API for one delivery."""

    kind: str  # send | edit | document
    message: RenderedMessage
    edit_message_id: int | None = None
    document_key: str = ""
    filename: str = ""


Settle = Callable[[AsyncSession], Awaitable[Any]]


@dataclass
class Sender:
    """Sends due deliveries until none is left (or a deadline); safe to run in many processes."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    bot: Bot
    pacer: Pacer
    storage: Storage | None = None
    worker: str = field(default_factory=lambda: f"tg-{uuid.uuid4().hex[:12]}")
    stats: SendStats = field(default_factory=SendStats)

    def __post_init__(self) -> None:
        self.rates = Rates.from_settings(self.settings)
        self.concurrency = self.settings.telegram_send_concurrency
        self._last_recover = 0.0
        self._blocked: set[int] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}

    async def run(self, *, deadline: float | None = None, linger: float = 0.0) -> SendStats:
        """Send until nothing is due; wait up to `linger` s for retries coming due meanwhile."""
        queue: asyncio.Queue[Claimed | None] = asyncio.Queue(maxsize=self.concurrency)
        workers = [asyncio.create_task(self._work(queue)) for _ in range(self.concurrency)]
        try:
            await self._feed(queue, deadline, linger)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers, return_exceptions=True)
            await self._release_unsent()
        async with self.sessions() as session:
            self.stats.next_due = await next_due(session, self.settings)
        return self.stats

    async def _feed(
        self, queue: asyncio.Queue[Claimed | None], deadline: float | None, linger: float
    ) -> None:
        while deadline is None or time.monotonic() < deadline:
            await self._recover_when_due()
            batch = await self._claim(self.concurrency)
            for row in batch:
                await queue.put(row)
            if batch:
                continue
            await queue.join()  # what is in flight may come back as a retry
            batch = await self._claim(self.concurrency)
            for row in batch:
                await queue.put(row)
            if batch:
                continue
            async with self.sessions() as session:
                due = await next_due(session, self.settings)
            wait = (due - utcnow()).total_seconds() if due is not None else None
            if wait is None or wait > linger:
                return
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
            await asyncio.sleep(max(0.01, wait))

    async def _claim(self, limit: int) -> list[Claimed]:
        async with self.sessions() as session:
            rows = await claim(session, worker=self.worker, limit=limit, now=utcnow())
            await session.commit()
        return rows

    async def _recover_when_due(self) -> None:
        if time.monotonic() - self._last_recover < RECOVER_EVERY:
            return
        self._last_recover = time.monotonic()
        async with self.sessions() as session:
            freed, lost = await recover(session, self.settings, utcnow())
            await session.commit()
        if freed or lost:
            log.warning("telegram.recovered", claims_freed=freed, outcomes_unknown=lost)

    async def _release_unsent(self) -> None:
        """Rows still claimed by this sender (stopped early) go back to the queue at once."""
        async with self.sessions() as session:
            await session.execute(
                update(D)
                .where(D.status == "claimed", D.claimed_by == self.worker)
                .values(status="pending", claimed_by=None)
                .execution_options(synchronize_session=False)
            )
            await session.commit()

    async def _work(self, queue: asyncio.Queue[Claimed | None]) -> None:
        while True:
            row = await queue.get()
            try:
                if row is None:
                    return
                # Rows leave the queue in id order and the lock is fair: one chat's
                # messages go out in the order they were owed.
                async with self._chat_locks.setdefault(row.chat_id, asyncio.Lock()):
                    await self._deliver(row)
            except Exception:  # noqa: BLE001 (one delivery's bug must not stop the sender)
                log.exception("telegram.deliver_crashed", delivery=row.id if row else None)
            finally:
                queue.task_done()

    # --- one delivery ---------------------------------------------------------------------

    async def _deliver(self, row: Claimed) -> None:
        if not await self._wait_for_chat(row):
            return
        call = await self._start(row)
        if call is None:
            return
        taken, wait = await self.pacer.reserve(
            f"chat:{row.chat_id}", self.rates.chat_interval(row.chat_id), NO_LIMIT
        )
        _, global_wait = await self.pacer.reserve("global", self.rates.global_interval, NO_LIMIT)
        await asyncio.sleep(max(wait, global_wait))
        if row.chat_id in self._blocked:  # a 403 came in while this one waited for its slot
            await self._finish(row, "dropped", error="chat inactive (403)")
            return
        try:
            message_id = await self._call(row, call)
        except TelegramRetryAfter as exc:
            await self._flood(row, float(exc.retry_after))
        except TelegramForbiddenError as exc:
            await self._forbidden(row, exc.message)
        except TelegramBadRequest as exc:
            await self._bad_request(row, call, exc.message)
        except (TimeoutError, TelegramNetworkError, OSError) as exc:
            await self._retry(row, f"network: {exc}")
        except Exception as exc:  # noqa: BLE001 (5xx and the unexpected: retry with backoff)
            await self._retry(row, f"{type(exc).__name__}: {exc}")
        else:
            await self._sent(row, message_id)

    async def _wait_for_chat(self, row: Claimed) -> bool:
        """Sleep until the chat and the bot may send (still claimed); defer a far-off chat slot."""
        while True:
            _, chat_wait = await self.pacer.reserve(
                f"chat:{row.chat_id}", self.rates.chat_interval(row.chat_id), -1.0
            )
            _, global_wait = await self.pacer.reserve("global", self.rates.global_interval, -1.0)
            if chat_wait > MAX_CHAT_WAIT and chat_wait >= global_wait:
                await self._defer(row, chat_wait)
                return False
            if max(chat_wait, global_wait) <= MAX_CHAT_WAIT:
                return True
            await asyncio.sleep(min(global_wait, 5.0))  # the bot is paused after a 429

    async def _start(self, row: Claimed) -> _Call | None:
        """claimed → sending, with what to send read in the same transaction (None: skip)."""
        async with self.sessions() as session:
            call = await self._prepare(session, row)
            if call is None:
                await session.commit()
                return None
            moved = await session.execute(
                update(D)
                .where(_mine(row.id, self.worker, "claimed"))
                .values(status="sending", claimed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        if not getattr(moved, "rowcount", 0):
            log.info("telegram.claim_lost", delivery=row.id)  # recovered by another sender
            return None
        return call

    async def _prepare(self, session: AsyncSession, row: Claimed) -> _Call | None:
        message = row.message or {}
        if message.get("document"):
            doc = message["document"]
            caption = RenderedMessage(str(message.get("caption") or ""))
            return _Call("document", caption, document_key=doc["key"], filename=doc["filename"])
        if message.get("render") != "staff_order":
            return _Call("send", RenderedMessage.from_json(message))
        order_id, language = int(message["order_id"]), str(message.get("language") or "ru")
        number = str(message.get("number") or order_id)
        if row.purpose == STAFF_ORDER:
            rendered = await render_staff_order_message(
                session, order_id=order_id, language=language, number=number
            )
            return _Call("send", rendered)
        original = (
            await session.execute(
                select(D.status, D.message_id)
                .where(
                    D.aggregate_type == "order",
                    D.aggregate_id == row.aggregate_id,
                    D.chat_id == row.chat_id,
                    D.purpose == STAFF_ORDER,
                )
                .order_by(D.id.desc())
                .limit(1)
            )
        ).first()
        if original is None or original.status in ("failed", "dropped"):
            await self._settle(session, row, "claimed", "dropped", error="no card to edit")
            return None
        if original.status in ("pending", "claimed"):
            # The card is not rendered yet: it will show this change when it goes out.
            await self._settle(session, row, "claimed", "dropped", error="superseded")
            return None
        if original.status == "sending" or original.message_id is None:
            later = utcnow() + timedelta(seconds=1)
            if await self._settle(session, row, "claimed", "pending", next_attempt_at=later):
                self.stats.deferred += 1
            return None
        rendered = await render_staff_order_message(
            session, order_id=order_id, language=language, number=number
        )
        return _Call("edit", rendered, edit_message_id=int(original.message_id))

    async def _call(self, row: Claimed, call: _Call) -> int | None:
        markup = (
            InlineKeyboardMarkup.model_validate(call.message.reply_markup)
            if call.message.reply_markup
            else None
        )
        if call.kind == "edit":
            await self.bot.edit_message_text(
                text=call.message.text,
                chat_id=row.chat_id,
                message_id=call.edit_message_id,
                reply_markup=markup,
            )
            return call.edit_message_id
        if call.kind == "document":
            data = await self._file(call.document_key)
            sent = await self.bot.send_document(
                row.chat_id,
                BufferedInputFile(data, call.filename),
                caption=call.message.text[:1024] or None,
            )
            return sent.message_id
        sent = await self.bot.send_message(row.chat_id, call.message.text, reply_markup=markup)
        return sent.message_id

    async def _file(self, key: str) -> bytes:
        if self.storage is None:
            raise RuntimeError("a document delivery needs the file storage")
        parts = [chunk async for chunk in await self.storage.open(key)]
        return b"".join(parts)

    # --- outcomes ---------------------------------------------------------------------------

    async def _settle(
        self, session: AsyncSession, row: Claimed, from_status: str, to_status: str, **values: Any
    ) -> bool:
        keep_claim = to_status in ("claimed", "sending")
        result = await session.execute(
            update(D)
            .where(_mine(row.id, self.worker, from_status))
            .values(status=to_status, claimed_by=self.worker if keep_claim else None, **values)
            .execution_options(synchronize_session=False)
        )
        done = bool(getattr(result, "rowcount", 0))
        if done and to_status == "dropped":
            self.stats.dropped += 1
        return done

    async def _finish(self, row: Claimed, to_status: str, **values: Any) -> bool:
        async with self.sessions() as session:
            done = await self._settle(session, row, "sending", to_status, **values)
            await session.commit()
        if not done:
            log.warning("telegram.mark_lost", delivery=row.id, status=to_status)
        return done

    async def _sent(self, row: Claimed, message_id: int | None) -> None:
        if await self._finish(row, "sent", message_id=message_id, sent_at=utcnow(), error=None):
            self.stats.sent += 1

    async def _defer(self, row: Claimed, seconds: float) -> None:
        async with self.sessions() as session:
            when = utcnow() + timedelta(seconds=seconds)
            if await self._settle(session, row, "claimed", "pending", next_attempt_at=when):
                self.stats.deferred += 1
            await session.commit()

    async def _flood(self, row: Claimed, retry_after: float) -> None:
        """429: the whole bot waits `retry_after`; the delivery is not charged an attempt."""
        self.stats.floods += 1
        await self.pacer.push_back("global", retry_after)
        when = utcnow() + timedelta(seconds=retry_after)
        await self._finish(row, "pending", next_attempt_at=when, error="429 flood wait")
        log.info("telegram.flood_wait", chat_id=row.chat_id, retry_after=retry_after)

    async def _forbidden(self, row: Claimed, description: str) -> None:
        """403: the chat blocked the bot (or removed it); stop writing to it."""
        self._blocked.add(row.chat_id)
        async with self.sessions() as session:
            dropped = await self._settle(
                session, row, "sending", "dropped", error=f"403: {description}"[:500]
            )
            others = await deactivate_chat(session, row.chat_id)
            await session.commit()
        self.stats.dropped += others
        log.info("telegram.chat_inactive", chat_id=row.chat_id, dropped=others + int(dropped))

    async def _bad_request(self, row: Claimed, call: _Call, description: str) -> None:
        lowered = description.lower()
        if call.kind == "edit" and NOT_MODIFIED in lowered:
            if await self._finish(row, "sent", sent_at=utcnow(), error=None):
                self.stats.not_modified += 1
            return
        if call.kind == "edit" and any(gone in lowered for gone in EDIT_GONE):
            await self._finish(row, "dropped", error=f"400: {description}"[:500])
            return
        if await self._finish(row, "failed", error=f"400: {description}"[:500]):
            self.stats.failed += 1
        log.warning("telegram.bad_request", delivery=row.id, description=description)

    async def _retry(self, row: Claimed, error: str) -> None:
        """5xx or network: again after an exponential backoff, until the attempts run out."""
        attempts = row.attempts + 1
        if attempts >= self.settings.telegram_send_max_attempts:
            if await self._finish(row, "failed", attempts=attempts, error=error[:500]):
                self.stats.failed += 1
            return
        delay = min(
            self.settings.telegram_send_retry_max_seconds,
            self.settings.telegram_send_retry_base_seconds * 2 ** (attempts - 1),
        ) * random.uniform(0.8, 1.2)  # noqa: S311 (jitter)
        when = utcnow() + timedelta(seconds=delay)
        if await self._finish(
            row, "pending", attempts=attempts, next_attempt_at=when, error=error[:500]
        ):
            self.stats.retried += 1


async def send_pending(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    pacer: Pacer | None = None,
    storage: Storage | None = None,
    deadline: float | None = None,
    linger: float = 0.0,
) -> SendStats:
    """Run one sender with a fresh Bot until nothing is due (or the deadline)."""
    from orderdesk.telegram.client import create_bot

    bot = create_bot(settings)
    try:
        sender = Sender(settings, sessions, bot, pacer or pacer_for(settings), storage)
        return await sender.run(deadline=deadline, linger=linger)
    finally:
        with contextlib.suppress(Exception):
            await bot.session.close()
