"""Exchange shards: markets carry their event's `exchange_index`, collateral is per shard, and
only an intra-account transfer moves money between shards (issue 12)."""

from __future__ import annotations

import json

import pytest
from engine_helpers import (
    CRYPTO_SHARD,
    T0,
    buy_yes,
    conserved_total,
    money,
    quiet_exchange,
    sell_yes,
    state_of,
    ticker_of,
)

from kalshi_tui.exchange.engine import Exchange, ExchangeError, OrderInput


@pytest.fixture
def ex() -> Exchange:
    """alice and bob: $1,000 each, all on shard 0 (a new account, as on Kalshi)."""
    exchange = quiet_exchange()
    for user in ("alice", "bob"):
        exchange.create_user(user, balance=money("1000"))
    return exchange


def _refusal(call: object) -> ExchangeError:
    with pytest.raises(ExchangeError) as raised:
        call()  # type: ignore[operator]
    return raised.value


def test_crypto_series_live_on_shard_2_and_every_market_of_an_event_on_one_shard() -> None:
    ex = quiet_exchange(market_count=200)
    for series in ex.list_series():
        assert series.exchange_index == (CRYPTO_SHARD if series.category == "Crypto" else 0)
    for event in ex.list_events():
        series = ex.get_series(event.series_ticker)
        assert event.exchange_index == series.exchange_index
        markets = ex.list_markets(event_tickers=[event.event_ticker])
        assert {m.exchange_index for m in markets} == {event.exchange_index}
    shards = {m.exchange_index for m in ex.list_markets()}
    assert shards == {0, CRYPTO_SHARD}
    assert [index for index, _ in ex.exchange_status().shards] == [0, 1, 2, 3]


def test_an_order_on_a_shard_without_collateral_is_refused(ex: Exchange) -> None:
    btc, fed = ticker_of(ex, "KXBTCD"), ticker_of(ex, "KXFED")
    refused = _refusal(lambda: ex.create_order("bob", buy_yes(btc, "0.40", 1), T0))
    assert (refused.status, refused.code) == (400, "insufficient_balance")
    assert "exchange index 2" in refused.message
    assert refused.details is not None
    assert "transfer" in refused.details
    assert ex.orders("bob") == []  # a refused order leaves no trace
    assert [row.exchange_index for row in ex.balance("bob").breakdown] == [0]
    assert ex.create_order("bob", buy_yes(fed, "0.40", 1), T0).status == "resting"


def test_a_transfer_funds_the_shard_and_trading_moves_only_that_shard(ex: Exchange) -> None:
    btc = ticker_of(ex, "KXBTCD")
    total = conserved_total(ex)
    for user in ("alice", "bob"):
        moved = ex.transfer(user, 0, CRYPTO_SHARD, money("100"), T0)
        assert (moved.source_shard, moved.destination_shard) == (0, CRYPTO_SHARD)
        assert (moved.amount, moved.status) == (money("100"), "complete")
    assert ex.transfers("bob") == [moved]
    assert ex.get_transfer("bob", moved.transfer_id) == moved
    ex.create_order("alice", sell_yes(btc, "0.40", 10), T0)
    taker = ex.create_order("bob", buy_yes(btc, "0.40", 10), T0)
    assert taker.exchange_index == CRYPTO_SHARD
    rows = {row.exchange_index: row for row in ex.balance("bob").breakdown}
    assert rows[0].balance == money("900")  # untouched by the crypto trade
    assert rows[CRYPTO_SHARD].balance == money("100") - money("4.00") - taker.taker_fees
    assert rows[CRYPTO_SHARD].portfolio_value == ex.balance("bob", exchange_index=2).portfolio_value
    assert ex.balance("bob", exchange_index=0).balance == money("900")
    assert ex.balance("bob").balance == rows[0].balance + rows[CRYPTO_SHARD].balance
    assert ex.fills("bob")[0].exchange_index == CRYPTO_SHARD
    assert ex.positions("bob")[0].exchange_index == CRYPTO_SHARD
    assert ex.fills("bob", exchange_index=0) == []
    assert ex.orders("bob", exchange_index=0) == []
    assert ex.positions("bob", exchange_index=CRYPTO_SHARD)[0].ticker == btc
    # Settlement pays the winnings onto the market's shard.
    ex.close_market(btc, T0)
    ex.determine_market(btc, "yes", T0)
    ex.settle_market(btc, T0)
    (settled,) = ex.settlements("bob")
    assert settled.exchange_index == CRYPTO_SHARD
    after = {row.exchange_index: row.balance for row in ex.balance("bob").breakdown}
    assert after[CRYPTO_SHARD] == rows[CRYPTO_SHARD].balance + money("10")
    assert after[0] == money("900")
    assert conserved_total(ex) == total


def test_transfers_are_validated(ex: Exchange) -> None:
    ex.create_order("bob", buy_yes(ticker_of(ex, "KXFED"), "0.50", 1000), T0)  # locks ~$500
    free = ex.balance("bob", exchange_index=0).balance
    cases = {
        "more than is free": (0, 2, free + 1),
        "the same shard": (0, 0, money("1")),
        "a shard the venue does not run": (0, 9, money("1")),
        "a negative amount": (0, 2, -1),
        "nothing": (0, 2, 0),
        "from an empty shard": (2, 0, money("1")),
    }
    for what, (source, destination, amount) in cases.items():
        refused = _refusal(lambda: ex.transfer("bob", source, destination, amount, T0))  # noqa: B023
        assert refused.status == 400, what
    assert ex.transfers("bob") == []
    assert ex.transfer("bob", 0, 2, free, T0).amount == free  # exactly the free balance
    missing = _refusal(lambda: ex.get_transfer("bob", "no-such-transfer"))
    assert (missing.status, missing.code) == (404, "not_found")


def test_orders_route_by_ticker_unless_addressed_to_another_shard(ex: Exchange) -> None:
    ex.transfer("bob", 0, CRYPTO_SHARD, money("50"), T0)
    btc = ticker_of(ex, "KXBTCD")
    wrong = OrderInput(btc, "yes", "buy", 4000, 100, exchange_index=0)
    refused = _refusal(lambda: ex.create_order("bob", wrong, T0))
    assert (refused.status, refused.code) == (404, "not_found")
    assert "trades on 2" in refused.message
    for index in (None, -1, CRYPTO_SHARD):
        order = OrderInput(btc, "yes", "buy", 4000, 100, exchange_index=index)
        assert ex.create_order("bob", order, T0).exchange_index == CRYPTO_SHARD


def test_per_shard_balances_survive_a_snapshot(ex: Exchange) -> None:
    ex.transfer("bob", 0, CRYPTO_SHARD, money("75"), T0)
    restored = Exchange.restore(json.loads(json.dumps(ex.snapshot())))
    assert restored.balance("bob") == ex.balance("bob")
    assert restored.transfers("bob") == ex.transfers("bob")
    assert restored.snapshot() == ex.snapshot()


def test_a_snapshot_from_before_shards_loads_with_its_money_on_shard_0() -> None:
    ex = quiet_exchange()
    ex.create_user("bob", balance=money("1000"))
    ex.transfer("bob", 0, CRYPTO_SHARD, money("100"), T0)
    btc = ticker_of(ex, "KXBTCD")
    ex.create_order("bob", buy_yes(btc, "0.40", 10), T0)  # rests on shard 2: locks collateral
    ex.create_order("bob", buy_yes(ticker_of(ex, "KXFED"), "0.40", 10), T0)
    data = json.loads(json.dumps(ex.snapshot()))
    for account in data["accounts"]:  # the pre-shard layout: one cash and lock per account
        wallets = account.pop("wallets")
        account["cash"] = sum(cash for cash, _ in wallets.values())
        account["locked"] = sum(locked for _, locked in wallets.values())
        account.pop("transfers")
        for position in account["positions"].values():
            position.pop("shard")
    old = Exchange.restore(data)
    bob = state_of(old).accounts["bob"]
    assert bob.cash == money("1000")
    locked_on_2 = bob.wallets[CRYPTO_SHARD].locked
    assert locked_on_2 > 0
    # Shard 2 holds exactly what its resting order locks; everything else is on shard 0.
    assert bob.wallets[CRYPTO_SHARD].cash == locked_on_2
    assert old.balance("bob", exchange_index=CRYPTO_SHARD).balance == 0
    assert old.balance("bob").balance == ex.balance("bob").balance
    assert old.orders("bob")[1].exchange_index == CRYPTO_SHARD
