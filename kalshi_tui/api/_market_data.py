"""Public market-data endpoints: exchange status, markets, books, trades, events, series.

These need no credentials; when the client has them it signs these requests too
(harmless, and it keeps one code path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal, TypedDict, Unpack

from ._core import DEFAULT_MAX_PAGES, BaseClient
from ._models import (
    Candlestick,
    Event,
    EventsPage,
    ExchangeSchedule,
    ExchangeStatus,
    Market,
    MarketsPage,
    Orderbook,
    Series,
    TradesPage,
)


class MarketFilters(TypedDict, total=False):
    """Query filters of `GET /markets` (API reference §3.2)."""

    limit: int
    event_ticker: str | Sequence[str]
    series_ticker: str
    tickers: Sequence[str]
    status: str
    """One of unopened, open, paused, closed, settled."""
    min_created_ts: int
    max_created_ts: int
    min_close_ts: int
    max_close_ts: int
    min_settled_ts: int
    max_settled_ts: int
    min_updated_ts: int
    mve_filter: Literal["only", "exclude"]


class TradeFilters(TypedDict, total=False):
    limit: int
    ticker: str
    min_ts: int
    max_ts: int


class EventFilters(TypedDict, total=False):
    limit: int
    status: str
    series_ticker: str
    with_nested_markets: bool
    min_close_ts: int


async def _flatten(pages: AsyncIterator[Sequence[Market]]) -> AsyncIterator[Market]:
    async for page in pages:
        for market in page:
            yield market


class MarketDataMixin(BaseClient):
    """Endpoints under /exchange, /markets, /events and /series."""

    async def get_exchange_status(self) -> ExchangeStatus:
        data = await self._read("/exchange/status")
        return self._parse(ExchangeStatus, data, "GET /exchange/status")

    async def get_exchange_schedule(self) -> ExchangeSchedule:
        data = await self._read("/exchange/schedule")
        schedule = self._field(data, "schedule", "GET /exchange/schedule")
        return self._parse(ExchangeSchedule, schedule, "GET /exchange/schedule")

    async def get_markets(
        self, *, cursor: str | None = None, **filters: Unpack[MarketFilters]
    ) -> MarketsPage:
        """One page of markets; pass the returned `cursor` for the next."""
        data = await self._read("/markets", {**filters, "cursor": cursor})
        return self._parse(MarketsPage, data, "GET /markets")

    def iter_markets(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[MarketFilters]
    ) -> AsyncIterator[Market]:
        """Every market matching `filters`, following cursors.

        Raises PaginationError if the exchange repeats a cursor or exceeds `max_pages`.
        """
        return _flatten(self._market_pages(max_pages, filters))

    def iter_market_pages(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[MarketFilters]
    ) -> AsyncIterator[Sequence[Market]]:
        """Every market matching `filters`, one page at a time as each arrives (the next
        page is already requested while the caller handles this one)."""
        return self._market_pages(max_pages, filters)

    async def get_all_markets(
        self, *, max_pages: int = DEFAULT_MAX_PAGES, **filters: Unpack[MarketFilters]
    ) -> list[Market]:
        markets: list[Market] = []
        async for page in self._market_pages(max_pages, filters):
            markets.extend(page)
        return markets

    def _market_pages(
        self, max_pages: int, filters: MarketFilters
    ) -> AsyncIterator[Sequence[Market]]:
        async def fetch(cursor: str | None) -> object:
            return await self._read("/markets", {**filters, "cursor": cursor})

        def parse(data: object) -> tuple[Sequence[Market], str | None]:
            page = self._parse(MarketsPage, data, "GET /markets")
            return page.markets, page.cursor

        return self._pages_ahead(fetch, parse, where="GET /markets", max_pages=max_pages)

    async def get_market(self, ticker: str) -> Market:
        where = f"GET /markets/{ticker}"
        data = await self._read(f"/markets/{ticker}")
        return self._parse(Market, self._field(data, "market", where), where)

    async def get_orderbook(self, ticker: str, *, depth: int | None = None) -> Orderbook:
        """Resting bids, `depth` best levels per side (None/0: all), ascending, best last."""
        data = await self._read(f"/markets/{ticker}/orderbook", {"depth": depth})
        return self._parse(Orderbook, data, f"GET /markets/{ticker}/orderbook")

    async def get_trades(
        self, *, cursor: str | None = None, **filters: Unpack[TradeFilters]
    ) -> TradesPage:
        data = await self._read("/markets/trades", {**filters, "cursor": cursor})
        return self._parse(TradesPage, data, "GET /markets/trades")

    async def get_candlesticks(
        self,
        series_ticker: str,
        ticker: str,
        *,
        start_ts: int,
        end_ts: int,
        period_interval: Literal[1, 60, 1440],
    ) -> tuple[Candlestick, ...]:
        path = f"/series/{series_ticker}/markets/{ticker}/candlesticks"
        params = {"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval}
        data = await self._read(path, params)
        raw = self._field(data, "candlesticks", f"GET {path}")
        if not isinstance(raw, list):
            raw = [raw]  # let validation report the real problem
        return tuple(self._parse(Candlestick, item, f"GET {path}") for item in raw)

    async def get_events(
        self, *, cursor: str | None = None, **filters: Unpack[EventFilters]
    ) -> EventsPage:
        data = await self._read("/events", {**filters, "cursor": cursor})
        return self._parse(EventsPage, data, "GET /events")

    async def get_event(self, event_ticker: str, *, with_nested_markets: bool = True) -> Event:
        """An event with its markets (from `event.markets` or the deprecated top level)."""
        where = f"GET /events/{event_ticker}"
        data = await self._read(
            f"/events/{event_ticker}", {"with_nested_markets": with_nested_markets}
        )
        raw_event: Any = self._field(data, "event", where)
        if isinstance(raw_event, dict) and not raw_event.get("markets") and data.get("markets"):
            raw_event = {**raw_event, "markets": data["markets"]}
        return self._parse(Event, raw_event, where)

    async def get_series(self, series_ticker: str) -> Series:
        where = f"GET /series/{series_ticker}"
        data = await self._read(f"/series/{series_ticker}")
        return self._parse(Series, self._field(data, "series", where), where)

    async def list_series(
        self, *, category: str | None = None, tags: Sequence[str] | None = None
    ) -> tuple[Series, ...]:
        data = await self._read("/series", {"category": category, "tags": tags})
        raw = self._field(data, "series", "GET /series")
        if not isinstance(raw, list):
            raw = [raw]
        return tuple(self._parse(Series, item, "GET /series") for item in raw)
