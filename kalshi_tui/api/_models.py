"""Wire models for exchange and market data: status, markets, books, trades, events.

All prices and counts are `Decimal` dollars/contracts whichever generation the
exchange speaks (see `_wire.py`). Enum-like strings that grow over time (market
status, result, strike type) stay plain `str`: a new value must not make a whole
market list unreadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import ValidationError, ValidationInfo, field_validator, model_validator

from ._numbers import MAX_MAGNITUDE, ONE, legacy_amount, parse_decimal_string
from ._wire import ExchangeIndex, FieldMap, Side, WireModel, blank_cursor, money


class ExchangeStatus(WireModel):
    exchange_active: bool
    trading_active: bool
    exchange_estimated_resume_time: datetime | None = None


class DailyHours(WireModel):
    open_time: str
    """"HH:MM", US Eastern time."""
    close_time: str


class WeeklySchedule(WireModel):
    start_time: datetime | None = None
    end_time: datetime | None = None
    monday: tuple[DailyHours, ...] = ()
    tuesday: tuple[DailyHours, ...] = ()
    wednesday: tuple[DailyHours, ...] = ()
    thursday: tuple[DailyHours, ...] = ()
    friday: tuple[DailyHours, ...] = ()
    saturday: tuple[DailyHours, ...] = ()
    sunday: tuple[DailyHours, ...] = ()


class MaintenanceWindow(WireModel):
    start_datetime: datetime
    end_datetime: datetime


class ExchangeSchedule(WireModel):
    standard_hours: tuple[WeeklySchedule, ...] = ()
    maintenance_windows: tuple[MaintenanceWindow, ...] = ()


class PriceRange(WireModel):
    """One band of the price grid: valid prices are start + k·step within [start, end]."""

    wire_money: ClassVar[FieldMap] = {
        "start": (("start",), None),
        "end": (("end",), None),
        "step": (("step",), None),
    }
    start: Decimal
    end: Decimal
    step: Decimal

    @model_validator(mode="after")
    def _check(self) -> PriceRange:
        if self.step <= 0 or self.end < self.start:
            raise ValueError(f"bad price range {self.start}–{self.end} step {self.step}")
        return self

    def contains(self, price: Decimal) -> bool:
        return self.start <= price <= self.end and (price - self.start) % self.step == 0


LINEAR_CENT = (PriceRange(start=Decimal(0), end=ONE, step=Decimal("0.01")),)


class PriceGrid:
    """The valid order prices of a market, from its `price_ranges` bands.

    Prices must also be strictly between 0 and 1. Where two bands meet (0.10 on a
    tapered grid) the boundary is on both grids; `step_at` reports the finer step
    below it and the coarser above it through `next_up`/`next_down`.
    """

    def __init__(self, bands: Sequence[PriceRange]) -> None:
        self.bands = tuple(bands) or LINEAR_CENT

    def is_on_grid(self, price: Decimal) -> bool:
        return 0 < price < 1 and any(band.contains(price) for band in self.bands)

    def step_at(self, price: Decimal) -> Decimal:
        """The tick size of the band containing `price` (the first match, going up)."""
        for band in self.bands:
            if band.start <= price < band.end:
                return band.step
        for band in self.bands:
            if price == band.end:
                return band.step
        raise ValueError(f"price {price} is outside every price band")

    def next_up(self, price: Decimal) -> Decimal | None:
        """The smallest valid price strictly above `price`, or None."""
        candidates = []
        for band in self.bands:
            if price < band.start:
                candidate = band.start
            else:
                steps = (price - band.start) // band.step + 1
                candidate = band.start + steps * band.step
            if candidate <= band.end and 0 < candidate < 1:
                candidates.append(candidate)
        return min(candidates, default=None)

    def next_down(self, price: Decimal) -> Decimal | None:
        """The largest valid price strictly below `price`, or None."""
        candidates = []
        for band in self.bands:
            if price > band.end:
                candidate = band.end - (band.end - band.start) % band.step
            else:
                offset = price - band.start
                steps = offset // band.step
                if offset % band.step == 0:
                    steps -= 1
                candidate = band.start + steps * band.step
            if candidate >= band.start and 0 < candidate < 1:
                candidates.append(candidate)
        return max(candidates, default=None)

    def snap(self, price: Decimal, *, toward: str = "down") -> Decimal | None:
        """`price` if valid, else the nearest valid price below ("down") or above."""
        if self.is_on_grid(price):
            return price
        return self.next_down(price) if toward == "down" else self.next_up(price)


class Market(WireModel):
    wire_money: ClassVar[FieldMap] = {
        "yes_bid": money("yes_bid", "yes_bid"),
        "yes_ask": money("yes_ask", "yes_ask"),
        "no_bid": money("no_bid", "no_bid"),
        "no_ask": money("no_ask", "no_ask"),
        "last_price": money("last_price", "last_price"),
        "previous_yes_bid": money("previous_yes_bid", "previous_yes_bid"),
        "previous_yes_ask": money("previous_yes_ask", "previous_yes_ask"),
        "previous_price": money("previous_price", "previous_price"),
        "notional_value": money("notional_value", "notional_value"),
        "liquidity": money("liquidity", "liquidity"),
        "settlement_value": money("settlement_value", "settlement_value"),
    }
    wire_counts: ClassVar[FieldMap] = {
        "volume": (("volume_fp",), "volume"),
        "volume_24h": (("volume_24h_fp",), "volume_24h"),
        "open_interest": (("open_interest_fp",), "open_interest"),
        "yes_bid_size": (("yes_bid_size_fp",), None),
        "yes_ask_size": (("yes_ask_size_fp",), None),
    }

    ticker: str
    event_ticker: str
    market_type: str = "binary"
    title: str = ""
    subtitle: str = ""
    yes_sub_title: str = ""
    no_sub_title: str = ""
    status: str
    """`initialized|active|inactive|closed|determined|finalized` (current) or the legacy
    `settled`; kept as a string so new values do not break parsing."""
    result: str = ""
    created_time: datetime | None = None
    open_time: datetime | None = None
    close_time: datetime | None = None
    updated_time: datetime | None = None
    expected_expiration_time: datetime | None = None
    latest_expiration_time: datetime | None = None
    settlement_timer_seconds: int | None = None
    can_close_early: bool = False
    yes_bid: Decimal
    yes_ask: Decimal
    no_bid: Decimal
    no_ask: Decimal
    last_price: Decimal
    previous_yes_bid: Decimal | None = None
    previous_yes_ask: Decimal | None = None
    previous_price: Decimal | None = None
    notional_value: Decimal | None = None
    liquidity: Decimal | None = None
    settlement_value: Decimal | None = None
    volume: Decimal
    volume_24h: Decimal
    open_interest: Decimal
    yes_bid_size: Decimal | None = None
    yes_ask_size: Decimal | None = None
    category: str = ""
    rules_primary: str = ""
    rules_secondary: str = ""
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    mve_collection_ticker: str | None = None
    fee_waiver_expiration_time: datetime | None = None
    price_level_structure: str = "linear_cent"
    price_ranges: tuple[PriceRange, ...] = ()
    exchange_index: ExchangeIndex = 0
    fractional_trading_enabled: bool = True
    """Whether counts may have 2 decimals. Every market allows it since 2026-04-17 and the
    field left the docs' schema on 2026-07-09 (absent: true); an older answer saying false
    means whole contracts only."""

    @field_validator("floor_strike", "cap_strike")
    @classmethod
    def _plausible_strike(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and abs(value) >= MAX_MAGNITUDE:
            raise ValueError(f"strike {value:.3g} is beyond any plausible value")
        return value

    @property
    def price_grid(self) -> PriceGrid:
        """Valid order prices; legacy markets without `price_ranges` trade in cents."""
        return PriceGrid(self.price_ranges)

    @field_validator("price_ranges", mode="before")
    @classmethod
    def _known_bands(cls, value: Any, info: ValidationInfo) -> Any:
        """Reuse parsed bands: a market list repeats the same one or two grids thousands of
        times, and validating them again cost ~2.5 µs per market. Anything unusual (or
        invalid) takes the normal path, so errors are reported as before."""
        if not isinstance(value, list) or not (info.context and info.context.get("wire")):
            return value
        key = []
        for band in value:
            if not isinstance(band, dict):
                return value
            start, end, step = band.get("start"), band.get("end"), band.get("step")
            if type(start) is not str or type(end) is not str or type(step) is not str:
                return value
            key.append((start, end, step))
        frozen = tuple(key)
        bands = _BANDS.get(frozen)
        if bands is None:
            try:
                bands = tuple(PriceRange.from_wire(band) for band in value)
            except ValidationError:
                return value
            if len(_BANDS) >= 1024:
                _BANDS.clear()
            _BANDS[frozen] = bands
        return bands


_BANDS: dict[tuple[tuple[str, str, str], ...], tuple[PriceRange, ...]] = {}


class Level(WireModel):
    """`count` contracts resting as bids at `price` (dollars)."""

    price: Decimal
    count: Decimal


def _parse_levels(raw: object, where: str, *, cents: bool) -> tuple[Level, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list of [price, count] pairs")
    levels = []
    for pair in raw:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"{where}: {pair!r} is not a [price, count] pair")
        price_raw, count_raw = pair
        if cents:
            price = legacy_amount(price_raw, where, 100)
        else:
            price = parse_decimal_string(price_raw, where)
        if isinstance(count_raw, str):
            count = parse_decimal_string(count_raw, where)
        else:
            count = legacy_amount(count_raw, where, 1)
        levels.append(Level(price=price, count=count))
    # Kalshi sends ascending prices, best bid last; sort anyway so callers can rely on it.
    return tuple(sorted(levels, key=lambda level: level.price))


class Orderbook(WireModel):
    """Resting bids on both sides, ascending by price (best bid last).

    Kalshi's book holds only bids: a NO bid at q is a YES ask at 1 − q.
    """

    yes: tuple[Level, ...] = ()
    no: tuple[Level, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict) or ("yes" in data and "orderbook" not in data):
            return data
        current = data.get("orderbook_fp")
        if isinstance(current, dict):
            return {
                "yes": _parse_levels(current.get("yes_dollars"), "yes_dollars", cents=False),
                "no": _parse_levels(current.get("no_dollars"), "no_dollars", cents=False),
            }
        legacy = data.get("orderbook")
        if not isinstance(legacy, dict):
            raise ValueError("response has neither `orderbook_fp` nor `orderbook`")
        sides = {}
        for side in ("yes", "no"):
            if legacy.get(f"{side}_dollars") is not None:
                key = f"{side}_dollars"
                sides[side] = _parse_levels(legacy.get(key), key, cents=False)
            else:
                sides[side] = _parse_levels(legacy.get(side), side, cents=True)
        return sides

    @property
    def best_yes_bid(self) -> Decimal | None:
        return self.yes[-1].price if self.yes else None

    @property
    def best_no_bid(self) -> Decimal | None:
        return self.no[-1].price if self.no else None

    @property
    def best_yes_ask(self) -> Decimal | None:
        """Cheapest way to buy YES: 1 − the best NO bid."""
        return ONE - self.no[-1].price if self.no else None

    @property
    def best_no_ask(self) -> Decimal | None:
        return ONE - self.yes[-1].price if self.yes else None

    @property
    def spread(self) -> Decimal | None:
        bid, ask = self.best_yes_bid, self.best_yes_ask
        return None if bid is None or ask is None else ask - bid

    @property
    def mid(self) -> Decimal | None:
        bid, ask = self.best_yes_bid, self.best_yes_ask
        return None if bid is None or ask is None else (bid + ask) / 2


class Trade(WireModel):
    wire_money: ClassVar[FieldMap] = {
        "yes_price": money("yes_price", "yes_price"),
        "no_price": money("no_price", "no_price"),
    }
    wire_counts: ClassVar[FieldMap] = {"count": (("count_fp",), "count")}

    trade_id: str
    ticker: str
    count: Decimal
    yes_price: Decimal
    no_price: Decimal
    taker_side: Side | None = None
    """The outcome the taker bought (`taker_outcome_side` in the current API)."""
    taker_book_side: str | None = None
    created_time: datetime | None = None
    is_block_trade: bool = False

    @model_validator(mode="before")
    @classmethod
    def _taker(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("taker_outcome_side") is not None:
            data = {**data, "taker_side": data["taker_outcome_side"]}
        return data


class CandleQuote(WireModel):
    """Open/low/high/close of the YES bid or ask over one period."""

    wire_money: ClassVar[FieldMap] = {
        name: money(name, name) for name in ("open", "low", "high", "close")
    }
    open: Decimal
    low: Decimal
    high: Decimal
    close: Decimal


class CandlePrice(WireModel):
    """Traded prices over one period; all None when nothing traded."""

    wire_money: ClassVar[FieldMap] = {
        name: money(name, name) for name in ("open", "low", "high", "close", "mean", "previous")
    }
    open: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    close: Decimal | None = None
    mean: Decimal | None = None
    previous: Decimal | None = None


class Candlestick(WireModel):
    wire_counts: ClassVar[FieldMap] = {
        "volume": (("volume_fp",), "volume"),
        "open_interest": (("open_interest_fp",), "open_interest"),
    }
    end_period_ts: int
    yes_bid: CandleQuote | None = None
    yes_ask: CandleQuote | None = None
    price: CandlePrice = CandlePrice()
    volume: Decimal
    open_interest: Decimal


class Event(WireModel):
    event_ticker: str
    series_ticker: str
    title: str = ""
    sub_title: str = ""
    mutually_exclusive: bool = False
    category: str = ""
    strike_date: datetime | None = None
    strike_period: str | None = None
    markets: tuple[Market, ...] = ()
    exchange_index: ExchangeIndex = 0


class SettlementSource(WireModel):
    name: str = ""
    url: str = ""


class Series(WireModel):
    ticker: str
    frequency: str = ""
    title: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    settlement_sources: tuple[SettlementSource, ...] = ()
    contract_url: str = ""
    fee_type: str = ""
    fee_multiplier: Decimal = ONE
    exchange_index: ExchangeIndex = 0

    @field_validator("tags", "settlement_sources", mode="before")
    @classmethod
    def _null_is_empty(cls, value: object) -> object:
        return () if value is None else value


class _Page(WireModel):
    cursor: str | None = None

    @field_validator("cursor", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return blank_cursor(value)


class MarketsPage(_Page):
    markets: tuple[Market, ...]


class TradesPage(_Page):
    trades: tuple[Trade, ...]


class EventsPage(_Page):
    events: tuple[Event, ...]
