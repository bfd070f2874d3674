"""One HTTP stack: the client sends on httpx's own transport, signed by `KalshiAuth` on
every attempt, with httpx's proxies and TLS.

A loopback TCP server that answers scripted raw bytes shows what goes on the wire (the
request line, the signature over the path, the body), that every retry is signed afresh,
and how timeouts and refused connections map onto the retry rules. Then the whole client
against the embedded exchange: over plain HTTP with httpx's default transport, over TLS
(a throwaway CA, the exchange served by uvicorn with TLS, `verify=` the CA file, also
from the `ca_bundle` setting), and through a CONNECT proxy named by `HTTPS_PROXY`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from loopback_kit import KEY_ID, Keys, order
from tls_kit import PROXIED_HOST, ConnectProxy, make_pki, serve_tls

from kalshi_tui.api import (
    AmbiguousWriteError,
    KalshiAuth,
    KalshiClient,
    OrderRequest,
    RateLimits,
    TransportError,
)
from kalshi_tui.config import load_settings
from kalshi_tui.services.launch import configured_session

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


async def no_wait(_seconds: float) -> None:
    return None


def raw_client(server: RawServer, key: rsa.RSAPrivateKey, **kwargs: Any) -> KalshiClient:
    kwargs.setdefault("rate_limits", RateLimits.unlimited())
    return KalshiClient(server.url + "/trade-api/v2", KalshiAuth("k1", key), **kwargs)


async def test_requests_go_out_signed_as_kalshi_verifies_them(rsa_key: rsa.RSAPrivateKey) -> None:
    placed = {"ticker": "KX-1", "side": "yes", "count": 1, "client_order_id": "é-1"}
    replies = [ok(b'{"balance":100,"portfolio_value":0}'), ok(b'{"order":{}}')]
    async with RawServer(*replies) as server, raw_client(server, rsa_key) as client:
        query = {"tickers": ["A", "B"], "flag": True, "none": None}
        for method, path, params, body, bucket in (
            ("GET", "/markets/KX A", query, None, "read"),
            ("POST", "/portfolio/orders", None, placed, "write"),
        ):
            await client._send(
                method,
                path,
                params=params,
                body=body,
                bucket=bucket,  # type: ignore[arg-type]
                cost=1,
                priority="normal",
                auth_required=True,
            )
    public = rsa_key.public_key()
    for request in server.requests:
        assert _verify(public, request)["kalshi-access-key"] == "k1"
    get, post = (_without_signature(r) for r in server.requests)
    assert get[0] == "GET /trade-api/v2/markets/KX%20A?tickers=A%2CB&flag=true HTTP/1.1"
    assert "accept: application/json" in get[1]
    assert post[0] == "POST /trade-api/v2/portfolio/orders HTTP/1.1"
    assert "content-type: application/json" in post[1]
    assert json.loads(post[2]) == placed
    assert server.connections == 1, "httpx keeps the connection alive"


async def test_every_retry_is_signed_afresh(rsa_key: rsa.RSAPrivateKey) -> None:
    unavailable = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}"
    balance = ok(b'{"balance":100,"portfolio_value":0}')
    async with (
        RawServer(unavailable, CLOSE, balance) as server,
        raw_client(server, rsa_key, sleep=no_wait) as client,
    ):
        result = await client.get_balance()
    assert result.balance == Decimal("1.00")
    assert len(server.requests) == 3
    public = rsa_key.public_key()
    signatures = {_verify(public, r)["kalshi-access-signature"] for r in server.requests}
    assert len(signatures) == 3  # PSS is randomised: three attempts, three signatures


async def test_a_silent_exchange_times_out_reads_and_leaves_writes_unknown(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    options: dict[str, Any] = {"timeout": 0.3, "sleep": no_wait, "max_read_retries": 1}
    async with (
        RawServer(HANG, HANG, HANG) as server,
        raw_client(server, rsa_key, **options) as client,
    ):
        with pytest.raises(TransportError, match="ReadTimeout"):
            await client.get_balance()
        assert client.stats.retries == 1, "a read is retried"
        request = OrderRequest(
            ticker="T",
            side="yes",
            action="buy",
            count=Decimal(1),
            price=Decimal("0.5"),
            client_order_id="c1",
        )
        with pytest.raises(AmbiguousWriteError) as unknown:
            await client.create_order(request)
        assert unknown.value.client_order_id == "c1"
        assert client.stats.retries == 1, "a write that may have landed is never resent"


async def test_a_refused_connection_is_not_sent_and_retried(rsa_key: rsa.RSAPrivateKey) -> None:
    async with RawServer() as server:
        url = server.url
    client = KalshiClient(
        url + "/trade-api/v2",
        KalshiAuth("k1", rsa_key),
        rate_limits=RateLimits.unlimited(),
        sleep=no_wait,
    )
    async with client:
        with pytest.raises(TransportError, match=r"ConnectError.*\(not sent\)"):
            await client.cancel_order("o1")
        assert client.stats.retries == 2, "nothing left the machine: safe to try again"


# ---- the whole client against the embedded exchange ----------------------------------------


async def round_trip(client: KalshiClient) -> None:
    markets = await client.get_all_markets(limit=7)
    assert len(markets) > 7, "several pages"
    balance, orders = await asyncio.gather(client.get_balance(), client.get_orders())
    assert balance.balance > 0
    assert orders.orders == ()
    ack = await client.create_order(order(markets[0].ticker, "0.05"))
    assert (await client.get_order(ack.order_id)).status == "resting"
    assert (await client.cancel_all_orders()).count >= 1


async def test_plain_http_uses_httpx_default_transport(start: Any, keys: Keys) -> None:
    exchange = start()
    async with KalshiClient(
        exchange.base_url, KalshiAuth(KEY_ID, keys[0]), rate_limits=RateLimits.unlimited()
    ) as client:
        assert type(client._http._transport) is httpx.AsyncHTTPTransport
        await round_trip(client)


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name)


async def test_tls_with_a_local_ca(
    start: Any, keys: Keys, tmp_path: Path, no_proxies: None
) -> None:
    pki = make_pki(tmp_path)
    with serve_tls(start(), pki) as url:
        async with KalshiClient(
            url, KalshiAuth(KEY_ID, keys[0]), rate_limits=RateLimits.unlimited(), verify=str(pki.ca)
        ) as client:
            await round_trip(client)
        # Without the CA the certificate is refused: nothing is trusted by accident.
        async with KalshiClient(url, max_read_retries=0) as untrusting:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                await untrusting.get_exchange_status()


async def test_the_ca_bundle_setting_reaches_the_client(
    start: Any, keys: Keys, tmp_path: Path, no_proxies: None
) -> None:
    pki = make_pki(tmp_path)
    key_file = tmp_path / "kalshi.key"
    key_file.write_bytes(
        keys[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    with serve_tls(start(), pki) as url:
        config = tmp_path / "config.toml"
        config.write_text(
            "[exchange]\n"
            f'base_url = "{url}"\n'
            f'key_id = "{KEY_ID}"\n'
            'private_key_path = "kalshi.key"\n'
            'ca_bundle = "ca.pem"\n'
            "[storage]\n"
            f'data_dir = "{tmp_path / "data"}"\n'
        )
        settings = load_settings(config)
        assert settings.exchange.ca_bundle == pki.ca
        session = configured_session(settings)
        try:
            assert (await session.client.get_balance()).balance > 0
        finally:
            await session.close()


async def test_https_through_a_connect_proxy_from_the_environment(
    start: Any, keys: Keys, tmp_path: Path, no_proxies: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = make_pki(tmp_path)
    with serve_tls(start(), pki, host=PROXIED_HOST) as url:
        port = httpx.URL(url).port
        async with ConnectProxy() as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            async with KalshiClient(
                url,
                KalshiAuth(KEY_ID, keys[0]),
                rate_limits=RateLimits.unlimited(),
                verify=str(pki.ca),
            ) as client:
                await round_trip(client)
    assert proxy.seen, "the requests went through the proxy"
    assert set(proxy.seen) == {f"CONNECT {PROXIED_HOST}:{port}"}


async def test_an_exchange_on_loopback_is_never_proxied(
    start: Any, keys: Keys, no_proxies: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    exchange = start()
    async with ConnectProxy() as proxy:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        async with KalshiClient(
            exchange.base_url, KalshiAuth(KEY_ID, keys[0]), rate_limits=RateLimits.unlimited()
        ) as client:
            await round_trip(client)
    assert proxy.seen == []
