"""The modal screens: order confirmation, yes/no question, typed re-arm, trade history."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from kalshi_tui.domain.models import Fill, Order, Settlement
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID
from kalshi_tui.domain.trading import Finding, Reconciliation
from kalshi_tui.ui.screens.amend import Amendment, AmendScreen
from kalshi_tui.ui.screens.confirm import (
    OrderConfirmScreen,
    QuestionScreen,
    TypedConfirmScreen,
    preview_lines,
)
from kalshi_tui.ui.screens.history import HistoryRows, HistoryScreen
from kalshi_tui.ui.screens.reconciliation import ReconciliationScreen

DRAFT = OrderDraft(
    client_order_id="c-1",
    ticker="KXFED-26DEC-T4.00",
    side="yes",
    action="buy",
    price=Decimal("0.50"),
    count=Decimal(10),
)


class Host(App[None]):
    """An empty app that records what a pushed screen returned."""

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.to_push = screen
        self.results: list[object] = []

    def compose(self) -> ComposeResult:
        yield Label("host")

    def on_mount(self) -> None:
        self.push_screen(self.to_push, self.results.append)


def test_preview_lines_carry_the_economics() -> None:
    text = "\n".join(preview_lines(DRAFT))
    # 10 × $0.50: cost $5.00; taker fee ceil(0.07 × 10 × 0.25) = $0.18; max loss $5.18.
    assert "Cost $5.00" in text
    assert "$0.18" in text
    assert "Max payout $10.00" in text
    assert "Max loss $5.18" in text
    assert "51.8%" in text
    assert "GTC" in text
    assert "c-1" in text


async def test_enter_sends_and_escape_goes_back() -> None:
    for key, expected in (("enter", True), ("escape", False)):
        app = Host(OrderConfirmScreen(DRAFT, production=False))
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert app.results == [expected]


async def test_production_preview_says_real_money() -> None:
    app = Host(OrderConfirmScreen(DRAFT, production=True))
    async with app.run_test() as pilot:
        await pilot.pause()
        labels = [str(label.content) for label in app.screen.query(Label)]
        assert any("PRODUCTION" in text for text in labels)


async def test_question_needs_y() -> None:
    app = Host(QuestionScreen("Cancel all 3 resting orders?"))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert app.results == []
        await pilot.press("y")
        await pilot.pause()
    assert app.results == [True]


async def test_typed_confirmation_needs_reason_and_exact_word() -> None:
    app = Host(TypedConfirmScreen("Re-arm trading", "RESUME"))
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        reason = screen.query_one("#typed-reason", Input)
        word = screen.query_one("#typed-word", Input)
        error = screen.query_one("#typed-error", Static)
        word.value = "RESUME"
        word.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "reason" in str(error.content).lower()
        assert app.results == []
        reason.value = "checked positions"
        word.value = "resume"
        word.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "exactly" in str(error.content)
        assert app.results == []
        word.value = "RESUME"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["checked positions"]


def _fill(i: int) -> Fill:
    return Fill(
        fill_id=f"f{i}",
        order_id="o1",
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        count=Decimal(2),
        price=Decimal("0.43"),
        is_taker=True,
        fee=Decimal("0.04"),
        created_time=datetime(2026, 11, 29, 12, 0, i, tzinfo=UTC),
    )


async def test_history_lists_fills_and_settlements() -> None:
    settlement = Settlement(
        ticker="KXFED-26DEC-T4.00",
        result="yes",
        yes_count=Decimal(2),
        no_count=Decimal(0),
        revenue=Decimal(2),
        fee=Decimal(0),
        settled_time=datetime(2026, 11, 29, 13, tzinfo=UTC),
    )

    def load() -> HistoryRows:
        return [_fill(i) for i in range(3)], [settlement]

    app = Host(HistoryScreen(load))
    async with app.run_test() as pilot:
        await pilot.pause()
        fills = app.screen.query_one("#history-fills", DataTable)
        done = app.screen.query_one("#history-settlements", DataTable)
        assert fills.row_count == 3
        assert done.row_count == 1
        assert "43¢" in [str(c) for c in fills.get_row_at(0)]
        # A settlement's fee is the market's trading fees (Kalshi's fee_cost), so the
        # column says so rather than reading as a settlement charge (issue 15).
        headings = [str(column.label) for column in done.columns.values()]
        assert headings[-1] == "Trading fees paid"
        assert "Fee" not in headings
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_history_reports_an_unreadable_journal() -> None:
    def load() -> HistoryRows:
        raise OSError("disk on fire")

    app = Host(HistoryScreen(load))
    async with app.run_test() as pilot:
        await pilot.pause()
        heading = app.screen.query_one("#fills-heading", Label)
        assert "disk on fire" in str(heading.content)


def _order(fill: str = "2", remaining: str = "8") -> Order:
    return Order(
        order_id="o-1",
        client_order_id="c-1",
        ticker="KXFED-26DEC-T4.00",
        side="yes",
        action="buy",
        price=Decimal("0.43"),
        initial_count=Decimal(10),
        fill_count=Decimal(fill),
        remaining_count=Decimal(remaining),
        status="resting",
        fees=Decimal(0),
        created_time=None,
    )


async def test_amend_validates_before_returning() -> None:
    app = Host(AmendScreen(_order(), WHOLE_CENT_GRID))
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        price = screen.query_one("#amend-price", Input)
        count = screen.query_one("#amend-count", Input)
        error = screen.query_one("#amend-error", Static)
        assert (price.value, count.value) == ("43¢", "10")
        await pilot.press("enter")
        await pilot.pause()
        assert "nothing changed" in str(error.content)
        price.value = "0.435"
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == []
        assert str(error.content)
        price.value = "0.45"
        count.value = "2"
        await pilot.press("enter")
        await pilot.pause()
        assert "already filled" in str(error.content)
        count.value = "12"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [Amendment("o-1", Decimal("0.45"), Decimal(12))]


async def test_reconciliation_lists_and_acknowledges() -> None:
    findings = {
        "f1": Finding("f1", "adopted_order", "order placed elsewhere", ticker="KX-A", at=1.0),
        "f2": Finding("f2", "missing_order", "gone", ticker="KX-B", blocking=False, at=2.0),
    }
    acknowledged: list[str] = []

    def current() -> Reconciliation:
        return Reconciliation(findings=tuple(findings.values()), last_run=time.time(), runs=1)

    def acknowledge(finding_id: str) -> None:
        acknowledged.append(finding_id)
        findings[finding_id] = findings[finding_id].acknowledge()

    app = Host(ReconciliationScreen(current, acknowledge))
    async with app.run_test() as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        heading = str(app.screen.query_one("#reconciliation-heading", Label).content)
        assert "2 findings, 1 blocking" in heading
        # Newest first: f2 is on top; move to f1 and acknowledge it.
        await pilot.press("down", "a")
        await pilot.pause()
        assert acknowledged == ["f1"]
        assert "0 blocking" in str(app.screen.query_one("#reconciliation-heading", Label).content)
