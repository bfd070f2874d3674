"""Hostile bytes on the client's default path: httpx's own transport (no transport
injected), against a loopback server that answers every
request with crafted raw bytes — a fuzzed JSON body in a well-formed response, or a broken
response: bad status lines and headers, wrong or missing lengths, broken chunking, a gzip
header on plain bytes, a connection closed half-way.

What must hold: only the client's own errors come out (never a ValueError, IndexError or
UnicodeDecodeError from parsing HTTP), and a write whose answer is unusable after the
request left is `AmbiguousWriteError`.
"""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import READ_BODIES, READS, WRITES, response_bodies
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kalshi_tui import api

BROKEN: list[bytes] = [
    b"",
    b"\r\n\r\n",
    b"garbage\r\n\r\n",
    b"HTTP/1.1\r\n\r\n",
    b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 99999999999999999999 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;ext=1\r\n{}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
    b"2\r\n{}\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: br, zstd\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
    b"HTTP/1.1 200 OK\nContent-Length: 2\n\n{}",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=latin-1\r\n"
    b"Content-Length: 4\r\n\r\n\xff\xfe{}",
    b"HTTP/1.1 200 \xff\xfe\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\n\xc3\x28: x\r\nContent-Length: 2\r\n\r\n{}",
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\n"
    b"Content-Length: 30\r\n\r\n<html><h1>down</h1></html>",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}EXTRA BYTES AFTER THE BODY",
]


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    answer: bytes = b""


class Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        connection: socket.socket = self.request
        connection.settimeout(2)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                received += chunk
            assert isinstance(self.server, Server)
            connection.sendall(self.server.answer)
        except OSError:
            return
        finally:
            connection.close()  # one answer per connection: the client cannot reuse it


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def well_formed(status: int, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
    return head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body


async def call_once(server: Server, key: rsa.RSAPrivateKey, name: str) -> object:
    host, port = server.server_address[:2]
    write = WRITES.get(name)
    async with api.KalshiClient(
        f"http://{host!s}:{port}/trade-api/v2",
        api.KalshiAuth("fuzz-key-id", key),
        rate_limits=api.RateLimits.unlimited(),
        timeout=2.0,
        max_read_retries=0,
        order_api=write.api if write else "auto",
    ) as client:
        assert type(client._http._transport) is httpx.AsyncHTTPTransport, "httpx's own"
        try:
            return await (write.call if write else READS[name])(client)
        except Exception as exc:
            return exc


NAMES = [*sorted(READS), "create_v2", "cancel_v2", "amend_v2", "batch_cancel_v2"]


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=st.sampled_from(NAMES), data=st.data())
def test_httpx_transport_turns_hostile_bytes_into_client_errors(
    server: Server, rsa_key: rsa.RSAPrivateKey, name: str, data: st.DataObject
) -> None:
    body = READ_BODIES.get(name) or WRITES[name].body
    if data.draw(st.booleans()):
        status = data.draw(st.sampled_from([200, 201, 400, 404, 409, 500, 503]))
        server.answer = well_formed(status, data.draw(response_bodies(body)))
    else:
        server.answer = data.draw(st.sampled_from(BROKEN))
    result = asyncio.run(call_once(server, rsa_key, name))
    event(f"{type(result).__name__}")
    if isinstance(result, BaseException):
        assert isinstance(result, api.KalshiError), repr(result)
        if name in WRITES and not isinstance(result, api.AmbiguousWriteError):
            # Only a definite refusal (a readable 4xx) may say the write did not happen.
            assert isinstance(result, (api.RequestRejected, api.NotFound)), repr(result)
