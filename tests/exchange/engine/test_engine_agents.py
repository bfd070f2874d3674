"""Liquidity agents, determinism and snapshot/restore."""

from __future__ import annotations

import json

from engine_helpers import T0, buy_yes, conserved_total, money, state_of

from kalshi_tui.exchange.engine import Exchange


def _session(seed: int = 11, steps: int = 300) -> Exchange:
    ex = Exchange(seed=seed, now=T0)
    ex.create_user("bob", balance=money("500"))
    ticker = ex.market_tickers()[0]
    best = ex.get_market(ticker).yes_bid
    ex.create_order("bob", buy_yes(ticker, f"{best / 10_000:.2f}", 20), T0 + 1)
    for i in range(steps):
        ex.advance(T0 + 1_000 * (i + 2))
    return ex


def test_agents_move_prices_and_fill_user_orders() -> None:
    ex = _session()
    assert len(ex.list_trades()) > 50
    assert ex.fills("bob"), "the user's resting bid at the best price should trade"
    state = state_of(ex)
    assert any(m.fair != m.initial_fair for m in state.markets.values())


def test_money_is_conserved_with_agents() -> None:
    ex = _session(steps=400)
    assert conserved_total(ex) == state_of(ex).deposits
    for account in state_of(ex).accounts.values():
        assert account.cash >= account.locked >= 0


def test_same_seed_and_calls_give_identical_snapshots() -> None:
    assert _session(seed=4).snapshot() == _session(seed=4).snapshot()
    assert _session(seed=4).snapshot() != _session(seed=5).snapshot()


def test_snapshot_round_trips_through_json_and_continues_identically() -> None:
    ex = _session(steps=120)
    data = json.loads(json.dumps(ex.snapshot()))
    restored = Exchange.restore(data)
    assert restored.snapshot() == ex.snapshot()
    for i in range(60):
        ex.advance(T0 + 200_000 + 1_000 * i)
        restored.advance(T0 + 200_000 + 1_000 * i)
    assert restored.snapshot() == ex.snapshot()
    assert restored.list_markets() == ex.list_markets()


def test_advance_cost_does_not_grow_with_the_catalogue() -> None:
    """Each tick touches a bounded number of books, not the whole catalogue (the time per
    tick at 20,000 markets is in bench/bench_exchange.py)."""
    big = Exchange(seed=2, now=T0, market_count=20_000)
    for i in range(50):
        big.advance(T0 + 1_000 * (i + 1))
    touched = sum(1 for m in state_of(big).markets.values() if m.book is not None)
    assert touched <= 50 * 40
