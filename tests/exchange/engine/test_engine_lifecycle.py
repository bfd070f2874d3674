"""Market lifecycle: open, close, determination, settlement (yes/no/void), finalized."""

from __future__ import annotations

import pytest
from engine_helpers import (
    T0,
    buy_yes,
    conserved_total,
    contracts,
    fund,
    money,
    quiet_exchange,
    sell_yes,
    state_of,
    ticker_of,
)

from kalshi_tui.exchange.engine import Exchange, ExchangeError


@pytest.fixture
def ex() -> Exchange:
    exchange = quiet_exchange()
    for user in ("alice", "bob"):
        fund(exchange, user, "1000")
    return exchange


def _trade(ex: Exchange, ticker: str) -> None:
    """bob buys 10 YES at 0.40 from alice (who goes short: 10 NO at 0.60)."""
    ex.create_order("alice", sell_yes(ticker, "0.40", 10), T0)
    ex.create_order("bob", buy_yes(ticker, "0.40", 10), T0)


@pytest.mark.parametrize("result", ["yes", "no", "void"])
def test_settlement_pays_winners_and_void_returns_cost(ex: Exchange, result: str) -> None:
    fed = ticker_of(ex, "KXFED")
    _trade(ex, fed)
    total = conserved_total(ex)
    bob_before = ex.balance("bob").balance
    alice_before = ex.balance("alice").balance
    ex.close_market(fed, T0 + 1)
    ex.determine_market(fed, result, T0 + 2)  # type: ignore[arg-type]
    assert ex.get_market(fed).status == "determined"
    ex.settle_market(fed, T0 + 3)
    market = ex.get_market(fed)
    assert market.status == "finalized"
    assert market.result == result
    bob_row = ex.settlements("bob")[0]
    alice_row = ex.settlements("alice")[0]
    expected = {"yes": (money("10"), 0), "no": (0, money("10")), "void": (money("4"), money("6"))}
    assert (bob_row.revenue, alice_row.revenue) == expected[result]
    assert bob_row.yes_count == contracts(10)
    assert bob_row.yes_total_cost == money("4")
    assert alice_row.no_count == contracts(10)
    assert alice_row.no_total_cost == money("6")
    assert ex.balance("bob").balance == bob_before + bob_row.revenue
    assert ex.balance("alice").balance == alice_before + alice_row.revenue
    assert ex.positions("bob")[0].position == 0
    assert conserved_total(ex) == total
    assert bob_row.value == {"yes": 10_000, "no": 0, "void": None}[result]


def test_close_cancels_resting_orders_and_rejects_everything(ex: Exchange) -> None:
    fed = ticker_of(ex, "KXFED")
    order = ex.create_order("bob", buy_yes(fed, "0.30", 5), T0)
    ex.close_market(fed, T0 + 1)
    closed = ex.get_order("bob", order.order_id)
    assert closed.status == "canceled"
    assert closed.last_update_reason == "MarketClosed"
    assert ex.balance("bob").locked == 0
    with pytest.raises(ExchangeError) as raised:
        ex.create_order("bob", buy_yes(fed, "0.30", 5), T0 + 2)
    assert raised.value.code == "market_inactive"
    with pytest.raises(ExchangeError) as raised:
        ex.cancel_order("bob", order.order_id, T0 + 2)
    assert raised.value.code == "not_found"


def test_quick_markets_close_and_settle_on_their_own(ex: Exchange) -> None:
    quick = [m for m in ex.list_markets(series_ticker="KXBTC15M")]
    first = min(quick, key=lambda m: m.close_ms)
    assert first.close_ms - T0 <= 5 * 60_000
    _trade(ex, first.ticker)
    ex.advance(first.close_ms)
    assert ex.get_market(first.ticker).status == "closed"
    ex.advance(first.close_ms + 30_000)
    assert ex.get_market(first.ticker).status == "determined"
    ex.advance(first.close_ms + 30_000 + first.settlement_timer_seconds * 1000)
    market = ex.get_market(first.ticker)
    assert market.status == "finalized"
    assert market.result in ("yes", "no")
    rows = ex.settlements("bob")
    assert rows
    assert rows[0].revenue == (money("10") if market.result == "yes" else 0)
    assert ex.list_markets(status="settled")


def test_mutually_exclusive_event_has_one_winner(ex: Exchange) -> None:
    event = next(e for e in ex.list_events() if e.mutually_exclusive and len(e.market_tickers) > 3)
    for ticker in event.market_tickers:
        ex.close_market(ticker, T0 + 1)
    ex.advance(T0 + 1 + 3_600_000 * 3)
    results = [ex.get_market(t).result for t in event.market_tickers]
    assert results.count("yes") == 1
    assert results.count("no") == len(results) - 1


def test_unopened_markets_open_on_time() -> None:
    ex = Exchange(seed=3, now=T0, market_count=300, agents=False)
    unopened = ex.list_markets(status="unopened")
    assert unopened
    market = unopened[0]
    ex.create_user("bob", balance=money("10"))
    with pytest.raises(ExchangeError):
        ex.create_order("bob", buy_yes(market.ticker, "0.10", 1), T0)
    ex.advance(market.open_ms)
    assert ex.get_market(market.ticker).status == "active"
    assert ex.create_order("bob", buy_yes(market.ticker, "0.10", 1), market.open_ms)


def test_determine_needs_a_closed_market(ex: Exchange) -> None:
    fed = ticker_of(ex, "KXFED")
    with pytest.raises(ExchangeError):
        ex.determine_market(fed, "yes", T0)
    with pytest.raises(ExchangeError):
        ex.settle_market(fed, T0)
    assert state_of(ex).markets[fed].status == "active"
