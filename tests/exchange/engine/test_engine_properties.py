"""Property-based tests over random order sequences.

Invariants, checked after every operation:

* money is conserved: Σ account cash (free + locked) + fees collected + escrow
  (session open interest × $1 per unsettled market) + void residue == Σ deposits;
* no account's free cash is negative (cash ≥ locked ≥ 0), and the lock equals what the
  resting orders require, recomputed from scratch;
* no book is crossed after matching, and each level's total is the sum of its live orders;
* fills never exceed an order's size and sum to its fill count;
* each position equals the signed sum of its fills;
* a rejected order changes nothing.

After a final settlement of every market: $1 per winning contract, cost back on void, flat
positions, and money still conserved.
"""

from __future__ import annotations

from collections import defaultdict

from engine_helpers import T0, conserved_total, fund, quiet_exchange, state_of, ticker_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_tui.exchange.engine import PRICE_SCALE, Exchange, ExchangeError, OrderInput

USERS = ("u0", "u1", "u2")

orders = st.tuples(
    st.just("order"),
    st.integers(0, 2),  # user
    st.integers(0, 2),  # market
    st.booleans(),  # YES bid?
    st.integers(1, 99),  # price tick (cents; deci-cent market adds a digit)
    st.integers(1, 800),  # count units
    st.sampled_from(["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]),
    st.booleans(),  # post_only
    st.booleans(),  # reduce_only
    st.sampled_from(["taker_at_cross", "maker"]),
)
others = st.one_of(
    st.tuples(st.just("cancel"), st.integers(0, 2), st.integers(0, 50)),
    st.tuples(
        st.just("amend"),
        st.integers(0, 2),
        st.integers(0, 50),
        st.integers(1, 99),
        st.integers(1, 900),
    ),
    st.tuples(st.just("decrease"), st.integers(0, 2), st.integers(0, 50), st.integers(1, 400)),
    st.tuples(st.just("advance"), st.integers(1, 5_000)),
)
operations = st.lists(st.one_of(orders, orders, others), min_size=1, max_size=40)
results = st.lists(st.sampled_from(["yes", "no", "void"]), min_size=3, max_size=3)


def _markets(ex: Exchange) -> list[str]:
    return [ticker_of(ex, "KXFED"), ticker_of(ex, "KXBTCD"), ticker_of(ex, "KXETH", "deci_cent")]


def _price(ex: Exchange, ticker: str, tick: int, extra: int) -> int:
    grid = ex.get_market(ticker).price_ranges[0].step
    value = tick * 100 + (extra % 10) * 10 if grid == 10 else tick * 100
    return min(max(value, grid), PRICE_SCALE - grid)


def check_invariants(ex: Exchange) -> None:
    state = state_of(ex)
    assert conserved_total(ex) == state.deposits
    fills_by_order: dict[str, int] = defaultdict(int)
    signed: dict[tuple[str, str], int] = defaultdict(int)
    for account in state.accounts.values():
        assert account.cash >= account.locked >= 0
        for fill in account.fills:
            fills_by_order[fill.order_id] += fill.count
            signed[(account.user_id, fill.ticker)] += (
                fill.count if fill.outcome_side == "yes" else -fill.count
            )
        assert account.locked == sum(p.lock for p in account.positions.values())
        for ticker, pos in account.positions.items():
            assert pos.lock == pos.required_lock()
            assert pos.yes == 0 or pos.no == 0
            resting = [
                o
                for o in state.orders.values()
                if o.user_id == account.user_id and o.ticker == ticker and o.on_book
            ]
            assert pos.yes_remaining == sum(o.remaining for o in resting if o.is_yes)
            assert pos.no_remaining == sum(o.remaining for o in resting if not o.is_yes)
            assert pos.fee_reserve == sum(o.fee_reserve for o in resting)
            assert pos.resting_orders == len(resting)
            if state.markets[ticker].status != "finalized":
                assert pos.signed == signed[(account.user_id, ticker)]
    for order in state.orders.values():
        assert order.fill_count <= order.initial_count
        assert order.fill_count == order.taker_fill_count + order.maker_fill_count
        if not state.accounts[order.user_id].is_agent:
            assert fills_by_order[order.order_id] == order.fill_count
        if order.status != "resting":
            assert order.remaining == 0
            assert not order.on_book
    for market in state.markets.values():
        book = market.book
        if book is None:
            continue
        yes, no = book.yes.best(), book.no.best()
        if yes is not None and no is not None:
            assert yes + no < PRICE_SCALE
        for side in (book.yes, book.no):
            assert side.prices == sorted(side.levels)
            for level in side.levels.values():
                assert level.total == sum(o.remaining for o in level.live()) > 0


def _user_order_id(ex: Exchange, user: str, k: int) -> str | None:
    ids = state_of(ex).accounts[user].order_ids
    return ids[k % len(ids)] if ids else None


def run(ex: Exchange, ops: list[tuple[object, ...]]) -> int:
    tickers = _markets(ex)
    now = T0
    for op in ops:
        kind = op[0]
        try:
            if kind == "order":
                _, u, m, is_yes, tick, count, tif, post, reduce, stp = op
                ticker = tickers[int(m)]  # type: ignore[call-overload]
                order = OrderInput(
                    ticker,
                    "yes",
                    "buy" if is_yes else "sell",
                    _price(ex, ticker, int(tick), int(count)),  # type: ignore[call-overload]
                    int(count),  # type: ignore[call-overload]
                    time_in_force=tif,  # type: ignore[arg-type]
                    post_only=bool(post) and tif == "good_till_canceled",
                    reduce_only=bool(reduce),
                    self_trade_prevention_type=stp,  # type: ignore[arg-type]
                )
                before = ex.snapshot()
                try:
                    ex.create_order(USERS[int(u)], order, now)  # type: ignore[call-overload]
                except ExchangeError:
                    assert ex.snapshot() == before
                    raise
            elif kind == "cancel":
                user = USERS[int(op[1])]  # type: ignore[call-overload]
                order_id = _user_order_id(ex, user, int(op[2]))  # type: ignore[call-overload]
                if order_id:
                    ex.cancel_order(user, order_id, now)
            elif kind == "amend":
                user = USERS[int(op[1])]  # type: ignore[call-overload]
                order_id = _user_order_id(ex, user, int(op[2]))  # type: ignore[call-overload]
                if order_id:
                    view = ex.get_order(user, order_id)
                    new_price = _price(ex, view.ticker, int(op[3]), 0)  # type: ignore[call-overload]
                    ex.amend_order(
                        user,
                        order_id,
                        now,
                        price=new_price,
                        count=view.fill_count + int(op[4]),  # type: ignore[call-overload]
                    )
            elif kind == "decrease":
                user = USERS[int(op[1])]  # type: ignore[call-overload]
                order_id = _user_order_id(ex, user, int(op[2]))  # type: ignore[call-overload]
                if order_id:
                    ex.decrease_order(user, order_id, now, reduce_by=int(op[3]))  # type: ignore[call-overload]
            elif kind == "advance":
                now += int(op[1])  # type: ignore[call-overload]
                ex.advance(now)
        except ExchangeError:
            pass
        check_invariants(ex)
    return now


def _new_exchange() -> Exchange:
    ex = quiet_exchange(market_count=40)
    for user in USERS:
        fund(ex, user, "60")
    return ex


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_random_sequences_keep_the_invariants(ops: list[tuple[object, ...]]) -> None:
    run(_new_exchange(), ops)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, results)
def test_settlement_pays_exactly(ops: list[tuple[object, ...]], outcome: list[str]) -> None:
    ex = _new_exchange()
    now = run(ex, ops)
    state = state_of(ex)
    for ticker, result in zip(_markets(ex), outcome, strict=True):
        market = state.markets[ticker]
        if market.status in ("active", "inactive"):
            ex.close_market(ticker, now)
        held = {
            user: (
                state.accounts[user].positions[ticker].yes,
                state.accounts[user].positions[ticker].no,
                state.accounts[user].positions[ticker].exposure,
            )
            for user in USERS
            if ticker in state.accounts[user].positions
        }
        cash = {user: state.accounts[user].cash for user in USERS}
        ex.determine_market(ticker, result, now)  # type: ignore[arg-type]
        ex.settle_market(ticker, now)
        for user, (yes, no, exposure) in held.items():
            expected = {"yes": yes * PRICE_SCALE, "no": no * PRICE_SCALE, "void": exposure}
            assert state.accounts[user].cash - cash[user] == expected[result]
            assert state.accounts[user].positions[ticker].signed == 0
        check_invariants(ex)
