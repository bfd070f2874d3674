"""The facade the HTTP layer calls: one `Exchange` per simulated venue.

Every mutating call takes ``now`` (epoch ms or an aware datetime); the engine never reads the
clock. Reads take no time. Lists come back newest first for orders, fills, trades and
settlements, and in catalogue order for series, events and markets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

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
    MarketView,
    OrderGroupView,
    OrderInput,
    OrderStatus,
    OrderView,
    PositionView,
    SeriesView,
    SettlementView,
    TradeView,
)

TimeLike = int | datetime
"""Epoch milliseconds or a timezone-aware datetime."""

_PENDING = ExchangeError(501, "not_implemented", "engine body not committed yet")


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
        raise _PENDING

    # ---- persistence -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Whole state as JSON-serialisable data (``json.dumps`` works on it)."""
        raise _PENDING

    @classmethod
    def restore(cls, data: dict[str, Any]) -> Exchange:
        """Rebuild an exchange from ``snapshot()`` output."""
        raise _PENDING

    # ---- users -------------------------------------------------------------------------------
    def create_user(self, user_id: str, *, balance: int = 0) -> None:
        """Open an account (idempotent) and credit ``balance`` money."""
        raise _PENDING

    def deposit(self, user_id: str, amount: int) -> None:
        """Credit money to an existing account."""
        raise _PENDING

    # ---- time and lifecycle ------------------------------------------------------------------
    def advance(self, now: TimeLike) -> None:
        """Run everything due up to ``now``: opens, expirations, closes, determinations,
        settlements and one step of the liquidity agents. Cost O(markets touched)."""
        raise _PENDING

    def exchange_status(self) -> ExchangeStatusView:
        raise _PENDING

    def set_trading_active(self, active: bool, now: TimeLike) -> None:
        """Pause/resume the whole exchange; pausing cancels ``cancel_order_on_pause`` orders."""
        raise _PENDING

    def pause_market(self, ticker: str, now: TimeLike) -> None:
        """Market → ``inactive``; cancels its ``cancel_order_on_pause`` orders."""
        raise _PENDING

    def resume_market(self, ticker: str, now: TimeLike) -> None:
        """Market ``inactive`` → ``active``."""
        raise _PENDING

    def close_market(self, ticker: str, now: TimeLike) -> None:
        """Close now (early close): cancels every resting order."""
        raise _PENDING

    def determine_market(self, ticker: str, result: MarketResult, now: TimeLike) -> None:
        """Set the result (yes/no/void) of a closed market; settles after the timer."""
        raise _PENDING

    def settle_market(self, ticker: str, now: TimeLike) -> None:
        """Pay out a determined market now; status → ``finalized``."""
        raise _PENDING

    # ---- public market data ------------------------------------------------------------------
    def list_series(self, category: str | None = None) -> list[SeriesView]:
        raise _PENDING

    def get_series(self, series_ticker: str) -> SeriesView:
        """404 not_found when unknown (same for every get_*)."""
        raise _PENDING

    def list_events(
        self, *, series_ticker: str | None = None, status: str | None = None
    ) -> list[EventView]:
        """``status`` is a filter word: unopened/open/closed/settled (any child matches)."""
        raise _PENDING

    def get_event(self, event_ticker: str) -> EventView:
        raise _PENDING

    def list_markets(
        self,
        *,
        event_tickers: Sequence[str] | None = None,
        series_ticker: str | None = None,
        tickers: Sequence[str] | None = None,
        status: str | None = None,
    ) -> list[MarketView]:
        """``status`` is a filter word: unopened/open/paused/closed/settled."""
        raise _PENDING

    def market_tickers(self) -> list[str]:
        """All tickers in catalogue order (cheap; for paging without building views)."""
        raise _PENDING

    def get_market(self, ticker: str) -> MarketView:
        raise _PENDING

    def get_book(self, ticker: str, depth: int = 0) -> BookView:
        """Both sides ascending; ``depth`` > 0 keeps the best ``depth`` levels of each."""
        raise _PENDING

    def list_trades(
        self, *, ticker: str | None = None, min_ms: int | None = None, max_ms: int | None = None
    ) -> list[TradeView]:
        """Newest first. Without ``ticker``: session trades only (not the synthetic past)."""
        raise _PENDING

    def candlesticks(
        self, ticker: str, start_ts: int, end_ts: int, period_minutes: int
    ) -> list[Candle]:
        """Candles (1, 60 or 1440 minutes) whose end lies in [start_ts, end_ts] (epoch s)."""
        raise _PENDING

    # ---- portfolio ---------------------------------------------------------------------------
    def balance(self, user_id: str) -> BalanceView:
        raise _PENDING

    def positions(
        self, user_id: str, *, ticker: str | None = None, event_ticker: str | None = None
    ) -> list[PositionView]:
        """Every market the user ever traded (rows with position 0 included), by ticker."""
        raise _PENDING

    def event_positions(
        self, user_id: str, *, event_ticker: str | None = None
    ) -> list[EventPositionView]:
        raise _PENDING

    def fills(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
    ) -> list[FillView]:
        raise _PENDING

    def settlements(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
    ) -> list[SettlementView]:
        raise _PENDING

    def orders(
        self,
        user_id: str,
        *,
        ticker: str | None = None,
        event_tickers: Sequence[str] | None = None,
        status: OrderStatus | None = None,
        min_ms: int | None = None,
        max_ms: int | None = None,
    ) -> list[OrderView]:
        raise _PENDING

    def get_order(self, user_id: str, order_id: str) -> OrderView:
        raise _PENDING

    # ---- orders ------------------------------------------------------------------------------
    def create_order(self, user_id: str, order: OrderInput, now: TimeLike) -> OrderView:
        """Validate, match and rest. Raises ExchangeError (codes of docs/WIRE.md); a rejected
        order leaves no trace. FoK/IOC/post-only/STP outcomes return a canceled order."""
        raise _PENDING

    def batch_create(
        self, user_id: str, orders: Sequence[OrderInput], now: TimeLike
    ) -> list[OrderView | ExchangeError]:
        """Each order independently (no atomicity)."""
        raise _PENDING

    def cancel_order(self, user_id: str, order_id: str, now: TimeLike) -> CancelResult:
        """404 not_found unless resting; 400 market_inactive after close."""
        raise _PENDING

    def batch_cancel(
        self, user_id: str, order_ids: Sequence[str], now: TimeLike
    ) -> list[CancelResult | ExchangeError]:
        raise _PENDING

    def cancel_all(self, user_id: str, now: TimeLike, *, ticker: str | None = None) -> list[str]:
        """Cancel every resting order (of ``ticker``) on active markets; returns their ids."""
        raise _PENDING

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
        raise _PENDING

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
        raise _PENDING

    # ---- order groups ------------------------------------------------------------------------
    def create_order_group(
        self, user_id: str, contracts_limit: int, now: TimeLike
    ) -> OrderGroupView:
        raise _PENDING

    def get_order_group(self, user_id: str, order_group_id: str) -> OrderGroupView:
        raise _PENDING

    def list_order_groups(self, user_id: str) -> list[OrderGroupView]:
        raise _PENDING

    def reset_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Clear the matched count and the triggered flag."""
        raise _PENDING

    def trigger_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Cancel the group's orders and block it as if the limit were hit."""
        raise _PENDING

    def delete_order_group(self, user_id: str, order_group_id: str, now: TimeLike) -> None:
        """Cancel the group's resting orders and forget the group."""
        raise _PENDING
