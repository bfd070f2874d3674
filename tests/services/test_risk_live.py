"""The risk gate and the halt triggers wired to a real session on the embedded exchange.

Real HTTP over loopback, real signatures; liquidity agents off so the book only moves
when this test trades. Shows the wiring is one line, that a halt written to the store
blocks the very next order, and that the equity the triggers watch agrees with the
exchange's own accounting: resting an order leaves it unchanged, a taker fill lowers it
by the spread and the fee.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui import api
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID, lowest_price
from kalshi_tui.domain.risk import RiskGate
from kalshi_tui.domain.risk_context import build_context
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.domain.trading_state import halt
from kalshi_tui.domain.triggers import TriggerState, build_trigger_input, evaluate
from kalshi_tui.exchange.server import start_exchange
from kalshi_tui.services.launch import load_or_create_demo_key
from kalshi_tui.services.session import Session

D = Decimal


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    key = load_or_create_demo_key(tmp_path / "trader")
    maker_key = load_or_create_demo_key(tmp_path / "maker")
    running = start_exchange(
        seed=7, markets=60, keys=[(key.key_id, key.public_pem())], agents=False
    )
    running.add_key(maker_key.key_id, maker_key.public_pem(), user_id="maker")
    client = api.KalshiClient(running.base_url, api.KalshiAuth(key.key_id, key.private_key))
    maker = api.KalshiClient(
        running.base_url, api.KalshiAuth(maker_key.key_id, maker_key.private_key)
    )
    s = Session(client, Store(Snapshot(environment="demo")), exchange=running)
    try:
        await s.refresh()
        ticker = next(m.ticker for m in s.snapshot.markets if m.status == "active")
        # Another account quotes 0.40 / 0.44 on the YES axis (a NO bid at 0.56).
        for side, price in (("yes", "0.40"), ("no", "0.56")):
            await maker.create_order(
                api.OrderRequest(
                    ticker=ticker,
                    side=side,  # type: ignore[arg-type]
                    action="buy",
                    count=D(50),
                    price=D(price),
                    client_order_id=f"maker-{side}",
                )
            )
        s.select(ticker)
        await s.refresh()
        yield s
    finally:
        await maker.aclose()
        await s.close()


def wire(session: Session, limits: RiskLimits) -> RiskGate:
    return RiskGate(
        limits,
        lambda: build_context(
            session.store.snapshot,
            session.store.now(),
            stale_data_seconds=limits.stale_data_seconds,
        ),
    )


def request(d: OrderDraft) -> api.OrderRequest:
    return api.OrderRequest(
        ticker=d.ticker,
        side=d.side,
        action=d.action,
        count=d.count,
        price=d.price,
        client_order_id=d.client_order_id,
        time_in_force=d.time_in_force,
    )


async def test_gate_judges_a_real_session_and_a_halt_blocks_the_next_order(
    session: Session,
) -> None:
    limits = RiskLimits(max_open_orders=1)
    gate = wire(session, limits)
    ticker = session.snapshot.selected
    market = session.snapshot.market(ticker)
    assert ticker is not None
    assert market is not None
    floor = lowest_price(market.price_ranges or WHOLE_CENT_GRID)
    assert floor is not None
    passive = OrderDraft("risk-1", ticker, "yes", "buy", floor, D(5))
    assert gate(passive) is None

    inp = build_trigger_input(session.snapshot, session.store.now(), session_start=0)
    equity_before = inp.equity
    assert equity_before is not None
    assert evaluate(TriggerState(), inp, limits)[1] is None

    await session.client.create_order(request(passive))
    await session.pollers["portfolio"].run_once()
    assert len(session.snapshot.orders) == 1
    assert session.snapshot.balance is not None
    assert session.snapshot.balance.cash < D(10_000), "the exchange locked the collateral"
    # The collateral is added back: resting an order is not a loss.
    inp = build_trigger_input(session.snapshot, session.store.now(), session_start=0)
    assert inp.equity == equity_before

    second = OrderDraft("risk-2", ticker, "yes", "buy", floor, D(5))
    denial = gate(second)
    assert denial is not None
    assert (denial.code, denial.value, denial.limit) == ("max_open_orders", D(2), D(1))

    loose = wire(session, RiskLimits())
    assert loose(second) is None
    store = session.store
    store.update(trading=halt(store.snapshot.trading, "ctrl+k", store.now()))
    denial = loose(OrderDraft("risk-3", ticker, "yes", "buy", floor, D(5)))
    assert denial is not None
    assert denial.code == "halted", "blocked on the same turn, before any poll"


async def test_a_taker_fill_lowers_equity_by_spread_and_fee(session: Session) -> None:
    limits = RiskLimits(daily_loss_limit_dollars=D("0.01"))
    book = session.snapshot.book
    assert book is not None
    ask = book.best_yes_ask
    assert ask is not None
    inp = build_trigger_input(session.snapshot, session.store.now(), session_start=0)
    state, fired = evaluate(TriggerState(), inp, limits)
    assert fired is None

    buy = OrderDraft("risk-fill", book.ticker, "yes", "buy", ask, D(1), "immediate_or_cancel")
    assert wire(session, limits)(buy) is None
    ack = await session.client.create_order(request(buy))
    assert ack.fill_count == D(1)
    await session.pollers["portfolio"].run_once()
    assert [p.contracts for p in session.snapshot.positions] == [D(1)]

    inp = build_trigger_input(session.snapshot, session.store.now(), session_start=0)
    _, fired = evaluate(state, inp, limits)
    assert fired is not None
    assert fired.name == "daily_loss"
    assert fired.value >= D("0.01"), "at least the taker fee"
    assert fired.threshold == D("0.01")
