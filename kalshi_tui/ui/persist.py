"""Per-user screen state kept in the data directory, a mixin of the app: the favourite
markets (`favourites.json`) and the market list's filter, sort and selected market
(`ui-state.json`, format and rules in `ui/ui_state.py`). A file that cannot be read is
logged and ignored, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App
from textual.widgets import Input

from kalshi_tui.domain.market_view import SortKey
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.services.session import Session
from kalshi_tui.ui import ui_state
from kalshi_tui.ui.layout import DETAIL_PANES
from kalshi_tui.ui.widgets.market_table import MarketTable


class PersistedState(App[int]):
    """Loads and saves favourites and the market list's state; the app sets the paths."""

    session: Session
    detail_pane: str
    _favourites_path: Path | None = None
    _ui_state_path: Path | None = None
    _saved_ui_state: ui_state.UiState | None = None
    _restore_ticker: str | None = None

    if TYPE_CHECKING:

        def show_pane(self, pane_id: str) -> None: ...  # ResponsiveLayout's

    # --- filter, sort and selection across restarts (ui/ui_state.py) ---------------------

    def _restore_ui_state(self) -> None:
        path = self._ui_state_path
        if path is None:
            return
        state, warning = ui_state.load(path)
        if warning is not None:
            self.session.store.log(warning, level="warning")
        if state is None:
            return
        table = self.query_one(MarketTable)
        if state.filter:
            box = self.query_one("#filter", Input)
            box.value = state.filter
            box.remove_class("-empty")
            table.set_filter(state.filter)
        table.set_sort(SortKey(state.sort), state.descending)
        table.favourites_only = state.favourites_only
        table.group_by_event = state.group_by_event
        if state.pane in dict(DETAIL_PANES):
            self.show_pane(state.pane)
        self._restore_ticker = state.selected
        self._saved_ui_state = state

    def _restore_selection(self, snapshot: Snapshot) -> None:
        """Select the market saved last time once the list holds it (it may arrive with a
        later page); give up once the whole list has loaded without it."""
        ticker = self._restore_ticker
        table = self.query_one(MarketTable)
        if ticker is not None and ticker in snapshot.markets_by_ticker:
            self._restore_ticker = None
            if table.select_ticker(ticker):
                self.session.select(ticker)
            return
        markets = snapshot.health.get("markets")
        if markets is not None and markets.last_success is not None:
            # Not listed (a 15-minute market closes between sessions, a filter hides it):
            # say so, or the first row silently takes its place.
            self._restore_ticker = None
            message = (
                f"the market selected last time, {ticker}, is not in the list now "
                "(closed, settled or filtered out): the first market is selected instead"
            )
            self.session.store.log(message, level="warning")
            self.notify(message, title="Selection not restored", severity="warning", markup=False)

    def _current_ui_state(self) -> ui_state.UiState:
        table = self.query_one(MarketTable)
        key, descending = table.sort
        return ui_state.UiState(
            filter=self.query_one("#filter", Input).value,
            sort=key.value,
            descending=descending,
            selected=self._restore_ticker or self.session.store.snapshot.selected,
            favourites_only=table.favourites_only,
            group_by_event=table.group_by_event,
            pane=self.detail_pane,
        )

    def _save_ui_state(self) -> None:
        """Write the state file when it changed (every 2 s and at quit)."""
        path = self._ui_state_path
        if path is None or not self.screen_stack or not self.screen_stack[0].is_mounted:
            return
        state = self._current_ui_state()
        if state == self._saved_ui_state:
            return
        try:
            ui_state.save(path, state)
        except OSError as exc:
            self.session.store.log(f"could not save the UI state: {exc}", level="warning")
            return
        self._saved_ui_state = state

    async def action_quit(self) -> None:
        """Quit, saving the filter, sort and selection first."""
        self._save_ui_state()
        await super().action_quit()

    def _load_favourites(self) -> set[str]:
        path = self._favourites_path
        if path is None or not path.exists():
            return set()
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            self.session.store.log(f"could not read favourites from {path}", level="warning")
            return set()
        return {str(t) for t in data} if isinstance(data, list) else set()

    def _save_favourites(self, tickers: Iterable[str]) -> None:
        path = self._favourites_path
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text(json.dumps(sorted(tickers)))
            temporary.replace(path)
        except OSError as exc:
            self.session.store.log(f"could not save favourites: {exc}", level="warning")
