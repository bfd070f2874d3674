"""Exchange shards in the client (issue 12): `exchange_index` on markets, events, orders,
fills, positions and settlements; the balance breakdown; intra-account transfers. First
against bodies shaped as Kalshi documents them (only the required fields, every nullable
field null), then over loopback against the embedded exchange."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from api_testkit import FakeClock, Script, kalshi_error, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa
from loopback_kit import Keys, client_for, order

from kalshi_tui.api import (
    Balance,
    Event,
    Fill,
    InsufficientBalance,
    Market,
    MarketPosition,
    Order,
    RequestRejected,
    Settlement,
)
from kalshi_tui.services import convert

TICKER = "KXBTCD-26DEC0517-T100000"


def docs_fill() -> dict[str, Any]:
    """The required fields of Kalshi's `Fill`."""
    return {
        "fill_id": "f1",
        "exchange_index": 2,
        "trade_id": "t1",
        "order_id": "o1",
        "ticker": TICKER,
        "market_ticker": TICKER,
        "outcome_side": "yes",
        "book_side": "bid",
        "count_fp": "2.00",
        "yes_price_dollars": "0.4000",
        "no_price_dollars": "0.6000",
        "is_taker": True,
        "fee_cost": "0.0400",
    }


def docs_position() -> dict[str, Any]:
    """The required fields of Kalshi's `MarketPosition`."""
    return {
        "ticker": TICKER,
        "exchange_index": 2,
        "total_traded_dollars": "0.8000",
        "position_fp": "2.00",
        "market_exposure_dollars": "0.8000",
        "realized_pnl_dollars": "0.0000",
        "fees_paid_dollars": "0.0400",
        "last_updated_ts": "2026-11-18T07:46:40Z",
    }


def docs_settlement() -> dict[str, Any]:
    """The required fields of Kalshi's `Settlement` (`value` is nullable)."""
    return {
        "ticker": TICKER,
        "exchange_index": 2,
        "event_ticker": "KXBTCD-26DEC0517",
        "market_result": "yes",
        "yes_count_fp": "2.00",
        "yes_total_cost_dollars": "0.8000",
        "no_count_fp": "0.00",
        "no_total_cost_dollars": "0.0000",
        "revenue": 200,
        "settled_time": "2026-11-18T08:00:00Z",
        "fee_cost": "0.0400",
        "value": None,
    }


def test_docs_shaped_rows_carry_their_shard() -> None:
    assert Fill.from_wire(docs_fill()).exchange_index == 2
    assert MarketPosition.from_wire(docs_position()).exchange_index == 2
    assert Settlement.from_wire(docs_settlement()).exchange_index == 2


def test_an_unsharded_exchange_reads_as_shard_0() -> None:
    """Legacy bodies carry no `exchange_index`; Kalshi's optional ones may be null."""
    fill = {k: v for k, v in docs_fill().items() if k != "exchange_index"}
    assert Fill.from_wire(fill).exchange_index == 0
    order_body = {
        "order_id": "o1",
        "user_id": "u1",
        "client_order_id": "c1",
        "ticker": TICKER,
        "outcome_side": "yes",
        "book_side": "bid",
        "type": "limit",
        "status": "resting",
        "yes_price_dollars": "0.4000",
        "no_price_dollars": "0.6000",
        "fill_count_fp": "0.00",
        "remaining_count_fp": "1.00",
        "initial_count_fp": "1.00",
        "taker_fees_dollars": "0.0000",
        "maker_fees_dollars": "0.0000",
        "taker_fill_cost_dollars": "0.0000",
        "maker_fill_cost_dollars": "0.0000",
        "exchange_index": None,
    }
    assert Order.from_wire(order_body).exchange_index == 0
    assert Order.from_wire({**order_body, "exchange_index": 2}).exchange_index == 2
    event = {"event_ticker": "E", "series_ticker": "S", "exchange_index": 2}
    assert Event.from_wire(event).exchange_index == 2


def test_the_balance_breakdown_is_read_per_shard() -> None:
    body = {
        "balance": 1_000_000,
        "balance_dollars": "10000.0000",
        "portfolio_value": 0,
        "updated_ts": 1_795_000_000,
        "balance_breakdown": [
            {"exchange_index": 0, "balance": "9000.0000"},
            {"exchange_index": 2, "balance": "1000.000000"},
        ],
    }
    balance = Balance.from_wire(body)
    assert [(row.exchange_index, row.balance) for row in balance.breakdown] == [
        (0, Decimal(9000)),
        (2, Decimal(1000)),
    ]
    shards = convert.balance(balance)
    assert (shards.free_on(0), shards.free_on(2), shards.free_on(1)) == (
        Decimal(9000),
        Decimal(1000),
        Decimal(0),
    )
    # Only the required fields (a subaccount-restricted key gets no breakdown).
    bare = Balance.from_wire({k: v for k, v in body.items() if k != "balance_breakdown"})
    assert bare.breakdown == ()
    unsharded = convert.balance(bare)
    assert (unsharded.free_on(0), unsharded.free_on(2)) == (Decimal(10000), Decimal(0))


async def test_a_transfer_sends_centicents_and_reads_the_listing(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    row = {
        "transfer_id": "tr1",
        "source": "event_contract",
        "destination": "event_contract",
        "source_exchange_shard": 0,
        "destination_exchange_shard": 2,
        "amount": "100.50",
        "status": "pending",
        "created_ts": 1_795_000_000,
    }
    script = Script(
        respond(200, {"transfer_id": "tr1"}),
        respond(200, {"transfers": [row]}),  # the last page: no cursor
        respond(200, {"transfer": {**row, "status": "complete"}}),
    )
    async with make_client(script, clock, rsa_key) as client:
        made = await client.transfer_between_shards(
            source=0, destination=2, amount=Decimal("100.50")
        )
        listed = [t async for t in client.iter_transfers()]
        one = await client.get_transfer("tr1")
    assert made == "tr1"
    assert script.paths[0] == "POST /trade-api/v2/portfolio/intra_exchange_instance_transfer"
    assert script.body(0) == {
        "source": "event_contract",
        "destination": "event_contract",
        "amount": 1_005_000,
        "source_exchange_shard": 0,
        "destination_exchange_shard": 2,
    }
    assert [(t.transfer_id, t.amount, t.status) for t in listed] == [
        ("tr1", Decimal("100.50"), "pending")
    ]
    assert one.status == "complete"


@pytest.mark.parametrize(
    ("source", "destination", "amount", "message"),
    [
        (0, 0, "1", "both shard 0"),
        (0, 101, "1", "not an exchange shard"),
        (0, 2, "0", "positive"),
        (0, 2, "0.00001", r"finer than \$0\.0001"),
    ],
)
async def test_a_bad_transfer_is_refused_before_sending(
    clock: FakeClock,
    rsa_key: rsa.RSAPrivateKey,
    source: int,
    destination: int,
    amount: str,
    message: str,
) -> None:
    script = Script()
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(ValueError, match=message):
            await client.transfer_between_shards(
                source=source, destination=destination, amount=Decimal(amount)
            )
    assert script.requests == []


async def test_the_documented_balance_code_is_insufficient_balance(
    clock: FakeClock, rsa_key: rsa.RSAPrivateKey
) -> None:
    script = Script(kalshi_error(400, "available_balance_too_low", "not enough"))
    async with make_client(script, clock, rsa_key) as client:
        with pytest.raises(InsufficientBalance):
            await client.transfer_between_shards(source=0, destination=2, amount=Decimal(5))


async def test_shards_over_loopback(start: Any, keys: Keys) -> None:
    exchange = start(profile="current", balance_dollars=1_000)
    async with client_for(exchange, keys[0]) as client:
        markets = (await client.get_markets(status="open", limit=1000)).markets
        crypto = next(m for m in markets if m.exchange_index == 2)
        assert {m.exchange_index for m in markets} == {0, 2}
        event = await client.get_event(crypto.event_ticker)
        assert event.exchange_index == 2
        balance = await client.get_balance()
        assert [(r.exchange_index, r.balance) for r in balance.breakdown] == [(0, Decimal(1000))]
        with pytest.raises(InsufficientBalance, match="exchange index 2"):
            await client.create_order(order(crypto.ticker, "0.40"))
        moved = await client.transfer_between_shards(
            source=0, destination=2, amount=Decimal("250.25")
        )
        balance = await client.get_balance()
        assert [(r.exchange_index, r.balance) for r in balance.breakdown] == [
            (0, Decimal("749.75")),
            (2, Decimal("250.25")),
        ]
        (listed,) = [t async for t in client.iter_transfers()]
        assert (listed.transfer_id, listed.amount, listed.status) == (
            moved,
            Decimal("250.25"),
            "complete",
        )
        assert (await client.get_transfer(moved)).destination_exchange_shard == 2
        ack = await client.create_order(order(crypto.ticker, "0.40"))
        placed = await client.get_order(ack.order_id)
        assert placed.exchange_index == 2
        with pytest.raises(InsufficientBalance):
            await client.transfer_between_shards(source=2, destination=0, amount=Decimal(1000))
        with pytest.raises(RequestRejected):
            await client.transfer_between_shards(source=0, destination=3, amount=Decimal(10_000))
        assert isinstance(crypto, Market)
