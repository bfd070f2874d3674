"""A lean HTTP/1.1 keep-alive transport for httpx, built directly on asyncio protocols.

httpx's default transport (httpcore over anyio, h11 for framing) costs about 0.35 ms of
CPU per request on this machine, more than the RSA-PSS signature each request needs;
Kalshi's own synchronous SDK (urllib3) costs about 0.2 ms. The portfolio refresh sends
four requests every couple of seconds, so that overhead is most of its latency (see
`bench/bench_client.py` and docs/PERFORMANCE.md). This transport does the same job in a
few dozen lines per request path: one asyncio protocol per connection, the response read
straight into a buffer, framing by `Content-Length`, `chunked`, or end of stream.

It plugs in below `httpx.AsyncClient`, so signing (`KalshiAuth`), content decoding
(gzip, deflate), proxies from the environment (httpx mounts its own transports for those)
and the exception types `_core` classifies all stay httpx's. Failures map the way
httpcore maps them, which the retry rules in `_core` depend on:

* connecting fails → `ConnectError` / `ConnectTimeout` (nothing was sent);
* no byte of the response within the read timeout → `ReadTimeout`;
* the peer closes before a complete response → `RemoteProtocolError`;
* an unparseable response → `RemoteProtocolError`.

A connection is reused only after a complete response that did not ask to close it, and
only if nothing arrived on it while idle; a cancelled request closes its connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import NamedTuple

import httpx

__all__ = ["LeanTransport", "Origin", "RawReply", "origin_of"]

MAX_HEADER_BYTES = 64 * 1024
DEFAULT_MAX_IDLE = 16
"""Idle keep-alive connections kept per origin (more concurrent requests still work)."""

Origin = tuple[str, str, int]
"""(scheme, host, port)."""


class RawReply(NamedTuple):
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    content: bytes


def origin_of(url: httpx.URL) -> Origin:
    """The (scheme, host, port) a URL connects to; only http and https are spoken."""
    scheme = url.scheme
    if scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
    return scheme, url.host, url.port or (443 if scheme == "https" else 80)


class _PeerClosed(Exception):
    """The connection closed while a response was still expected."""


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; bytes accumulate in `buffer` until consumed."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None

    # asyncio.Protocol callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # let asyncio close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # used by the transport

    @property
    def reusable(self) -> bool:
        transport = self.transport
        return (
            not self.closed
            and not self.buffer
            and transport is not None
            and not transport.is_closing()
        )

    async def more(self, limit_s: float | None) -> None:
        """Wait for more bytes; `_PeerClosed` if none can come, `ReadTimeout` if too slow."""
        if self.closed:
            raise _PeerClosed
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            if limit_s is None:
                await self._waiter
            else:
                try:
                    async with asyncio.timeout(limit_s):
                        await self._waiter
                except TimeoutError:
                    raise httpx.ReadTimeout(f"no data for {limit_s:g} s") from None
        finally:
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with keep-alive over asyncio; see the module docstring."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_idle_per_origin: int = DEFAULT_MAX_IDLE,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_idle = max_idle_per_origin
        self._idle: dict[Origin, list[_Connection]] = {}
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        timeouts: Mapping[str, float | None] = request.extensions.get("timeout", {})
        try:
            reply = await self.round_trip(
                origin_of(url),
                _request_head(request),
                request.content,  # a client-built request carries its body in memory
                method=request.method,
                connect_s=timeouts.get("connect"),
                read_s=timeouts.get("read"),
            )
        except httpx.TransportError as exc:
            exc.request = request
            raise
        return httpx.Response(
            reply.status,
            headers=reply.headers,
            stream=httpx.ByteStream(reply.content),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reply.reason},
        )

    async def round_trip(
        self,
        origin: Origin,
        head: bytes,
        body: bytes,
        *,
        method: str,
        connect_s: float | None,
        read_s: float | None,
    ) -> RawReply:
        """Send one request (`head` is the request line and headers, CRLF-terminated) and
        read its response; the body is returned still content-encoded."""
        if self._closed:
            raise RuntimeError("the transport is closed")
        connection = await self._acquire(origin, connect_s)
        try:
            assert connection.transport is not None
            connection.transport.write(head + body if body else head)
            status, reason, headers, keep_alive = await _read_head(connection, read_s)
            content, keep_alive = await _read_body(
                connection, status, headers, method, keep_alive, read_s
            )
        except _PeerClosed:
            connection.close()
            raise httpx.RemoteProtocolError(
                "server disconnected without sending a complete response"
            ) from None
        except BaseException:
            connection.close()
            raise
        if keep_alive and connection.reusable:
            self._release(origin, connection)
        else:
            connection.close()
        return RawReply(status, reason, headers, content)

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    async def _acquire(self, origin: Origin, limit_s: float | None) -> _Connection:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.reusable:
                return connection
            connection.close()
        scheme, host, port = origin
        context: ssl.SSLContext | None = None
        if scheme == "https":
            if self._ssl_context is None:
                self._ssl_context = httpx.create_ssl_context()
            context = self._ssl_context
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(limit_s):
                _, connection = await loop.create_connection(
                    _Connection, host, port, ssl=context, server_hostname=host if context else None
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port} took over {limit_s:g} s"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        return connection

    def _release(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) < self._max_idle and not self._closed:
            idle.append(connection)
        else:
            connection.close()


def _request_head(request: httpx.Request) -> bytes:
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), request.url.raw_path)]
    lines.extend(b"%s: %s\r\n" % (name, value) for name, value in request.headers.raw)
    lines.append(b"\r\n")
    return b"".join(lines)


async def _read_head(
    connection: _Connection, limit_s: float | None
) -> tuple[int, bytes, list[tuple[bytes, bytes]], bool]:
    """Status, reason, headers and whether the server allows reuse; skips 1xx responses."""
    buffer = connection.buffer
    while True:
        start = 0
        while (end := buffer.find(b"\r\n\r\n", start)) < 0:
            if len(buffer) > MAX_HEADER_BYTES:
                raise httpx.RemoteProtocolError("response headers exceed 64 KiB")
            start = max(0, len(buffer) - 3)
            await connection.more(limit_s)
        lines = bytes(buffer[:end]).split(b"\r\n")
        del buffer[: end + 4]
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise httpx.RemoteProtocolError(f"malformed status line {lines[0][:80]!r}")
        status = int(parts[1])
        if 100 <= status < 200 and status != 101:
            continue  # an interim response: the real one follows
        headers: list[tuple[bytes, bytes]] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}")
            headers.append((name, value.strip()))
        connection_tokens = b",".join(
            value.lower() for name, value in headers if name.lower() == b"connection"
        )
        if parts[0] == b"HTTP/1.0":
            keep_alive = b"keep-alive" in connection_tokens
        else:
            keep_alive = b"close" not in connection_tokens
        if status == 101:
            raise httpx.RemoteProtocolError("unexpected protocol upgrade (101)")
        return status, parts[2] if len(parts) > 2 else b"", headers, keep_alive


async def _read_body(
    connection: _Connection,
    status: int,
    headers: list[tuple[bytes, bytes]],
    method: str,
    keep_alive: bool,
    limit_s: float | None,
) -> tuple[bytes, bool]:
    """The (still content-encoded) body and whether the connection can be reused."""
    if method == "HEAD" or status in (204, 304):
        return b"", keep_alive
    chunked = False
    length: int | None = None
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            chunked = chunked or value.lower().endswith(b"chunked")
        elif lowered == b"content-length":
            if not value.isdigit() or (length is not None and length != int(value)):
                raise httpx.RemoteProtocolError(f"bad Content-Length {value[:40]!r}")
            length = int(value)
    buffer = connection.buffer
    if chunked:
        return await _read_chunked(connection, limit_s), keep_alive
    if length is not None:
        while len(buffer) < length:
            await connection.more(limit_s)
        content = bytes(buffer[:length])
        del buffer[:length]
        return content, keep_alive
    # Neither: the body runs to the end of the connection, which cannot be reused.
    while True:
        try:
            await connection.more(limit_s)
        except _PeerClosed:
            content = bytes(buffer)
            buffer.clear()
            return content, False


async def _read_chunked(connection: _Connection, limit_s: float | None) -> bytes:
    buffer = connection.buffer
    chunks: list[bytes] = []
    while True:
        while (end := buffer.find(b"\r\n")) < 0:
            await connection.more(limit_s)
        size_text = bytes(buffer[:end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise httpx.RemoteProtocolError(f"bad chunk size {size_text[:20]!r}") from None
        del buffer[: end + 2]
        if size == 0:
            # Trailers (ignored) end with an empty line.
            while True:
                while (end := buffer.find(b"\r\n")) < 0:
                    await connection.more(limit_s)
                del buffer[: end + 2]
                if end == 0:
                    return b"".join(chunks)
        while len(buffer) < size + 2:
            await connection.more(limit_s)
        if buffer[size : size + 2] != b"\r\n":
            raise httpx.RemoteProtocolError("chunk not terminated by CRLF")
        chunks.append(bytes(buffer[:size]))
        del buffer[: size + 2]
