"""Market lifecycle: open, pause/resume, close, determination and settlement.

Scheduled stages sit in one heap keyed by due time; a stage that no longer applies (the market
was closed early, determined by hand, …) is skipped when it comes up. Results are drawn from
the fair values at determination with one uniform draw per event, so threshold markets agree
with each other and exactly one market of a mutually exclusive event wins.
"""

from __future__ import annotations

import heapq
import random

from kalshi_tui.exchange.engine import matching, orderops
from kalshi_tui.exchange.engine.model import Market
from kalshi_tui.exchange.engine.state import State, stable_hash
from kalshi_tui.exchange.engine.views import (
    PRICE_SCALE,
    ExchangeError,
    MarketResult,
    SettlementView,
)

OPEN, CLOSE, DETERMINE, SETTLE = 0, 1, 2, 3


def run_due(state: State, now: int) -> None:
    while state.lifecycle and state.lifecycle[0][0] <= now:
        due, stage, ticker = heapq.heappop(state.lifecycle)
        market = state.markets[ticker]
        if stage == OPEN and market.status == "initialized":
            market.status = "active"
            market.updated_ms = due
        elif stage == CLOSE and market.status in ("active", "inactive", "initialized"):
            if market.close_ms <= due:
                close(state, market, due)
        elif stage == DETERMINE and market.status == "closed" and not market.result:
            determine(state, market, _draw(state, market), due)
        elif stage == SETTLE and market.status == "determined":
            settle(state, market, due)


def pause(state: State, market: Market, now: int) -> None:
    if market.status != "active":
        raise ExchangeError(400, "market_inactive", f"market is {market.status}", market.ticker)
    market.status = "inactive"
    market.updated_ms = now
    _record(state, market, "deactivated", now)
    orderops.cancel_market_orders(state, market, "MarketPaused", now, only_on_pause=True)


def resume(state: State, market: Market, now: int) -> None:
    if market.status != "inactive":
        raise ExchangeError(400, "market_inactive", f"market is {market.status}", market.ticker)
    market.status = "active"
    market.updated_ms = now
    _record(state, market, "activated", now)


def _record(state: State, market: Market, event_type: str, now: int) -> None:
    if state.changes is not None:
        state.changes.lifecycle.append((market.ticker, event_type, now))
        state.changes.markets[market.ticker] = None


def set_trading(state: State, active: bool, now: int) -> None:
    if state.trading_active and not active:
        doomed = [o for o in state.orders.values() if o.on_book and o.cancel_order_on_pause]
        for order in doomed:
            matching.cancel_resting(state, state.markets[order.ticker], order, "TradingPaused", now)
    state.trading_active = active


def close(state: State, market: Market, now: int) -> None:
    """Close now: every resting order is canceled; determination follows automatically."""
    market.status = "closed"
    if now < market.close_ms:
        market.close_ms = now
        _record(state, market, "close_date_updated", now)
    market.updated_ms = now
    orderops.cancel_market_orders(state, market, "MarketClosed", now)
    delay = 30_000 if market.settlement_timer_seconds <= 60 else 300_000
    state.schedule(now + delay, DETERMINE, market.ticker)


def determine(state: State, market: Market, result: MarketResult, now: int) -> None:
    if market.status != "closed":
        raise ExchangeError(400, "market_inactive", "only a closed market can be determined")
    if result not in ("yes", "no", "void"):
        raise ExchangeError(400, "invalid_parameters", "result must be yes, no or void")
    market.status = "determined"
    market.result = result
    market.determination_ms = now
    market.updated_ms = now
    _record(state, market, "determined", now)
    state.schedule(now + market.settlement_timer_seconds * 1000, SETTLE, market.ticker)


def _draw(state: State, market: Market) -> MarketResult:
    event = state.events[market.event_ticker]
    u = random.Random(stable_hash(state.seed, event.event_ticker, "result")).random()
    if not event.mutually_exclusive:
        return "yes" if u * PRICE_SCALE < market.fair else "no"
    fairs = [state.markets[t].fair for t in event.market_tickers]
    target = u * sum(fairs)
    for ticker, fair in zip(event.market_tickers, fairs, strict=True):
        target -= fair
        if target < 0:
            return "yes" if ticker == market.ticker else "no"
    return "yes" if market.ticker == event.market_tickers[-1] else "no"


def settle(state: State, market: Market, now: int) -> None:
    """Pay $1 per winning contract (void: the cost basis back) and finalize the market."""
    if market.status != "determined":
        raise ExchangeError(400, "market_inactive", "only a determined market can be settled")
    escrow = market.session_open_interest * PRICE_SCALE
    paid = 0
    for account in state.accounts.values():
        pos = account.positions.get(market.ticker)
        if pos is None or (pos.yes == 0 and pos.no == 0):
            continue
        if market.result == "yes":
            revenue = pos.yes * PRICE_SCALE
        elif market.result == "no":
            revenue = pos.no * PRICE_SCALE
        else:
            revenue = pos.exposure
        if not account.is_agent:
            account.settlements.append(
                SettlementView(
                    ticker=market.ticker,
                    event_ticker=market.event_ticker,
                    market_result=market.result,
                    yes_count=pos.yes,
                    yes_total_cost=pos.exposure if pos.yes else 0,
                    no_count=pos.no,
                    no_total_cost=pos.exposure if pos.no else 0,
                    revenue=revenue,
                    settled_ms=now,
                    fee_cost=pos.fees_paid,
                    value=settlement_value(market.result),
                    exchange_index=market.exchange_index,
                )
            )
        account.wallet(pos.shard).cash += revenue
        paid += revenue
        pos.realized_pnl += revenue - pos.exposure
        pos.exposure = 0
        pos.yes = pos.no = 0
        pos.last_updated_ms = now
        account.updated_ms = now
        if state.changes is not None and not account.is_agent:
            state.changes.positions[(account.user_id, market.ticker)] = None
    state.settlement_residual += escrow - paid
    market.session_open_interest = 0
    market.status = "finalized"
    market.settlement_ms = now
    market.updated_ms = now
    _record(state, market, "settled", now)


def settlement_value(result: MarketResult) -> int | None:
    return {"yes": PRICE_SCALE, "no": 0}.get(result)
