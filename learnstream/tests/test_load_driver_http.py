"""The load benchmark's HTTP client (`bench/lean_http.py`) against a real socket server:
what it measures is only as good as its reading of responses."""

from __future__ import annotations

import asyncio
import json

from bench import lean_http


async def _serve(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return head[0], headers, body


def test_keep_alive_lengths_chunks_and_empty_answers():
    connections = []
    seen = []

    async def handler(reader, writer):
        connections.append(writer)
        try:
            while True:
                line, headers, body = await _read_request(reader)
                seen.append((line, headers, body))
                if line.startswith("GET /chunked"):
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                    )
                elif line.startswith("DELETE"):
                    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                else:
                    payload = json.dumps({"echo": json.loads(body or b"null")}).encode()
                    writer.write(
                        b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s"
                        % (len(payload), payload)
                    )
                await writer.drain()
        except asyncio.IncompleteReadError:
            writer.close()

    async def scenario():
        server, port = await _serve(handler)
        pool = lean_http.Pool("127.0.0.1", port, max_connections=1)
        try:
            status, body = await pool.request(
                "POST", "/beat", headers={"Authorization": "Bearer t"}, json={"position_s": 12.5}
            )
            assert (status, json.loads(body)) == (201, {"echo": {"position_s": 12.5}})
            assert await pool.request("GET", "/chunked") == (200, b"hello world")
            assert await pool.request("DELETE", "/x") == (204, b"")
        finally:
            await pool.aclose()
            server.close()

    asyncio.run(scenario())
    assert len(connections) == 1  # one kept-alive connection carried all three
    line, headers, body = seen[0]
    assert line == "POST /beat HTTP/1.1"
    assert headers["authorization"] == "Bearer t"
    assert headers["content-type"] == "application/json" and headers["host"].startswith("127.")
    assert json.loads(body) == {"position_s": 12.5}


def test_a_connection_the_server_closed_while_idle_is_replaced_once():
    answered = []

    async def handler(reader, writer):
        await _read_request(reader)
        answered.append(1)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # no keep-alive, though the answer did not say so

    async def scenario():
        server, port = await _serve(handler)
        pool = lean_http.Pool("127.0.0.1", port, max_connections=1)
        try:
            assert await pool.request("GET", "/") == (200, b"ok")
            await asyncio.sleep(0.05)
            assert await pool.request("GET", "/") == (200, b"ok")  # retried on a new one
        finally:
            await pool.aclose()
            server.close()

    asyncio.run(scenario())
    assert len(answered) == 2
