"""The deterministic market catalogue: series, events and markets built from a seed.

Templates mimic Kalshi's real series (tickers, titles, strikes, grids, fee types). Events are
drawn round-robin from the templates until the requested market count is reached, so a seed
gives the same catalogue at any size and 20 000 markets build in a fraction of a second. Fair
values are consistent within an event: thresholds fall monotonically with the strike and
mutually exclusive brackets sum to about $1.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

from kalshi_tui.exchange.engine.model import Event, Market, Series
from kalshi_tui.exchange.engine.shards import shard_of_category
from kalshi_tui.exchange.engine.state import State, stable_hash
from kalshi_tui.exchange.engine.views import COUNT_SCALE, PRICE_SCALE, ExchangeError, FeeType

_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_MINUTE = 60_000
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


@dataclass(frozen=True, slots=True)
class Strike:
    """One market of an event: ticker suffix, sub-titles, strike info and fair value."""

    suffix: str
    yes_sub: str
    no_sub: str
    strike_type: str
    floor: str | None
    cap: str | None
    fair: float


@dataclass(frozen=True, slots=True)
class Draft:
    """One event before it becomes records."""

    code: str
    """Date (and detail) part of the event ticker."""
    title: str
    subject: str
    close_ms: int
    strikes: list[Strike]
    mutually_exclusive: bool


def _date_code(ms: int, with_hour: bool = False, with_minute: bool = False) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    code = f"{moment.year % 100:02d}{_MONTHS[moment.month - 1]}{moment.day:02d}"
    if with_hour:
        code += f"{moment.hour:02d}"
    if with_minute:
        code += f"{moment.minute:02d}"
    return code


def _date_text(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return f"{_MONTHS[moment.month - 1].title()} {moment.day}, {moment.year}"


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _thresholds(
    strikes: tuple[float, float, int],
    truth: float,
    scale: float,
    fmt: Callable[[float], str],
    unit: str = "",
    suffix: str = "",
) -> list[Strike]:
    """ "Above X" markets for ``strikes`` = (centre, step, count); fair = P(value > X)."""
    centre, step, n = strikes
    first = centre - step * (n // 2)
    out = []
    for i in range(n):
        strike = first + i * step
        text = fmt(strike)
        shown = f"{unit}{text}{suffix}"
        fair = _logistic((truth - strike) / scale)
        out.append(
            Strike(f"T{text}", f"Above {shown}", f"{shown} or below", "greater", text, None, fair)
        )
    return out


def _brackets(center: float, width: float, n: int, fmt: Callable[[float], str]) -> list[Strike]:
    """Mutually exclusive ranges with open ends; fair values from a normal around center."""
    low = center - width * (n // 2)
    edges = [low + i * width for i in range(n + 1)]

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((x - center) / (width * 1.6 * math.sqrt(2))))

    out = [
        Strike(
            f"T{fmt(edges[0])}",
            f"Below {fmt(edges[0])}",
            f"{fmt(edges[0])} or above",
            "less",
            None,
            fmt(edges[0]),
            cdf(edges[0]),
        )
    ]
    for a, b in itertools.pairwise(edges):
        mid = (a + b) / 2
        out.append(
            Strike(
                f"B{fmt(mid)}",
                f"{fmt(a)} to {fmt(b)}",
                f"Not {fmt(a)} to {fmt(b)}",
                "between",
                fmt(a),
                fmt(b),
                cdf(b) - cdf(a),
            )
        )
    out.append(
        Strike(
            f"T{fmt(edges[-1])}",
            f"Above {fmt(edges[-1])}",
            f"{fmt(edges[-1])} or below",
            "greater",
            fmt(edges[-1]),
            None,
            1 - cdf(edges[-1]),
        )
    )
    return out


def _fed(rng: random.Random, k: int, start: int) -> Draft:
    close = start + (30 + 45 * k) * _DAY
    truth = 3.9 + rng.uniform(-0.4, 0.4)
    strikes = _thresholds((4.0, 0.25, 7), truth, 0.18, lambda x: f"{x:.2f}", suffix="%")
    month = _date_code(close)[:5]
    return Draft(
        month,
        f"Fed funds upper bound after the {_date_text(close)[:3]} {_date_text(close)[-4:]} meeting",
        "the federal funds target upper bound",
        close,
        strikes,
        False,
    )


def _cpi(rng: random.Random, k: int, start: int) -> Draft:
    close = start + (12 + 30 * k) * _DAY
    center = 2.8 + rng.uniform(-0.3, 0.3)
    strikes = _thresholds((round(center, 1), 0.1, 7), center, 0.12, lambda x: f"{x:.1f}", "", "%")
    return Draft(
        _date_code(close)[:5],
        "CPI year-over-year inflation",
        "CPI inflation year over year",
        close,
        strikes,
        False,
    )


def _btc_daily(rng: random.Random, k: int, start: int) -> Draft:
    close = start + (5 + 24 * k) * _HOUR
    center = 97_500 + rng.randint(-30, 30) * 250
    truth = center + rng.uniform(-600, 600)
    strikes = _thresholds((center, 500, 9), truth, 700, lambda x: f"{x:.0f}", "$")
    return Draft(
        _date_code(close, with_hour=True),
        "Bitcoin price at the close",
        "the Bitcoin reference price",
        close,
        strikes,
        False,
    )


def _btc_quick(rng: random.Random, k: int, start: int) -> Draft:
    # The first of these close within minutes of the session start (demo lifecycle).
    close = start + (3 + 15 * k) * _MINUTE
    center = 97_500 + rng.randint(-8, 8) * 100
    strikes = _thresholds(
        (center, 100, 3), center + rng.uniform(-80, 80), 120, lambda x: f"{x:.0f}", "$"
    )
    return Draft(
        _date_code(close, with_hour=True, with_minute=True),
        "Bitcoin price in 15 minutes",
        "the Bitcoin reference price",
        close,
        strikes,
        False,
    )


def _eth_range(rng: random.Random, k: int, start: int) -> Draft:
    close = start + (8 + 24 * k) * _HOUR
    center = 3_450 + rng.randint(-20, 20) * 10
    strikes = _brackets(center, 40, 8, lambda x: f"{x:.0f}")
    return Draft(
        _date_code(close, with_hour=True),
        "Ethereum price range at the close",
        "the Ethereum reference price",
        close,
        strikes,
        True,
    )


def _high_temp(city: str) -> Callable[[random.Random, int, int], Draft]:
    def make(rng: random.Random, k: int, start: int) -> Draft:
        close = start + (20 + 24 * k) * _HOUR
        center = 55 + rng.randint(-12, 12)
        strikes = _brackets(center + 0.5, 2, 4, lambda x: f"{x:.1f}".removesuffix(".0"))
        return Draft(
            _date_code(close),
            f"Highest temperature in {city}",
            f"the highest temperature in {city}",
            close,
            strikes,
            True,
        )

    return make


def _chamber(name: str) -> Callable[[random.Random, int, int], Draft]:
    def make(rng: random.Random, k: int, start: int) -> Draft:
        close = start + (300 + 365 * k) * _DAY
        dem = rng.uniform(0.3, 0.7)
        strikes = [
            Strike("D", "Democratic Party", "Not Democratic Party", "custom", None, None, dem),
            Strike("R", "Republican Party", "Not Republican Party", "custom", None, None, 1 - dem),
        ]
        year = _date_code(close)[:2]
        return Draft(
            year,
            f"Which party will control the {name} after the 20{year} election?",
            f"control of the {name}",
            close,
            strikes,
            True,
        )

    return make


_TEAMS = {
    "Pro football": ["KC", "BUF", "PHI", "DAL", "SF", "DET", "BAL", "MIA", "GB", "CIN", "LAR"],
    "Pro basketball": ["BOS", "NYK", "DEN", "LAL", "GSW", "MIL", "OKC", "PHX", "MIN", "DAL"],
}


def _game(league: str) -> Callable[[random.Random, int, int], Draft]:
    def make(rng: random.Random, k: int, start: int) -> Draft:
        close = start + (2 * _DAY + k * 7 * _HOUR)
        away, home = rng.sample(_TEAMS[league], 2)
        p = rng.uniform(0.25, 0.75)
        strikes = [
            Strike(away, away, f"Not {away}", "custom", None, None, p),
            Strike(home, home, f"Not {home}", "custom", None, None, 1 - p),
        ]
        return Draft(
            f"{_date_code(close)}{away}{home}",
            f"{league}: {away} at {home} winner",
            f"the winner of {away} at {home}",
            close,
            strikes,
            True,
        )

    return make


def _spx(rng: random.Random, k: int, start: int) -> Draft:
    close = start + (6 + 24 * k) * _HOUR
    center = 6_000 + rng.randint(-20, 20) * 25
    strikes = _thresholds((center, 25, 7), center + rng.uniform(-30, 30), 30, lambda x: f"{x:.0f}")
    return Draft(
        _date_code(close, with_hour=True),
        "S&P 500 at the close",
        "the S&P 500 closing value",
        close,
        strikes,
        False,
    )


@dataclass(frozen=True, slots=True)
class Template:
    series: str
    title: str
    category: str
    frequency: str
    fee_type: FeeType
    grid: str
    timer_s: int
    source: str
    make: Callable[[random.Random, int, int], Draft]


TEMPLATES = [
    Template(
        "KXFED",
        "Fed funds rate",
        "Economics",
        "custom",
        "quadratic",
        "linear_cent",
        300,
        "Federal Reserve",
        _fed,
    ),
    Template(
        "KXCPIYOY",
        "CPI inflation",
        "Economics",
        "monthly",
        "quadratic",
        "linear_cent",
        300,
        "Bureau of Labor Statistics",
        _cpi,
    ),
    Template(
        "KXBTCD",
        "Bitcoin daily price",
        "Crypto",
        "daily",
        "quadratic_with_maker_fees",
        "linear_cent",
        300,
        "CF Benchmarks",
        _btc_daily,
    ),
    Template(
        "KXBTC15M",
        "Bitcoin 15-minute price",
        "Crypto",
        "fifteen_min",
        "quadratic",
        "linear_cent",
        60,
        "CF Benchmarks",
        _btc_quick,
    ),
    Template(
        "KXETH",
        "Ethereum price range",
        "Crypto",
        "daily",
        "quadratic",
        "deci_cent",
        300,
        "CF Benchmarks",
        _eth_range,
    ),
    Template(
        "KXHIGHNY",
        "Highest temperature in NYC",
        "Weather",
        "daily",
        "quadratic",
        "linear_cent",
        3600,
        "National Weather Service",
        _high_temp("NYC"),
    ),
    Template(
        "KXHIGHCHI",
        "Highest temperature in Chicago",
        "Weather",
        "daily",
        "quadratic",
        "linear_cent",
        3600,
        "National Weather Service",
        _high_temp("Chicago"),
    ),
    Template(
        "KXHOUSE",
        "House control",
        "Politics",
        "custom",
        "quadratic",
        "tapered_deci_cent",
        3600,
        "Associated Press",
        _chamber("House"),
    ),
    Template(
        "KXSENATE",
        "Senate control",
        "Politics",
        "custom",
        "quadratic",
        "center_half_edge_deci_cent",  # 0.5¢ ticks between 10¢ and 90¢, 0.1¢ outside
        3600,
        "Associated Press",
        _chamber("Senate"),
    ),
    Template(
        "KXNFLGAME",
        "Pro football game",
        "Sports",
        "custom",
        "quadratic_with_maker_fees",
        "linear_cent",
        300,
        "NFL",
        _game("Pro football"),
    ),
    Template(
        "KXNBAGAME",
        "Pro basketball game",
        "Sports",
        "custom",
        "quadratic_with_maker_fees",
        "linear_cent",
        300,
        "NBA",
        _game("Pro basketball"),
    ),
    Template(
        "KXINXU",
        "S&P 500 daily close",
        "Financials",
        "daily",
        "quadratic",
        "linear_cent",
        300,
        "S&P Dow Jones Indices",
        _spx,
    ),
]


def build(state: State, market_count: int) -> None:
    """Fill ``state`` with series, events and ~``market_count`` markets, and schedule them."""
    rng = random.Random(state.seed)
    start = state.start_ms
    for t in TEMPLATES:
        state.series[t.series] = Series(
            t.series,
            t.title,
            t.category,
            t.frequency,
            (t.category,),
            t.fee_type,
            Fraction(1),
            t.source,
            f"https://example.com/{t.series.lower()}",
            shard_of_category(t.category),
        )
    counters = dict.fromkeys(range(len(TEMPLATES)), 0)
    made = 0
    index = 0
    while made < market_count:
        slot = index % len(TEMPLATES)
        t = TEMPLATES[slot]
        k = counters[slot]
        counters[slot] += 1
        index += 1
        draft = t.make(rng, k, start)
        event_ticker = f"{t.series}-{draft.code}"
        if event_ticker in state.events:
            event_ticker = f"{event_ticker}{k}"
        # Every 13th event opens a few minutes into the session (status initialized).
        late = index % 13 == 0 and draft.close_ms > start + _HOUR
        open_ms = (
            start + rng.randint(2, 20) * _MINUTE if late else start - rng.randint(1, 14) * _DAY
        )
        event = Event(
            event_ticker,
            t.series,
            draft.title,
            _date_text(draft.close_ms),
            draft.mutually_exclusive,
            draft.close_ms,
            exchange_index=state.series[t.series].exchange_index,
        )
        state.events[event_ticker] = event
        for strike in draft.strikes:
            _add_market(state, rng, t, event, draft, strike, open_ms)
            made += 1


def list_event(state: State, series_ticker: str, at: int) -> Event:
    """List a new event of ``series_ticker`` at ``at`` (its markets open at once), drawn from
    the seed and the series' count of events so far, so a restore replays it exactly."""
    template = next((t for t in TEMPLATES if t.series == series_ticker), None)
    if template is None:
        raise ExchangeError(404, "not_found", "series not found", series_ticker)
    k = sum(1 for e in state.events.values() if e.series_ticker == series_ticker)
    rng = random.Random(stable_hash(state.seed, series_ticker, "listing", k))
    draft = template.make(rng, k, at)
    event_ticker = f"{series_ticker}-{draft.code}"
    suffix = 0
    while event_ticker in state.events:
        suffix += 1
        event_ticker = f"{series_ticker}-{draft.code}L{suffix}"
    event = Event(
        event_ticker,
        series_ticker,
        draft.title,
        _date_text(draft.close_ms),
        draft.mutually_exclusive,
        draft.close_ms,
        exchange_index=state.series[series_ticker].exchange_index,
    )
    state.events[event_ticker] = event
    for strike in draft.strikes:
        _add_market(state, rng, template, event, draft, strike, at)
    for ticker in event.market_tickers:
        state.markets[ticker].created_ms = at
        state.tickers.append(ticker)
    state.listings.append((series_ticker, at))
    return event


def _add_market(
    state: State,
    rng: random.Random,
    t: Template,
    event: Event,
    draft: Draft,
    strike: Strike,
    open_ms: int,
) -> None:
    ticker = f"{event.event_ticker}-{strike.suffix}"
    fair = min(max(round(strike.fair * PRICE_SCALE), 200), PRICE_SCALE - 200)
    title = f"{draft.title}: {strike.yes_sub}?"
    rules = (
        f"If {draft.subject} is {strike.yes_sub.lower()} as of {event.sub_title}, then the "
        f"market resolves to Yes. Source: {t.source}."
    )
    market = Market(
        ticker=ticker,
        event_ticker=event.event_ticker,
        series_ticker=t.series,
        title=title,
        subtitle=strike.yes_sub,
        yes_sub_title=strike.yes_sub,
        no_sub_title=strike.no_sub,
        rules_primary=rules,
        strike_type=strike.strike_type,
        floor_strike=strike.floor,
        cap_strike=strike.cap,
        price_level_structure=t.grid,
        created_ms=open_ms - _HOUR,
        open_ms=open_ms,
        close_ms=draft.close_ms,
        settlement_timer_seconds=t.timer_s,
        fair=fair,
        initial_fair=fair,
        base_volume=rng.randint(50, 200_000) * COUNT_SCALE if open_ms < state.start_ms else 0,
        base_open_interest=rng.randint(20, 50_000) * COUNT_SCALE if open_ms < state.start_ms else 0,
        updated_ms=open_ms,
        exchange_index=event.exchange_index,
    )
    state.markets[ticker] = market
    event.market_tickers.append(ticker)
    if open_ms <= state.start_ms:
        market.status = "active"
    else:
        state.schedule(open_ms, 0, ticker)
    state.schedule(draft.close_ms, 1, ticker)
