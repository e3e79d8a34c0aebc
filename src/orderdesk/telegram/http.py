"""POSTs to the Bot API over kept-alive HTTP/1.1 connections (ADR 0020).

aiohttp's request machinery (request and response objects, timers, cookie jar, connector)
costs ≈ 0.2 ms of CPU per call, about a tenth of a webhook update; a Bot API call is one small
POST answered by one JSON body, which this writes and reads directly in ≈ 20 µs. It keeps
aiohttp's rules where they matter: a POST is never retried (a second send could duplicate a
message), idle connections are not reused after `KEEPALIVE_SECONDS` (servers drop idle ones),
at most `limit` connections are open at once, and the whole exchange has one timeout.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

KEEPALIVE_SECONDS = 15.0  # aiohttp's default keep-alive for idle client connections
MAX_HEAD = 64 * 1024
USER_AGENT = b"orderdesk"


class ProtocolError(Exception):
    """The server's answer was not HTTP/1.1 as expected."""


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default_factory=time.monotonic)

    def usable(self) -> bool:
        fresh = time.monotonic() - self.idle_since < KEEPALIVE_SECONDS
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class KeptConnections:
    """Kept-alive connections to one origin (`http://host:port` or `https://host`)."""

    def __init__(self, origin: str, *, limit: int = 100) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) origin: {origin!r}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        default_port = self.port == (443 if self.tls else 80)
        self.host_header = (self.host if default_port else f"{self.host}:{self.port}").encode()
        self.limit = limit
        self._idle: list[_Connection] = []
        self._slots: asyncio.Semaphore | None = None

    async def post(
        self, target: str, body: bytes, content_type: bytes, timeout: float
    ) -> tuple[int, bytes]:
        """(status, body) of one POST; OSError, TimeoutError or ProtocolError on failure."""
        request = b"".join(
            (
                b"POST ", target.encode(), b" HTTP/1.1\r\nHost: ", self.host_header,
                b"\r\nUser-Agent: ", USER_AGENT, b"\r\nContent-Type: ", content_type,
                b"\r\nContent-Length: ", str(len(body)).encode(), b"\r\n\r\n", body,
            )
        )  # fmt: skip
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots, asyncio.timeout(timeout):
            connection = await self._take()
            try:
                connection.writer.write(request)
                status, answer, keep = await _read_response(connection.reader)
            except BaseException:
                connection.close()  # its state is unknown: never reused
                raise
        if keep:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return status, answer

    async def _take(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                return connection
            connection.close()
        reader, writer = await asyncio.open_connection(
            self.host, self.port, ssl=self.tls, limit=MAX_HEAD
        )
        return _Connection(reader, writer)

    def close(self) -> None:
        """Close the idle connections (those in use close when their call ends)."""
        while self._idle:
            self._idle.pop().close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection may be reused) of one response."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        raise ConnectionResetError("the server closed the connection without an answer") from e
    except asyncio.LimitOverrunError as e:
        raise ProtocolError("response head too large") from e
    status_line, *lines = head[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    if not version.startswith(b"HTTP/1.") or not rest[:3].isdigit():
        raise ProtocolError(f"bad status line {status_line[:80]!r}")
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    status = int(rest[:3])
    keep = version == b"HTTP/1.1" and headers.get(b"connection") != b"close"
    try:
        if status in (204, 304) or status < 200:  # no body by definition
            body = b""
        elif b"chunked" in headers.get(b"transfer-encoding", b""):
            body = await _read_chunked(reader)
        elif b"content-length" in headers:
            body = await reader.readexactly(int(headers[b"content-length"]))
        else:  # delimited by the end of the connection
            body, keep = await reader.read(), False
    except asyncio.IncompleteReadError as e:
        raise ConnectionResetError("the server closed the connection mid-answer") from e
    except ValueError as e:
        raise ProtocolError(str(e)) from e
    return status, body, keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
