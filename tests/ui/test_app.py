"""The whole terminal under `run_test()` against the embedded exchange over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static

from kalshi_tui.services.launch import demo_session
from kalshi_tui.services.session import Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.widgets.log_tail import LogTail
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_book import OrderBookPane
from kalshi_tui.ui.widgets.status_bar import StatusBar


@pytest.fixture
def session(tmp_path: Path) -> Session:
    return demo_session(directory=tmp_path / "demo", markets=80, plan=FAST)


@pytest.fixture
async def loaded(session: Session, tmp_path: Path) -> AsyncIterator[tuple[TerminalApp, Pilot[int]]]:
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(
            pilot,
            lambda: session.snapshot.book is not None and session.snapshot.balance is not None,
        )
        yield app, pilot


def text_of(app: TerminalApp, selector: str) -> str:
    return str(app.query_one(selector, Label).content)


async def test_panes_populate_from_the_exchange(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    snap = app.session.snapshot
    table = app.query_one(MarketTable)
    assert table.view.match_count == len(snap.markets) > 40
    assert table.selected_ticker == snap.selected
    assert text_of(app, "#env") == "DEMO"
    # The store has the balance; the header repaints on the bridge's next tick.
    # The demo account's $10,000: $1,000 of it on the crypto shard (2), listed per shard.
    await wait_for(pilot, lambda: text_of(app, "#cash") == "Cash $9,000.00 · #2 $1,000.00")
    book = app.query_one(OrderBookPane)
    await wait_for(pilot, lambda: snap.selected in str(book.border_title))
    # The title follows the selection at once; the ladder follows the next book poll.
    await wait_for(pilot, lambda: "spread" in str(book.content))


async def test_filter_narrows_the_list(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    table = app.query_one(MarketTable)
    everything = table.view.match_count
    target = app.session.snapshot.markets[7]
    # A few keystrokes of the event's series prefix: each press waits for the live app.
    query = target.series_ticker.lower()[:5]
    await pilot.press("slash")
    assert isinstance(app.focused, Input)
    await pilot.press(*query)
    await wait_for(pilot, lambda: table.view.match_count < everything)
    shown = [app.session.snapshot.markets[i] for i in table.view.rows if i >= 0]
    assert target.ticker in [m.ticker for m in shown]
    assert all(query in (m.ticker + m.title).lower() for m in shown)
    await pilot.press("enter")
    assert app.focused is table


async def test_moving_the_cursor_changes_the_book(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    before = app.session.snapshot.selected
    await pilot.press("down")
    after = app.session.snapshot.selected
    assert after != before
    book = app.query_one(OrderBookPane)
    await wait_for(pilot, lambda: f"Book · {after}" in str(book.border_title))
    # The title follows the selection at once; the book itself follows the next poll.
    await wait_for(
        pilot,
        lambda: app.session.snapshot.book is not None and app.session.snapshot.book.ticker == after,
    )


async def test_a_stale_feed_greys_its_pane(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    exchange = app.session.exchange
    assert exchange is not None
    book = app.query_one(OrderBookPane)
    assert not book.has_class("-stale")
    exchange.faults.configure("read_error=1.0")
    await wait_for(pilot, lambda: book.has_class("-stale"))
    assert "stale" in str(book.border_title)


async def test_a_trading_pause_raises_the_banner(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    exchange = app.session.exchange
    assert exchange is not None
    exchange.faults.set_paused(True)
    status = app.query_one(StatusBar)
    await wait_for(pilot, lambda: text_of(app, "#banner").startswith("TRADING PAUSED"))
    assert status.has_class("-exchange-closed")
    exchange.faults.set_paused(False)
    await wait_for(pilot, lambda: text_of(app, "#banner") == "")


async def test_a_poller_error_is_shown_and_the_loop_recovers(
    loaded: tuple[TerminalApp, Pilot[int]],
) -> None:
    app, pilot = loaded
    exchange = app.session.exchange
    assert exchange is not None
    exchange.faults.configure("read_error=1.0")
    store = app.session.store
    await wait_for(pilot, lambda: store.snapshot.health["portfolio"].consecutive_errors > 0)
    log = app.query_one(LogTail)
    await wait_for(pilot, lambda: "poll failed" in "\n".join(log.lines))
    exchange.faults.configure("")
    await wait_for(pilot, lambda: store.snapshot.health["portfolio"].consecutive_errors == 0)
    assert store.snapshot.health["portfolio"].errors > 0


async def test_help_lists_the_keys(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    listing = str(app.screen.query_one("#help-bindings", Static).render())
    lines = [line.strip() for line in listing.splitlines()]
    # The focused market list and the app's keys, then every other pane's keys.
    for line in (
        "Market list",
        "/  Filter  [app.filter]",
        "^q  Quit  [app.quit]",
        "g  Group by event  [market.group]",
        "l  Freeze log  [app.freeze_log]",
    ):
        assert line in lines
    for pane in ("Log", "Price chart", "Order ticket"):
        assert f"When focused: {pane}" in lines
    assert "f  Freeze log  [log.freeze]" in lines
    assert "p  Chart period  [chart.period]" in lines
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_favourites_persist(loaded: tuple[TerminalApp, Pilot[int]], tmp_path: Path) -> None:
    app, pilot = loaded
    selected = app.session.snapshot.selected
    await pilot.press("f")
    await wait_for(pilot, lambda: (tmp_path / "favourites.json").exists())
    assert selected in (tmp_path / "favourites.json").read_text()


async def test_keymap_remaps_a_binding(session: Session, tmp_path: Path) -> None:
    app = TerminalApp(session, keymap={"app.help": "f1"})
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_palette_goes_to_a_market_by_ticker(loaded: tuple[TerminalApp, Pilot[int]]) -> None:
    app, pilot = loaded
    target = app.session.snapshot.markets[-3].ticker
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*target.lower())
    await pilot.pause(0.4)  # the palette searches in the background
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.session.snapshot.selected == target)
    assert app.query_one(MarketTable).selected_ticker == target


async def test_palette_offers_only_commands_that_apply(session: Session) -> None:
    app = TerminalApp(session, poll=False)
    async with app.run_test(size=(160, 45)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(t.startswith("Toggle favourite") for t in titles), "nothing selected yet"
        await session.refresh()
        await wait_for(pilot, lambda: app.session.snapshot.selected is not None)
        selected = app.session.snapshot.selected
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert f"Toggle favourite: {selected}" in titles
