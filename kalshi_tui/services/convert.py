"""Wire models (`kalshi_tui.api`) to domain models (`kalshi_tui.domain`).

Kalshi reports an empty book side as bid 0 / ask 1 and "never traded" as a last
price of 0; the domain says None for those, so no pane ever shows a free price.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from kalshi_tui import api
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import (
    Balance,
    BookLevel,
    ExchangeState,
    Fill,
    Order,
    OrderBook,
    Position,
    PriceHistory,
    PricePoint,
    Settlement,
)

_T = TypeVar("_T")

ZERO = Decimal(0)
ONE = Decimal(1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def series_of(event_ticker: str) -> str:
    """Kalshi event tickers start with their series ticker: `KXFED-26DEC` → `KXFED`."""
    return event_ticker.split("-", 1)[0]


def _quote(value: Decimal, empty: Decimal) -> Decimal | None:
    return None if value == empty else value


_SHARED_LIMIT = 50_000
_shared: dict[object, object] = {}


def _shared_value(value: _T) -> _T:
    """One object for equal values that repeat across a market list (event and series
    tickers, statuses, close times, price grids): 50,000 markets then hold a few thousand
    of each instead of 50,000 copies (about a quarter of a summary's memory). Bounded:
    cleared when it grows past the limit."""
    kept = _shared.get(value)
    if kept is None:
        if len(_shared) >= _SHARED_LIMIT:
            _shared.clear()
        _shared[value] = kept = value
    return kept  # type: ignore[return-value]


def market_summary(market: api.Market) -> MarketSummary:
    last = _quote(market.last_price, ZERO)
    previous = market.previous_price
    event_ticker = _shared_value(market.event_ticker)
    return MarketSummary(
        ticker=market.ticker,
        event_ticker=event_ticker,
        series_ticker=_shared_value(series_of(event_ticker)),
        title=market.title,
        status=_shared_value(market.status),
        yes_bid=_quote(market.yes_bid, ZERO),
        yes_ask=_quote(market.yes_ask, ONE),
        last_price=last,
        previous_price=None if previous is None or previous == ZERO else previous,
        volume=market.volume,
        volume_24h=market.volume_24h,
        open_interest=market.open_interest,
        close_time=_shared_value(market.close_time or EPOCH),
        category=_shared_value(market.category),
        price_ranges=_shared_value(tuple((r.start, r.end, r.step) for r in market.price_ranges)),
        exchange_index=market.exchange_index,
        fractional=market.fractional_trading_enabled,
        result=market.result,
        open_time=market.open_time,
        settlement_value=market.settlement_value,
    )


def order_book(ticker: str, book: api.Orderbook) -> OrderBook:
    return OrderBook(
        ticker=ticker,
        yes=tuple(BookLevel(level.price, level.count) for level in book.yes),
        no=tuple(BookLevel(level.price, level.count) for level in book.no),
    )


def exchange_state(status: api.ExchangeStatus) -> ExchangeState:
    return ExchangeState(
        exchange_active=status.exchange_active,
        trading_active=status.trading_active,
        resume_time=status.exchange_estimated_resume_time,
    )


def balance(value: api.Balance) -> Balance:
    return Balance(
        cash=value.balance,
        portfolio_value=value.portfolio_value,
        shards=tuple(sorted((row.exchange_index, row.balance) for row in value.breakdown)),
    )


def position(value: api.MarketPosition) -> Position:
    return Position(
        ticker=value.ticker,
        contracts=value.position,
        market_exposure=value.market_exposure,
        realized_pnl=value.realized_pnl,
        fees_paid=value.fees_paid,
        total_traded=value.total_traded,
    )


def order(value: api.Order) -> Order:
    return Order(
        order_id=value.order_id,
        client_order_id=value.client_order_id,
        ticker=value.ticker,
        side=value.side,
        action=value.action,
        price=value.yes_price if value.side == "yes" else value.no_price,
        initial_count=value.initial_count,
        fill_count=value.fill_count,
        remaining_count=value.remaining_count,
        status=value.status,
        fees=value.taker_fees + value.maker_fees,
        created_time=value.created_time,
    )


def fill(value: api.Fill) -> Fill:
    if value.created_time is not None:
        created = value.created_time
    elif value.ts is not None:
        created = datetime.fromtimestamp(value.ts, tz=UTC)
    else:
        raise ValueError(f"fill {value.fill_id} has no time")
    return Fill(
        fill_id=value.fill_id,
        order_id=value.order_id,
        ticker=value.ticker,
        side=value.side,
        action=value.action,
        count=value.count,
        price=value.yes_price if value.side == "yes" else value.no_price,
        is_taker=value.is_taker,
        fee=value.fee_cost if value.fee_cost is not None else ZERO,
        created_time=created,
    )


def settlement(value: api.Settlement) -> Settlement:
    return Settlement(
        ticker=value.ticker,
        result=value.market_result,
        yes_count=value.yes_count,
        no_count=value.no_count,
        revenue=value.revenue,
        fee=value.fee_cost if value.fee_cost is not None else ZERO,
        settled_time=value.settled_time or EPOCH,
    )


def price_history(ticker: str, period: int, candles: tuple[api.Candlestick, ...]) -> PriceHistory:
    """Closing traded price per candle; None when nothing traded in the period (never the
    quote mid: an empty book's 0/100 would read as a 50¢ trade)."""
    points = []
    for candle in candles:
        points.append(
            PricePoint(ts=candle.end_period_ts, price=candle.price.close, volume=candle.volume)
        )
    return PriceHistory(ticker=ticker, period_minutes=period, points=tuple(points))
