"""FIFO P&L against hand-computed cases: round trips, YES/NO netting, partial closes across
lots, settlement, day P&L across local midnight, valuation and the exchange cross-check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from kalshi_tui.domain.fees import trading_fee
from kalshi_tui.domain.models import Action, Fill, Position, Settlement, Side
from kalshi_tui.domain.pnl import PnlBook, purchase_of
from kalshi_tui.domain.pnl_report import (
    Difference,
    cross_check,
    day_pnl,
    local_day_start,
    totals,
    value_book,
    value_market,
)

D = Decimal
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
_ids = count(1)


def fill(
    side: Side,
    action: Action,
    n: str | int,
    price: str,
    *,
    ticker: str = "MKT-A",
    fee: str | None = None,
    at: datetime = T0,
) -> Fill:
    """A taker fill; the fee is Kalshi's formula unless given."""
    count_, price_ = D(n), D(price)
    return Fill(
        fill_id=f"F{next(_ids)}",
        order_id="O1",
        ticker=ticker,
        side=side,
        action=action,
        count=count_,
        price=price_,
        is_taker=True,
        fee=trading_fee(count_, price_) if fee is None else D(fee),
        created_time=at,
    )


def settlement(
    result: str, revenue: str, *, ticker: str = "MKT-A", at: datetime = T0
) -> Settlement:
    return Settlement(
        ticker=ticker,
        result=result,
        yes_count=D(0),
        no_count=D(0),
        revenue=D(revenue),
        fee=D("0.99"),  # informational: never charged again
        settled_time=at,
    )


def test_purchase_equivalences() -> None:
    assert purchase_of("yes", "buy", D("0.40")) == ("yes", D("0.40"))
    assert purchase_of("yes", "sell", D("0.40")) == ("no", D("0.60"))
    assert purchase_of("no", "sell", D("0.25")) == ("yes", D("0.75"))


@pytest.mark.parametrize(
    ("buy", "sell", "n", "realized", "fees"),
    [
        # fees: 0.07 × C × P × (1 − P) up to $0.0001, then the rounding fee that keeps the
        # balance on whole cents, on each fill, worked by hand
        ("0.40", "0.55", 10, "1.50", "0.35"),  # 0.168 → 0.17; 0.17325 → 0.18
        ("0.10", "0.05", 100, "-5.00", "0.97"),  # 0.63 → 0.63; 0.3325 → 0.34
        ("0.50", "0.90", 3, "1.20", "0.08"),  # 0.0525 → 0.06; 0.0189 → 0.02
        ("0.99", "0.01", 1, "-0.98", "0.02"),  # 0.000693 → 0.01 twice
        # fractional: 0.0328125 → 0.0329, cost 0.625 (or 1.875) + 0.0329 floors to the
        # cent with 0.0021 more: 0.035 twice (rounding each fill up to the cent said 0.08)
        ("0.25", "0.25", "2.50", "0", "0.07"),
    ],
)
def test_round_trip(buy: str, sell: str, n: str | int, realized: str, fees: str) -> None:
    for side in ("yes", "no"):
        book = PnlBook()
        book.apply_fill(fill(side, "buy", n, buy))  # type: ignore[arg-type]
        market = book.apply_fill(fill(side, "sell", n, sell))  # type: ignore[arg-type]
        assert market.contracts == 0
        assert market.cost == 0
        assert market.realized == D(realized)
        assert market.fees == D(fees)
        assert market.net_realized == D(realized) - D(fees)
        assert market.exchange_realized == D(realized)
        assert not market.lots


def test_buying_no_while_long_yes_closes_yes_at_one_minus_price() -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 10, "0.40"))  # fee 0.17
    market = book.apply_fill(fill("no", "buy", 4, "0.30"))  # closes 4 YES at 0.70; fee 0.06
    assert market.signed_contracts == 6
    assert market.realized == D("1.20")  # 4 × (0.70 − 0.40)
    assert market.cost == D("2.40")
    # 10 NO @ 0.35: closes the other 6 YES at 0.65 and opens 4 NO at 0.35 (fee 0.16)
    market = book.apply_fill(fill("no", "buy", 10, "0.35"))
    assert market.realized == D("2.70")  # + 6 × (0.65 − 0.40)
    assert market.side == "no"
    assert market.signed_contracts == -4
    assert market.cost == D("1.40")
    assert market.fees == D("0.39")
    # Mirror: selling NO @ 0.20 while long NO closes NO lots at 0.20.
    market = book.apply_fill(fill("no", "sell", 1, "0.20"))  # fee 0.0112 → 0.02
    assert market.realized == D("2.55")  # + (0.20 − 0.35)
    assert market.signed_contracts == -3
    # Buying YES @ 0.70 while long NO closes NO at 0.30.
    market = book.apply_fill(fill("yes", "buy", 3, "0.70"))  # fee 0.0441 → 0.05
    assert market.realized == D("2.40")  # + 3 × (0.30 − 0.35)
    assert market.contracts == 0
    assert market.fees == D("0.46")


def test_partial_closes_walk_the_lots_oldest_first() -> None:
    book = PnlBook()
    for n, price in ((5, "0.20"), (3, "0.30"), (4, "0.50")):
        book.apply_fill(fill("yes", "buy", n, price, fee="0"))
    market = book.apply_fill(fill("yes", "sell", 6, "0.60", fee="0"))
    # closes 5 @ 0.20 and 1 @ 0.30: 3.60 − 1.30
    assert market.realized == D("2.30")
    assert [list(lot) for lot in market.lots] == [[2, D("0.30")], [4, D("0.50")]]
    assert market.cost == D("2.60")
    market = book.apply_fill(fill("yes", "sell", 3, "0.25", fee="0"))
    # closes 2 @ 0.30 and 1 @ 0.50: 0.75 − 1.10
    assert market.realized == D("1.95")
    assert [list(lot) for lot in market.lots] == [[3, D("0.50")]]
    assert market.cost == D("1.50")
    assert market.average_cost == D("0.50")
    # The exchange books average cost: exposure 3.90 over 12, then halved twice.
    assert market.exchange_exposure == D("0.975")
    assert market.exchange_realized == D("1.425")  # (3.60 − 1.95) + (0.75 − 0.975)
    # Methods differ while open, but realized − cost basis (the cash flow) agrees.
    assert market.realized - market.cost == market.exchange_realized - market.exchange_exposure


def test_exchange_convention_floors_to_the_micro_dollar() -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 3, "0.10", fee="0"))
    book.apply_fill(fill("yes", "buy", 1, "0.11", fee="0"))
    market = book.apply_fill(fill("yes", "sell", 3, "0.50", fee="0"))
    # exposure 0.41 × 3 / 4 = 0.3075 exactly; then 0.1025 × 1/1
    assert market.exchange_exposure == D("0.1025")
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 3, "0.11", fee="0"))
    book.apply_fill(fill("yes", "sell", "0.07", "0.50", fee="0"))  # 0.33 × 0.07 / 3 = 0.0077
    market = book.apply_fill(fill("yes", "sell", "0.01", "0.50", fee="0"))
    # held 2.93, exposure 0.3223: 0.3223 × 0.01 / 2.93 = 0.0011 exactly (0.11 each)
    assert market.exchange_exposure == D("0.3212")
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 1, "0.10", fee="0"))
    book.apply_fill(fill("yes", "buy", 2, "0.11", fee="0"))
    market = book.apply_fill(fill("yes", "sell", 1, "0.50", fee="0"))
    # 0.32 / 3 = 0.10666… → floored to 0.106666
    assert market.exchange_exposure == D("0.32") - D("0.106666")


@pytest.mark.parametrize(
    ("result", "revenue", "realized_change"),
    [("yes", "6", "3.60"), ("no", "0", "-2.40"), ("void", "2.40", "0")],
)
def test_settlement_of_a_yes_position(result: str, revenue: str, realized_change: str) -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 6, "0.40"))
    market = book.apply_settlement(settlement(result, revenue))
    assert market.realized == D(realized_change)
    assert market.fees == D("0.11")  # 0.1008 → 0.11, and the settlement's fee is not added
    assert market.contracts == 0
    assert market.exchange_realized == D(realized_change)
    assert market.exchange_exposure == 0


@pytest.mark.parametrize(
    ("result", "revenue", "realized_change"),
    [("no", "4", "2.60"), ("yes", "0", "-1.40"), ("void", "1.40", "0")],
)
def test_settlement_of_a_no_position(result: str, revenue: str, realized_change: str) -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "sell", 4, "0.65"))  # buys 4 NO at 0.35
    market = book.apply_settlement(settlement(result, revenue))
    assert market.realized == D(realized_change)


def test_void_after_a_partial_close_pays_the_exchanges_average_cost() -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 1, "0.20", fee="0"))
    book.apply_fill(fill("yes", "buy", 1, "0.60", fee="0"))
    book.apply_fill(fill("yes", "sell", 1, "0.50", fee="0"))  # FIFO +0.30; average +0.10
    market = book.apply_settlement(settlement("void", "0.40"))  # average exposure back
    assert market.realized == D("0.10")  # FIFO: 0.30 + (0.40 − 0.60)
    assert market.exchange_realized == D("0.10")  # average: 0.10 + 0


def test_valuation_at_a_mark_and_without_one() -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 10, "0.40", ticker="A"))
    book.apply_fill(fill("yes", "sell", 5, "0.70", ticker="B"))  # 5 NO at 0.30
    book.apply_fill(fill("yes", "buy", 2, "0.50", ticker="C"))
    values = {v.ticker: v for v in value_book(book, {"A": D("0.55"), "B": D("0.60")})}
    assert values["A"].unrealized == D("1.50")
    assert values["A"].market_value == D("5.50")
    assert values["B"].side == "no"
    assert values["B"].mark == D("0.40")
    assert values["B"].unrealized == D("0.50")  # 5 × (0.40 − 0.30)
    assert values["C"].unrealized is None
    assert values["C"].total is None
    by_function = value_book(book, {"A": D("0.55"), "B": D("0.60")}.get, {"A": D("0.50")})
    assert [v.unrealized for v in by_function] == [D("1.50"), D("0.50"), None]
    # No fills today (no day start set): day P&L is the move since the start mark.
    assert [v.day for v in by_function] == [D("0.50"), None, None]
    total = totals(values.values())
    assert total.unmarked == 1
    assert total.unrealized == D("2.00")
    assert total.fees == D("0.17") + D("0.08") + D("0.04")
    assert total.total == total.net_realized + D("2.00")


NEW_YORK = ZoneInfo("America/New_York")


def test_local_day_start() -> None:
    # 23:30 on 1 March in New York is still 1 March: midnight EST is 05:00 UTC.
    assert local_day_start(datetime(2026, 3, 2, 4, 30, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 3, 1, 5, 0, tzinfo=UTC
    )
    # 8 March 2026 springs forward at 02:00: midnight was still EST.
    assert local_day_start(datetime(2026, 3, 8, 15, 0, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 3, 8, 5, 0, tzinfo=UTC
    )
    assert local_day_start(datetime(2026, 3, 9, 15, 0, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 3, 9, 4, 0, tzinfo=UTC
    )
    system = local_day_start(datetime.now(UTC))
    assert system <= datetime.now(UTC) < system + timedelta(hours=25)
    with pytest.raises(ValueError, match="naive"):
        local_day_start(datetime(2026, 3, 2))  # noqa: DTZ001


def test_day_pnl_across_local_midnight() -> None:
    midnight = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    book = PnlBook(day_start=midnight)
    tick = timedelta(microseconds=1)
    book.apply_fill(fill("yes", "buy", 10, "0.40", at=midnight - tick))  # yesterday
    book.apply_fill(fill("yes", "sell", 4, "0.50", at=midnight))  # today (boundary)
    book.apply_fill(fill("yes", "buy", 2, "0.45", at=midnight + timedelta(hours=1)))
    market = book.markets["MKT-A"]
    assert market.day_start_signed == 10
    assert market.day_start_cost == D("4.00")
    assert market.day_realized == D("0.40")
    assert market.day_fees == D("0.07") + D("0.04")
    # 0.40 − 0.11 + (8 × 0.52 − 3.30) − (10 × 0.42 − 4.00); by hand per contract:
    # 4 sold 0.42→0.50 +0.32, 6 held 0.42→0.52 +0.60, 2 bought 0.45→0.52 +0.14, fees −0.11
    assert day_pnl(book, market, D("0.52"), D("0.42")) == D("0.95")
    assert day_pnl(book, market, D("0.52"), None) is None, "carried position, no start mark"
    assert day_pnl(book, market, None, D("0.42")) is None


def test_day_pnl_of_a_market_untouched_today_and_the_rollover() -> None:
    midnight = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    book = PnlBook(day_start=midnight)
    book.apply_fill(fill("no", "buy", 10, "0.60", at=midnight - timedelta(hours=3)))
    market = book.markets["MKT-A"]
    assert market.day_key is None
    # NO held: YES 0.42 → 0.40 is NO 0.58 → 0.60: +0.20
    assert day_pnl(book, market, D("0.40"), D("0.42")) == D("0.20")
    # A new day: yesterday's fills no longer count.
    book.apply_fill(fill("no", "sell", 10, "0.70", at=midnight + timedelta(hours=2)))
    assert day_pnl(book, market, D("0.30"), D("0.42")) == D("1.20") - D("0.15")
    book.start_day(midnight + timedelta(days=1))
    assert day_pnl(book, market, D("0.30"), None) == 0, "flat since midnight"
    flat = value_market(book, market, None)
    assert flat.unrealized == 0
    assert flat.market_value == 0
    assert flat.day == 0


def test_cross_check_reports_each_differing_figure() -> None:
    book = PnlBook()
    book.apply_fill(fill("yes", "buy", 10, "0.40", ticker="A"))
    book.apply_fill(fill("yes", "buy", 1, "0.40", ticker="B"))
    agree = Position("A", D(10), D("4.00"), D(0), D("0.17"), D("4.00"))
    assert cross_check(book, [agree, Position("B", D(1), D("0.40"), D(0), D("0.02"), D(0))]) == []
    wrong = Position("A", D(9), D("3.60"), D("0.05"), D("0.17"), D("4.00"))
    differences = cross_check(book, [wrong, Position("C", D(-2), D("1"), D(0), D(0), D(0))])
    assert [(d.ticker, d.field, d.difference) for d in differences] == [
        ("A", "position", D(1)),
        ("A", "realized_pnl", D("-0.05")),
        ("A", "market_exposure", D("0.40")),
        ("B", "position", D(1)),
        ("B", "fees_paid", D("0.02")),
        ("B", "market_exposure", D("0.40")),
        ("C", "position", D(2)),
        ("C", "market_exposure", D(-1)),
    ]
    assert str(differences[0]) == "A position: journal 10, exchange 9 (difference 1)"
    assert isinstance(differences[0], Difference)


def test_bad_fills_are_refused() -> None:
    book = PnlBook()
    with pytest.raises(ValueError, match="positive"):
        book.apply_fill(fill("yes", "buy", 0, "0.40"))
    with pytest.raises(ValueError, match="action"):
        book.apply_trade("A", "yes", "hold", D(1), D("0.5"), D(0), 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="naive"):
        book.apply_fill(fill("yes", "buy", 1, "0.40", at=datetime(2026, 1, 1)))  # noqa: DTZ001


def test_day_pnl_rounds_each_figure_as_the_pane_shows_it() -> None:
    """A half-cent mark (3 × 38.5¢ = $1.155): the day figure is made of the cents the
    positions pane shows (unrealized −$0.04 per market), not the exact half cents that
    then round the other way in the sum (issue 15)."""
    midnight = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    book = PnlBook(day_start=midnight)
    for ticker in ("MKT-A", "MKT-B"):
        book.apply_fill(fill("yes", "buy", 3, "0.40", ticker=ticker, fee="0.02", at=T0))
    values = value_book(book, {"MKT-A": D("0.385"), "MKT-B": D("0.385")})
    assert [v.unrealized for v in values] == [D("-0.045"), D("-0.045")]
    assert [v.day for v in values] == [D("-0.06"), D("-0.06")]  # −0.04 − 0.02 each
    assert totals(values).day == D("-0.12")  # old: −0.13 (−0.09 − 0.04)
