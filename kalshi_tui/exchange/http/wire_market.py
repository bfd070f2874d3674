"""Public market data on the wire: markets, events, series, books, trades, candlesticks.

Each function renders an engine view for a wire profile:

* `legacy` — what SDK 3.2.0 parses: integer cents/contracts beside `_dollars` strings, the
  `orderbook` key, and only the market status and result values its validators accept;
* `current` — the 2026 generation: `_dollars`/`_fp` strings only, `orderbook_fp`, the full
  lifecycle vocabulary (`inactive`, `finalized`, `void`);
* `compat` — both sets of fields, with the SDK-safe enum values so old clients keep parsing.
"""

from __future__ import annotations

from typing import Any

from kalshi_tui.exchange.engine import (
    BookView,
    Candle,
    EventView,
    MarketView,
    Ohlc,
    SeriesView,
    TradeView,
)
from kalshi_tui.exchange.http.timefmt import rfc3339_ms
from kalshi_tui.exchange.http.units import (
    Profile,
    count_int,
    count_str,
    price_cents,
    price_float,
    price_str,
)

Json = dict[str, Any]

_LEGACY_STATUS = {"inactive": "active", "finalized": "settled"}


def _ts(ms: int | None) -> str | None:
    return rfc3339_ms(ms) if ms is not None else None


def _number(value: object) -> float | int | None:
    """Decimals that Kalshi sends as JSON numbers (strikes, fee multipliers)."""
    if value is None:
        return None
    as_float = float(str(value))
    return int(as_float) if as_float.is_integer() else as_float


def market_status(status: str, profile: Profile) -> str:
    """The status word a profile may emit (SDK 3.2.0 knows only five)."""
    return status if profile == "current" else _LEGACY_STATUS.get(status, status)


def _price_fields(out: Json, name: str, price: int, profile: Profile) -> None:
    if profile != "current":
        out[name] = price_cents(price)
    out[name + "_dollars"] = price_str(price)


def market(view: MarketView, profile: Profile) -> Json:
    """A Market object."""
    legacy = profile != "current"
    out: Json = {
        "ticker": view.ticker,
        "event_ticker": view.event_ticker,
        "market_type": view.market_type,
        "title": view.title,
        "subtitle": view.subtitle,
        "yes_sub_title": view.yes_sub_title,
        "no_sub_title": view.no_sub_title,
        "created_time": _ts(view.created_ms),
        "open_time": _ts(view.open_ms),
        "close_time": _ts(view.close_ms),
        "expected_expiration_time": _ts(view.expected_expiration_ms),
        "expiration_time": _ts(view.expiration_ms),
        "latest_expiration_time": _ts(view.latest_expiration_ms),
        "settlement_timer_seconds": view.settlement_timer_seconds,
        "status": market_status(view.status, profile),
    }
    if legacy:
        out["response_price_units"] = "usd_cent"
    for name in ("yes_bid", "yes_ask", "no_bid", "no_ask", "last_price"):
        _price_fields(out, name, getattr(view, name), profile)
    result = view.result
    if legacy and result == "void":
        result = ""  # SDK 3.2.0 accepts only yes/no/"" for a market result
    if legacy:
        out["volume"] = count_int(view.volume)
        out["volume_24h"] = count_int(view.volume_24h)
        out["open_interest"] = count_int(view.open_interest)
        out["notional_value"] = price_cents(view.notional_value)
        out["liquidity"] = 0
        out["risk_limit_cents"] = view.risk_limit_cents
        out["tick_size"] = 1
    out["result"] = result
    out["can_close_early"] = view.can_close_early
    out["notional_value_dollars"] = price_str(view.notional_value)
    for name in ("previous_yes_bid", "previous_yes_ask", "previous_price"):
        _price_fields(out, name, getattr(view, name), profile)
    out["liquidity_dollars"] = "0.0000"  # Kalshi reports 0 since Feb 2026
    out["expiration_value"] = view.expiration_value
    if legacy:
        out["category"] = view.category  # removed from Market responses by Kalshi
    out["rules_primary"] = view.rules_primary
    out["rules_secondary"] = view.rules_secondary
    out["price_level_structure"] = view.price_level_structure
    out["price_ranges"] = [
        {"start": price_str(r.start), "end": price_str(r.end), "step": price_str(r.step)}
        for r in view.price_ranges
    ]
    if view.settlement_value is not None:
        if legacy:
            out["settlement_value"] = price_cents(view.settlement_value)
        out["settlement_value_dollars"] = price_str(view.settlement_value)
    optional: Json = {
        "fee_waiver_expiration_time": _ts(view.fee_waiver_expiration_ms),
        "early_close_condition": view.early_close_condition,
        "strike_type": view.strike_type,
        "floor_strike": _number(view.floor_strike),
        "cap_strike": _number(view.cap_strike),
    }
    out.update({key: value for key, value in optional.items() if value is not None})
    if profile != "legacy":
        out["updated_time"] = _ts(view.updated_ms)
        out["volume_fp"] = count_str(view.volume)
        out["volume_24h_fp"] = count_str(view.volume_24h)
        out["open_interest_fp"] = count_str(view.open_interest)
        out["yes_bid_size_fp"] = count_str(view.yes_bid_size)
        out["yes_ask_size_fp"] = count_str(view.yes_ask_size)
        out["settlement_ts"] = _ts(view.settlement_ms)
        out["is_provisional"] = view.is_provisional
        out["exchange_index"] = view.exchange_index
    return out


def event(view: EventView, profile: Profile, markets: list[MarketView] | None = None) -> Json:
    """An Event object; `markets` nests the children (with_nested_markets)."""
    out: Json = {
        "event_ticker": view.event_ticker,
        "series_ticker": view.series_ticker,
        "title": view.title,
        "sub_title": view.sub_title,
        "collateral_return_type": view.collateral_return_type,
        "mutually_exclusive": view.mutually_exclusive,
        "category": view.category,
        "available_on_brokers": False,
        "product_metadata": None,
    }
    if profile != "legacy":
        out["settlement_sources"] = _sources(view.settlement_sources)
        out["exchange_index"] = view.exchange_index
    if view.strike_date_ms is not None:
        out["strike_date"] = _ts(view.strike_date_ms)
    if view.strike_period is not None:
        out["strike_period"] = view.strike_period
    if markets is not None:
        out["markets"] = [market(child, profile) for child in markets]
    return out


def _sources(sources: tuple[tuple[str, str], ...]) -> list[Json]:
    return [{"name": name, "url": url} for name, url in sources]


def series(view: SeriesView) -> Json:
    """A Series object (identical in every profile)."""
    return {
        "ticker": view.ticker,
        "frequency": view.frequency,
        "title": view.title,
        "category": view.category,
        "tags": list(view.tags),
        "settlement_sources": _sources(view.settlement_sources),
        "contract_url": view.contract_url,
        "contract_terms_url": view.contract_terms_url,
        "fee_type": view.fee_type,
        "fee_multiplier": _number(view.fee_multiplier),
        "additional_prohibitions": [],
        "product_metadata": None,
        "exchange_index": view.exchange_index,
    }


def _levels_fp(levels: tuple[tuple[int, int], ...]) -> list[list[str]]:
    return [[price_str(price), count_str(count)] for price, count in levels]


def book(view: BookView, profile: Profile) -> Json:
    """The orderbook response body: `orderbook` (legacy), `orderbook_fp` (current) or both.

    Levels ascend by price, best bid last. The legacy `yes_dollars` pairs are both strings
    because SDK 3.2.0 types them so.
    """
    out: Json = {}
    fp = {"yes_dollars": _levels_fp(view.yes), "no_dollars": _levels_fp(view.no)}
    if profile != "current":
        out["orderbook"] = {
            "yes": [[price_cents(p), count_int(c)] for p, c in view.yes],
            "no": [[price_cents(p), count_int(c)] for p, c in view.no],
            **fp,
        }
    if profile != "legacy":
        out["orderbook_fp"] = fp
    return out


def trade(view: TradeView, profile: Profile) -> Json:
    """A public Trade."""
    out: Json = {"trade_id": view.trade_id, "ticker": view.ticker}
    if profile != "current":
        taker_price = view.yes_price if view.taker_outcome_side == "yes" else view.no_price
        out["price"] = price_float(taker_price)
        out["count"] = count_int(view.count)
        out["yes_price"] = price_cents(view.yes_price)
        out["no_price"] = price_cents(view.no_price)
    out["yes_price_dollars"] = price_str(view.yes_price)
    out["no_price_dollars"] = price_str(view.no_price)
    out["taker_side"] = view.taker_outcome_side
    out["created_time"] = _ts(view.created_ms)
    if profile != "legacy":
        out["count_fp"] = count_str(view.count)
        out["taker_outcome_side"] = view.taker_outcome_side
        out["taker_book_side"] = view.taker_book_side
        out["is_block_trade"] = view.is_block_trade
    return out


def _ohlc(ohlc: Ohlc, profile: Profile) -> Json:
    out: Json = {}
    for name in ("open", "low", "high", "close"):
        value = getattr(ohlc, name)
        if profile != "current":
            out[name] = price_cents(value)
        out[name + "_dollars"] = price_str(value)
    return out


def candle(view: Candle, profile: Profile) -> Json:
    """A MarketCandlestick. A period without trades has its price fields null, as Kalshi
    documents them (nullable when nothing traded); `previous` is null before the first
    trade."""
    price: Json = {}
    values: dict[str, int | None] = {
        name: None if view.price is None else getattr(view.price, name)
        for name in ("open", "low", "high", "close")
    }
    values.update(mean=view.mean_price, previous=view.previous_price)
    for name, value in values.items():
        if profile != "current":
            price[name] = None if value is None else price_cents(value)
        price[name + "_dollars"] = None if value is None else price_str(value)
    out: Json = {
        "end_period_ts": view.end_period_ts,
        "yes_bid": _ohlc(view.yes_bid, profile),
        "yes_ask": _ohlc(view.yes_ask, profile),
        "price": price,
    }
    if profile != "current":
        out["volume"] = count_int(view.volume)
        out["open_interest"] = count_int(view.open_interest)
    if profile != "legacy":
        out["volume_fp"] = count_str(view.volume)
        out["open_interest_fp"] = count_str(view.open_interest)
    return out
