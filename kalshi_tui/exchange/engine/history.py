"""Trade history: a synthetic past per market plus the session's own trades, and candles.

The past (up to 7 days before the session start, from the market's open) is generated lazily
from (seed, ticker), so it costs nothing until a market is looked at, and is regenerated
rather than stored: an LRU keeps the recently used ones. It ends at the market's initial fair
value and open interest, so the live session continues it seamlessly. Synthetic quotes are the
trade price ∓ half the market's typical spread; session candles use the book at each trade.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from kalshi_tui.exchange.engine import grids
from kalshi_tui.exchange.engine.model import Market
from kalshi_tui.exchange.engine.state import State, stable_hash
from kalshi_tui.exchange.engine.views import (
    COUNT_SCALE,
    PRICE_SCALE,
    Candle,
    ExchangeError,
    Ohlc,
    TradeView,
)

WINDOW_MS = 7 * 24 * 3_600_000
DAY_MS = 24 * 3_600_000
HALF_SPREAD = 100
"""Half the synthetic bid/ask spread, price units ($0.01)."""
CACHE_SIZE = 2048
MAX_CANDLES = 10_000


@dataclass(frozen=True, slots=True)
class Past:
    """A market's synthetic trades, oldest first, as parallel arrays."""

    ts_ms: array[int]
    price: array[int]
    count: array[int]
    open_interest: array[int]


def past(state: State, market: Market) -> Past:
    cache = state.history_cache
    found = cache.get(market.ticker)
    if found is not None:
        cache.move_to_end(market.ticker)
        return found
    rows = list(_walk(state, market))
    rows.reverse()
    made = Past(
        array("q", [r[0] for r in rows]),
        array("q", [r[1] for r in rows]),
        array("q", [r[2] for r in rows]),
        array("q", [r[3] for r in rows]),
    )
    cache[market.ticker] = made
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return made


def _walk(state: State, market: Market) -> Iterator[tuple[int, int, int, int]]:
    """The synthetic trades newest first: a backwards random walk from the initial fair value.

    Generated backwards so the recent end (all a market view needs) costs only its own steps.
    """
    rng = random.Random(stable_hash(state.seed, market.ticker, "history"))
    begin = max(market.open_ms, state.start_ms - WINDOW_MS)
    mean_gap = WINDOW_MS / rng.randint(40, 160)
    structure = market.price_level_structure
    step = 100 if structure == "linear_cent" else 10
    # Multiples of 0.1¢ are on a deci-cent grid; any other grid snaps them onto its ticks.
    snaps = structure not in ("linear_cent", "deci_cent")
    ts = state.start_ms
    level = market.initial_fair
    base = market.base_open_interest
    draw = rng.random
    while True:
        ts -= 1 + int(-mean_gap * math.log(1.0 - draw()))
        if ts < begin:
            return
        price = max(level // step * step, step)
        if snaps:
            price = grids.snap(structure, price)
        oi = base - base * 2 * (state.start_ms - ts) // (5 * WINDOW_MS)
        yield ts, price, (1 + int(draw() * 150)) * COUNT_SCALE, oi
        # Uniform step of ±$0.02 (sd ≈ $0.0115): cheap and plenty for a chart.
        level = min(max(level + int((draw() - 0.5) * 400), 100), PRICE_SCALE - 100)


@dataclass(frozen=True, slots=True)
class Recent:
    """What a market view needs from the past: its last day, and the price before it."""

    ts_ms: tuple[int, ...]
    price: tuple[int, ...]
    count: tuple[int, ...]
    before: int
    """Price of the last trade before the day (0 if none)."""
    last: int
    """Price of the last synthetic trade (0 if none)."""


def recent(state: State, market: Market) -> Recent:
    found = state.recent_cache.get(market.ticker)
    if found is not None:
        return found
    rows: list[tuple[int, int, int, int]] = []
    before = 0
    for row in _walk(state, market):
        if row[0] <= state.start_ms - DAY_MS:
            before = row[1]
            break
        rows.append(row)
    rows.reverse()
    last = rows[-1][1] if rows else before
    made = Recent(
        tuple(r[0] for r in rows),
        tuple(r[1] for r in rows),
        tuple(r[2] for r in rows),
        before,
        last,
    )
    state.recent_cache[market.ticker] = made
    return made


def volume_24h(state: State, market: Market) -> int:
    since = state.now_ms - DAY_MS
    total = 0
    if since < state.start_ms:
        r = recent(state, market)
        total += sum(r.count[bisect.bisect_right(r.ts_ms, since) :])
    for ts, _, count, *_ in reversed(market.trade_log):
        if ts <= since:
            break
        total += count
    return total


def last_price(state: State, market: Market) -> int:
    return market.last_price or recent(state, market).last


def price_at(state: State, market: Market, at_ms: int) -> tuple[int, int, int]:
    """(last trade price, yes bid, yes ask) as of ``at_ms`` (≥ a day before the session
    start); zeros before any trade."""
    index = bisect.bisect_right(market.trade_log, (at_ms, PRICE_SCALE * 2)) - 1
    if index >= 0:
        _, price, _, _, bid, ask = market.trade_log[index]
        return price, bid, ask
    r = recent(state, market)
    index = bisect.bisect_right(r.ts_ms, at_ms) - 1
    price = r.price[index] if index >= 0 else r.before
    if not price:
        return 0, 0, 0
    return price, max(price - HALF_SPREAD, 0), min(price + HALF_SPREAD, PRICE_SCALE)


def past_trades(state: State, market: Market) -> list[TradeView]:
    """The synthetic trades as public trades, oldest first (ids derived from the ticker)."""
    p = past(state, market)
    out = []
    for i in range(len(p.ts_ms)):
        price = p.price[i]
        taker_yes = stable_hash(market.ticker, i) % 2 == 0
        out.append(
            TradeView(
                trade_id=f"{market.ticker}-past-{i:05d}",
                ticker=market.ticker,
                count=p.count[i],
                yes_price=price,
                no_price=PRICE_SCALE - price,
                taker_outcome_side="yes" if taker_yes else "no",
                taker_book_side="bid" if taker_yes else "ask",
                created_ms=p.ts_ms[i],
            )
        )
    return out


def _records(state: State, market: Market) -> list[tuple[int, int, int, int, int, int]]:
    p = past(state, market)
    rows = [
        (
            p.ts_ms[i],
            p.price[i],
            p.count[i],
            p.open_interest[i],
            max(p.price[i] - HALF_SPREAD, 0),
            min(p.price[i] + HALF_SPREAD, PRICE_SCALE),
        )
        for i in range(len(p.ts_ms))
    ]
    rows.extend(market.trade_log)
    return rows


def candles(
    state: State, market: Market, start_ts: int, end_ts: int, period_minutes: int
) -> list[Candle]:
    """Candles whose period end lies in [start_ts, end_ts] (epoch s), one per period.

    A period without trades has ``price`` None and flat quotes at the previous close;
    ``previous_price`` is None before the first trade. Candles start with the period the
    market opened in, whatever ``start_ts`` asks for.
    """
    if period_minutes not in (1, 60, 1440):
        raise ExchangeError(400, "invalid_parameters", "period_interval must be 1, 60 or 1440")
    if end_ts < start_ts:
        raise ExchangeError(400, "invalid_parameters", "end_ts before start_ts")
    period = period_minutes * 60
    # No candle before the market opened: the first is the period the opening falls in.
    first_end = -(-max(start_ts, market.open_ms // 1000) // period) * period
    if (end_ts - first_end) // period + 1 > MAX_CANDLES:
        raise ExchangeError(400, "invalid_parameters", "too many candles requested")
    rows = _records(state, market)
    times = [row[0] for row in rows]
    index = bisect.bisect_right(times, (first_end - period) * 1000)
    prev = rows[index - 1] if index > 0 else None
    last_price: int | None = prev[1] if prev else None
    bid = prev[4] if prev else 0
    ask = prev[5] if prev else PRICE_SCALE
    oi = prev[3] if prev else market.base_open_interest
    out = []
    end = first_end
    while end <= end_ts:
        stop = bisect.bisect_right(times, end * 1000)
        chunk = rows[index:stop]
        index = stop
        previous = last_price
        if chunk:
            prices = [r[1] for r in chunk]
            volume = sum(r[2] for r in chunk)
            price = Ohlc(prices[0], max(prices), min(prices), prices[-1])
            mean = sum(r[1] * r[2] for r in chunk) // volume
            bids = [bid, *(r[4] for r in chunk)]
            asks = [ask, *(r[5] for r in chunk)]
            yes_bid = Ohlc(bids[0], max(bids), min(bids), bids[-1])
            yes_ask = Ohlc(asks[0], max(asks), min(asks), asks[-1])
            bid, ask, oi, last_price = bids[-1], asks[-1], chunk[-1][3], prices[-1]
            out.append(Candle(end, yes_bid, yes_ask, price, mean, previous, volume, oi))
        else:
            flat_bid, flat_ask = Ohlc(bid, bid, bid, bid), Ohlc(ask, ask, ask, ask)
            out.append(Candle(end, flat_bid, flat_ask, None, None, previous, 0, oi))
        end += period
    return out
