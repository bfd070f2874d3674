"""Exchange shards in the terminal (issue 12): the header's per-shard cash, the ticket naming
a market's shard, and the transfer dialog (T) — review, confirm, journaled, sent — under
`run_test()` against the embedded demo exchange over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.transfer import TransferScreen
from kalshi_tui.ui.widgets.order_ticket import OrderTicket


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return demo_session(directory=tmp_path / "demo", markets=80, plan=FAST)


@pytest.fixture
async def loaded(session: Session, tmp_path: Path) -> AsyncIterator[tuple[TerminalApp, Pilot[int]]]:
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: session.snapshot.balance is not None, 30)
        yield app, pilot


def cash(app: TerminalApp) -> str:
    return str(app.query_one("#cash", Label).content)


def transfer_events(session: Session) -> list[tuple[str, dict[str, object]]]:
    assert session.journal is not None
    return [
        (event.kind, dict(event.payload))
        for event in session.journal.events()
        if event.kind in ("transfer_intent", "transfer")
    ]


async def fill_in(pilot: Pilot[int], screen: TransferScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#transfer-{name}", Input).value = value
    await pilot.pause()


async def test_the_header_shows_cash_per_shard_and_the_ticket_names_the_shard(
    loaded: tuple[TerminalApp, Pilot[int]],
) -> None:
    app, pilot = loaded
    # The demo account starts with $1,000 of its $10,000 on the crypto shard.
    await wait_for(pilot, lambda: cash(app) == "Cash $9,000.00 · #2 $1,000.00")
    snapshot = app.session.snapshot
    crypto = next(m for m in snapshot.markets if m.exchange_index == 2)
    app.select_market(crypto.ticker)
    ticket = app.query_one(OrderTicket)
    await wait_for(
        pilot, lambda: str(ticket.border_title) == f"Ticket · {crypto.ticker} · shard 2 $1,000.00"
    )
    other = next(m for m in snapshot.markets if m.exchange_index == 0)
    app.select_market(other.ticker)
    await wait_for(pilot, lambda: str(ticket.border_title) == f"Ticket · {other.ticker}")


async def test_a_confirmed_transfer_is_journaled_sent_and_shown(
    loaded: tuple[TerminalApp, Pilot[int]],
) -> None:
    app, pilot = loaded
    session = app.session
    await wait_for(pilot, lambda: cash(app) == "Cash $9,000.00 · #2 $1,000.00")
    await pilot.press("T")
    await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
    screen = app.screen
    assert isinstance(screen, TransferScreen)
    balances = str(screen.query_one("#transfer-balances", Static).content)
    assert balances == "Free cash: shard 0 $9,000.00 · shard 2 $1,000.00"

    # More than the source holds free: refused in the dialog, nothing sent or journaled.
    await fill_in(pilot, screen, **{"from": "0", "to": "2", "amount": "9500"})
    await pilot.press("enter")
    error = screen.query_one("#transfer-error", Static)
    await wait_for(pilot, lambda: "shard 0 has $9,000.00 free" in str(error.content))
    assert isinstance(app.screen, TransferScreen)

    # The first Enter reviews; an edit takes the review away; Enter twice sends.
    await fill_in(pilot, screen, amount="250")
    await pilot.press("enter")
    confirm = screen.query_one("#transfer-confirm", Static)
    expected = "Transfer $250.00 from shard 0 to shard 2? Enter again to send it."
    await wait_for(pilot, lambda: str(confirm.content) == expected)
    await fill_in(pilot, screen, amount="250.00")
    assert str(confirm.content) == ""
    assert transfer_events(session) == []
    await pilot.press("enter")
    await wait_for(pilot, lambda: str(confirm.content) == expected)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, TransferScreen))

    await wait_for(pilot, lambda: cash(app) == "Cash $8,750.00 · #2 $1,250.00", 30)
    (intent_kind, intent), (result_kind, result) = transfer_events(session)
    assert (intent_kind, result_kind) == ("transfer_intent", "transfer")
    assert intent == {"source": 0, "destination": 2, "amount": "250.00"}
    assert result["outcome"] == "done"
    assert any(
        "transferred $250.00 from shard 0 to shard 2" in e.text for e in session.store.log_since(0)
    )


async def test_escape_abandons_the_transfer(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    await pilot.press("T")
    await wait_for(pilot, lambda: isinstance(app.screen, TransferScreen))
    screen = app.screen
    assert isinstance(screen, TransferScreen)
    await fill_in(pilot, screen, **{"from": "0", "to": "2", "amount": "5"})
    await pilot.press("enter")
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, TransferScreen))
    assert transfer_events(app.session) == []
    commands = [command.title for command in app.get_system_commands(app.screen)]
    assert "Transfer between exchange shards" in commands
