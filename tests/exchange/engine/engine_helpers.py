"""Shared helpers for the engine tests (imported by module name; no package __init__)."""

from __future__ import annotations

from decimal import Decimal

from kalshi_tui.exchange.engine import (
    COUNT_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    Exchange,
    OrderInput,
)
from kalshi_tui.exchange.engine.state import State

T0 = 1_795_000_000_000
"""Session start (2026-11-18T07:46:40Z), epoch ms."""


def price(dollars: str) -> int:
    return int(Decimal(dollars) * PRICE_SCALE)


def money(dollars: str) -> int:
    return int(Decimal(dollars) * MONEY_SCALE)


def contracts(n: str | int) -> int:
    return int(Decimal(n) * COUNT_SCALE)


def quiet_exchange(market_count: int = 60, seed: int = 7) -> Exchange:
    """An exchange without agents: empty books, only the test's orders."""
    return Exchange(seed=seed, now=T0, market_count=market_count, agents=False)


def ticker_of(ex: Exchange, series: str, structure: str = "linear_cent") -> str:
    for market in ex.list_markets(series_ticker=series, status="open"):
        if market.price_level_structure == structure:
            return market.ticker
    raise AssertionError(f"no open {series} market on {structure}")


def state_of(ex: Exchange) -> State:
    """The engine's internal state, for invariant checks."""
    state: State = ex._state
    return state


def buy_yes(ticker: str, yes_price: str, count: int | str, **options: object) -> OrderInput:
    return OrderInput(ticker, "yes", "buy", price(yes_price), contracts(count), **options)  # type: ignore[arg-type]


def sell_yes(ticker: str, yes_price: str, count: int | str, **options: object) -> OrderInput:
    return OrderInput(ticker, "yes", "sell", price(yes_price), contracts(count), **options)  # type: ignore[arg-type]


def conserved_total(ex: Exchange) -> int:
    """Money everywhere: cash of every account (incl. locked), fees, escrow, void residue."""
    state = state_of(ex)
    escrow = sum(
        m.session_open_interest * PRICE_SCALE
        for m in state.markets.values()
        if m.status != "finalized"
    )
    cash = sum(a.cash for a in state.accounts.values())
    return cash + state.fees_collected + escrow + state.settlement_residual


CRYPTO_SHARD = 2
"""The exchange index of the catalogue's crypto series (every other series is on 0)."""


def fund(ex: Exchange, user: str, dollars: str) -> None:
    """Open ``user`` with ``dollars`` on shard 0 and as much again on the crypto shard
    (collateral is per shard: crypto orders draw only on shard 2)."""
    ex.create_user(user, balance=money(dollars))
    ex.deposit(user, money(dollars), shard=CRYPTO_SHARD)
