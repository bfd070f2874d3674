"""Kalshi's own Python SDK (kalshi_python_sync 3.2.0) against the simulator's legacy profile.

Skipped unless the SDK is installed (it is not a project dependency): `pip install
kalshi_python_sync`. The SDK validates every response with strict pydantic models, so this is
the sharpest check that the legacy wire shapes are what Kalshi's SDK expects.
"""

from __future__ import annotations

import pytest
from conftest import KeyPair, StartExchange
from cryptography.hazmat.primitives import serialization
from sim_http_kit import KEY_ID

sdk = pytest.importorskip("kalshi_python_sync")


@pytest.mark.parametrize("profile", ["legacy", "compat"])
def test_official_sdk_round_trip(start: StartExchange, key_pair: KeyPair, profile: str) -> None:
    exchange = start(profile=profile)
    pem = key_pair[0].private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    configuration = sdk.Configuration(host=exchange.base_url)
    configuration.api_key_id = KEY_ID
    configuration.private_key_pem = pem.decode()
    client = sdk.KalshiClient(configuration)

    markets = client.get_markets(limit=5, status="open")
    assert len(markets.markets) == 5
    assert markets.cursor
    ticker = markets.markets[0].ticker
    assert client.get_market(ticker).market.ticker == ticker
    book = client.get_market_orderbook(ticker)
    assert book.orderbook.yes_dollars == []
    assert client.get_exchange_status().trading_active is True

    assert client.get_balance().balance == 1_000_000

    created = client.create_order(
        ticker=ticker,
        side="yes",
        action="buy",
        count=3,
        yes_price=41,
        client_order_id="sdk-order-1",
    ).order
    assert created.status.value == "resting"
    assert created.yes_price == 41

    orders = client.get_orders(status="resting").orders
    assert [order.order_id for order in orders] == [created.order_id]
    assert client.get_order(created.order_id).order.client_order_id == "sdk-order-1"
    book = client.get_market_orderbook(ticker)
    assert book.orderbook.yes_dollars[-1] == ["0.4100", "3.00"]

    canceled = client.cancel_order(created.order_id)
    assert canceled.reduced_by == 3
    assert canceled.order.status.value == "canceled"
    assert client.get_orders(status="resting").orders == []

    assert client.get_positions().market_positions == []
    assert client.get_fills().fills == []
    assert client.get_trades(limit=3).cursor is not None
    assert client.get_events(limit=2).events
