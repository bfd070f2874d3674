"""The selected market comes back after a restart in the compact layout too (issue 15, a
newcomer's session: at 80x24 the book showed the first row and the state file was
overwritten). Two real app runs on one data directory against the embedded exchange."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from live_kit import FAST, wait_for
from textual.pilot import Pilot

from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.ui_state import UI_STATE_FILE
from kalshi_tui.ui.widgets.market_table import MarketTable, columns_for


def app_for(directory: Path) -> TerminalApp:
    session = demo_session(directory=directory, markets=60, plan=FAST)
    return TerminalApp(
        session,
        favourites_path=directory / "favourites.json",
        ui_state_path=directory / UI_STATE_FILE,
    )


async def loaded(app: TerminalApp, pilot: Pilot[int]) -> None:
    snapshot = lambda: app.session.snapshot  # noqa: E731
    await wait_for(
        pilot,
        lambda: (
            snapshot().selected is not None
            and snapshot().health.get("markets") is not None
            and snapshot().health["markets"].last_success is not None
        ),
    )
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
async def test_the_selection_comes_back_at_any_size(tmp_path: Path, size: tuple[int, int]) -> None:
    directory = tmp_path / "demo"
    first = app_for(directory)
    async with first.run_test(size=size) as pilot:
        await loaded(first, pilot)
        await pilot.press("s", "w", "w", *["down"] * 12)
        await pilot.pause()
        chosen = first.query_one(MarketTable).selected_ticker
        assert chosen is not None
        await wait_for(pilot, lambda: first.session.snapshot.selected == chosen)
        await pilot.press("ctrl+q")
    assert json.loads((directory / UI_STATE_FILE).read_text())["selected"] == chosen

    second = app_for(directory)
    async with second.run_test(size=size) as pilot:
        await loaded(second, pilot)
        snapshot = lambda: second.session.snapshot  # noqa: E731
        await wait_for(
            pilot,
            lambda: snapshot().book is not None and snapshot().book.ticker == chosen,  # type: ignore[union-attr]
        )
        # The book stays on it (no late first-row selection), and so does the file.
        for _ in range(20):
            await pilot.pause(0.05)
        assert snapshot().selected == chosen
        assert second.query_one(MarketTable).selected_ticker == chosen
        second._save_ui_state()
        assert json.loads((directory / UI_STATE_FILE).read_text())["selected"] == chosen
        await pilot.press("ctrl+q")


async def test_a_saved_market_no_longer_listed_is_named_not_silently_replaced(
    tmp_path: Path,
) -> None:
    # The newcomer's case: the saved selection was a 15-minute market that had closed.
    directory = tmp_path / "demo"
    directory.mkdir(parents=True)
    gone = "KXBTC15M-26JAN010015-T98300"
    (directory / UI_STATE_FILE).write_text(json.dumps({"selected": gone}), encoding="utf-8")
    app = app_for(directory)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(app, pilot)
        await wait_for(pilot, lambda: app.session.snapshot.selected is not None)
        lines = [entry.text for entry in app.session.store.log_since(0)]
        assert any(gone in line and "not in the list now" in line for line in lines), lines
        assert any(gone in str(n.message) for n in app._notifications)
        assert app.session.snapshot.selected == app.query_one(MarketTable).selected_ticker


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=["80x24", "60x20"])
async def test_a_restored_sort_whose_column_is_hidden_says_so(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    # Saved from a wide session: sorted by volume, which a narrow list does not show.
    directory = tmp_path / "demo"
    directory.mkdir(parents=True)
    state = {"sort": "volume", "descending": True}
    (directory / UI_STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    app = app_for(directory)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        table = app.query_one(MarketTable)
        header = table.render_line(0).text
        shown = {c.key for c in columns_for(table.scrollable_content_region.width)}
        if "volume" in shown:
            assert "Vol▼" in header, header
        else:
            # Named whole (the title's counts give way first), never cut to "b…".
            assert "by volume▼" in header, header
        if size == (60, 20):
            assert "volume" not in shown
