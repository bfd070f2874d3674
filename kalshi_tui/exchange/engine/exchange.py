"""The facade the HTTP layer calls: one `Exchange` per simulated venue.

Every mutating call takes ``now`` (epoch ms or an aware datetime); the engine never reads the
clock. Reads take no time. Lists come back newest first for orders, fills, trades and
settlements, and in catalogue order for series, events and markets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kalshi_tui.exchange.engine import (
    agents,
    catalogue,
    history,
    lifecycle,
    matching,
    orderops,
    present,
    snapshot,
)
from kalshi_tui.exchange.engine import transfers as transfer_ops
from kalshi_tui.exchange.engine.agents import ensure_book, fund_agents
from kalshi_tui.exchange.engine.changes import Changes
from kalshi_tui.exchange.engine.model import Market
from kalshi_tui.exchange.engine.shards import SHARDS, check_shard
from kalshi_tui.exchange.engine.state import State, stable_hash
from kalshi_tui.exchange.engine.views import (
    AmendResult,
    BalanceView,
    BookView,
    CancelResult,
    Candle,
    EventPositionView,
    EventView,
    ExchangeError,
    ExchangeStatusView,
    FillView,
    MarketResult,
    MarketStamp,
    MarketView,
    OrderGroupView,
    OrderInput,
    OrderStatus,
    OrderView,
    PositionView,
    SeriesView,
    SettlementView,
    TradeView,
    TransferView,
)

TimeLike = int | datetime
"""Epoch milliseconds or a timezone-aware datetime."""


class Exchange:
    """A deterministic simulated Kalshi exchange (markets, books, accounts, agents)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        now: TimeLike,
        market_count: int = 300,
        agents: bool = True,
        open_order_limit: int = 200_000,
    ) -> None:
        """Build the catalogue for ``seed`` (~``market_count`` markets); the session starts now."""
        start = to_ms(now)
        self._market_count = market_count
        self._state = State(
            seed=seed,
            start_ms=start,
            now_ms=start,
            open_order_limit=open_order_limit,
            agents_enabled=agents,
        )
        self._state.rng = random.Random(stable_hash(seed, "agents"))
        self._state.agent_last_ms = start
        catalogue.build(self._state, market_count)
        self._state.tickers = list(self._state.markets)
        if agents:
            fund_agents(self._state)

    # ---- the stream's record ---------------------------------------------------------------
    def record_changes(self, on: bool) -> None:
        """Start (or stop) recording what each call changes, for `take_changes`."""
        if not on:
            self._state.changes = None
        elif self._state.changes is None:
            self._state.changes = Changes()

    def take_changes(self) -> Changes | None:
        """What changed since the last take (None when not recording); starts a new record."""
        changes = self._state.changes
        if changes is None or not changes:
            return None
        self._state.changes = Changes()
        return changes

    # ---- persistence -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Whole state as JSON-serialisable data (``json.dumps`` works on it)."""
        return snapshot.dump(self._state, self._market_count)

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Exchange:
        """Rebuild an exchange from ``snapshot()`` output."""
        exchange = cls.__new__(cls)
        exchange._state, exchange._market_count = snapshot.load(data)
        return exchange

    # ---- users -------------------------------------------------------------------------------
    def create_user(self, user_id: str, *, balance: int = 0, shard: int = 0) -> None:
        """Open an account (idempotent) and credit ``balance`` money on ``shard`` (a new
        account's money is on shard 0 unless told otherwise, as on Kalshi)."""
        self._state.account(user_id)
        if balance:
            self.deposit(user_id, balance, shard=shard)

    def deposit(self, user_id: str, amount: int, *, shard: int = 0) -> None:
        """Credit money to an existing account, on one exchange shard."""
        if amount < 0:
            raise ExchangeError(400, "invalid_parameters", "deposit must not be negative")
        check_shard(shard)
        account = self._state.account(user_id)
        account.wallet(shard).cash += amount
        self._state.deposits += amount

    def transfer(
        self, user_id: str, source: int, destination: int, amount: int, now: TimeLike
    ) -> TransferView:
        """Move ``amount`` money of free balance between two shards of the account."""
        at = self._tick(now)
        return transfer_ops.transfer(self._state, user_id, source, destination, amount, at)

    def transfers(self, user_id: str) -> list[TransferView]:
        """The account's intra-account transfers, newest first."""
        return list(reversed(self._state.account(user_id).transfers))

    def get_transfer(self, user_id: str, transfer_id: str) -> TransferView:
        return transfer_ops.user_transfer(self._state, user_id, transfer_id)

    # ---- time and lifecycle ------------------------------------------------------------------
    def advance(self, now: TimeLike) -> None:
        """Run everything due up to ``now``: opens, expirations, closes, determinations,
        settlements and one step of the liquidity agents. Cost O(markets touched)."""
        self._tick(now)
        agents.step(self._state, self._state.now_ms)

    def exchange_status(self) -> ExchangeStatusView:
        return ExchangeStatusView(
            self._state.exchange_active, self._state.trading_active, tuple(SHARDS.items())
        )

    def list_event(self, series_ticker: str, now: TimeLike) -> EventView:
        """List a new event of a series now, its markets open at once (an admin action, as
        Kalshi lists events through the day)."""
        at = self._tick(now)
        event = catalogue.list_event(self._state, series_ticker, at)
        lifecycle.run_due(self._state, at)
        changes = self._state.changes
        if changes is not None:
            changes.events.append((event.event_ticker, at))
            changes.lifecycle.extend((t, "created", at) for t in event.market_tickers)
        return present.event_view(self._state, event)

    def set_trading_active(self, active: bool, now: TimeLike) -> None:
        """Pause/resume the whole exchange; pausing cancels ``cancel_order_on_pause`` orders."""
        lifecycle.set_trading(self._state, active, self._tick(now))

    def pause_market(self, ticker: str, now: TimeLike) -> None:
        """Market → ``inactive``; cancels its ``cancel_order_on_pause`` orders."""
        at = self._tick(now)
        lifecycle.pause(self._state, self._state.market(ticker), at)

    def resume_market(self, ticker: str, now: TimeLike) -> None:
        """Market ``inactive`` → ``active``."""
        at = self._tick(now)
        lifecycle.resume(self._state, self._state.market(ticker), at)

    def close_market(self, ticker: str, now: TimeLike) -> None:
        """Close now (early close): cancels every resting order."""
        at = self._tick(now)
        market = self._state.market(ticker)
        if market.status not in ("active", "inactive", "initialized"):
            raise ExchangeError(400, "market_inactive", f"market is {market.status}", ticker)
        lifecycle.close(self._state, market, at)

    def determine_market(self, ticker: str, result: MarketResult, now: TimeLike) -> None:
        """Set the result (yes/no/void) of a closed market; settles after the timer."""
        at = self._tick(now)
        lifecycle.determine(self._state, self._state.market(ticker), result, at)

    def settle_market(self, ticker: str, now: TimeLike) -> None:
        """Pay out a determined market now; status → ``finalized``."""
        at = self._tick(now)
        lifecycle.settle(self._state, self._state.market(ticker), at)

    # ---- public market data ------------------------------------------------------------------
    def list_series(self, category: str | None = None) -> list[SeriesView]:
        return [
            present.series_view(s)
            for s in self._state.series.values()
            if category is None or s.category == category
        ]

    def get_series(self, series_ticker: str) -> SeriesView:
        """404 not_found when unknown (same for every get_*)."""
        series = self._state.series.get(series_ticker)
        if series is None:
            raise ExchangeError(404, "not_found", "series not found", series_ticker)
        return present.series_view(series)

    def list_events(
        self, *, series_ticker: str | None = None, status: str | None = None
    ) -> list[EventView]:
        """``status`` is a filter word: unopened/open/closed/settled (any child matches)."""
        wanted = _status_filter(status)
        out = []
        for event in self._state.events.values():
            if series_ticker is not None and event.series_ticker != series_ticker:
                continue
            if wanted is not None and not any(
                self._state.markets[t].status in wanted for t in event.market_tickers
            ):
                continue
            out.append(present.event_view(self._state, event))
        return out

    def get_event(self, event_ticker: str) -> EventView:
        event = self._state.events.get(event_ticker)
        if event is None:
            raise ExchangeError(404, "not_found", "event not found", event_ticker)
        return present.event_view(self._state, event)

    def list_markets(
        self,
        *,
        event_tickers: Sequence[str] | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[MarketView]:
        """``status`` is a filter word: unopened/open/paused/closed/settled."""
        found = self._find_markets(event_tickers, series_ticker, tickers, status)
        return [present.market_view(self._state, m) for m in found]

    def list_market_tickers(
        self,
        *,
        event_tickers: Sequence[str] | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[str]:
        """The tickers `list_markets` would return: what GET /markets pages on when no time
        filter needs the stamps (a stamp per market per page was most of a page's cost at
        50,000 markets)."""
        return [m.ticker for m in self._find_markets(event_tickers, series_ticker, tickers, status)]

    def list_market_stamps(
        self,
        *,
        event_tickers: Sequence[str] | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[MarketStamp]:
        """The markets `list_markets` would return, as cheap stamps to filter and page on
        (building full views of 20,000 markets for every page would cost O(N) per page)."""
        return [
            MarketStamp(
                m.ticker, m.event_ticker, m.created_ms, m.close_ms, m.settlement_ms, m.updated_ms
            )
            for m in self._find_markets(event_tickers, series_ticker, tickers, status)
        ]

    def get_markets(self, tickers: Sequence[str]) -> list[MarketView]:
        """Full views of known markets, in the order given."""
        state = self._state
        return [present.market_view(state, state.market(ticker)) for ticker in tickers]

    def _find_markets(
        self,
        event_tickers: Sequence[str] | None,
        series_ticker: str | None,
        tickers: Sequence[str] | None,
        status: str | None,
    ) -> list[Market]:
        wanted = _status_filter(status)
        state = self._state
        if tickers is not None:
            candidates = [state.markets[t] for t in tickers if t in state.markets]
        elif event_tickers is not None:
            candidates = [
                state.markets[t]
                for e in event_tickers
                if e in state.events
                for t in state.events[e].market_tickers
            ]
        else:
            candidates = list(state.markets.values())
        return [
            m
            for m in candidates
            if (series_ticker is None or m.series_ticker == series_ticker)
            and (wanted is None or m.status in wanted)
        ]

    def market_tickers(self) -> list[str]:
        """All tickers in catalogue order (cheap; for paging without building views)."""
        return list(self._state.tickers)

    def get_market(self, ticker: str) -> MarketView:
        return present.market_view(self._state, self._state.market(ticker))

    def ticker_fields(self, ticker: str) -> tuple[int, int, int, int, int, int, int]:
        """What the stream's `ticker` channel carries, cheaply: (best YES bid, its size, best
        NO bid, its size, last price, volume, open interest); 0s for an empty side."""
        market = self._state.market(ticker)
        yes_bid, yes_size, no_bid, no_size = present.quotes(self._state, market)
        last = history.last_price(self._state, market)
        return yes_bid, yes_size, no_bid, no_size, last, market.volume, market.open_interest

    def get_book(self, ticker: str, depth: int = 0) -> BookView:
        """Both sides ascending; ``depth`` > 0 keeps the best ``depth`` levels of each."""
        book = ensure_book(self._state, self._state.market(ticker))
        return BookView(ticker, book.yes.depth(depth), book.no.depth(depth))

    def list_trades(
        self, *, ticker: str | None = None, min_ms: int | None = None, max_ms: int | None = None
    ) -> list[TradeView]:
        """Newest first. Without ``ticker``: session trades only (not the synthetic past)."""
        state = self._state
        if ticker is None:
            trades = list(state.trades)
        else:
            market = state.market(ticker)
            trades = history.past_trades(state, market)
            trades.extend(t for t in state.trades if t.ticker == ticker)
        return [
            t
            for t in reversed(trades)
            if (min_ms is None or t.created_ms >= min_ms)
            and (max_ms is None or t.created_ms <= max_ms)
        ]

    def candlesticks(
        self, ticker: str, start_ts: int, end_ts: int, period_minutes: int
    ) -> list[Candle]:
        """Candles (1, 60 or 1440 minutes) whose end lies in [start_ts, end_ts] (epoch s)."""
        return history.candles(
            self._state, self._state.market(ticker), start_ts, end_ts, period_minutes
        )

    # ---- portfolio ---------------------------------------------------------------------------
    def balance(self, user_id: str, *, exchange_index: int | None = None) -> BalanceView:
        """The whole account, or one shard's balance and portfolio value."""
        return present.balance_view(self._state, self._state.account(user_id), exchange_index)

    def positions(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        exchange_index: int | None = None,
    ) -> list[PositionView]:
        """Every market the user ever traded (rows with position 0 included), by ticker."""
        account = self._state.account(user_id)
        return [
            present.position_view(t, account.positions[t])
            for t in sorted(account.positions)
            if (ticker is None or t == ticker)
            and (event_ticker is None or account.positions[t].event_ticker == event_ticker)
            and (exchange_index is None or account.positions[t].shard == exchange_index)
            and (account.positions[t].volume or account.positions[t].resting_orders)
        ]

    def event_positions(
        self, user_id: str, *, event_ticker: str | None = None
    ) -> list[EventPositionView]:
        return [
            row
            for row in present.event_position_views(self._state.account(user_id))
            if event_ticker is None or row.event_ticker == event_ticker
        ]

    def fills(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
        exchange_index: int | None = None,
    ) -> list[FillView]:
        return [
            f
            for f in reversed(self._state.account(user_id).fills)
            if (ticker is None or f.ticker == ticker)
            and (exchange_index is None or f.exchange_index == exchange_index)
            and (order_id is None or f.order_id == order_id)
            and (min_ms is None or f.created_ms >= min_ms)
            and (max_ms is None or f.created_ms <= max_ms)
        ]

    def settlements(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
    ) -> list[SettlementView]:
        return [
            s
            for s in reversed(self._state.account(user_id).settlements)
            if (ticker is None or s.ticker == ticker)
            and (event_ticker is None or s.event_ticker == event_ticker)
            and (min_ms is None or s.settled_ms >= min_ms)
            and (max_ms is None or s.settled_ms <= max_ms)
        ]

    def orders(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_tickers: Sequence[str] | None = None,
        status: OrderStatus | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
        exchange_index: int | None = None,
    ) -> list[OrderView]:
        state = self._state
        events = set(event_tickers) if event_tickers is not None else None
        out = []
        for order_id in reversed(state.account(user_id).order_ids):
            order = state.orders[order_id]
            if ticker is not None and order.ticker != ticker:
                continue
            if exchange_index is not None and (
                state.markets[order.ticker].exchange_index != exchange_index
            ):
                continue
            if events is not None and state.markets[order.ticker].event_ticker not in events:
                continue
            if status is not None and order.status != status:
                continue
            if (min_ms is not None and order.created_ms < min_ms) or (
                max_ms is not None and order.created_ms > max_ms
            ):
                continue
            out.append(present.order_view(state, order))
        return out

    def get_order(self, user_id: str, order_id: str) -> OrderView:
        return present.order_view(self._state, self._state.user_order(user_id, order_id))

    # ---- orders ------------------------------------------------------------------------------
    def create_order(self, user_id: str, order: OrderInput, now: TimeLike) -> OrderView:
        """Validate, match and rest. Raises ExchangeError (codes of docs/WIRE.md); a rejected
        order leaves no trace. FoK/IOC/post-only/STP outcomes return a canceled order."""
        at = self._tick(now)
        state = self._state
        placed = matching.submit(state, user_id, order, at, lambda m: ensure_book(state, m))
        return present.order_view(self._state, placed)

    def batch_create(
        self, user_id: str, orders: Sequence[OrderInput], now: TimeLike
    ) -> list[OrderView | ExchangeError]:
        """Each order independently (no atomicity)."""
        results: list[OrderView | ExchangeError] = []
        for order in orders:
            try:
                results.append(self.create_order(user_id, order, now))
            except ExchangeError as error:
                results.append(error)
        return results

    def cancel_order(self, user_id: str, order_id: str, now: TimeLike) -> CancelResult:
        """404 not_found unless resting; 400 market_inactive after close."""
        at = self._tick(now)
        order, reduced = orderops.cancel(self._state, user_id, order_id, at)
        return CancelResult(present.order_view(self._state, order), reduced)

    def batch_cancel(
        self, user_id: str, order_ids: Sequence[str], now: TimeLike
    ) -> list[CancelResult | ExchangeError]:
        results: list[CancelResult | ExchangeError] = []
        for order_id in order_ids:
            try:
                results.append(self.cancel_order(user_id, order_id, now))
            except ExchangeError as error:
                results.append(error)
        return results

    def cancel_all(self, user_id: str, now: TimeLike, *, ticker: str | None = None) -> list[str]:
        """Cancel every resting order (of ``ticker``) on active markets; returns their ids."""
        at = self._tick(now)
        state = self._state
        canceled = []
        for order_id in list(state.account(user_id).order_ids):
            order = state.orders[order_id]
            if not order.on_book or (ticker is not None and order.ticker != ticker):
                continue
            if state.markets[order.ticker].status != "active":
                continue
            orderops.cancel(state, user_id, order_id, at)
            canceled.append(order_id)
        return canceled

    def amend_order(
        self,
        user_id: str,
        order_id: str,
        now: TimeLike,
        *,
        price: int,
        count: int,
        updated_client_order_id: str | None = None,
    ) -> AmendResult:
        """New YES ``price`` and ``count`` (= fill_count + desired remaining). The order keeps
        its id and client_order_id unless ``updated_client_order_id`` is given (409 if taken).
        Loses time priority unless only the size goes down; may cross and fill."""
        at = self._tick(now)
        state = self._state
        old = present.order_view(state, state.user_order(user_id, order_id))
        order = orderops.amend(state, user_id, order_id, at, price, count, updated_client_order_id)
        return AmendResult(old, present.order_view(state, order))

    def decrease_order(
        self,
        user_id: str,
        order_id: str,
        now: TimeLike,
        *,
        reduce_by: int | None = None,
        reduce_to: int | None = None,
    ) -> CancelResult:
        """Exactly one of reduce_by / reduce_to (count units); to 0 cancels."""
        at = self._tick(now)
        order, reduced = orderops.decrease(self._state, user_id, order_id, at, reduce_by, reduce_to)
        return CancelResult(present.order_view(self._state, order), reduced)

    # ---- order groups ------------------------------------------------------------------------
    def create_order_group(
        self, user_id: str, contracts_limit: int, now: TimeLike, *, exchange_index: int = 0
    ) -> OrderGroupView:
        """A group on one shard (default 0): only orders in that shard's markets may join."""
        at = self._tick(now)
        group = orderops.create_group(self._state, user_id, contracts_limit, at, exchange_index)
        return present.group_view(group)

    def get_order_group(self, user_id: str, order_group_id: str) -> OrderGroupView:
        return present.group_view(orderops.user_group(self._state, user_id, order_group_id))

    def list_order_groups(self, user_id: str) -> list[OrderGroupView]:
        return [present.group_view(g) for g in self._state.groups.values() if g.user_id == user_id]

    def reset_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Clear the matched count and the triggered flag."""
        self._tick(now)
        group = orderops.user_group(self._state, user_id, order_group_id)
        group.matched = 0
        group.triggered = False
        if self._state.changes is not None:
            self._state.changes.groups.append(
                (order_group_id, user_id, "reset", self._state.now_ms, None)
            )

    def update_order_group_limit(
        self, user_id: str, order_group_id: str, contracts_limit: int, now: TimeLike
    ) -> None:
        """Set a new contracts limit (count units); a limit the matched count already reaches
        cancels the group's orders and triggers it at once."""
        at = self._tick(now)
        if contracts_limit < 1:
            raise ExchangeError(400, "invalid_parameters", "contracts_limit must be at least 0.01")
        group = orderops.user_group(self._state, user_id, order_group_id)
        group.contracts_limit = contracts_limit
        if self._state.changes is not None:
            self._state.changes.groups.append(
                (order_group_id, user_id, "limit_updated", at, contracts_limit)
            )
        if group.matched >= contracts_limit and not group.triggered:
            matching.trigger_group(self._state, order_group_id, at)

    def trigger_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Cancel the group's orders and block it as if the limit were hit."""
        at = self._tick(now)
        orderops.user_group(self._state, user_id, order_group_id)
        matching.trigger_group(self._state, order_group_id, at)

    def delete_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Cancel the group's resting orders and forget the group."""
        at = self._tick(now)
        orderops.delete_group(self._state, user_id, order_group_id, at)

    def _tick(self, now: TimeLike) -> int:
        """Move the clock (never backwards) and run what fell due: lifecycle, expiries."""
        state = self._state
        state.now_ms = max(state.now_ms, to_ms(now))
        lifecycle.run_due(state, state.now_ms)
        orderops.expire(state, state.now_ms)
        return state.now_ms


def to_ms(now: TimeLike) -> int:
    """Epoch milliseconds of ``now`` (an int is taken as already in ms)."""
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime or epoch ms")
        return int(now.timestamp() * 1000)
    return now


_STATUS_WORDS: dict[str, frozenset[str]] = {
    "unopened": frozenset({"initialized"}),
    "open": frozenset({"active"}),
    "paused": frozenset({"inactive"}),
    "closed": frozenset({"closed", "determined"}),
    "settled": frozenset({"finalized"}),
}


def _status_filter(word: str | None) -> frozenset[str] | None:
    if word is None or word == "":
        return None
    wanted = _STATUS_WORDS.get(word)
    if wanted is None:
        raise ExchangeError(400, "invalid_parameters", f"unknown status filter {word!r}")
    return wanted
