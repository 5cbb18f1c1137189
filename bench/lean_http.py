"""A small HTTP/1.1 keep-alive client on asyncio streams, for the load driver.

The load benchmark runs its driver on the same two cores as the server it measures, so
every millisecond the driver spends building and parsing requests is taken from the
server. httpx (with httpcore and h11) costs about 1.5 ms of CPU per request; this client
does what the driver needs and nothing else: one origin over plain HTTP, a bounded pool of
keep-alive connections, `Content-Length` or chunked bodies, and a retry on a fresh
connection when the server closed an idle one before answering.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import time
from typing import Any


class ConnectionLost(Exception):
    """The connection closed before a whole response arrived."""


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Up to `max_connections` connections to one origin; idle ones are reused while younger
    than `keepalive_expiry` seconds (keep it below the server's keep-alive timeout)."""

    def __init__(
        self, host: str, port: int, *, max_connections: int = 10, keepalive_expiry: float = 4.0
    ) -> None:
        self.host = host
        self.port = port
        self.keepalive_expiry = keepalive_expiry
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []
        self._host_header = f"Host: {host}:{port}\r\n".encode()

    async def _connection(self) -> tuple[_Connection, bool]:
        """A connection and whether it was reused."""
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if now - connection.idle_since < self.keepalive_expiry:
                return connection, True
            connection.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer), False

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        json: Any = None,
    ) -> tuple[int, bytes]:
        """Send one request; returns the status and the body."""
        body = b"" if json is None else jsonlib.dumps(json, separators=(",", ":")).encode()
        head = [f"{method} {path} HTTP/1.1\r\n".encode(), self._host_header]
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}\r\n".encode())
        if json is not None:
            head.append(b"Content-Type: application/json\r\n")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}\r\n".encode())
        payload = b"".join(head) + b"\r\n" + body
        async with self._slots:
            for attempt in range(2):
                connection, reused = await self._connection()
                try:
                    status, response_body, keep = await self._exchange(connection, payload)
                except (ConnectionLost, ConnectionError, asyncio.IncompleteReadError):
                    connection.close()
                    if reused and attempt == 0:
                        continue  # the server closed an idle connection: once more, afresh
                    raise
                except BaseException:
                    connection.close()  # a cancelled exchange leaves the stream mid-response
                    raise
                if keep:
                    connection.idle_since = time.monotonic()
                    self._idle.append(connection)
                else:
                    connection.close()
                return status, response_body
        raise AssertionError("unreachable")

    @staticmethod
    async def _exchange(connection: _Connection, payload: bytes) -> tuple[int, bytes, bool]:
        reader = connection.reader
        connection.writer.write(payload)
        await connection.writer.drain()
        try:
            raw_head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            raise ConnectionLost from exc
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length: int | None = None
        chunked = False
        keep = lines[0].startswith("HTTP/1.1")
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                keep = value.strip().lower() != "close"
        if status in (204, 304) or status < 200:
            response_body = b""
        elif chunked:
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers from our server
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            response_body = b"".join(parts)
        elif length is not None:
            response_body = await reader.readexactly(length)
        else:
            response_body = await reader.read()
            keep = False
        return status, response_body, keep

    async def aclose(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()
