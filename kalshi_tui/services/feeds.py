"""The poll functions, one per concern, that fill the store from the exchange.

Each function does one round of reads through the (rate-limited) client and writes
the results into the store; the `Poller` around it handles timing, errors and
health. Responses that arrive for a market that is no longer selected are dropped,
so a slow book request never paints over the book of the market now selected.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Literal
from urllib.parse import urlsplit

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.store import Store
from kalshi_tui.services import convert

HISTORY_SPAN_SECONDS: dict[int, int] = {1: 3 * 3600, 60: 7 * 86400, 1440: 120 * 86400}
"""How far back the price chart looks for each candle period."""

MARKETS_PAGE_SIZE = 1000
"""Markets per page of the full list: the most `GET /markets` serves (Kalshi documents
`limit` up to 1,000). Each page is a round trip that waits for the one before (cursor
pagination), so across a network the page count sets the load time: 50,000 markets
are 50 round trips, where quarter-size pages took 200 — and 200 reads are ten
seconds of a Basic account's read budget on their own. The client decodes, validates
and converts a page in several event-loop steps (decode ~10 ms, validation ~12 ms per
1,000 markets on this machine; conversion below yields every `YIELD_EVERY`).
See bench/bench_market_load.py."""

YIELD_EVERY = 250
"""Markets converted between two yields to the event loop during a full refresh."""

SHOW_EVERY_SECONDS = 1.0
"""During the first load the list on screen grows as pages arrive, at most this often
(every update re-indexes the whole list, so once per page would be quadratic)."""

MAX_STATUS_LINES = 5
"""Status changes logged one per line per poll; beyond this they are counted."""

RECENT_FILLS = 200
"""Fills kept in the snapshot for the panes (the journal keeps all of them)."""


class Feeds:
    """The poll functions of one session, sharing a client and a store."""

    def __init__(
        self,
        client: api.KalshiClient,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._store = store
        self._clock = clock
        self._monotonic = monotonic
        self.markets_page_size = MARKETS_PAGE_SIZE
        self._seen_fills: set[str] | None = None
        self._seen_settlements: set[tuple[str, str]] | None = None
        self.poll_fills = True
        """Fetch and log recent fills with the portfolio. Off when the trading service's fill
        confirmation pulls them (it hands its new fills to `merge_fills`), so a trading
        session does not read fills twice every portfolio poll."""

    async def exchange_status(self) -> None:
        state = convert.exchange_state(await self._client.get_exchange_status())
        old = self._store.snapshot.exchange
        if old is None:
            host = urlsplit(self._client.base_url).hostname
            self._store.log(f"connected to the exchange at {host}")
        if old != state:
            if not state.exchange_active:
                self._store.log("exchange is closed (maintenance)", level="warning")
            elif not state.trading_active:
                self._store.log("trading is paused on the exchange", level="warning")
            elif old is not None:
                self._store.log("exchange trading resumed")
            self._store.update(exchange=state)

    async def markets(self) -> None:
        first_load = not self._store.snapshot.markets
        markets: list[MarketSummary] = []
        shown_at: float | None = None
        pages = self._client.iter_market_pages(status="open", limit=self.markets_page_size)
        async for page in pages:
            for start in range(0, len(page), YIELD_EVERY):
                markets.extend(map(convert.market_summary, page[start : start + YIELD_EVERY]))
                # Converting thousands of markets in one go would stall the UI's loop.
                await asyncio.sleep(0)
            if first_load and (
                shown_at is None or self._monotonic() - shown_at >= SHOW_EVERY_SECONDS
            ):
                # At start-up, show the first page at once and the list growing as the
                # rest arrives (a refresh replaces the list in one update at the end).
                self._store.update(markets=markets)
                shown_at = self._monotonic()
        missing = self._held_tickers() - {m.ticker for m in markets}
        if missing:
            # Markets the user holds or rests orders in stay visible after they close.
            for chunk in _chunks(sorted(missing), 100):
                extra = await self._client.get_all_markets(tickers=chunk, limit=1000)
                markets.extend(convert.market_summary(m) for m in extra)
        if first_load:
            self._store.log(f"loaded {len(markets):,} markets")
        else:
            self._log_market_changes(markets)
        self._store.update(markets=markets)
        self._store.update(rate_headroom=self._client.rate_headroom.read)

    def _log_market_changes(self, markets: list[MarketSummary]) -> None:
        """Log markets that opened, left the open list, or changed status since the last poll."""
        old = self._store.snapshot.markets_by_ticker
        new = {m.ticker: m for m in markets}
        opened = sorted(t for t in new if t not in old)
        gone = sorted(t for t in old if t not in new)
        changed = sorted(t for t, m in new.items() if t in old and old[t].status != m.status)
        if opened:
            self._store.log(f"{len(opened)} market(s) opened: {_some(opened)}")
        if gone:
            self._store.log(f"{len(gone)} market(s) closed: {_some(gone)}")
        for ticker in changed[:MAX_STATUS_LINES]:
            self._store.log(f"{ticker}: {old[ticker].status} → {new[ticker].status}")
        if len(changed) > MAX_STATUS_LINES:
            self._store.log(f"… and {len(changed) - MAX_STATUS_LINES} more status change(s)")

    def _held_tickers(self) -> set[str]:
        snapshot = self._store.snapshot
        held = {p.ticker for p in snapshot.positions if p.contracts != 0}
        return held | {o.ticker for o in snapshot.orders}

    async def orderbook(self) -> None:
        ticker = self._store.snapshot.selected
        if ticker is None:
            return
        book = await self._client.get_orderbook(ticker, depth=30)
        if self._store.snapshot.selected == ticker:
            self._store.update(book=convert.order_book(ticker, book))

    async def history(self) -> None:
        snapshot = self._store.snapshot
        ticker, period = snapshot.selected, snapshot.history_period
        market = snapshot.market(ticker)
        if ticker is None or market is None:
            return
        end = int(self._clock())
        start = end - HISTORY_SPAN_SECONDS[period]
        if market.open_time is not None:
            # Nothing traded before the market opened: ask for no candle before that.
            start = max(start, min(end, int(market.open_time.timestamp())))
        candles = await self._client.get_candlesticks(
            market.series_ticker,
            ticker,
            start_ts=start,
            end_ts=end,
            period_interval=_period(period),
        )
        now = self._store.snapshot
        if now.selected == ticker and now.history_period == period:
            self._store.update(history=convert.price_history(ticker, period, candles))

    async def portfolio(self) -> None:
        """Balance, positions, resting orders (and recent fills) read at once: the four
        reads are independent, so across a network the refresh costs one round trip,
        not four (`bench/bench_client.py`). The store is updated only when all arrived."""
        client = self._client
        balance, positions, orders, fills = await asyncio.gather(
            client.get_balance(),
            client.get_all_positions(),
            client.get_all_orders(status="resting"),
            client.get_fills(limit=100) if self.poll_fills else _nothing(),
        )
        self._store.update(
            balance=convert.balance(balance),
            positions=tuple(
                convert.position(p) for p in positions.market_positions if p.position != 0
            ),
            orders=tuple(convert.order(o) for o in orders),
        )
        if fills is not None:
            self._merge_fills([convert.fill(f) for f in fills.fills], log=True)
        self._store.update(rate_headroom=self._client.rate_headroom.read)

    def merge_fills(self, fills: list[Fill]) -> None:
        """Fills another service journaled and logged: keep the recent-fills list current."""
        self._merge_fills(fills, log=False)

    def _merge_fills(self, fills: list[Fill], *, log: bool) -> None:
        first_poll = self._seen_fills is None
        seen = self._seen_fills if self._seen_fills is not None else set()
        new = [f for f in fills if f.fill_id not in seen]
        if not new and not first_poll:
            return
        seen.update(f.fill_id for f in new)
        self._seen_fills = seen
        if not first_poll and log:
            # Oldest first, so the log reads in order.
            for f in sorted(new, key=lambda f: f.created_time):
                role = "taker" if f.is_taker else "maker"
                self._store.log(
                    f"fill {f.ticker}: {f.action} {fmt.count(f.count)} {f.side.upper()} @ "
                    f"{fmt.cents(f.price)} ({role}, fee {fmt.exact_dollars(f.fee)})"
                )
        merged = sorted(
            {f.fill_id: f for f in (*new, *self._store.snapshot.fills)}.values(),
            key=lambda f: f.created_time,
            reverse=True,
        )[:RECENT_FILLS]
        self._store.update(fills=tuple(merged))

    async def settlements(self) -> None:
        page = await self._client.get_settlements(limit=100)
        settlements = tuple(convert.settlement(s) for s in page.settlements)
        keys = {(s.ticker, s.settled_time.isoformat()) for s in settlements}
        if self._seen_settlements is not None:
            for s in settlements:
                if (s.ticker, s.settled_time.isoformat()) not in self._seen_settlements:
                    self._store.log(
                        f"settled {s.ticker}: result {s.result}, credited {fmt.dollars(s.revenue)}"
                    )
        self._seen_settlements = keys
        if settlements != self._store.snapshot.settlements:
            self._store.update(settlements=settlements)


async def _nothing() -> None:
    return None


def _some(tickers: list[str], shown: int = 3) -> str:
    """The first few tickers, and how many more."""
    text = ", ".join(tickers[:shown])
    return text if len(tickers) <= shown else f"{text} +{len(tickers) - shown} more"


def _period(minutes: int) -> Literal[1, 60, 1440]:
    if minutes == 1:
        return 1
    if minutes == 1440:
        return 1440
    return 60


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
