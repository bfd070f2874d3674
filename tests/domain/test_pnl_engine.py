"""Hypothesis: after random trading on the simulator's engine, the P&L book built from our
fills and settlements matches the engine's positions exactly (position, fees_paid,
realized_pnl, market_exposure) — and stays FIFO-consistent while doing so.

The engine is driven directly (no HTTP) so hundreds of random sessions run in seconds; the
loopback test in tests/journal/test_pnl_loopback.py covers the same path over HTTP with the
real client, the wire conversion and the journal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_tui.domain.models import Fill, Position, Settlement
from kalshi_tui.domain.pnl import PnlBook
from kalshi_tui.domain.pnl_report import cross_check
from kalshi_tui.exchange.engine import (
    COUNT_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    Exchange,
    ExchangeError,
    OrderInput,
)
from kalshi_tui.exchange.engine.views import FillView, PositionView, SettlementView

T0 = 1_795_000_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ME, THEM = "me", "them"


def domain_fill(view: FillView) -> Fill:
    own = view.yes_price if view.side == "yes" else view.no_price
    return Fill(
        fill_id=view.fill_id,
        order_id=view.order_id,
        ticker=view.ticker,
        side=view.side,
        action=view.action,
        count=Decimal(view.count) / COUNT_SCALE,
        price=Decimal(own) / PRICE_SCALE,
        is_taker=view.is_taker,
        fee=Decimal(view.fee_cost) / MONEY_SCALE,
        created_time=EPOCH + timedelta(milliseconds=view.created_ms),
    )


def domain_position(view: PositionView) -> Position:
    return Position(
        ticker=view.ticker,
        contracts=Decimal(view.position) / COUNT_SCALE,
        market_exposure=Decimal(view.market_exposure) / MONEY_SCALE,
        realized_pnl=Decimal(view.realized_pnl) / MONEY_SCALE,
        fees_paid=Decimal(view.fees_paid) / MONEY_SCALE,
        total_traded=Decimal(view.total_traded) / MONEY_SCALE,
    )


def domain_settlement(view: SettlementView) -> Settlement:
    return Settlement(
        ticker=view.ticker,
        result=view.market_result,
        yes_count=Decimal(view.yes_count) / COUNT_SCALE,
        no_count=Decimal(view.no_count) / COUNT_SCALE,
        revenue=Decimal(view.revenue) / MONEY_SCALE,
        fee=Decimal(view.fee_cost) / MONEY_SCALE,
        settled_time=EPOCH + timedelta(milliseconds=view.settled_ms),
    )


def cent_markets(ex: Exchange, n: int) -> list[str]:
    tickers = [
        m.ticker for m in ex.list_markets(status="open") if m.price_level_structure == "linear_cent"
    ]
    return tickers[:n]


steps = st.tuples(
    st.integers(0, 1),  # market index
    st.booleans(),  # we take (True) or we make (False)
    st.sampled_from(["yes", "no"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 99),  # YES price in cents
    st.one_of(st.integers(1, 30).map(lambda n: n * COUNT_SCALE), st.integers(1, 700)),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(steps, min_size=1, max_size=40),
    st.sampled_from(["yes", "no", "void", None]),
)
def test_book_matches_the_engine(trades: list, result: str | None) -> None:  # type: ignore[type-arg]
    ex = Exchange(seed=3, now=T0, market_count=30, agents=False)
    for user in (ME, THEM):
        ex.create_user(user, balance=10_000_000 * MONEY_SCALE)
    tickers = cent_markets(ex, 2)
    now = T0
    for market, we_take, side, action, cents, count in trades:
        ticker = tickers[market]
        now += 1_000
        yes_price = cents * PRICE_SCALE // 100
        mine = OrderInput(ticker, side, action, yes_price, count)
        # The counterparty's order sits on the other side of the book at the same price.
        their_side = "no" if side == "yes" else "yes"
        theirs = OrderInput(ticker, their_side, action, yes_price, count)
        maker, taker = (THEM, ME) if we_take else (ME, THEM)
        first, second = (theirs, mine) if we_take else (mine, theirs)
        try:
            ex.create_order(maker, first, now)
            ex.create_order(
                taker,
                OrderInput(
                    second.ticker,
                    second.side,
                    second.action,
                    second.price,
                    second.count,
                    time_in_force="immediate_or_cancel",
                ),
                now,
            )
        except ExchangeError as exc:  # pragma: no cover - the funds are ample
            raise AssertionError(exc) from exc
        ex.cancel_all(maker, now)
    if result is not None:
        now += 1_000
        ex.close_market(tickers[0], now)
        ex.determine_market(tickers[0], result, now)  # type: ignore[arg-type]
        ex.settle_market(tickers[0], now)
    assert len(ex.fills(ME)) == len(trades), "every step crosses completely"
    book = PnlBook(day_start=EPOCH)
    events: list[tuple[int, int, Fill | Settlement]] = []
    for order, view in enumerate(reversed(ex.fills(ME))):  # the engine lists newest first
        events.append((view.created_ms, order, domain_fill(view)))
    for view in ex.settlements(ME):
        events.append((view.settled_ms, 1 << 30, domain_settlement(view)))
    for _, _, event in sorted(events, key=lambda item: item[:2]):
        if isinstance(event, Fill):
            book.apply_fill(event)
        else:
            book.apply_settlement(event)
    positions = [domain_position(view) for view in ex.positions(ME)]
    assert cross_check(book, positions) == []
    for market_book in book:
        assert market_book.realized - market_book.cost == (
            market_book.exchange_realized - market_book.exchange_exposure
        )
