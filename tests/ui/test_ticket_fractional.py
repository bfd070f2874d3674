"""Fractional counts on the ticket (issue 12): 2.5 and 0.01 contracts where the market allows
fractional trading (every market since 2026-04-17), a clear refusal where it says it does not."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from types import MappingProxyType

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.order_ticket import OrderTicket

TICKER = "KXFRAC-26DEC31-T1"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield OrderTicket()


def snapshot(fractional: bool) -> Snapshot:
    market = MarketSummary(
        ticker=TICKER,
        event_ticker="KXFRAC-26DEC31",
        series_ticker="KXFRAC",
        title="Fractional?",
        status="active",
        yes_bid=D("0.40"),
        yes_ask=D("0.42"),
        last_price=None,
        previous_price=None,
        volume=D(0),
        volume_24h=D(0),
        open_interest=D(0),
        close_time=datetime(2026, 12, 31, tzinfo=UTC),
        fractional=fractional,
    )
    return Snapshot(
        markets=(market,), markets_by_ticker=MappingProxyType({TICKER: market}), selected=TICKER
    )


async def typed(ticket: OrderTicket, app: Host, count: str) -> tuple[str, str]:
    ticket.query_one("#ticket-price", Input).value = "41"
    ticket.query_one("#ticket-count", Input).value = count
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    ticket.refresh_preview(show_all=True)
    error = str(ticket.query_one("#ticket-error", Static).render())
    preview = str(ticket.query_one("#ticket-preview", Static).render())
    return error, preview


async def test_fractional_counts_where_the_market_allows_them() -> None:
    app = Host()
    async with app.run_test() as pilot:
        ticket = app.query_one(OrderTicket)
        ticket.show(snapshot(True), 0.0)
        await pilot.pause()
        error, preview = await typed(ticket, app, "2.5")
        assert error == ""
        assert "Buy 2.50 YES @ 41¢" in preview
        assert "Cost $1.025 ·" in preview
        error, preview = await typed(ticket, app, "0.01")
        assert error == ""
        assert "Buy 0.01 YES @ 41¢" in preview
        values = ticket.read()
        assert not isinstance(values, list)
        assert values.count == D("0.01")
        error, _ = await typed(ticket, app, "0.001")
        assert error == "count has at most 2 decimals"


async def test_a_whole_contract_market_refuses_a_fractional_count_clearly() -> None:
    app = Host()
    async with app.run_test() as pilot:
        ticket = app.query_one(OrderTicket)
        ticket.show(snapshot(False), 0.0)
        await pilot.pause()
        error, preview = await typed(ticket, app, "2.5")
        assert error == (
            f"count 2.50: {TICKER} trades whole contracts only (no fractional trading); "
            "enter 2 or 3"
        )
        assert "complete the ticket" in preview
        assert ticket.query_one("#ticket-count", Input).has_class("-invalid")
        error, _ = await typed(ticket, app, "0.5")
        assert error.endswith("enter 1")
        assert ticket.submit() is False
        error, _ = await typed(ticket, app, "3")
        assert error == ""
