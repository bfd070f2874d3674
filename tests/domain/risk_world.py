"""Builders for risk-gate and trigger tests: a small account in a two-market event.

The event ``EV`` has markets ``EV-A`` (selected, book 0.40 / 0.44, mid 0.42) and
``EV-B``; ``OTHER-X`` belongs to another event. Every feed is fresh at `NOW` unless a
test says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import (
    Action,
    Balance,
    BookLevel,
    ExchangeState,
    Order,
    OrderBook,
    Position,
    Side,
)
from kalshi_tui.domain.orders import OrderDraft, TimeInForce
from kalshi_tui.domain.risk_context import GATE_FEEDS, RiskContext, build_context
from kalshi_tui.domain.store import Health, Snapshot, TradingState

NOW = 1_800_000_000.0
D = Decimal
CLOSE = datetime(2030, 1, 1, tzinfo=UTC)


def market(
    ticker: str,
    event: str = "EV",
    *,
    status: str = "active",
    bid: str | None = "0.40",
    ask: str | None = "0.44",
    price_ranges: tuple[tuple[Decimal, Decimal, Decimal], ...] = (),
    exchange_index: int = 0,
) -> MarketSummary:
    return MarketSummary(
        ticker=ticker,
        event_ticker=event,
        series_ticker="SER",
        title=ticker,
        status=status,
        yes_bid=None if bid is None else D(bid),
        yes_ask=None if ask is None else D(ask),
        last_price=None,
        previous_price=None,
        volume=D(0),
        volume_24h=D(0),
        open_interest=D(0),
        close_time=CLOSE,
        price_ranges=price_ranges,
        exchange_index=exchange_index,
    )


MARKETS = (market("EV-A"), market("EV-B"), market("OTHER-X", "OTHER"))


def book(ticker: str = "EV-A", bid: str | None = "0.40", ask: str | None = "0.44") -> OrderBook:
    """A one-level book: YES bid `bid`, YES ask `ask` (a NO bid at 1 − ask)."""
    yes = () if bid is None else (BookLevel(D(bid), D(100)),)
    no = () if ask is None else (BookLevel(1 - D(ask), D(100)),)
    return OrderBook(ticker=ticker, yes=yes, no=no)


def health(age: float | None = 1.0, stale_after: float = 30.0, *, at: float = NOW) -> Health:
    last = None if age is None else at - age
    return Health(interval=1.0, stale_after=stale_after, last_success=last)


def fresh_health(*, at: float = NOW, **overrides: Health) -> Mapping[str, Health]:
    values = {name: health(at=at) for name in GATE_FEEDS}
    values.update(overrides)
    return MappingProxyType(values)


def position(ticker: str, contracts: str, exposure: str) -> Position:
    return Position(
        ticker=ticker,
        contracts=D(contracts),
        market_exposure=D(exposure),
        realized_pnl=D(0),
        fees_paid=D(0),
        total_traded=D(exposure),
    )


def resting(
    ticker: str, side: Side, action: Action, price: str, count: str, order_id: str = "o1"
) -> Order:
    return Order(
        order_id=order_id,
        client_order_id="c-" + order_id,
        ticker=ticker,
        side=side,
        action=action,
        price=D(price),
        initial_count=D(count),
        fill_count=D(0),
        remaining_count=D(count),
        status="resting",
        fees=D(0),
        created_time=None,
    )


def draft(
    price: str | Decimal = "0.42",
    count: str | Decimal = "10",
    *,
    ticker: str = "EV-A",
    side: Side = "yes",
    action: Action = "buy",
    tif: TimeInForce = "good_till_canceled",
) -> OrderDraft:
    return OrderDraft(
        client_order_id="draft-1",
        ticker=ticker,
        side=side,
        action=action,
        price=D(price),
        count=D(count),
        time_in_force=tif,
    )


def snapshot(
    *,
    markets: Iterable[MarketSummary] = MARKETS,
    order_book: OrderBook | None = None,
    positions: Iterable[Position] = (),
    orders: Iterable[Order] = (),
    cash: str | None = "1000.00",
    portfolio_value: str = "0",
    shards: Mapping[int, str] | None = None,
    health_map: Mapping[str, Health] | None = None,
    trading: TradingState | None = None,
    exchange: ExchangeState | None = None,
) -> Snapshot:
    market_list = tuple(markets)
    return Snapshot(
        exchange=exchange or ExchangeState(exchange_active=True, trading_active=True),
        markets=market_list,
        markets_by_ticker=MappingProxyType({m.ticker: m for m in market_list}),
        selected="EV-A",
        book=order_book if order_book is not None else book(),
        balance=None
        if cash is None
        else Balance(
            D(cash),
            D(portfolio_value),
            tuple(sorted((index, D(amount)) for index, amount in (shards or {}).items())),
        ),
        positions=tuple(positions),
        orders=tuple(orders),
        health=health_map if health_map is not None else fresh_health(),
        trading=trading or TradingState(),
    )


def context(
    *, now: float = NOW, in_flight: Iterable[OrderDraft] = (), **kwargs: object
) -> RiskContext:
    snap = snapshot(**kwargs)  # type: ignore[arg-type]
    return build_context(snap, now, stale_data_seconds=10.0, in_flight=in_flight)
