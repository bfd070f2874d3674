"""The lean HTTP/1.1 transport under `KalshiClient`: framing, keep-alive, and failures
mapped to the httpx exceptions the retry rules rely on.

A real loopback TCP server answers with scripted raw bytes, so framings the simulated
exchange never produces (chunked, gzip, read-to-close, early close) are covered too; the
last tests run the whole client against the simulated exchange, and check that the
client's direct path (`_direct`) writes the same requests as the httpx path.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from kalshi_tui.api import KalshiAuth, KalshiClient, RateLimits
from kalshi_tui.api._transport import LeanTransport
from kalshi_tui.exchange.server import start_exchange

CLOSE = b""
"""Script entry: close the connection instead of answering."""
HANG = None
"""Script entry: never answer."""


def ok(body: bytes, *extra: str) -> bytes:
    headers = "".join(f"{line}\r\n" for line in extra)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{headers}\r\n"
    ).encode() + body


class RawServer:
    """Answers each request with the next scripted reply; counts connections."""

    def __init__(self, *replies: bytes | None) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []
        self._stop = asyncio.Event()
        self.received = asyncio.Event()
        """Set once a request has arrived."""

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> RawServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        self._stop.set()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.append(writer)
        self.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                self.requests.append(head + await reader.readexactly(length))
                self.received.set()
                reply = self.replies.pop(0)
                if reply is HANG:
                    await self._stop.wait()
                    return
                if reply == CLOSE:
                    return
                writer.write(reply)
                await writer.drain()
                lowered = reply.lower()
                delimited = (
                    b"content-length" in lowered or b"chunked" in lowered or b" 204 " in reply
                )
                if b"connection: close" in lowered or b"x-close-after" in lowered or not delimited:
                    return
        finally:
            writer.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=LeanTransport(), timeout=2.0) as client:
        yield client


async def test_keep_alive_reuses_one_connection(http: httpx.AsyncClient) -> None:
    async with RawServer(ok(b'{"a":1}'), ok(b'{"b":2}')) as server:
        first = await http.get(server.url + "/x?y=1")
        second = await http.post(server.url + "/z", json={"q": 1})
    assert first.json() == {"a": 1}
    assert second.json() == {"b": 2}
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /x?y=1 HTTP/1.1\r\n")
    assert server.requests[1].startswith(b"POST /z HTTP/1.1\r\n")
    assert server.requests[1].endswith(b'{"q":1}') or server.requests[1].endswith(b'{"q": 1}')


async def test_chunked_body_with_trailer(http: httpx.AsyncClient) -> None:
    reply = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4\r\n{"a"\r\n3;ext=1\r\n:12\r\n1\r\n}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    async with RawServer(reply, ok(b"{}")) as server:
        response = await http.get(server.url)
        await http.get(server.url)
    assert response.json() == {"a": 12}
    assert server.connections == 1


async def test_body_until_close_is_read_and_the_connection_not_reused(
    http: httpx.AsyncClient,
) -> None:
    async with RawServer(b"HTTP/1.1 200 OK\r\n\r\nhello", ok(b"again")) as server:
        first = await http.get(server.url)
        second = await http.get(server.url)
    assert first.content == b"hello"
    assert second.content == b"again"
    assert server.connections == 2


async def test_connection_close_header_opens_a_new_connection(http: httpx.AsyncClient) -> None:
    async with RawServer(ok(b"1", "Connection: close"), ok(b"2")) as server:
        assert (await http.get(server.url)).content == b"1"
        assert (await http.get(server.url)).content == b"2"
    assert server.connections == 2


async def test_gzip_is_decoded_and_204_has_no_body(http: httpx.AsyncClient) -> None:
    packed = gzip.compress(b'{"zipped":true}')
    async with RawServer(
        ok(packed, "Content-Encoding: gzip"),
        b"HTTP/1.1 204 No Content\r\n\r\n",
        ok(b"{}"),
    ) as server:
        assert (await http.get(server.url)).json() == {"zipped": True}
        empty = await http.delete(server.url)
        await http.get(server.url)
    assert empty.status_code == 204
    assert empty.content == b""
    assert server.connections == 1


async def test_interim_100_continue_is_skipped(http: httpx.AsyncClient) -> None:
    async with RawServer(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"done")) as server:
        assert (await http.get(server.url)).content == b"done"


async def test_close_without_response_is_a_remote_protocol_error(
    http: httpx.AsyncClient,
) -> None:
    async with RawServer(CLOSE) as server:
        with pytest.raises(httpx.RemoteProtocolError, match="disconnected"):
            await http.get(server.url)


async def test_truncated_body_is_a_remote_protocol_error(http: httpx.AsyncClient) -> None:
    truncated = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc"
    async with RawServer(truncated) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(server.url)


async def test_garbage_status_line_is_a_remote_protocol_error(http: httpx.AsyncClient) -> None:
    async with RawServer(b"SMTP ready\r\n\r\n") as server:
        with pytest.raises(httpx.RemoteProtocolError, match="status line"):
            await http.get(server.url)


async def test_silence_is_a_read_timeout() -> None:
    async with (
        httpx.AsyncClient(transport=LeanTransport(), timeout=0.2) as http,
        RawServer(HANG) as server,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await http.get(server.url)


async def test_refused_connection_is_a_connect_error(http: httpx.AsyncClient) -> None:
    async with RawServer() as server:
        url = server.url
    with pytest.raises(httpx.ConnectError):
        await http.get(url)


async def test_idle_connection_closed_by_the_server_is_not_reused(
    http: httpx.AsyncClient,
) -> None:
    # The server answers, then drops the idle connection; the next request must not be
    # written into the dead socket (for a write that would make the outcome ambiguous).
    async with RawServer(ok(b"1", "X-Close-After: yes"), ok(b"2")) as server:
        assert (await http.get(server.url)).content == b"1"
        await asyncio.sleep(0.05)  # the FIN arrives while the connection is idle
        assert (await http.get(server.url)).content == b"2"
    assert server.connections == 2


async def test_cancelled_request_closes_its_connection(http: httpx.AsyncClient) -> None:
    async with RawServer(HANG, ok(b"after")) as server:
        request = asyncio.ensure_future(http.get(server.url))
        await server.received.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        assert (await http.get(server.url)).content == b"after"
    assert server.connections == 2


# ---- the whole client against the simulated exchange --------------------------------------


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def test_client_against_the_exchange_uses_the_lean_transport(
    key: rsa.RSAPrivateKey,
) -> None:
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with start_exchange(markets=30, keys=[("k1", public)], agents=False) as exchange:
        async with KalshiClient(
            exchange.base_url, KalshiAuth("k1", key), rate_limits=RateLimits.unlimited()
        ) as client:
            assert isinstance(client._http._transport, LeanTransport)
            markets = await client.get_all_markets(limit=7)
            one_page = await client.get_markets(limit=1000)
            balance, orders, fills = await asyncio.gather(
                client.get_balance(), client.get_orders(), client.get_fills(limit=5)
            )
    assert len(markets) > 7  # several pages
    assert [m.ticker for m in markets] == [m.ticker for m in one_page.markets]
    assert balance.balance > 0
    assert orders.orders == ()
    assert fills.fills == ()


# ---- the direct path (`_direct`) against the httpx path -----------------------------------


def _verify(public: rsa.RSAPublicKey, request: bytes) -> dict[str, str]:
    """Headers of a raw request, after checking its Kalshi signature over the path."""
    head = request.split(b"\r\n\r\n", 1)[0].decode()
    line, *fields = head.split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (f.split(":", 1) for f in fields)}
    path = line.split(" ")[1].split("?", 1)[0]
    message = (headers["kalshi-access-timestamp"] + line.split(" ")[0] + path).encode()
    public.verify(
        base64.b64decode(headers["kalshi-access-signature"]),
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    return headers


def _without_signature(request: bytes) -> tuple[str, set[str], bytes]:
    head, _, body = request.partition(b"\r\n\r\n")
    line, *fields = head.decode().split("\r\n")
    kept = {f.lower() for f in fields if not f.lower().startswith("kalshi-access-")}
    return line, kept, body


async def test_direct_path_writes_what_httpx_writes(key: rsa.RSAPrivateKey) -> None:
    order = {"ticker": "KX-1", "side": "yes", "count": 1, "client_order_id": "é-1"}
    replies = [ok(b'{"balance":100,"portfolio_value":0}'), ok(b'{"order":{}}')] * 2
    async with RawServer(*replies) as server:
        base = server.url + "/trade-api/v2"
        direct = KalshiClient(base, KalshiAuth("k1", key), rate_limits=RateLimits.unlimited())
        via_httpx = KalshiClient(
            base,
            KalshiAuth("k1", key),
            rate_limits=RateLimits.unlimited(),
            transport=LeanTransport(),
        )
        assert direct._direct is not None
        assert via_httpx._direct is None
        for client in (direct, via_httpx):
            async with client:
                await client._send(
                    "GET",
                    "/markets/KX A",
                    params={"tickers": ["A", "B"], "flag": True, "none": None},
                    body=None,
                    bucket="read",
                    cost=1,
                    priority="normal",
                    auth_required=True,
                )
                await client._send(
                    "POST",
                    "/portfolio/orders",
                    params=None,
                    body=order,
                    bucket="write",
                    cost=1,
                    priority="normal",
                    auth_required=True,
                )
    public = key.public_key()
    for request in server.requests:
        assert _verify(public, request)["kalshi-access-key"] == "k1"
    direct_requests = [_without_signature(r) for r in server.requests[:2]]
    httpx_requests = [_without_signature(r) for r in server.requests[2:]]
    assert direct_requests == httpx_requests
    assert (
        direct_requests[0][0] == "GET /trade-api/v2/markets/KX%20A?tickers=A%2CB&flag=true HTTP/1.1"
    )
    assert json.loads(direct_requests[1][2]) == order


async def test_direct_path_signs_every_retry_afresh(key: rsa.RSAPrivateKey) -> None:
    unavailable = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}"
    balance = ok(b'{"balance":100,"portfolio_value":0}')

    async def no_wait(seconds: float) -> None:
        return None

    async with (
        RawServer(unavailable, CLOSE, balance) as server,
        KalshiClient(
            server.url + "/trade-api/v2",
            KalshiAuth("k1", key),
            rate_limits=RateLimits.unlimited(),
            sleep=no_wait,
        ) as client,
    ):
        assert client._direct is not None
        result = await client.get_balance()
    assert result.balance == Decimal("1.00")
    assert len(server.requests) == 3
    signatures = {_verify(key.public_key(), r)["kalshi-access-signature"] for r in server.requests}
    assert len(signatures) == 3  # PSS is randomised: three attempts, three signatures


def test_a_configured_proxy_keeps_the_httpx_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    client = KalshiClient("https://api.elections.kalshi.com/trade-api/v2")
    assert client._direct is None
    monkeypatch.delenv("HTTPS_PROXY")
    assert KalshiClient("https://api.elections.kalshi.com/trade-api/v2")._direct is not None


async def test_the_httpx_escape_hatch_uses_httpx_transport_end_to_end(
    key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_TUI_HTTP", "httpx")
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with start_exchange(markets=30, keys=[("k1", public)], agents=False) as exchange:
        async with KalshiClient(
            exchange.base_url, KalshiAuth("k1", key), rate_limits=RateLimits.unlimited()
        ) as client:
            assert client._direct is None
            assert not isinstance(client._http._transport, LeanTransport)
            assert (await client.get_balance()).balance > 0
            assert len(await client.get_all_markets(limit=7)) > 7


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Server and client TLS contexts for a throwaway certificate for `localhost`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


async def test_https_verifies_the_certificate_and_keeps_alive(tmp_path: Path) -> None:
    server_tls, client_tls = _self_signed(tmp_path)
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            for body in (b"one", b"two"):
                await reader.readuntil(b"\r\n\r\n")
                writer.write(ok(body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=LeanTransport(ssl_context=client_tls)) as http:
            assert (await http.get(f"https://localhost:{port}/a")).content == b"one"
            assert (await http.get(f"https://localhost:{port}/b")).content == b"two"
        assert connections == 1
        # The default context trusts only real CAs: the throwaway certificate is refused.
        async with httpx.AsyncClient(transport=LeanTransport()) as http:
            with pytest.raises(httpx.ConnectError):
                await http.get(f"https://localhost:{port}/c")
    finally:
        server.close()
        await server.wait_closed()
