"""Fractional contracts end to end in the demo (issue 12): the terminal buys 2.5 YES and
sells 1.25 through its ticket over loopback; the position, the journal's rows, the FIFO P&L,
the balance (whole cents after every fill) and `kalshi-tui export` are exact."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, RadioButton, Static

from kalshi_tui.domain.fees import FeeFill, order_fee
from kalshi_tui.domain.models import Fill
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.order_ticket import OrderTicket

ONE = D(1)


async def send(app: TerminalApp, pilot: Pilot[int], action: str, price: D, count: str) -> None:
    """Fill in the ticket as a trader would (IOC, so nothing rests) and press Enter."""
    ticket = app.query_one(OrderTicket)
    ticket.query_one(
        "#action-sell" if action == "sell" else "#action-buy", RadioButton
    ).value = True
    ticket.query_one("#tif-ioc", RadioButton).value = True
    ticket.query_one("#ticket-price", Input).value = str(price)
    box = ticket.query_one("#ticket-count", Input)
    box.value = count
    box.focus()
    await pilot.pause()
    status = ticket.query_one("#ticket-status", Static)
    before = str(status.content)
    await pilot.press("enter")
    await wait_for(pilot, lambda: str(status.content) != before)
    assert "accepted" in str(status.content) or "filled" in str(status.content).lower(), str(
        status.content
    )


def held(app: TerminalApp, ticker: str) -> D:
    position = next((p for p in app.session.snapshot.positions if p.ticker == ticker), None)
    return D(0) if position is None else position.contracts


def cash(fill: Fill) -> D:
    """What a YES fill moves the balance by: −(cost + fee) buying, price × count − fee
    selling (a sell of held YES)."""
    value = fill.price * fill.count
    return (-value if fill.action == "buy" else value) - fill.fee


async def test_buy_two_and_a_half_sell_one_and_a_quarter(tmp_path: Path) -> None:
    session = demo_session(markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "f.json", confirm_orders=False)
    async with app.run_test(size=(180, 50)) as pilot:
        snap = lambda: app.session.snapshot  # noqa: E731
        await wait_for(
            pilot,
            lambda: (
                snap().trading_ready
                and snap().balance is not None
                and snap().book is not None
                and snap().book.ticker == snap().selected  # type: ignore[union-attr]
                and snap().book.best_yes_ask is not None  # type: ignore[union-attr]
                and app.query_one(OrderTicket).ticker == snap().selected
            ),
        )
        ticker = snap().selected
        assert ticker is not None
        trading = app.session.trading
        assert trading is not None
        balance = snap().balance
        assert balance is not None
        start_cash = balance.cash

        # Buy 2.5 YES, paying up to 3¢ over the ask so the whole count fills at once.
        ask = snap().book.best_yes_ask  # type: ignore[union-attr]
        assert ask is not None
        await send(app, pilot, "buy", min(ask + D("0.03"), D("0.99")), "2.5")
        await wait_for(pilot, lambda: held(app, ticker) == D("2.5"))

        # Sell 1.25 back, down to 3¢ under the bid.
        await wait_for(pilot, lambda: snap().book.best_yes_bid is not None)  # type: ignore[union-attr]
        bid = snap().book.best_yes_bid  # type: ignore[union-attr]
        assert bid is not None
        await send(app, pilot, "sell", max(bid - D("0.03"), D("0.01")), "1.25")
        await wait_for(pilot, lambda: held(app, ticker) == D("1.25"))

        # The journal holds every fill with its exact count; buys 2.5, sells 1.25.
        await wait_for(
            pilot,
            lambda: sum((f.count for f in trading.journal.fills(ticker=ticker)), D(0)) == D("3.75"),
        )
        fills = list(trading.journal.fills(ticker=ticker))
        buys = [f for f in fills if f.action == "buy"]
        sells = [f for f in fills if f.action == "sell"]
        assert sum((f.count for f in buys), D(0)) == D("2.5")
        assert sum((f.count for f in sells), D(0)) == D("1.25")
        assert all(f.side == "yes" for f in fills)
        # Every fill keeps the balance on whole cents (the exchange's rounding fee), and its
        # fee is what the client's estimate says for those fills of that order.
        for fill in fills:
            assert cash(fill) % D("0.01") == 0, fill
        for order_id in {f.order_id for f in fills}:
            mine = [f for f in fills if f.order_id == order_id]
            bought = [
                FeeFill(f.count, f.price if f.action == "buy" else ONE - f.price, f.is_taker)
                for f in mine
            ]
            assert sum((f.fee for f in mine), D(0)) == order_fee(bought), mine

        # FIFO: the 1.25 sold come out of the first buy lots, exactly.
        lots = [[f.count, f.price] for f in buys]
        expected = D(0)
        for sell in sells:
            left = sell.count
            while left:
                take = min(left, lots[0][0])
                expected += take * (sell.price - lots[0][1])
                lots[0][0] -= take
                left -= take
                if not lots[0][0]:
                    lots.pop(0)
        await wait_for(
            pilot,
            lambda: (
                snap().pnl is not None
                and snap().pnl.position(ticker) is not None  # type: ignore[union-attr]
                and snap().pnl.position(ticker).contracts == D("1.25")
            ),  # type: ignore[union-attr]
        )
        pnl = snap().pnl.position(ticker)  # type: ignore[union-attr]
        assert pnl is not None
        assert pnl.realized == expected
        assert pnl.fees == sum((f.fee for f in fills), D(0))
        assert pnl.cost_basis == sum((count * price for count, price in lots), D(0))

        # The balance moved by exactly the fills' cash, in whole cents.
        moved = sum((cash(f) for f in fills), D(0))
        await wait_for(
            pilot,
            lambda: snap().balance is not None and snap().balance.cash == start_cash + moved,  # type: ignore[union-attr]
        )
    await app.session.close()

    out = tmp_path / "fills.csv"
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "kalshi_tui", "export", "--kind", "fills", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with out.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["ticker"] == ticker]
    assert sorted(
        (r["fill_id"], D(r["count"]), D(r["price"]), D(r["fee"])) for r in rows
    ) == sorted((f.fill_id, f.count, f.price, f.fee) for f in fills)
    assert {r["count"] for r in rows} <= {format(f.count, "f") for f in fills}
