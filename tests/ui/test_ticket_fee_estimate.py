"""The ticket's fee line is an estimate and says which rate it uses: maker for an order that
will rest, taker for one that crosses, both for one that partly crosses (issue 12)."""

from __future__ import annotations

from decimal import Decimal as D

from textual.app import App, ComposeResult
from textual.widgets import Checkbox, Input, RadioButton, Static

from kalshi_tui.domain.models import BookLevel, OrderBook
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.screens.confirm import preview_lines
from kalshi_tui.ui.widgets.order_ticket import OrderTicket

TICKER = "KXFEE-26DEC31-T1"
# YES asks 46¢ × 180 and 47¢ × 120 (NO bids 54¢, 53¢); YES bids 44¢ × 250, 43¢ × 90.
BOOK = OrderBook(
    ticker=TICKER,
    yes=(BookLevel(D("0.43"), D(90)), BookLevel(D("0.44"), D(250))),
    no=(BookLevel(D("0.53"), D(120)), BookLevel(D("0.54"), D(180))),
)


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield OrderTicket()


def fee_line(ticket: OrderTicket) -> str:
    text = str(ticket.query_one("#ticket-preview", Static).render())
    return next(line for line in text.splitlines() if "fee" in line)


async def test_the_fee_line_follows_the_book_and_post_only() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = app.query_one(OrderTicket)
        ticket.show(Snapshot(selected=TICKER, book=BOOK), 0.0)
        price = ticket.query_one("#ticket-price", Input)
        count = ticket.query_one("#ticket-count", Input)
        price.value, count.value = "45", "10"
        await pilot.pause()
        assert fee_line(ticket) == "Cost $4.50 · fee ≈ $0.05 est. (maker)"
        price.value = "46"
        await pilot.pause()
        assert fee_line(ticket) == "Cost $4.60 · fee ≈ $0.18 est. (taker)"
        count.value = "200"
        await pilot.pause()
        assert fee_line(ticket) == "Cost $92.00 · fee ≈ $3.22 est. (taker 180 + maker 20)"
        ticket.query_one("#ticket-post-only", Checkbox).value = True
        await pilot.pause()
        # 0.0175 × 200 × 0.2484 = 0.8694; −92.8694 → −$92.87.
        assert fee_line(ticket) == "Cost $92.00 · fee ≈ $0.87 est. (maker)"
        ticket.query_one("#ticket-post-only", Checkbox).value = False
        # IOC never rests: what does not cross now can only fill by taking.
        ticket.query_one("#tif-ioc", RadioButton).value = True
        await pilot.pause()
        assert fee_line(ticket) == "Cost $92.00 · fee ≈ $3.48 est. (taker)"
        ticket.query_one("#tif-gtc", RadioButton).value = True
        # The book empties: nothing to cross, the whole order rests.
        ticket.show(Snapshot(selected=TICKER, book=OrderBook(TICKER, (), ())), 0.0)
        await pilot.pause()
        assert fee_line(ticket).endswith("est. (maker)")


async def test_a_sub_cent_fee_is_shown_to_its_last_digit() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        ticket = app.query_one(OrderTicket)
        ticket.show(Snapshot(selected=TICKER, book=OrderBook(TICKER, (), ())), 0.0)
        ticket.set_market(TICKER, ((D(0), D(1), D("0.001")),))
        ticket.query_one("#ticket-price", Input).value = "5.5¢"
        ticket.query_one("#ticket-count", Input).value = "2.5"
        await pilot.pause()
        # 2.5 at 5.5¢ rests: 0.0175 × 2.5 × 0.055 × 0.945 → $0.0023, −0.1398 → −$0.14.
        assert fee_line(ticket) == "Cost $0.1375 · fee ≈ $0.0025 est. (maker)"


def test_the_confirmation_calls_its_fee_an_estimate_too() -> None:
    draft = OrderDraft(
        client_order_id="c-1",
        ticker=TICKER,
        side="yes",
        action="buy",
        price=D("0.055"),
        count=D("2.5"),
        time_in_force="good_till_canceled",
    )
    # 2.5 at 5.5¢ as taker: 0.07 × 2.5 × 0.055 × 0.945 = 0.0090956… → $0.0091; −0.1466 → −$0.15.
    assert "Cost $0.1375 · fee ≈ $0.0125 est. (taker at the limit)" in preview_lines(draft)
