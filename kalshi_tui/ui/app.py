"""The terminal application: a switchboard that lays out the panes and routes messages.

It owns no data. The session's pollers fill the store; the store bridge calls
`render` at most ten times a second with the names of the changed fields; each
pane's `show` decides cheaply whether it has anything to repaint. User intents
(select a market, change the chart period, filter) go to the session.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from kalshi_tui.domain.store import Snapshot, TradingMode
from kalshi_tui.services.session import Session
from kalshi_tui.ui import ui_state
from kalshi_tui.ui.bridge import StoreBridge
from kalshi_tui.ui.commands import MarketCommands
from kalshi_tui.ui.layout import PaneTabs, ResponsiveLayout
from kalshi_tui.ui.persist import PersistedState
from kalshi_tui.ui.screens.help import HelpScreen
from kalshi_tui.ui.trading import TradingActions
from kalshi_tui.ui.transfer import open_transfer_dialog
from kalshi_tui.ui.widgets.halt_banner import HaltBanner
from kalshi_tui.ui.widgets.log_tail import LogTail
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_book import OrderBookPane
from kalshi_tui.ui.widgets.order_ticket import OrderTicket
from kalshi_tui.ui.widgets.orders import OrdersPane
from kalshi_tui.ui.widgets.positions import PositionsPane
from kalshi_tui.ui.widgets.price_chart import PriceChart
from kalshi_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from kalshi_tui.config import Settings

FAVOURITES_FILE = "favourites.json"


class TerminalApp(TradingActions, ResponsiveLayout, PersistedState):
    """kalshi-tui's Textual application."""

    CSS_PATH = "app.tcss"
    TITLE = "kalshi-tui"
    COMMANDS: ClassVar = App.COMMANDS | {MarketCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("ctrl+k", "halt", "HALT", priority=True, id="app.halt"),
        # ctrl keys are desk keys everywhere, even in a ticket box (whose own ctrl+e, go to
        # end, is also End); letters are desk keys everywhere but in the market filter.
        Binding("ctrl+r", "rearm", "Re-arm", show=False, priority=True, id="app.rearm"),
        Binding(
            "ctrl+e",
            "toggle_reducing",
            "REDUCING mode: only orders that shrink a position",
            show=False,
            priority=True,
            id="app.reducing",
        ),
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("p", "chart_period", "Chart period", id="app.chart_period"),
        Binding("m", "focus_markets", "Markets", show=False, id="app.focus_markets"),
        Binding("escape", "focus_markets", "Back to markets", show=False, id="app.back"),
        Binding("t", "focus_ticket", "Ticket", id="app.focus_ticket"),
        Binding("o", "focus_orders", "Orders", show=False, id="app.focus_orders"),
        Binding("b", "buy_at_ask", "Buy @ ask", id="app.buy_at_ask"),
        Binding("v", "sell_at_bid", "Sell @ bid", id="app.sell_at_bid"),
        Binding("j", "join_bid", "Join bid", id="app.join_bid"),
        Binding("1", "size(0)", "Size 1", show=False, id="app.size_1"),
        Binding("2", "size(1)", "Size 5", show=False, id="app.size_5"),
        Binding("3", "size(2)", "Size 10", show=False, id="app.size_10"),
        Binding("4", "size(3)", "Size 25", show=False, id="app.size_25"),
        Binding("5", "size(4)", "Size 100", show=False, id="app.size_100"),
        Binding("x", "cancel_selected", "Cancel order", id="app.cancel_selected"),
        Binding("X", "cancel_market", "Cancel market", show=False, id="app.cancel_market"),
        Binding("C", "cancel_all", "Cancel all", show=False, id="app.cancel_all"),
        Binding("a", "amend_selected", "Amend", show=False, id="app.amend_selected"),
        Binding("r", "reconciliation", "Reconcile", show=False, id="app.reconciliation"),
        Binding("H", "history", "History", show=False, id="app.history"),
        Binding("T", "transfer", "Transfer", show=False, id="app.transfer"),
        Binding("l", "freeze_log", "Freeze log", id="app.freeze_log"),
    ]
    """Every binding has an id so `[ui] keymap` can remap it."""

    def __init__(
        self,
        session: Session,
        *,
        keymap: dict[str, str] | None = None,
        favourites_path: Path | None = None,
        ui_state_path: Path | None = None,
        bridge_interval: float = 0.1,
        confirm_orders: bool = True,
        poll: bool = True,
        settle_heap: bool = False,
    ) -> None:
        """`poll=False` leaves the session's pollers stopped: the caller drives
        `session.refresh()` itself (deterministic snapshot tests). `settle_heap` tunes
        the process-wide garbage collector after the first market load (see
        `_settle_heap`); the CLI sets it, tests that build many apps do not."""
        super().__init__()
        self._poll = poll
        self.session = session
        self.confirm_orders = confirm_orders
        self._keymap = dict(keymap or {})
        self._favourites_path = favourites_path
        self._ui_state_path = ui_state_path
        self._saved_ui_state = None
        self._restore_ticker = None
        self._bridge = StoreBridge(
            self, session.store, self.render_snapshot, interval=bridge_interval
        )
        self._markets_shown: object = None
        self._settle_heap = settle_heap
        self._heap_settled = False
        if session.store.snapshot.environment == "prod":
            self.add_class("-prod")

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield HaltBanner(id="halt-banner")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Input(placeholder="filter by ticker or title", id="filter", classes="-empty")
                yield MarketTable(id="markets", clock=self._utc_now)
                yield LogTail(self.session.store, id="log")
            with Vertical(id="right"):
                yield OrderBookPane(id="book")
                yield PriceChart(id="chart")
                yield OrderTicket(id="ticket")
        with Horizontal(id="portfolio"):
            yield PositionsPane(id="positions")
            yield OrdersPane(id="orders")
        yield PaneTabs(id="pane-tabs")
        yield Static("", id="too-small")
        yield Footer()

    def on_mount(self) -> None:
        if self._keymap:
            self.set_keymap(self._keymap)
        self.apply_layout(*self.size)
        table = self.query_one(MarketTable)
        table.set_favourites(self._load_favourites())
        self._restore_ui_state()
        table.focus()
        env = self.session.store.snapshot.environment.upper()
        self.session.store.log(f"session started ({env}); connecting to the exchange")
        self._bridge.start()
        # A 1 Hz tick re-renders ages and staleness even when no data arrives: a frozen
        # feed must turn grey, never look like a quiet market.
        self.set_interval(1.0, self._tick, name="staleness")
        self.set_interval(2.0, self._save_ui_state, name="ui-state")
        if self._poll:
            self.run_worker(self.session.run(), group="session", exit_on_error=False)

    def _tick(self) -> None:
        self.render_snapshot(self.session.store.snapshot, frozenset({"clock"}))

    def _utc_now(self) -> datetime:
        """The UI's clock is the store's, so a test with a fixed clock renders fixed ages."""
        return datetime.fromtimestamp(self.session.store.now(), UTC)

    async def on_unmount(self) -> None:
        self._bridge.stop()
        await self.session.close()

    # --- data down -----------------------------------------------------------------------

    def render_snapshot(self, snapshot: Snapshot, changed: frozenset[str]) -> None:
        """Push the snapshot into every pane; each returns early when it has nothing new."""
        if not self.is_running:
            return
        screen = self.screen_stack[0] if self.screen_stack else None
        if screen is None or not screen.is_mounted:
            return
        now = self.session.store.now()
        table = screen.query_one(MarketTable)
        if snapshot.markets is not self._markets_shown:
            if snapshot.markets and self._settle_heap and not self._heap_settled:
                self._heap_settled = True
                _settle_heap()
            self._markets_shown = snapshot.markets
            table.set_markets(snapshot.markets)
            if self._restore_ticker is not None:
                self._restore_selection(snapshot)
            if snapshot.selected is None:
                # First load: the market under the cursor becomes the selection.
                if table.selected_ticker is not None:
                    self.session.select(table.selected_ticker)
            elif table.selected_ticker != snapshot.selected:
                table.select_ticker(snapshot.selected)
        health = snapshot.health.get("markets")
        if health is not None:
            age = health.age(now)
            stale = health.is_stale(now)
            table.set_stale(stale, _age_text(age) if stale else "")
        pnl = snapshot.pnl
        day = pnl.totals.day if pnl is not None and not pnl.totals.day_unknown else None
        screen.query_one(StatusBar).show(snapshot, now, day_pnl=day)
        screen.query_one(HaltBanner).show(snapshot, now)
        screen.query_one(OrderBookPane).show(snapshot, now)
        screen.query_one(PriceChart).show(snapshot, now)
        ticket = screen.query_one(OrderTicket)
        ticket.show(snapshot, now)
        market = snapshot.market(snapshot.selected)
        if (
            market is not None
            and market.price_ranges
            and ticket.price_ranges != market.price_ranges
        ):
            ticket.set_market(market.ticker, market.price_ranges)
        screen.query_one(PositionsPane).show(snapshot, now)
        screen.query_one(OrdersPane).show(snapshot, now)
        screen.query_one(LogTail).show(snapshot, now)

    # --- messages up ---------------------------------------------------------------------

    @on(MarketTable.Selected)
    def _market_selected(self, message: MarketTable.Selected) -> None:
        self.session.select(message.ticker)

    @on(MarketTable.FavouriteToggled)
    def _favourite_toggled(self, _message: MarketTable.FavouriteToggled) -> None:
        self._save_favourites(self.query_one(MarketTable).favourites)

    @on(PriceChart.PeriodChanged)
    def _period_changed(self, message: PriceChart.PeriodChanged) -> None:
        self.session.set_history_period(message.minutes)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(MarketTable).set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, _event: Input.Submitted) -> None:
        self.query_one(MarketTable).focus()

    # --- actions -------------------------------------------------------------------------

    def action_filter(self) -> None:
        """Show and focus the market filter."""
        box = self.query_one("#filter", Input)
        box.remove_class("-empty")
        box.focus()

    def action_focus_markets(self) -> None:
        """Move focus to the market list."""
        self.query_one(MarketTable).focus()

    def action_focus_ticket(self) -> None:
        """Move focus to the order ticket's price field (shown first in the compact layout)."""
        self.show_pane("ticket")
        self.query_one("#ticket-price", Input).focus()

    def action_freeze_log(self) -> None:
        """Freeze or unfreeze the log tail's scrolling."""
        self.query_one(LogTail).action_toggle_freeze()

    def action_help(self) -> None:
        """List every key binding."""
        self.push_screen(HelpScreen())

    def action_transfer(self) -> None:
        """Move money between exchange shards (confirmation; journaled)."""
        open_transfer_dialog(self)

    def action_chart_period(self) -> None:
        """Cycle the price chart between 1-minute, 1-hour and 1-day candles."""
        self.query_one(PriceChart).action_next_period()

    def select_market(self, ticker: str) -> None:
        """Select `ticker` in the list and the session (the command palette's go-to)."""
        table = self.query_one(MarketTable)
        if not table.select_ticker(ticker):
            # Hidden by the filter: clear it so the market can be shown.
            self.query_one("#filter", Input).value = ""
            table.set_filter("")
            table.select_ticker(ticker)
        self.session.select(ticker)
        table.focus()

    def toggle_favourite(self) -> None:
        table = self.query_one(MarketTable)
        table.action_toggle_favourite()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        selected = self.session.store.snapshot.selected
        if selected is not None:
            yield SystemCommand(
                f"Toggle favourite: {selected}",
                "Mark or unmark the selected market",
                self.toggle_favourite,
            )
        snapshot = self.session.store.snapshot
        if self.session.killswitch is not None:
            if snapshot.trading.mode is TradingMode.HALTED:
                yield SystemCommand(
                    "Re-arm trading", "Typed confirmation; journaled", self.action_rearm
                )
            else:
                reducing = snapshot.trading.mode is TradingMode.REDUCING
                yield SystemCommand(
                    "Back to ACTIVE trading" if reducing else "REDUCING mode (only reduce)",
                    "Toggle: in REDUCING only orders that shrink a position are accepted",
                    self.action_toggle_reducing,
                )
                yield SystemCommand(
                    "HALT trading (kill switch)",
                    "Block new orders, cancel every resting order, verify",
                    self.action_halt,
                )
        if snapshot.orders:
            yield SystemCommand(
                f"Cancel all {len(snapshot.orders)} resting orders",
                "Asks for confirmation",
                self.action_cancel_all,
            )
        if self.session.trading is not None:
            yield SystemCommand(
                "Reconciliation", "Journal vs exchange findings", self.action_reconciliation
            )
            yield SystemCommand(
                "Trade history", "Recent fills and settlements", self.action_history
            )
        yield SystemCommand(
            "Transfer between exchange shards",
            "Move collateral from one shard to another (confirmation; journaled)",
            self.action_transfer,
        )
        yield SystemCommand("Show keys", "List every key binding", self.action_help)
        yield SystemCommand(
            "Chart period", "Cycle 1-minute / 1-hour / 1-day candles", self.action_chart_period
        )


def _settle_heap() -> None:
    """After the first market load, keep the cyclic GC off the long-lived heap.

    With 10,000 markets a full (generation 2) collection walks every object the
    process holds and stalls the event loop for 80-200 ms, once or twice per market
    refresh. Freezing what exists after start-up (modules, widgets, the first
    snapshot) takes it out of those walks, and a larger first threshold makes
    collections rarer; refcounting still frees the old snapshots at once.
    """
    gc.freeze()
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 1000)


def _age_text(age: float | None) -> str:
    if age is None:
        return "never loaded"
    return f"stale {int(age)}s"


def make_app(settings: Settings | None, *, demo: bool) -> TerminalApp:
    """The one app factory, used by the CLI and the tests."""
    from kalshi_tui.services.launch import configured_session, demo_dir, demo_session

    if demo or settings is None:
        session = demo_session()
        data_dir = demo_dir()
        keymap = settings.ui.keymap if settings is not None else {}
    else:
        session = configured_session(settings)
        data_dir = settings.data_dir
        keymap = settings.ui.keymap
    confirm = settings.ui.confirm_orders if settings is not None else True
    return TerminalApp(
        session,
        keymap=keymap,
        favourites_path=data_dir / FAVOURITES_FILE,
        ui_state_path=data_dir / ui_state.UI_STATE_FILE,
        confirm_orders=confirm,
        settle_heap=True,
    )


def _no_daily_log() -> None:
    """Nothing to stop: the daily log could not be started."""


def run(settings: Settings | None, demo: bool) -> int:
    """Run the terminal until the user quits; the CLI's default command."""
    from kalshi_tui.services.app_lock import AppAlreadyRunning

    try:
        app = make_app(settings, demo=demo)
    except AppAlreadyRunning as exc:
        print(f"kalshi-tui: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # start-up failures are reported, never a traceback
        print(f"kalshi-tui: could not start the session: {exc}", file=sys.stderr)
        return 1
    from kalshi_tui.services.daily_log import start_daily_log
    from kalshi_tui.services.launch import demo_dir

    # The daily log file beside the journal: journal events and the log tail, per UTC day.
    data_dir = demo_dir() if demo or settings is None else settings.data_dir  # as make_app
    try:
        stop_log = start_daily_log(
            data_dir,
            app.session.store,
            retention_days=settings.storage.log_retention_days if settings is not None else 30,
        )
    except OSError as exc:  # the log is not worth refusing to start for; say so instead
        app.session.store.log(f"no daily log file in {data_dir}: {exc}", "warning")
        stop_log = _no_daily_log
    try:
        result = app.run()
    finally:
        stop_log()
    return int(result or 0)
