"""Trade history: a synthetic past per market plus the session's own trades, and candles.

The past (up to 7 days before the session start, from the market's open) is generated lazily
from (seed, ticker), so it costs nothing until a market is looked at, and is regenerated
rather than stored: an LRU keeps the recently used ones. It ends at the market's initial fair
value and open interest, so the live session continues it seamlessly. Synthetic quotes are the
trade price ∓ half the market's typical spread; session candles use the book at each trade.
"""

from __future__ import annotations

import bisect
import random
from array import array
from dataclasses import dataclass

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
    made = _generate(state, market)
    cache[market.ticker] = made
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return made


def _generate(state: State, market: Market) -> Past:
    rng = random.Random(stable_hash(state.seed, market.ticker, "history"))
    begin = max(market.open_ms, state.start_ms - WINDOW_MS)
    span = state.start_ms - begin
    n = 0 if span <= 0 else max(2, span * rng.randint(40, 160) // WINDOW_MS)
    times = sorted(rng.randrange(begin, state.start_ms) for _ in range(n))
    prices = [0] * n
    level = market.initial_fair
    for i in range(n - 1, -1, -1):
        prices[i] = level
        level = min(max(level + round(rng.gauss(0, 120)), 100), PRICE_SCALE - 100)
    step = 100 if market.price_level_structure == "linear_cent" else 10
    counts = [rng.randint(1, 150) * COUNT_SCALE for _ in range(n)]
    base = market.base_open_interest
    ois = [base * (60 + 40 * (i + 1) // n) // 100 for i in range(n)]
    return Past(
        array("q", times),
        array("q", [p // step * step or step for p in prices]),
        array("q", counts),
        array("q", ois),
    )


def volume_24h(state: State, market: Market) -> int:
    since = state.now_ms - DAY_MS
    total = 0
    if since < state.start_ms:
        p = past(state, market)
        first = bisect.bisect_right(p.ts_ms, since)
        total += sum(p.count[first:])
    for ts, _, count, *_ in reversed(market.trade_log):
        if ts <= since:
            break
        total += count
    return total


def price_at(state: State, market: Market, at_ms: int) -> tuple[int, int, int]:
    """(last trade price, yes bid, yes ask) as of ``at_ms``; zeros before any trade."""
    index = bisect.bisect_right(market.trade_log, (at_ms, PRICE_SCALE * 2)) - 1
    if index >= 0:
        _, price, _, _, bid, ask = market.trade_log[index]
        return price, bid, ask
    p = past(state, market)
    index = bisect.bisect_right(p.ts_ms, at_ms) - 1
    if index < 0:
        return 0, 0, 0
    price = p.price[index]
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

    A period without trades has ``price`` None and flat quotes at the previous close.
    """
    if period_minutes not in (1, 60, 1440):
        raise ExchangeError(400, "invalid_parameters", "period_interval must be 1, 60 or 1440")
    if end_ts < start_ts:
        raise ExchangeError(400, "invalid_parameters", "end_ts before start_ts")
    period = period_minutes * 60
    first_end = -(-start_ts // period) * period
    if (end_ts - first_end) // period + 1 > MAX_CANDLES:
        raise ExchangeError(400, "invalid_parameters", "too many candles requested")
    rows = _records(state, market)
    times = [row[0] for row in rows]
    index = bisect.bisect_right(times, (first_end - period) * 1000)
    prev = rows[index - 1] if index > 0 else None
    last_price = prev[1] if prev else 0
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
