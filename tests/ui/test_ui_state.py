"""The market list's filter, sort and selected market survive a restart (issue 15): two
real app runs on one data directory against the embedded exchange; a corrupt state file is
logged and ignored."""

from __future__ import annotations

import json
from pathlib import Path

from live_kit import FAST, wait_for
from textual.pilot import Pilot
from textual.widgets import Input

from kalshi_tui.domain.market_view import SortKey
from kalshi_tui.services.launch import demo_session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.ui_state import UI_STATE_FILE, UiState, load, parse
from kalshi_tui.ui.widgets.market_table import MarketTable


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


def logged(app: TerminalApp) -> list[str]:
    return [entry.text for entry in app.session.store.log_since(0)]


async def test_filter_sort_and_selection_come_back_after_a_restart(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    first = app_for(directory)
    async with first.run_test(size=(160, 45)) as pilot:
        await loaded(first, pilot)
        await pilot.press("slash", *"KX", "enter")
        await pilot.pause()
        table = first.query_one(MarketTable)
        assert first.query_one("#filter", Input).value == "KX"
        shown = table.view.match_count
        assert shown > 20  # more than the list shows at once
        await pilot.press("s", "S")  # sort by volume, ascending
        await pilot.press(*["down"] * 30)  # far enough down to be off the first screen
        await pilot.pause()
        chosen = table.selected_ticker
        assert chosen is not None
        await wait_for(pilot, lambda: first.session.snapshot.selected == chosen)
        sort = table.sort
        assert sort == (SortKey.VOLUME, False)
        await pilot.press("ctrl+q")
    saved = json.loads((directory / UI_STATE_FILE).read_text())
    assert saved["filter"] == "KX"
    assert saved["selected"] == chosen

    second = app_for(directory)
    async with second.run_test(size=(160, 45)) as pilot:
        await loaded(second, pilot)
        await wait_for(pilot, lambda: second.session.snapshot.selected == chosen)
        table = second.query_one(MarketTable)
        assert second.query_one("#filter", Input).value == "KX"
        assert table.view.match_count == shown
        assert table.sort == sort
        assert table.selected_ticker == chosen
        # …and its row is on screen, not scrolled away.
        shown_lines = [table.render_line(y).text for y in range(table.size.height)]
        assert any(chosen in line for line in shown_lines)
        await pilot.press("ctrl+q")


async def test_a_corrupt_state_file_is_logged_and_ignored(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    directory.mkdir(parents=True)
    (directory / UI_STATE_FILE).write_text("{not json", encoding="utf-8")
    app = app_for(directory)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, pilot)
        assert any("ignored the UI state" in text and "not JSON" in text for text in logged(app))
        assert app.query_one(MarketTable).sort == (SortKey.TICKER, False)
        await pilot.press("ctrl+q")


def test_bad_fields_are_dropped_one_by_one() -> None:
    state, problems = parse({"filter": "btc", "sort": "bogus", "descending": "yes"})
    assert state == UiState(filter="btc")
    assert problems == ["sort", "descending"]
    assert parse([1, 2])[1] == ["not a JSON object"]


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    assert load(tmp_path / "absent.json") == (None, None)
    (tmp_path / "dir.json").mkdir()
    state, warning = load(tmp_path / "dir.json")
    assert state is None
    assert warning is not None
    assert "could not read the UI state" in warning
    (tmp_path / "list.json").write_text("[]")
    state, warning = load(tmp_path / "list.json")
    assert state is None
    assert warning is not None
    assert "not a JSON object" in warning
