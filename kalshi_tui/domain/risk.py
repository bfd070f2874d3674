"""The pre-trade risk gate: every order is judged here before it is journaled or signed.

`RiskGate` satisfies `PreTradeGate` (`kalshi_tui.domain.orders`): called with an
`OrderDraft` it returns `None` to approve or a `Denial` with a stable code, a sentence
and the numbers (value, limit). It does no I/O: a denial is a value, computed from the
`RiskContext` its provider returns and from the gate's own submit-rate window.

The checks, in the order they run (the first failure is returned):

====================  =========================================================
code                  refused when
====================  =========================================================
halted                trading is HALTED (only cancels and reads are allowed)
invalid_count         count ≤ 0, not finite, or more than 2 decimals
invalid_price         price not strictly inside (0, 1)
stale_inputs          a feed a check needs is stale or missing (see risk_context)
unknown_market        the market is not in the market list
market_not_open       the market is not ``active``, or exchange trading is paused
off_grid              the price is not on the market's price grid
reducing_only         REDUCING and the order does not reduce a position (or could
                      flip it, counting resting reducing orders)
max_order_contracts   count > limit
max_order_notional    order cost > limit (dollars): price × count, or for a sell that
                      opens the other side (1 − price) × contracts opened if larger
no_reference_price    no two-sided book to check the collar against
price_collar          YES-bid more than the collar above mid, or YES-ask more than
                      the collar below mid (both on the YES axis, cents)
max_position          worst-case position in the order's direction after the order
                      (resting and in-flight orders included) beyond the limit
max_open_orders       a resting order would make more than the limit rest at once
max_event_loss        worst-case loss across the event's markets over the limit
insufficient_balance  opening cost + taker fee > the available cash on the order's
                      own exchange shard less what in-flight orders on that shard
                      will lock (their cost and fee); money on other shards does not
                      count (the exchange checks collateral per shard)
max_orders_per_minute more approvals in the last 60 s than the limit allows
====================  =========================================================

The collar is one-sided on purpose: a passive order far from mid cannot fill at a bad
price, an aggressive one can. Position and event-loss checks let an order through that
does not make things worse, so a trader over a (lowered) limit can always reduce.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from decimal import ROUND_CEILING, Decimal

import kalshi_tui.domain.format as fmt
from kalshi_tui.domain.exposure import (
    Leg,
    leg_of_draft,
    leg_of_order,
    market_worst_loss,
    opening_cost,
    worst_position,
)
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID, is_on_grid
from kalshi_tui.domain.risk_context import EXCHANGE, MARKETS, ORDERBOOK, PORTFOLIO, RiskContext
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import TradingMode

ZERO = Decimal(0)
CENT = Decimal("0.01")
ONE = Decimal(1)
CENTS = Decimal(100)
THROTTLE_WINDOW_SECONDS = 60.0


class SubmitThrottle:
    """Sliding-window record of approved submissions (the gate's only state)."""

    def __init__(self, limit: int, window: float = THROTTLE_WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._times: deque[float] = deque()

    def count(self, now: float) -> int:
        """Approvals within the window ending at `now`."""
        return sum(1 for t in self._times if now - t < self.window)

    def record(self, now: float) -> None:
        """Record an approved submission and forget the ones outside the window."""
        self._times.append(now)
        while self._times and now - self._times[0] >= self.window:
            self._times.popleft()


def _seconds(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def _need(ctx: RiskContext, *feeds: str) -> Denial | None:
    for feed in feeds:
        problem = ctx.stale.get(feed)
        if problem is not None:
            return Denial(
                "stale_inputs",
                f"refused: {feed} data is stale or missing ({problem.reason})",
                None if problem.age is None else _seconds(problem.age),
                None if problem.limit is None else _seconds(problem.limit),
            )
    return None


def _legs(ctx: RiskContext) -> list[Leg]:
    return [leg_of_order(o) for o in ctx.orders] + [leg_of_draft(d) for d in ctx.in_flight]


def _decimal_places(value: Decimal) -> int:
    """Significant decimal places of a finite value, exactly (no context rounding)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite: checked by the caller
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def check_draft(draft: OrderDraft) -> Denial | None:
    """The checks that need nothing but the order itself."""
    count, price = draft.count, draft.price
    if not count.is_finite() or count <= 0:
        return Denial("invalid_count", f"count must be a positive number, not {count}", count)
    if _decimal_places(count) > 2:
        return Denial("invalid_count", f"count {count} has more than 2 decimals", count)
    if not price.is_finite() or not ZERO < price < ONE:
        return Denial(
            "invalid_price",
            f"price {fmt.exact_cents(price)} is out of range: more than 0¢ and less than 100¢",
            price,
        )
    return None


def _check_market(draft: OrderDraft, ctx: RiskContext) -> Denial | None:
    market = ctx.markets.get(draft.ticker)
    if market is None:
        return Denial("unknown_market", f"market {draft.ticker} is not in the market list")
    if market.status != "active":
        return Denial("market_not_open", f"market {draft.ticker} is {market.status}, not active")
    if ctx.exchange is not None and not (
        ctx.exchange.exchange_active and ctx.exchange.trading_active
    ):
        return Denial("market_not_open", "trading is paused on the exchange")
    grid = market.price_ranges or WHOLE_CENT_GRID
    if not is_on_grid(draft.price, grid):
        return Denial(
            "off_grid",
            f"price {fmt.exact_cents(draft.price)} is off {draft.ticker}'s price grid",
            draft.price,
        )
    # The grid is one of YES prices (the single book the order lands on); a NO price is
    # checked as the YES price it becomes, which differs when the bands are not symmetric.
    if not is_on_grid(draft.yes_price, grid):
        return Denial(
            "off_grid",
            f"NO {fmt.exact_cents(draft.price)} is YES {fmt.exact_cents(draft.yes_price)}, off "
            f"{draft.ticker}'s price grid",
            draft.price,
        )
    return None


def _check_reducing(draft: OrderDraft, ctx: RiskContext) -> Denial | None:
    position = ctx.positions.get(draft.ticker)
    held = ZERO if position is None else position.contracts
    # Reducing a YES position takes a YES-ask, a NO position a YES-bid.
    reduces = (held > 0 and not draft.is_yes_bid) or (held < 0 and draft.is_yes_bid)
    if not reduces:
        what = f"{draft.action} {draft.side.upper()}"
        if held == 0:
            message = f"REDUCING: {draft.ticker} holds no position for {what} to reduce"
        else:
            # Name the mapping: buy YES and sell NO both add YES; sell YES and buy NO add NO.
            held_side, adds = ("YES", "YES") if held > 0 else ("NO", "NO")
            undo = "sell YES or buy NO" if held > 0 else "sell NO or buy YES"
            message = (
                f"REDUCING: {what} adds {adds} to the {fmt.count(abs(held))} {held_side} held "
                f"in {draft.ticker}; to reduce it, {undo}"
            )
        return Denial("reducing_only", message)
    pending = sum(
        (
            leg.count
            for leg in _legs(ctx)
            if leg.ticker == draft.ticker and leg.is_yes_bid == draft.is_yes_bid
        ),
        ZERO,
    )
    room = abs(held) - pending
    if draft.count > room:
        return Denial(
            "reducing_only",
            f"REDUCING: {fmt.count(draft.count)} contracts could flip the "
            f"{fmt.count(abs(held))}-contract position ({fmt.count(pending)} already working "
            "to reduce it)",
            draft.count,
            max(room, ZERO),
        )
    return None


def order_cost(draft: OrderDraft, held: Decimal) -> Decimal:
    """What the order commits, for the notional limit: price × count, or — when a sell
    opens the other side — (1 − price) per contract opened, whichever is larger. Without
    the second term selling YES at 0.10 would pass a $50 limit while buying $90 of NO."""
    return max(draft.notional, opening_cost(held, leg_of_draft(draft)))


def _check_size(draft: OrderDraft, ctx: RiskContext, limits: RiskLimits) -> Denial | None:
    if draft.count > limits.max_order_contracts:
        return Denial(
            "max_order_contracts",
            f"{fmt.count(draft.count)} contracts is over the "
            f"{fmt.count(limits.max_order_contracts)}-contract order limit",
            draft.count,
            limits.max_order_contracts,
        )
    notional = order_cost(draft, _held(ctx, draft.ticker))
    if notional > limits.max_order_notional_dollars:
        return Denial(
            "max_order_notional",
            f"order cost {fmt.dollars(notional)} is over the "
            f"{fmt.dollars(limits.max_order_notional_dollars)} limit",
            notional,
            limits.max_order_notional_dollars,
        )
    return None


def _check_collar(draft: OrderDraft, ctx: RiskContext, limits: RiskLimits) -> Denial | None:
    book = ctx.book if ctx.book is not None and ctx.book.ticker == draft.ticker else None
    if book is None:
        return Denial("stale_inputs", f"refused: no order book loaded for {draft.ticker}")
    mid = book.mid
    if mid is None:
        return Denial(
            "no_reference_price",
            f"{draft.ticker} has no two-sided quote to check the price collar against",
        )
    through = draft.yes_price - mid if draft.is_yes_bid else mid - draft.yes_price
    if through > limits.price_collar:
        return Denial(
            "price_collar",
            f"YES {fmt.cents(draft.yes_price)} is {fmt.cents(through)} "
            f"{'above' if draft.is_yes_bid else 'below'} mid {fmt.cents(mid)} "
            f"(collar {fmt.cents(limits.price_collar)})",
            through * CENTS,
            limits.price_collar_cents,
        )
    return None


def _check_position(draft: OrderDraft, ctx: RiskContext, limits: RiskLimits) -> Denial | None:
    position = ctx.positions.get(draft.ticker)
    held = ZERO if position is None else position.contracts
    legs = [leg for leg in _legs(ctx) if leg.ticker == draft.ticker]
    before = abs(worst_position(held, legs, yes_bid=draft.is_yes_bid))
    after = abs(worst_position(held, [*legs, leg_of_draft(draft)], yes_bid=draft.is_yes_bid))
    if after > limits.max_position_contracts and after > before:
        return Denial(
            "max_position",
            f"{draft.ticker} position could reach {fmt.count(after)} contracts "
            f"(limit {fmt.count(limits.max_position_contracts)})",
            after,
            limits.max_position_contracts,
        )
    return None


def _check_open_orders(draft: OrderDraft, ctx: RiskContext, limits: RiskLimits) -> Denial | None:
    if draft.time_in_force != "good_till_canceled":
        return None  # IOC and FOK orders never rest.
    resting = len(ctx.orders) + sum(
        1 for d in ctx.in_flight if d.time_in_force == "good_till_canceled"
    )
    if resting + 1 > limits.max_open_orders:
        return Denial(
            "max_open_orders",
            f"{resting} orders already rest (limit {limits.max_open_orders})",
            Decimal(resting + 1),
            Decimal(limits.max_open_orders),
        )
    return None


def event_worst_loss(
    ctx: RiskContext, event_ticker: str, extra: Iterable[Leg] = (), *, fees: bool = True
) -> Decimal:
    """Worst-case loss summed over every market of one event (an upper bound whether or
    not the event's outcomes are mutually exclusive)."""
    by_ticker: dict[str, list[Leg]] = {}
    for leg in [*_legs(ctx), *extra]:
        by_ticker.setdefault(leg.ticker, []).append(leg)
    tickers = set(by_ticker) | set(ctx.positions)
    total = ZERO
    for ticker in tickers:
        market = ctx.markets.get(ticker)
        if market is not None and market.event_ticker == event_ticker:
            legs = by_ticker.get(ticker, [])
            total += market_worst_loss(ctx.positions.get(ticker), legs, fees=fees)
    return total


def _check_event_loss(draft: OrderDraft, ctx: RiskContext, limits: RiskLimits) -> Denial | None:
    unknown = sorted(
        t for t in {*ctx.positions, *(leg.ticker for leg in _legs(ctx))} if t not in ctx.markets
    )
    if unknown:
        return Denial(
            "stale_inputs",
            f"refused: markets {', '.join(unknown)} are held but not loaded, so their event "
            "is unknown",
        )
    event = ctx.markets[draft.ticker].event_ticker
    leg = leg_of_draft(draft)
    after = event_worst_loss(ctx, event, [leg])
    # Judged without fees: an order that only reduces the worst case (its own fee aside)
    # is allowed even over the limit, so the trader can always get out.
    grows = event_worst_loss(ctx, event, [leg], fees=False) > event_worst_loss(
        ctx, event, fees=False
    )
    if after > limits.max_event_loss_dollars and grows:
        return Denial(
            "max_event_loss",
            f"event {event} could lose {fmt.dollars(after)} "
            f"(limit {fmt.dollars(limits.max_event_loss_dollars)})",
            after,
            limits.max_event_loss_dollars,
        )
    return None


def _shard(ctx: RiskContext, ticker: str) -> int:
    market = ctx.markets.get(ticker)
    return 0 if market is None else market.exchange_index


def _check_balance(draft: OrderDraft, ctx: RiskContext) -> Denial | None:
    """Buying power on the order's own shard: the exchange's available balance there (net
    of what its resting orders hold, as the exchange reports it) less what in-flight orders
    on the same shard will lock."""
    if ctx.balance is None:
        return Denial("stale_inputs", "refused: the account balance is not loaded")
    position = ctx.positions.get(draft.ticker)
    held = ZERO if position is None else position.contracts
    leg = leg_of_draft(draft)
    needed = opening_cost(held, leg) + leg.fee
    shard = _shard(ctx, draft.ticker)
    committed = sum(
        (
            opening_cost(_held(ctx, d.ticker), leg_of_draft(d)) + leg_of_draft(d).fee
            for d in ctx.in_flight
            if _shard(ctx, d.ticker) == shard
        ),
        ZERO,
    )
    available = ctx.balance.free_on(shard) - committed
    if needed <= available:
        return None
    others = [pair for pair in ctx.balance.by_shard() if pair[0] != shard and pair[1] > 0]
    if not others:  # no money elsewhere: a transfer would not help
        where = f" on exchange shard {shard}" if shard or ctx.balance.shards else ""
        return Denial(
            "insufficient_balance",
            f"order needs {fmt.dollars(needed)} with fees{where}; "
            f"{fmt.dollars(available)} is available",
            needed,
            available,
        )
    source, spare = max(others, key=lambda pair: pair[1])
    short = (needed - available).quantize(CENT, rounding=ROUND_CEILING)
    return Denial(
        "insufficient_balance",
        f"order needs {fmt.dollars(needed)} with fees on exchange shard {shard}, which has "
        f"{fmt.dollars(available)} free (shard {source} has {fmt.dollars(spare)}): transfer "
        f"with T or `kalshi-tui transfer --from {source} --to {shard} --amount {short}`",
        needed,
        available,
    )


def _held(ctx: RiskContext, ticker: str) -> Decimal:
    position = ctx.positions.get(ticker)
    return ZERO if position is None else position.contracts


def check_order(
    draft: OrderDraft, ctx: RiskContext, limits: RiskLimits, throttle: SubmitThrottle
) -> Denial | None:
    """Judge `draft` against every limit without recording anything."""
    if ctx.trading.mode is TradingMode.HALTED:
        reason = f" ({ctx.trading.reason})" if ctx.trading.reason else ""
        return Denial("halted", f"trading is HALTED{reason}: only cancels are allowed")
    denial = check_draft(draft) or _need(ctx, EXCHANGE, MARKETS, ORDERBOOK, PORTFOLIO)
    if denial is None:
        denial = _check_market(draft, ctx)
    if denial is None and ctx.trading.mode is TradingMode.REDUCING:
        denial = _check_reducing(draft, ctx)
    if denial is None:
        denial = (
            _check_size(draft, ctx, limits)
            or _check_collar(draft, ctx, limits)
            or _check_position(draft, ctx, limits)
            or _check_open_orders(draft, ctx, limits)
            or _check_event_loss(draft, ctx, limits)
            or _check_balance(draft, ctx)
        )
    if denial is None:
        recent = throttle.count(ctx.now)
        if recent >= throttle.limit:
            denial = Denial(
                "max_orders_per_minute",
                f"{recent} orders approved in the last minute (limit {throttle.limit})",
                Decimal(recent + 1),
                Decimal(throttle.limit),
            )
    return denial


class RiskGate:
    """The `PreTradeGate`: judges each draft against a fresh context, fails closed.

    An approval is recorded in the submit-rate window: the order service calls the gate
    immediately before it journals and sends, so an approval is a submission.
    """

    def __init__(
        self,
        limits: RiskLimits,
        context: Callable[[], RiskContext],
        *,
        throttle: SubmitThrottle | None = None,
    ) -> None:
        self.limits = limits
        self.throttle = throttle or SubmitThrottle(limits.max_orders_per_minute)
        self._context = context

    def __call__(self, draft: OrderDraft) -> Denial | None:
        return self._judge(draft, record=True)

    def check(self, draft: OrderDraft) -> Denial | None:
        """The verdict now without recording an approval (the ticket asks before it shows
        the confirmation; the order is judged again, and recorded, when it is sent)."""
        return self._judge(draft, record=False)

    def _judge(self, draft: OrderDraft, *, record: bool) -> Denial | None:
        try:
            ctx = self._context()
            denial = check_order(draft, ctx, self.limits, self.throttle)
        except Exception as error:  # a bug in the inputs must refuse, never approve
            return Denial("risk_error", f"risk check failed, order refused: {error!r}")
        if denial is None and record:
            self.throttle.record(ctx.now)
        return denial
