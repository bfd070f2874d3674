"""The real app's re-arm when the halt marker cannot be removed: a clear notice, still
HALTED, no traceback (the journal's resume is committed, the marker keeps the halt)."""

from __future__ import annotations

from pathlib import Path

from live_kit import FAST, wait_for
from textual.widgets import Input

from kalshi_tui.domain.store import TradingMode
from kalshi_tui.journal import halt_marker
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.screens.confirm import TypedConfirmScreen


async def test_a_stuck_halt_marker_refuses_the_rearm_with_a_notice(tmp_path: Path) -> None:
    session = demo_session(directory=tmp_path / "demo", markets=40, plan=FAST)
    assert session.journal is not None
    marker = halt_marker.marker_path(session.journal.path)
    app = TerminalApp(session, favourites_path=tmp_path / "f.json")
    async with app.run_test(size=(180, 50)) as pilot:
        await wait_for(pilot, lambda: session.snapshot.trading_ready)
        await pilot.press("ctrl+k")
        await wait_for(
            pilot, lambda: session.snapshot.halt is not None and session.snapshot.halt.verified
        )  # type: ignore[union-attr]
        assert marker.is_file()
        # Something made the marker impossible to delete (here: a directory in its place).
        marker.unlink()
        marker.mkdir()
        (marker / "stuck").write_text("x")
        app.query_one("#markets").focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, TypedConfirmScreen))
        app.screen.query_one("#typed-reason", Input).value = "checked the book"
        word = app.screen.query_one("#typed-word", Input)
        word.value = "RESUME"
        word.focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any("could not be removed" in str(n.message) for n in app._notifications),
        )
        assert session.snapshot.trading.mode is TradingMode.HALTED
        assert session.journal.halt_state().halted, "the marker still holds the halt"
        assert marker.is_dir()
    await session.close()
