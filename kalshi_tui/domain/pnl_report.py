"""What the P&L book shows: positions valued at marks, portfolio totals, day P&L, and the
cross-check against the exchange's own position figures. Pure, `Decimal`, no I/O.

Day P&L, precisely. "Today" starts at the local midnight (`local_day_start`). For one
market:

    day = realized_today − fees_today + unrealized_now − unrealized_at_day_start

* `realized_today` / `fees_today`: realized P&L (FIFO, before fees) and fees booked by fills
  and settlements whose exchange time is at or after the day start.
* `unrealized_now`: the open lots at the current mark.
* `unrealized_at_day_start`: the lots open at the day start (their FIFO cost basis then) at
  the *reference mark* the caller supplies for the start of the day — the first mark it saw
  on or after midnight, or the previous close. It is zero for a market that was flat then.

Each of the four terms is rounded half-even to the cent (`pnl.to_cent`) before they are
added, as the positions pane rounds its rows, so Day is made of the cents the screen shows.

So a position carried overnight contributes only its move since the reference mark, and a
position opened and closed today contributes its realized P&L net of fees. When a mark the
formula needs is missing, the market's day P&L is None (and counted as unknown in the
totals), never zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import Decimal

from kalshi_tui.domain.models import Position, Side
from kalshi_tui.domain.pnl import ONE, ZERO, MarketBook, PnlBook, to_cent

MarkLookup = Mapping[str, Decimal | None] | Callable[[str], Decimal | None]
"""YES marks by ticker (`portfolio.yes_mark` of each market), as a mapping or a function."""


DAY_RULE = (
    "Day: P&L since local midnight, realized today − fees today + the open positions' "
    "move since midnight (or since the session started), each figure rounded to the cent "
    "as the positions pane shows it, so it matches the pane's rows and the change in cash "
    "+ portfolio."
)
"""Said in the header's Day tooltip."""


def local_day_start(now: datetime, zone: tzinfo | None = None) -> datetime:
    """The UTC instant of the local midnight starting the day that contains `now`.

    `zone` defaults to the system's local time zone. On a day whose midnight is skipped by a
    DST change, the first local time of the day is used (what `datetime.combine` resolves).
    """
    if now.tzinfo is None:
        raise ValueError(f"naive datetime {now.isoformat()}: pass a timezone-aware time")
    if zone is not None:
        local = now.astimezone(zone)
        return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)
    # The system zone: `astimezone()` gives today's offset, which is not midnight's on a
    # DST day; ask the system for the offset at (about) midnight and use that.
    local = now.astimezone()
    naive = datetime.combine(local.date(), time(0))
    offset = naive.replace(tzinfo=local.tzinfo).astimezone().utcoffset() or timedelta(0)
    return (naive - offset).replace(tzinfo=UTC)


def _lookup(marks: MarkLookup) -> Callable[[str], Decimal | None]:
    if callable(marks):
        return marks
    return marks.get


@dataclass(frozen=True, slots=True)
class PositionPnl:
    """One market's P&L as the positions pane shows it."""

    ticker: str
    side: Side
    contracts: Decimal
    """Contracts held (≥ 0); `side` says which."""
    average_cost: Decimal | None
    cost_basis: Decimal
    mark: Decimal | None
    """Value of one contract of `side` at the YES mark, or None without one."""
    market_value: Decimal | None
    unrealized: Decimal | None
    realized: Decimal
    """Realized before fees (FIFO)."""
    fees: Decimal
    net_realized: Decimal
    total: Decimal | None
    """net_realized + unrealized, or None without a mark for an open position."""
    day: Decimal | None
    lots: tuple[tuple[Decimal, Decimal], ...] = ()
    """Open FIFO lots, oldest first, as (contracts, price paid): what a close would take
    (`pnl.trade_effect`)."""


def day_pnl(
    book: PnlBook, market: MarketBook, mark: Decimal | None, day_start_mark: Decimal | None
) -> Decimal | None:
    """Day P&L of one market (module docstring), each term rounded to the cent
    (`to_cent`) as the positions pane shows it; None when a needed mark is missing.

    Rounding the terms, not the sum, keeps the header's Day equal to what the pane's rows
    and the change in equity say: a position opened today at a half-cent mark (3 × 38.5¢ =
    $1.155) counts as the $1.16 its row shows, not as a half cent that the total then
    rounds the other way."""
    if book.day_start_us is not None and market.day_key == book.day_start_us:
        start_signed, start_cost = market.day_start_signed, market.day_start_cost
        realized, fees = market.day_realized, market.day_fees
    else:  # no event yet today: the state now is the state at the day start
        start_signed, start_cost = market.signed_contracts, market.cost
        realized = fees = ZERO
    now = market.unrealized(mark)
    if now is None:
        return None
    if start_signed == 0:
        start = ZERO
    elif day_start_mark is None:
        return None
    else:
        side_mark = day_start_mark if start_signed > 0 else ONE - day_start_mark
        start = side_mark * abs(start_signed) - start_cost
    return to_cent(realized) - to_cent(fees) + to_cent(now) - to_cent(start)


def value_market(
    book: PnlBook,
    market: MarketBook,
    mark: Decimal | None,
    day_start_mark: Decimal | None = None,
) -> PositionPnl:
    """Value one market at a YES mark (None when it has none)."""
    unrealized = market.unrealized(mark)
    side_mark: Decimal | None = None
    if mark is not None:
        side_mark = mark if market.side == "yes" else ONE - mark
    market_value = None if side_mark is None else side_mark * market.contracts
    if market.contracts == 0:
        market_value = ZERO
    net = market.net_realized
    return PositionPnl(
        ticker=market.ticker,
        side=market.side,
        contracts=market.contracts,
        average_cost=market.average_cost,
        cost_basis=market.cost,
        mark=side_mark,
        market_value=market_value,
        unrealized=unrealized,
        realized=market.realized,
        fees=market.fees,
        net_realized=net,
        total=None if unrealized is None else net + unrealized,
        day=day_pnl(book, market, mark, day_start_mark),
        lots=tuple((contracts, paid) for contracts, paid in market.lots),
    )


def value_book(
    book: PnlBook, marks: MarkLookup, day_start_marks: MarkLookup | None = None
) -> list[PositionPnl]:
    """Every market of the book valued at its mark, by ticker."""
    mark_of = _lookup(marks)
    start_of = _lookup(day_start_marks) if day_start_marks is not None else (lambda _: None)
    return [
        value_market(book, book.markets[ticker], mark_of(ticker), start_of(ticker))
        for ticker in sorted(book.markets)
    ]


@dataclass(frozen=True, slots=True)
class PnlTotals:
    """Portfolio sums. Unmarked open positions are counted, not valued at zero."""

    cost_basis: Decimal
    market_value: Decimal
    unrealized: Decimal
    realized: Decimal
    fees: Decimal
    net_realized: Decimal
    day: Decimal
    """Day P&L of the markets where it is known."""
    unmarked: int
    """Open positions without a mark (left out of `market_value` and `unrealized`)."""
    day_unknown: int
    """Markets whose day P&L is unknown for want of a mark (left out of `day`)."""

    @property
    def total(self) -> Decimal:
        """net_realized + unrealized of the marked positions."""
        return self.net_realized + self.unrealized


def totals(values: Iterable[PositionPnl]) -> PnlTotals:
    cost = market_value = unrealized = realized = fees = day = ZERO
    unmarked = day_unknown = 0
    for value in values:
        cost += value.cost_basis
        realized += value.realized
        fees += value.fees
        if value.unrealized is None or value.market_value is None:
            unmarked += 1
        else:
            unrealized += value.unrealized
            market_value += value.market_value
        if value.day is None:
            day_unknown += 1
        else:
            day += value.day
    return PnlTotals(
        cost_basis=cost,
        market_value=market_value,
        unrealized=unrealized,
        realized=realized,
        fees=fees,
        net_realized=realized - fees,
        day=day,
        unmarked=unmarked,
        day_unknown=day_unknown,
    )


# --- cross-check ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Difference:
    """One figure where the journal and the exchange disagree."""

    ticker: str
    field: str
    """position, fees_paid, realized_pnl or market_exposure (the exchange's names)."""
    journal: Decimal
    exchange: Decimal

    @property
    def difference(self) -> Decimal:
        """journal − exchange."""
        return self.journal - self.exchange

    def __str__(self) -> str:
        return (
            f"{self.ticker} {self.field}: journal {self.journal}, exchange {self.exchange} "
            f"(difference {self.difference})"
        )


def cross_check(book: PnlBook, positions: Iterable[Position]) -> list[Difference]:
    """Compare the journal's figures per market with the exchange's positions.

    Compares the signed position, `fees_paid`, and `realized_pnl` / `market_exposure` under
    the exchange's average-cost convention (see `pnl` module docstring), exactly. A market
    only one side knows counts as all zeros on the other. Returns the differences, by
    ticker and field; an empty list means the journal accounts for every contract and cent.
    """
    exchange = {position.ticker: position for position in positions}
    differences: list[Difference] = []
    for ticker in sorted(set(exchange) | set(book.markets)):
        ours = book.markets.get(ticker)
        theirs = exchange.get(ticker)
        pairs = (
            (
                "position",
                ZERO if ours is None else ours.signed_contracts,
                ZERO if theirs is None else theirs.contracts,
            ),
            (
                "fees_paid",
                ZERO if ours is None else ours.fees,
                ZERO if theirs is None else theirs.fees_paid,
            ),
            (
                "realized_pnl",
                ZERO if ours is None else ours.exchange_realized,
                ZERO if theirs is None else theirs.realized_pnl,
            ),
            (
                "market_exposure",
                ZERO if ours is None else ours.exchange_exposure,
                ZERO if theirs is None else theirs.market_exposure,
            ),
        )
        for name, journal, exchanged in pairs:
            if journal != exchanged:
                differences.append(Difference(ticker, name, journal, exchanged))
    return differences
