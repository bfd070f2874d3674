"""Helpers for the kill-switch tests: place resting orders, count what rests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api
from kalshi_tui.exchange.server import RunningExchange

KEY_ID = "killswitch-test-key"
StartExchange = Callable[..., RunningExchange]


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def open_tickers(client: api.KalshiClient, count: int) -> list[str]:
    page = await client.get_markets(status="open", limit=count)
    return [market.ticker for market in page.markets]


async def place_resting(
    client: api.KalshiClient,
    count: int,
    *,
    on_pause: bool = False,
    group_id: str | None = None,
    parallel: int = 8,
) -> list[str]:
    """`count` buy-YES orders at 1–5 cents (far below any ask) spread over a few markets."""
    tickers = await open_tickers(client, 5)
    gate = asyncio.Semaphore(parallel)

    async def one(i: int) -> str:
        request = api.OrderRequest(
            ticker=tickers[i % len(tickers)],
            side="yes",
            action="buy",
            count=Decimal(1),
            price=Decimal("0.01") * (1 + i % 5),
            client_order_id=str(uuid.uuid4()),
            cancel_order_on_pause=on_pause,
            order_group_id=group_id,
        )
        async with gate:
            ack = await client.create_order(request)
        assert ack.remaining_count == 1, "the order must rest"
        return ack.order_id

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def resting_count(client: api.KalshiClient) -> int:
    return len(await client.get_all_orders(status="resting"))
