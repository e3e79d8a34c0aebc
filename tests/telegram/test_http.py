"""Bot API calls over kept-alive connections (telegram/http.py): reuse, framing, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiogram.exceptions import TelegramNetworkError

from orderdesk.settings import Settings
from orderdesk.telegram.client import create_bot
from orderdesk.telegram.http import KeptConnections
from tests.telegram.standin import TOKEN, BotAPIStandIn, Failure

Reply = Callable[[bytes], bytes | None]  # request body → raw response (None: stay silent)


class Server:
    """A bare HTTP server on 127.0.0.1 answering each request with `reply`."""

    def __init__(self, reply: Reply, *, close_after: bool = False) -> None:
        self.reply = reply
        self.close_after = close_after  # drop the connection after each answer, silently
        self.connections = 0
        self.requests: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                body = await reader.readexactly(length)
                self.requests.append(body)
                answer = self.reply(body)
                if answer is None:
                    await asyncio.sleep(10)
                    return
                writer.write(answer)
                await writer.drain()
                if self.close_after:
                    return
        except asyncio.IncompleteReadError:
            return
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., asyncio.Future[tuple[Server, str]]]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply, **options: bool) -> tuple[Server, str]:
        server = Server(reply, **options)
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        servers.append(listening)
        port = listening.sockets[0].getsockname()[1]
        return server, f"http://127.0.0.1:{port}"

    yield start  # type: ignore[misc]
    for listening in servers:
        listening.close()


def ok(body: bytes = b'{"ok":true,"result":true}') -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_calls_share_one_kept_connection(serve) -> None:  # type: ignore[no-untyped-def]
    server, origin = await serve(lambda _: ok())
    connections = KeptConnections(origin)
    for n in range(3):
        assert await connections.post("/x", b"n=%d" % n, b"text/plain", 5) == (200, ok()[-25:])
    connections.close()
    assert server.connections == 1
    assert server.requests == [b"n=0", b"n=1", b"n=2"]


async def test_chunked_and_closing_answers_are_read_whole(serve) -> None:  # type: ignore[no-untyped-def]
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"ok"\r\n14\r\n:true,"result":true}\r\n0\r\n\r\n'
    )
    closing = b"HTTP/1.0 200 OK\r\n\r\n" + b'{"ok":true}'
    empty = b"HTTP/1.1 204 No Content\r\n\r\n"
    answers = iter([chunked, empty, closing, ok()])
    server, origin = await serve(lambda _: next(answers))
    connections = KeptConnections(origin)
    assert await connections.post("/x", b"", b"text/plain", 5) == (
        200,
        b'{"ok":true,"result":true}',
    )
    assert await connections.post("/x", b"", b"text/plain", 5) == (204, b"")
    assert server.connections == 1
    # HTTP/1.0 without a length: the body runs to the end of the connection, then a new one
    server.close_after = True
    assert await connections.post("/x", b"", b"text/plain", 5) == (200, b'{"ok":true}')
    assert await connections.post("/x", b"", b"text/plain", 5) == (200, ok()[-25:])
    connections.close()
    assert server.connections == 2


async def test_a_connection_the_server_dropped_while_idle_is_not_reused(serve) -> None:  # type: ignore[no-untyped-def]
    server, origin = await serve(lambda _: ok(), close_after=True)
    connections = KeptConnections(origin)
    await connections.post("/x", b"1", b"text/plain", 5)
    await asyncio.sleep(0.05)  # the server's close has arrived
    await connections.post("/x", b"2", b"text/plain", 5)
    connections.close()
    assert server.connections == 2
    assert server.requests == [b"1", b"2"]


async def test_no_answer_in_time_is_a_network_error_and_the_call_is_sent_once(
    serve,  # type: ignore[no-untyped-def]
) -> None:
    server, origin = await serve(lambda _: None)
    bot = create_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=origin))
    try:
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await bot.answer_callback_query("q", request_timeout=1)
    finally:
        await bot.session.close()
    assert len(server.requests) == 1


async def test_a_dropped_call_is_not_sent_again(bot_api: BotAPIStandIn) -> None:
    bot = create_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=bot_api.base_url))
    try:
        await bot.send_message(7, "first")  # the connection is kept alive
        bot_api.fail("sendMessage", Failure.network())
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(7, "second")
        await bot.send_message(7, "third")
    finally:
        await bot.session.close()
    sent = [
        (call.params["text"], call.status) for call in bot_api.calls if call.method == "sendMessage"
    ]
    assert sent == [("first", 200), ("second", 599), ("third", 200)]  # 599: dropped, once
