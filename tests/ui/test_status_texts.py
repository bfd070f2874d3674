"""What the header and the help say, on the real app against the embedded exchange with a
journal (issue 15): no STALE flash at start-up, no stuttering REDUCING, human pane names."""

from __future__ import annotations

from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.widgets import Label, Static

from kalshi_tui.domain.store import Health, TradingMode
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.help import HelpScreen, human_name
from kalshi_tui.ui.widgets.positions import PositionsPane
from kalshi_tui.ui.widgets.status_bar import StatusBar, summarize_feeds, trading_text


def header(app: TerminalApp, selector: str) -> str:
    return str(app.query_one(StatusBar).query_one(selector, Label).render())


async def test_start_up_shows_loading_never_stale_and_reconcile_is_fresh_when_enabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[bool, str]] = []
    original = StatusBar.show

    def recording(bar: StatusBar, *args: object, **kwargs: object) -> None:
        original(bar, *args, **kwargs)  # type: ignore[arg-type]
        enabled = any("trading enabled" in e.text for e in bar.app.session.store.log_since(0))  # type: ignore[attr-defined]
        seen.append((enabled, str(bar.query_one("#feeds", Label).render())))

    monkeypatch.setattr(StatusBar, "show", recording)
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: session.snapshot.trading_ready)
        await wait_for(pilot, lambda: bool(seen) and seen[-1][1].startswith("feeds OK"))
        # The moment trading is enabled the reconcile feed is fresh, not "never loaded".
        reconcile = session.snapshot.health["reconcile"]
        assert reconcile.last_success is not None
    texts = [text for _, text in seen]
    assert not [t for t in texts if "STALE" in t], texts
    assert any(t.startswith("feeds loading") or t == "feeds: starting" for t in texts)
    assert not [t for enabled, t in seen if enabled and "reconcile" in t]


async def test_reducing_reads_once_and_help_names_panes_in_words(tmp_path: Path) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=60, plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: session.snapshot.trading_ready)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: session.snapshot.trading.mode is TradingMode.REDUCING)
        await wait_for(pilot, lambda: header(app, "#trading").startswith("REDUCING"))
        assert header(app, "#trading") == "REDUCING: chosen by the trader"
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-bindings", Static).render())
        assert "When focused: Positions" in text
        assert "PositionsPane" not in text
        assert "OrdersPane" not in text
        # ctrl+e is named as the header names it, not like the ticket's Reduce-only flag;
        # a ticket box's up/down step the value, they do not scroll (issue 15).
        assert "REDUCING mode: only orders that shrink a position" in text
        assert "Reduce-only mode" not in text
        box = text.split("When focused: Ticket box", 1)[1].split("When focused:", 1)[0]
        assert "Step up: price by a tick" in box
        assert "Scroll" not in box
        assert "Input" not in text.splitlines()
        rate = str(app.screen.query_one("#help-rate", Static).render())
        assert "share of the account's request budget" in rate
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        assert "request budget" in str(app.query_one(StatusBar).query_one("#rate").tooltip)
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: session.snapshot.trading.mode is TradingMode.ACTIVE)
        await wait_for(pilot, lambda: header(app, "#trading").startswith("ACTIVE"))
        assert header(app, "#trading") == "ACTIVE: back from REDUCING (trader)"


def test_status_formatting_never_repeats_the_mode() -> None:
    assert trading_text("REDUCING", "REDUCING chosen by the trader") == (
        "REDUCING: chosen by the trader"
    )
    assert trading_text("HALTED", "kill switch [ctrl+k]") == "HALTED: kill switch [ctrl+k]"
    assert trading_text("ACTIVE", "") == "ACTIVE"
    assert human_name(PositionsPane.__name__) == "Positions pane"
    assert human_name("HTTPLogTail") == "HTTP log tail"


def test_a_feed_that_never_loads_turns_stale_after_its_threshold() -> None:
    starting = Health(interval=1.0, stale_after=10.0, registered=100.0)
    assert summarize_feeds({"reconcile": starting}, 105.0).text == "feeds loading: reconcile"
    assert summarize_feeds({"reconcile": starting}, 111.0).text == (
        "feeds STALE: reconcile never loaded"
    )
