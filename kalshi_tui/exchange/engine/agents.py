"""Seeded liquidity: market makers quoting around a drifting fair value, and takers.

A market's book is materialised the first time anything touches it, with the ladder
`initial_ladder` describes, so an untouched market costs nothing and its view can be computed
from the ladder without building it. Each `step` touches a handful of markets (half of the
picks favour markets where users have resting orders, so those fill during a demo): the fair
value takes a random-walk step, the market maker requotes, and sometimes a taker crosses.
Agents trade from their own funded accounts through the normal matching path, so money is
conserved. Everything is driven by the state's RNG and the `advance` times: deterministic.
"""

from __future__ import annotations

import random

from kalshi_tui.exchange.engine import grids, matching
from kalshi_tui.exchange.engine.book import Book
from kalshi_tui.exchange.engine.model import Market
from kalshi_tui.exchange.engine.shards import SHARDS
from kalshi_tui.exchange.engine.state import State, stable_hash
from kalshi_tui.exchange.engine.views import (
    COUNT_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    ExchangeError,
    OrderInput,
)

MAKER = "agent:market-maker"
TAKER = "agent:taker"
AGENT_FUNDS = 10**12 * MONEY_SCALE
LEVELS = 5
MS_PER_TOUCH = 1_000
"""One market touch per second of simulated time..."""
MAX_TOUCHES = 40
"""...but at most this many per `advance` call (bounds its cost)."""


def fund_agents(state: State) -> None:
    for user_id in (MAKER, TAKER):
        account = state.account(user_id)
        account.is_agent = True
        for shard in SHARDS:
            account.wallet(shard).cash += AGENT_FUNDS
            state.deposits += AGENT_FUNDS


def ladder(
    state: State, market: Market, fair: int, salt: object, levels: int = LEVELS
) -> list[tuple[bool, int, int]]:
    """Quotes (is_yes_bid, yes_price, count) around ``fair``, best first on each side.

    The first ``levels`` levels of a ladder do not depend on how many follow.
    """
    rng = random.Random(stable_hash(state.seed, market.ticker, salt))
    structure = market.price_level_structure
    tick = grids.tick_at(structure, fair)
    half = tick * rng.randint(1, 3)
    quotes: list[tuple[bool, int, int]] = []
    for i in range(levels):
        bid = grids.snap(structure, fair - half - i * tick * rng.randint(1, 2))
        ask = grids.snap(structure, fair + half + i * tick * rng.randint(1, 2) + tick - 1)
        size = rng.randint(5, 400) * COUNT_SCALE
        if 0 < bid < fair:
            quotes.append((True, bid, size))
        if fair < ask < PRICE_SCALE:
            quotes.append((False, ask, rng.randint(5, 400) * COUNT_SCALE))
    return quotes


def initial_ladder(
    state: State, market: Market, levels: int = LEVELS
) -> list[tuple[bool, int, int]]:
    return ladder(state, market, market.initial_fair, "ladder", levels)


def ensure_book(state: State, market: Market) -> Book:
    """The market's book, materialised (with the initial ladder if the market trades)."""
    if market.book is not None:
        return market.book
    market.book = Book()
    if market.status == "active" and state.agents_enabled:
        _quote(state, market, initial_ladder(state, market))
    return market.book


def _quote(state: State, market: Market, quotes: list[tuple[bool, int, int]]) -> None:
    for is_yes, price, count in quotes:
        order = OrderInput(
            market.ticker,
            "yes",
            "buy" if is_yes else "sell",
            price,
            count,
            self_trade_prevention_type="maker",
        )
        try:
            matching.submit(state, MAKER, order, state.now_ms)
        except ExchangeError:
            # A quote can be refused (e.g. a grid edge); the maker simply skips it.
            continue


def step(state: State, now: int) -> int:
    """Advance the agents to ``now``; returns how many markets were touched."""
    elapsed = now - state.agent_last_ms
    if elapsed <= 0 or not state.agents_enabled or not state.trading_active:
        state.agent_last_ms = max(state.agent_last_ms, now)
        return 0
    touches = min(MAX_TOUCHES, max(1, elapsed // MS_PER_TOUCH))
    state.agent_last_ms = now
    rng = state.rng
    favoured = sorted(state.user_resting) if state.user_resting else []
    for _ in range(touches):
        if favoured and rng.random() < 0.5:
            ticker = favoured[rng.randrange(len(favoured))]
        else:
            ticker = state.tickers[rng.randrange(len(state.tickers))]
        market = state.markets[ticker]
        if market.status == "active":
            _touch(state, market, rng)
    return touches


def _touch(state: State, market: Market, rng: random.Random) -> None:
    ensure_book(state, market)
    book = market.book
    assert book is not None
    drift = round(rng.gauss(0, 60))
    market.fair = min(max(market.fair + drift, 150), PRICE_SCALE - 150)
    stale = [
        order
        for side in (book.yes, book.no)
        for level in list(side.levels.values())
        for order in level.live()
        if order.user_id == MAKER
    ]
    for order in stale:
        matching.cancel_resting(state, market, order, "Canceled", state.now_ms)
    _quote(state, market, ladder(state, market, market.fair, ("requote", rng.random())))
    if rng.random() < 0.4:
        _take(state, market, rng)


def _take(state: State, market: Market, rng: random.Random) -> None:
    """An IOC that crosses the best quote on a random side."""
    book = market.book
    assert book is not None
    buy_yes = rng.random() < 0.5
    best = book.no.best() if buy_yes else book.yes.best()
    if best is None:
        return
    yes_price = PRICE_SCALE - best if buy_yes else best
    order = OrderInput(
        market.ticker,
        "yes",
        "buy" if buy_yes else "sell",
        yes_price,
        rng.randint(1, 60) * COUNT_SCALE,
        time_in_force="immediate_or_cancel",
    )
    try:
        matching.submit(state, TAKER, order, state.now_ms)
    except ExchangeError:
        return
