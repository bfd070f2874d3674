"""The pre-trade risk gate: each check approves at its limit and denies just over it,
with a stable code and the numbers."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from risk_world import (
    NOW,
    book,
    context,
    draft,
    fresh_health,
    health,
    market,
    position,
    resting,
)

from kalshi_tui.domain.exposure import leg_of_draft, leg_of_order
from kalshi_tui.domain.orders import Denial, OrderDraft, PreTradeGate
from kalshi_tui.domain.risk import RiskGate, SubmitThrottle, check_order
from kalshi_tui.domain.risk_context import RiskContext
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import TradingMode, TradingState

D = Decimal
LIMITS = RiskLimits()


def judge(
    order: OrderDraft, ctx: RiskContext | None = None, limits: RiskLimits = LIMITS
) -> Denial | None:
    throttle = SubmitThrottle(limits.max_orders_per_minute)
    return check_order(order, ctx or context(), limits, throttle)


def denied(
    order: OrderDraft, code: str, ctx: RiskContext | None = None, **limits: object
) -> Denial:
    result = judge(order, ctx, dataclasses.replace(LIMITS, **limits))  # type: ignore[arg-type]
    assert result is not None, f"expected {code}, got approval"
    assert result.code == code, result
    return result


def approved(order: OrderDraft, ctx: RiskContext | None = None, **limits: object) -> None:
    result = judge(order, ctx, dataclasses.replace(LIMITS, **limits))  # type: ignore[arg-type]
    assert result is None, result


def test_a_plain_order_is_approved() -> None:
    approved(draft())


def test_gate_satisfies_the_pre_trade_gate_contract() -> None:
    gate: PreTradeGate = RiskGate(LIMITS, context)
    assert gate(draft()) is None


# --- the order itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    "count", ["0", "-1", "0.001", "1.005", "NaN", "Infinity", "123456789012345678901234567890.001"]
)
def test_bad_counts_are_refused(count: str) -> None:
    result = denied(draft(count=count), "invalid_count")
    assert str(D(count)) in result.message
    assert result.value is not None


@pytest.mark.parametrize("count", ["0.01", "1.5", "10.00", "1E+1", "2.5000"])
def test_counts_with_two_decimals_or_fewer_pass(count: str) -> None:
    approved(draft(count=count))


@pytest.mark.parametrize("price", ["0", "1", "-0.42", "1.42", "NaN", "-Infinity"])
def test_prices_outside_zero_one_are_refused(price: str) -> None:
    denied(draft(price=price), "invalid_price")


def test_off_grid_price_is_refused() -> None:
    result = denied(draft(price="0.425"), "off_grid")
    assert "42.5¢" in result.message
    assert result.value == D("0.425")


def test_sub_cent_price_on_a_tapered_grid_is_allowed() -> None:
    tapered = (
        (D("0"), D("0.10"), D("0.001")),
        (D("0.10"), D("0.90"), D("0.01")),
        (D("0.90"), D("1"), D("0.001")),
    )
    ctx = context(
        markets=[market("EV-A", bid="0.050", ask="0.060", price_ranges=tapered)],
        order_book=book("EV-A", "0.050", "0.060"),
    )
    approved(draft(price="0.055"), ctx)
    denied(draft(price="0.0555"), "off_grid", ctx)


# --- market and exchange ------------------------------------------------------------------


def test_unknown_market_is_refused() -> None:
    result = denied(draft(ticker="NOPE"), "unknown_market")
    assert "NOPE" in result.message


@pytest.mark.parametrize("status", ["inactive", "closed", "determined", "initialized"])
def test_market_not_active_is_refused(status: str) -> None:
    ctx = context(markets=[market("EV-A", status=status)])
    result = denied(draft(), "market_not_open", ctx)
    assert status in result.message


def test_paused_exchange_is_refused() -> None:
    from kalshi_tui.domain.models import ExchangeState

    ctx = context(exchange=ExchangeState(exchange_active=True, trading_active=False))
    denied(draft(), "market_not_open", ctx)


# --- size and notional ---------------------------------------------------------------------


def test_max_order_contracts_at_and_over_the_limit() -> None:
    approved(draft(price="0.42", count="100"))
    result = denied(draft(price="0.42", count="100.01"), "max_order_contracts")
    assert (result.value, result.limit) == (D("100.01"), D(100))


def test_max_order_notional_at_and_over_the_limit() -> None:
    ctx = context(order_book=book("EV-A", "0.48", "0.52"))
    approved(draft(price="0.50", count="100"), ctx)  # exactly $50.00
    result = denied(
        draft(price="0.50", count="100.02"), "max_order_notional", ctx, max_order_contracts=D(200)
    )
    assert (result.value, result.limit) == (D("50.0100"), D("50.00"))


def test_notional_of_a_sell_that_opens_the_other_side_is_its_cost() -> None:
    # Selling 100 YES at 0.40 while flat buys 100 NO at 0.60: $60, not $40.
    ctx = context(order_book=book("EV-A", "0.38", "0.42"))
    result = denied(draft("0.40", "100", action="sell"), "max_order_notional", ctx)
    assert (result.value, result.limit) == (D("60.00"), D("50.00"))
    # Selling 125 YES held at 0.40 only closes: its notional is the $50 of proceeds.
    held = context(
        order_book=book("EV-A", "0.38", "0.42"), positions=[position("EV-A", "125", "50")]
    )
    approved(draft("0.40", "125", action="sell"), held, max_order_contracts=D(200))


# --- price collar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "action", "ok", "bad"),
    [
        ("yes", "buy", "0.52", "0.53"),  # YES-bid: at most 10¢ above mid 0.42
        ("no", "sell", "0.48", "0.47"),  # sell NO at 0.48 = YES-bid at 0.52
        ("yes", "sell", "0.32", "0.31"),  # YES-ask: at most 10¢ below mid
        ("no", "buy", "0.68", "0.69"),  # buy NO at 0.68 = YES-ask at 0.32
    ],
)
def test_price_collar_against_mid(side: str, action: str, ok: str, bad: str) -> None:
    ctx = context(positions=[position("EV-A", "0", "0")])
    approved(draft(ok, "1", side=side, action=action), ctx)  # type: ignore[arg-type]
    result = denied(draft(bad, "1", side=side, action=action), "price_collar", ctx)  # type: ignore[arg-type]
    assert (result.value, result.limit) == (D("11.00"), D(10))


def test_passive_prices_far_from_mid_are_not_collared() -> None:
    approved(draft(price="0.01"))
    approved(draft(price="0.99", side="yes", action="sell"))


def test_one_sided_book_has_no_reference_price() -> None:
    ctx = context(order_book=book("EV-A", "0.40", None))
    denied(draft(), "no_reference_price", ctx)


def test_collar_needs_the_book_of_the_orders_market() -> None:
    ctx = context(order_book=book("EV-B"))
    result = denied(draft(), "stale_inputs", ctx)
    assert "EV-A" in result.message


# --- position ------------------------------------------------------------------------------


def test_max_position_counts_resting_orders() -> None:
    ctx = context(
        positions=[position("EV-A", "450", "180")],
        orders=[resting("EV-A", "yes", "buy", "0.40", "40")],
    )
    approved(draft(count="10"), ctx, max_event_loss_dollars=D(1000))
    result = denied(draft(count="11"), "max_position", ctx, max_event_loss_dollars=D(1000))
    assert (result.value, result.limit) == (D(501), D(500))


def test_max_position_counts_in_flight_orders() -> None:
    ctx = context(positions=[position("EV-A", "495", "200")], in_flight=[draft(count="5")])
    result = denied(draft(count="1"), "max_position", ctx, max_event_loss_dollars=D(1000))
    assert result.value == D(501)


def test_reducing_an_oversized_position_is_allowed() -> None:
    ctx = context(positions=[position("EV-A", "600", "240")])
    approved(draft("0.40", "50", action="sell"), ctx, max_event_loss_dollars=D(1000))
    denied(draft("0.42", "1"), "max_position", ctx, max_event_loss_dollars=D(1000))


# --- open orders ---------------------------------------------------------------------------


def test_max_open_orders_at_and_over_the_limit() -> None:
    two = [resting("EV-B", "yes", "buy", "0.01", "1", f"o{i}") for i in range(2)]
    approved(draft(), context(orders=two), max_open_orders=3)
    three = [resting("EV-B", "yes", "buy", "0.01", "1", f"o{i}") for i in range(3)]
    result = denied(draft(), "max_open_orders", context(orders=three), max_open_orders=3)
    assert (result.value, result.limit) == (D(4), D(3))
    # An immediate-or-cancel order never rests, so it does not count.
    approved(draft(tif="immediate_or_cancel"), context(orders=three), max_open_orders=3)


# --- event loss ----------------------------------------------------------------------------


def test_event_loss_sums_the_events_markets() -> None:
    # EV-B: 30 YES at a $12 cost basis can lose $12. Buying x YES of EV-A at 0.42 can lose
    # 0.42x plus its fee: x = 18 → $7.87 (total $19.87); x = 19 → $8.31 (total $20.31).
    held = [position("EV-B", "30", "12.00"), position("OTHER-X", "100", "90.00")]
    ctx = context(positions=held)
    approved(draft(count="18"), ctx, max_event_loss_dollars=D(20))
    result = denied(draft(count="19"), "max_event_loss", ctx, max_event_loss_dollars=D(20))
    assert (result.value, result.limit) == (D("20.31"), D(20))
    assert "EV" in result.message


def test_event_loss_counts_resting_orders_where_they_hurt() -> None:
    # A resting sell of 10 YES of EV-B at 0.50 loses 10 × 0.50 if YES wins, plus its fee;
    # buying 10 YES of EV-A at 0.42 loses 10 × 0.42 if NO wins, plus its fee. Each market's
    # worst case counts: the sum bounds the event whether or not its outcomes exclude.
    ctx = context(orders=[resting("EV-B", "yes", "sell", "0.50", "10")])
    ours = leg_of_draft(draft(count="10"))
    theirs = leg_of_order(ctx.orders[0])
    expected = D("4.20") + ours.fee + D("5.00") + theirs.fee
    assert expected == D("9.56")
    approved(draft(count="10"), ctx, max_event_loss_dollars=expected)
    result = denied(
        draft(count="10"), "max_event_loss", ctx, max_event_loss_dollars=expected - D("0.01")
    )
    assert result.value == expected


def test_reducing_is_allowed_over_the_event_limit() -> None:
    ctx = context(positions=[position("EV-A", "100", "40.00")])
    approved(draft("0.40", "50", action="sell"), ctx, max_event_loss_dollars=D(5))
    denied(draft("0.42", "1"), "max_event_loss", ctx, max_event_loss_dollars=D(5))


def test_position_in_an_unloaded_market_refuses_rather_than_guessing() -> None:
    ctx = context(positions=[position("GONE-1", "5", "2.00")])
    result = denied(draft(), "stale_inputs", ctx)
    assert "GONE-1" in result.message


# --- balance -------------------------------------------------------------------------------


def test_balance_covers_cost_and_fee() -> None:
    # 11 × 0.42 = 4.62 + fee 0.19 = 4.81; 12 × 0.42 = 5.04 + fee 0.21 = 5.25.
    approved(draft(count="11"), context(cash="5.00"))
    result = denied(draft(count="12"), "insufficient_balance", context(cash="5.00"))
    assert (result.value, result.limit) == (D("5.25"), D("5.00"))


def test_closing_a_position_needs_only_the_fee() -> None:
    ctx = context(cash="1.00", positions=[position("EV-A", "50", "20.00")])
    approved(draft("0.40", "50", action="sell"), ctx)


def test_in_flight_orders_reduce_the_cash_available() -> None:
    ctx = context(cash="10.00", in_flight=[draft(count="12", ticker="EV-B")])
    result = denied(draft(count="12"), "insufficient_balance", ctx)
    assert result.limit == D("10.00") - D("5.04") - D("0.21")  # its cost and its fee


def test_the_balance_check_reads_the_orders_own_shard() -> None:
    """$995 on shard 0 and $5 on shard 2: a $5.25 order on a shard-2 market is refused
    (money on shard 0 does not count there) with how to transfer; the same order on a
    shard-0 market passes."""
    crypto = (market("EV-A", exchange_index=2), market("EV-B"), market("OTHER-X", "OTHER"))
    ctx = context(cash="1000.00", shards={0: "995.00", 2: "5.00"}, markets=crypto)
    approved(draft(count="11"), ctx)  # $4.81 fits in shard 2's $5
    result = denied(draft(count="12"), "insufficient_balance", ctx)
    assert (result.value, result.limit) == (D("5.25"), D("5.00"))
    assert "exchange shard 2" in result.message
    assert "shard 0 has $995.00" in result.message
    assert "kalshi-tui transfer --from 0 --to 2 --amount 0.25" in result.message
    # The same order on a shard-0 market passes: shard 0 has plenty.
    approved(draft(count="12"), context(cash="1000.00", shards={0: "995.00", 2: "5.00"}))


def test_a_shard_missing_from_the_breakdown_holds_nothing() -> None:
    crypto = (market("EV-A", exchange_index=2), market("EV-B"), market("OTHER-X", "OTHER"))
    result = denied(
        draft(count="1"),
        "insufficient_balance",
        context(cash="1000.00", shards={0: "1000.00"}, markets=crypto),
    )
    assert result.limit == D(0)
    assert "--from 0 --to 2" in result.message


def test_in_flight_orders_count_only_on_their_own_shard() -> None:
    crypto = (market("EV-A", exchange_index=2), market("EV-B"), market("OTHER-X", "OTHER"))
    shards = {0: "10.00", 2: "10.00"}
    # An in-flight order on shard 0 leaves shard 2's $10 whole; one on shard 2 does not.
    elsewhere = context(
        cash="20.00", shards=shards, markets=crypto, in_flight=[draft(count="12", ticker="EV-B")]
    )
    approved(draft(count="12"), elsewhere)
    same = context(cash="20.00", shards=shards, markets=crypto, in_flight=[draft(count="12")])
    result = denied(draft(count="12"), "insufficient_balance", same)
    assert result.limit == D("10.00") - D("5.04") - D("0.21")


# --- submit rate ---------------------------------------------------------------------------


def test_submit_rate_window_counts_only_approvals() -> None:
    clock = [NOW]
    limits = dataclasses.replace(LIMITS, max_orders_per_minute=3)
    gate = RiskGate(limits, lambda: context(now=clock[0], health_map=fresh_health(at=clock[0])))
    assert gate(draft(count="0")) is not None  # a denial is not a submission
    for _ in range(3):
        assert gate(draft()) is None
        clock[0] += 1
    result = gate(draft())
    assert result is not None
    assert result.code == "max_orders_per_minute"
    assert (result.value, result.limit) == (D(4), D(3))
    clock[0] = NOW + 60.0  # the first approval has left the window
    assert gate(draft()) is None


# --- trading states ------------------------------------------------------------------------


def test_halted_refuses_everything_with_the_reason() -> None:
    halted = TradingState(TradingMode.HALTED, "daily loss", NOW)
    ctx = context(trading=halted, positions=[position("EV-A", "10", "4")])
    result = denied(draft(), "halted", ctx)
    assert "daily loss" in result.message
    denied(draft("0.40", "1", action="sell"), "halted", ctx)


def test_reducing_accepts_only_reductions_that_do_not_flip() -> None:
    reducing = TradingState(TradingMode.REDUCING, "near limit", NOW)
    ctx = context(trading=reducing, positions=[position("EV-A", "10", "4")])
    approved(draft("0.40", "10", action="sell"), ctx)
    approved(draft("0.60", "10", side="no", action="buy"), ctx)  # buying NO reduces YES
    result = denied(draft("0.40", "11", action="sell"), "reducing_only", ctx)
    assert (result.value, result.limit) == (D(11), D(10))
    denied(draft(), "reducing_only", ctx)  # buying more YES
    denied(draft(ticker="EV-B"), "reducing_only", ctx)  # no position there


def test_reducing_counts_reducing_orders_already_working() -> None:
    reducing = TradingState(TradingMode.REDUCING, "", NOW)
    ctx = context(
        trading=reducing,
        positions=[position("EV-A", "-10", "5.80")],
        orders=[resting("EV-A", "no", "sell", "0.58", "6")],
    )
    approved(draft("0.42", "4"), ctx)
    result = denied(draft("0.42", "5"), "reducing_only", ctx)
    assert result.limit == D(4)


# --- stale and missing inputs --------------------------------------------------------------


@pytest.mark.parametrize("feed", ["exchange", "markets", "orderbook", "portfolio"])
def test_stale_feed_refuses(feed: str) -> None:
    ctx = context(health_map=fresh_health(**{feed: health(age=31.0)}))
    result = denied(draft(), "stale_inputs", ctx)
    assert feed in result.message
    assert "31.0 s old" in result.message
    # The book's limit is the gate's stale_data_seconds, the others' their poller's.
    expected_limit = D("10.0") if feed == "orderbook" else D("30.0")
    assert (result.value, result.limit) == (D("31.0"), expected_limit)


@pytest.mark.parametrize("feed", ["exchange", "markets", "orderbook", "portfolio"])
def test_never_loaded_feed_refuses(feed: str) -> None:
    ctx = context(health_map=fresh_health(**{feed: health(age=None)}))
    assert "never loaded" in denied(draft(), "stale_inputs", ctx).message


def test_book_older_than_stale_data_seconds_refuses() -> None:
    # The poller's own threshold is 30 s; the gate's stale_data_seconds (10 s) is tighter.
    denied(draft(), "stale_inputs", context(health_map=fresh_health(orderbook=health(10.5))))
    approved(draft(), context(health_map=fresh_health(orderbook=health(9.5))))


def test_missing_balance_refuses_rather_than_reading_zero() -> None:
    result = denied(draft(), "stale_inputs", context(cash=None))
    assert "balance" in result.message


def test_unregistered_feed_refuses() -> None:
    health_map = dict(fresh_health())
    del health_map["portfolio"]
    assert "never polled" in denied(draft(), "stale_inputs", context(health_map=health_map)).message


def test_gate_fails_closed_when_its_inputs_break() -> None:
    def broken() -> RiskContext:
        raise KeyError("positions")

    result = RiskGate(LIMITS, broken)(draft())
    assert result is not None
    assert result.code == "risk_error"


def test_limits_from_the_config_defaults_equal_the_domain_defaults() -> None:
    from kalshi_tui.config import Settings

    assert RiskLimits.from_settings(Settings().risk) == LIMITS


def test_limits_follow_the_config() -> None:
    from kalshi_tui.config.models import RiskSettings

    risk = RiskSettings(
        max_order_contracts=7,
        max_event_loss_dollars=D("12.50"),
        price_collar_cents=3,
        stale_data_seconds=5.0,
        stale_halt_seconds=30.0,
    )
    limits = RiskLimits.from_settings(risk)
    assert (limits.max_order_contracts, limits.max_event_loss_dollars) == (D(7), D("12.50"))
    assert (limits.price_collar, limits.stale_halt_seconds) == (D("0.03"), 30.0)


def test_a_context_without_balance_is_refused_even_if_marked_fresh() -> None:
    ctx = dataclasses.replace(context(), balance=None)
    assert not ctx.stale
    result = denied(draft(), "stale_inputs", ctx)
    assert "balance" in result.message
