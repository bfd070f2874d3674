"""What the trader's keys do to orders: send from the ticket (with the preview), hotkeys for
the common moves, cancel, amend, and the reconciliation and history views.

A mixin of `TerminalApp`, kept out of `app.py` so the app stays a switchboard. Every
network call runs in an async worker (`group="orders"`, never exclusive, never exiting
the app on an error); results come back as ticket status, log lines and toasts. The
order service decides (risk gate, halt, reconciliation, UNKNOWN orders); the UI only
asks and shows the answer.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Awaitable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from textual import on
from textual.app import App

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain import trading_state
from kalshi_tui.domain.models import Action, Order
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID
from kalshi_tui.domain.store import TradingMode
from kalshi_tui.journal import IntentRecord, IntentState, JournalError
from kalshi_tui.journal.records import TERMINAL_STATES
from kalshi_tui.services.halt_info import ResumeRefused
from kalshi_tui.services.order_changes import ChangeResult
from kalshi_tui.ui.preview import holding
from kalshi_tui.ui.screens.amend import Amendment, AmendScreen
from kalshi_tui.ui.screens.confirm import OrderConfirmScreen, QuestionScreen, TypedConfirmScreen
from kalshi_tui.ui.screens.history import LIMIT as HISTORY_LIMIT
from kalshi_tui.ui.screens.history import HistoryRows, HistoryScreen
from kalshi_tui.ui.screens.reconciliation import ReconciliationScreen
from kalshi_tui.ui.widgets.market_table import MarketTable
from kalshi_tui.ui.widgets.order_ticket import OrderTicket, new_client_order_id
from kalshi_tui.ui.widgets.orders import OrdersPane

if TYPE_CHECKING:
    from kalshi_tui.services.session import Session
    from kalshi_tui.services.trading import Trading

SIZE_PRESETS: tuple[Decimal, ...] = (Decimal(1), Decimal(5), Decimal(10), Decimal(25), Decimal(100))
"""Contract counts behind keys 1–5."""

OUTCOME_TEXT = {
    IntentState.ACKED: "accepted",
    IntentState.FILLED: "filled",
    IntentState.CANCELED: "done (canceled remainder)",
    IntentState.REJECTED: "REJECTED",
    IntentState.UNKNOWN: "UNKNOWN — looking it up before anything is resent",
    IntentState.NOT_PLACED: "not placed",
}


def intent_summary(intent: IntentRecord) -> str:
    """One line for the ticket's status: what the exchange did with the order."""
    what = (
        f"{intent.action} {fmt.count(intent.count)} {intent.side.upper()} "
        f"@ {fmt.cents(intent.price)}"
    )
    outcome = OUTCOME_TEXT.get(intent.state, str(intent.state))
    if intent.state is IntentState.REJECTED:
        outcome += f" ({intent.reject_code}: {intent.reject_message})"
    return f"{what}: {outcome}"


class TradingActions(App[int]):
    """Order entry and order management; `TerminalApp` builds on it."""

    session: Session
    """The running session (set by `TerminalApp`)."""

    confirm_orders: bool = True
    """Preview each order before it is sent (`[ui] confirm_orders`; production always does)."""

    # --- helpers -----------------------------------------------------------------------

    def _needs_trading(self) -> Trading | None:
        trading = self.session.trading
        if trading is None:
            self.notify("Trading is not available in this session (no journal).", markup=False)
        return trading

    def _ticket(self) -> OrderTicket:
        return self.query_one(OrderTicket)

    def _selected_order(self) -> Order | None:
        pane = self.query_one(OrdersPane)
        if not pane.row_count:
            return None
        row_key, _ = pane.coordinate_to_cell_key(pane.cursor_coordinate)
        return next(
            (o for o in self.session.store.snapshot.orders if o.order_id == row_key.value),
            None,
        )

    def _work(self, call: Awaitable[None], name: str) -> None:
        self.run_worker(call, name=name, group="orders", exit_on_error=False)

    def _report(self, result: ChangeResult) -> None:
        self.notify(result.message, severity="information" if result.ok else "error", markup=False)

    # --- sending from the ticket --------------------------------------------------------

    @on(OrderTicket.Submitted)
    def _ticket_submitted(self, message: OrderTicket.Submitted) -> None:
        ticket = message.order_ticket
        draft = message.draft
        production = self.session.store.snapshot.environment == "prod"
        confirm = self.confirm_orders or production
        trading = self.session.trading
        previous = trading.journal.intent(draft.client_order_id) if trading is not None else None
        if previous is not None:
            # This ticket's id was sent already: the same client_order_id never goes twice.
            if previous.state not in TERMINAL_STATES:
                ticket.sent(
                    f"Not sent again: {intent_summary(previous)} (id {previous.client_order_id}). "
                    "Change the ticket to place another order."
                )
                return
            if not confirm:
                ticket.sent(
                    f"Not sent: this ticket's order is done: {intent_summary(previous)}. "
                    "Change the ticket to place a new one."
                )
                return
            # A deliberate re-send of a finished order is a new order: a new id, shown in
            # the dialog, adopted by the ticket only once the trader confirms it.
            draft = replace(draft, client_order_id=new_client_order_id())
        if not confirm:
            self._work(self._send(draft), "send")
            return
        denial = trading.orders.precheck(draft) if trading is not None else None
        if denial is not None:
            # Certain to be refused: say so plainly instead of asking to send it.
            ticket.forget_quick()
            self._refused(denial)
            return

        def answered(send: bool | None) -> None:
            if send:
                ticket.adopt_id(draft.client_order_id)
                self._work(self._send(draft), "send")
            else:
                ticket.forget_quick()

        held = holding(self.session.store.snapshot, draft.ticker)
        self.push_screen(
            OrderConfirmScreen(draft, production=production, resend_of=previous, held=held),
            answered,
        )

    async def _send(self, draft: OrderDraft) -> None:
        trading = self._needs_trading()
        if trading is None:
            return
        ticket = self._ticket()
        ticket.sent(
            f"sending {draft.action} {fmt.count(draft.count)} {draft.side.upper()}…", spent=False
        )
        result = await trading.orders.submit(draft)
        if isinstance(result, Denial):
            self._refused(result)
            return
        # The id is spent: the journal has it. Enter again on this ticket shows the same
        # order; editing the ticket starts a new one.
        ticket.sent(intent_summary(result))
        if ticket.has_focus_within:
            # Sent: back to the market list, where every desk key acts (1–5 included).
            self.query_one(MarketTable).focus()
        if result.state is IntentState.REJECTED:
            self.notify(intent_summary(result), severity="error", markup=False)

    def _refused(self, denial: Denial) -> None:
        """Show a refusal in the ticket and as a toast; the ticket's id stays unspent."""
        self._ticket().sent(f"Refused ({denial.code}): {denial.message}", spent=False)
        self.notify(denial.message, title="Order refused", severity="warning", markup=False)

    # --- hotkeys ------------------------------------------------------------------------

    def _quick(self, action: Action, passive: bool) -> None:
        """Prefill the ticket from the book and submit it (with the usual preview)."""
        snapshot = self.session.store.snapshot
        book = snapshot.book
        ticket = self._ticket()
        if book is None or book.ticker != snapshot.selected or ticket.ticker != book.ticker:
            self.notify("No order book for the selected market yet.", severity="warning")
            return
        side = ticket.side
        # A sell hits the best bid; a buy lifts the best offer, or joins the bid (passive).
        at_bid = passive or action == "sell"
        if at_bid:
            price = book.best_yes_bid if side == "yes" else book.best_no_bid
        else:
            price = book.best_yes_ask if side == "yes" else book.best_no_ask
        if price is None:
            level = "bid" if at_bid else "offer"
            self.notify(f"No {level} to trade against on {side.upper()}.", severity="warning")
            return
        ticket.prefill(side, action, price, quick=True)
        ticket.set_post_only(passive)
        if not ticket.submit():
            ticket.forget_quick()
            problems = ticket.read()
            missing = "; ".join(problems) if isinstance(problems, list) else "invalid ticket"
            self.notify(
                f"Not sent: {missing}. Type it in the ticket or press 1–5 for a size.",
                title=f"{action.capitalize()} {side.upper()}",
                severity="warning",
                markup=False,
            )

    def action_buy_at_ask(self) -> None:
        """Buy the ticket's side at the best offer (takes liquidity)."""
        self._quick("buy", passive=False)

    def action_sell_at_bid(self) -> None:
        """Sell the ticket's side at the best bid (takes liquidity)."""
        self._quick("sell", passive=False)

    def action_join_bid(self) -> None:
        """Bid for the ticket's side at the best bid, post-only (adds liquidity)."""
        self._quick("buy", passive=True)

    def action_size(self, index: int) -> None:
        """Set the ticket's count to a preset size."""
        self._ticket().set_count(SIZE_PRESETS[index])

    # --- cancel and amend ---------------------------------------------------------------

    def action_cancel_selected(self) -> None:
        """Cancel the order under the cursor in the Orders pane."""
        trading = self._needs_trading()
        order = self._selected_order()
        if trading is None:
            return
        if order is None:
            self.notify("No resting order selected (Orders pane).", severity="warning")
            return

        async def cancel() -> None:
            self._report(await trading.orders.cancel(order.order_id))

        self._work(cancel(), "cancel")

    def action_cancel_market(self) -> None:
        """Cancel every resting order in the selected market (asks first)."""
        trading = self._needs_trading()
        snapshot = self.session.store.snapshot
        ticker = snapshot.selected
        if trading is None or ticker is None:
            return
        resting = sum(1 for o in snapshot.orders if o.ticker == ticker)

        def answered(yes: bool | None) -> None:
            if yes:

                async def cancel() -> None:
                    self._report(await trading.orders.cancel_market(ticker))

                self._work(cancel(), "cancel-market")

        self.push_screen(
            QuestionScreen(f"Cancel all {resting} resting orders in {ticker}?"), answered
        )

    def action_cancel_all(self) -> None:
        """Cancel every resting order on the account (asks first)."""
        trading = self._needs_trading()
        if trading is None:
            return
        resting = len(self.session.store.snapshot.orders)

        def answered(yes: bool | None) -> None:
            if yes:

                async def cancel() -> None:
                    self._report(await trading.orders.cancel_all())

                self._work(cancel(), "cancel-all")

        self.push_screen(
            QuestionScreen(f"Cancel all {resting} resting orders on the account?"), answered
        )

    def action_amend_selected(self) -> None:
        """Change price or size of the order under the cursor in the Orders pane."""
        trading = self._needs_trading()
        order = self._selected_order()
        if trading is None:
            return
        if order is None:
            self.notify("No resting order selected (Orders pane).", severity="warning")
            return
        market = self.session.store.snapshot.market(order.ticker)
        grid = market.price_ranges if market is not None and market.price_ranges else None

        async def apply(amendment: Amendment) -> ChangeResult:
            # The dialog shows a refusal and stays open; success closes it with a toast.
            result = await trading.orders.amend(
                amendment.order_id, amendment.price, amendment.count
            )
            if result.ok:
                self._report(result)
            return result

        held = holding(self.session.store.snapshot, order.ticker)
        self.push_screen(AmendScreen(order, grid or WHOLE_CENT_GRID, held=held, apply=apply))

    def action_focus_orders(self) -> None:
        """Move focus to the Orders pane (to pick an order to cancel or amend)."""
        self.query_one(OrdersPane).focus()

    # --- the kill switch ----------------------------------------------------------------

    def action_halt(self) -> None:
        """Kill switch: block new orders now, cancel every resting order, verify."""
        killswitch = self.session.killswitch
        if killswitch is None:
            self.notify(
                "This session has no journal, so it cannot trade: nothing to halt.",
                severity="warning",
            )
            return
        # Synchronous: the halt is journaled and the store is HALTED before this returns,
        # so no order can be signed after this key press; the cancels run in the task.
        killswitch.trigger("manual", "kill switch (ctrl+k)")
        self.session.store.log("HALT: kill switch pressed (ctrl+k)", level="error")

    def action_rearm(self) -> None:
        """Re-arm trading after a halt (typed confirmation; journaled)."""
        killswitch = self.session.killswitch
        if isinstance(self.screen, TypedConfirmScreen):
            return  # ctrl+r works anywhere, so also in its own dialog: one is enough
        if killswitch is None or not killswitch.halted:
            self.notify("Trading is not halted.", markup=False)
            return
        problems = killswitch.resume_problems()
        if problems:
            self.notify(
                "Cannot re-arm yet:\n" + "\n".join(problems),
                severity="error",
                markup=False,
                timeout=10,
            )
            return

        def answered(reason: str | None) -> None:
            if reason is None:
                return
            try:
                killswitch.resume(reason)
            except ResumeRefused as refused:
                self.notify(
                    "Cannot re-arm: " + "; ".join(refused.problems),
                    severity="error",
                    markup=False,
                )
                return
            except (JournalError, sqlite3.Error) as exc:  # e.g. disk full, marker stuck
                self.notify(f"Cannot re-arm: {exc}", severity="error", markup=False, timeout=15)
                return
            # The kill switch logs the re-arm (once).

        self.push_screen(
            TypedConfirmScreen(
                "Re-arm trading",
                "RESUME",
                "New orders will be accepted again. The halt and this re-arm are journaled.",
            ),
            answered,
        )

    # --- trading modes ------------------------------------------------------------------

    def action_toggle_reducing(self) -> None:
        """Switch between ACTIVE and REDUCING (only orders that shrink a position)."""
        store = self.session.store
        current = store.snapshot.trading
        now = time.time()
        if current.mode is TradingMode.REDUCING:
            changed = trading_state.activate(current, "back from REDUCING (trader)", now)
        else:
            # The mode is shown beside the reason ("REDUCING: chosen by the trader").
            changed = trading_state.reduce(current, "chosen by the trader", now)
        if isinstance(changed, trading_state.Refusal):
            self.notify(changed.message, severity="warning", markup=False)
            return
        store.update(trading=changed)
        store.log(f"trading mode {changed.mode.value}: {changed.reason}", level="warning")
        trading = self.session.trading
        if trading is not None:
            with contextlib.suppress(Exception):  # the mode holds even if the journal fails
                trading.journal.record_event(
                    "trading_mode", {"mode": changed.mode.value, "reason": changed.reason}
                )

    # --- views --------------------------------------------------------------------------

    def action_reconciliation(self) -> None:
        """Show what the reconciler found and acknowledge findings."""
        trading = self._needs_trading()
        if trading is None:
            return

        def acknowledge(finding_id: str) -> None:
            try:
                trading.reconciler.acknowledge(finding_id)
            except Exception as exc:  # journal failures are shown, never a traceback
                self.notify(f"Could not acknowledge: {exc}", severity="error", markup=False)

        self.push_screen(
            ReconciliationScreen(lambda: self.session.store.snapshot.reconciliation, acknowledge)
        )

    def action_history(self) -> None:
        """Show recent fills and settlements from the journal."""
        trading = self._needs_trading()
        if trading is None:
            return
        journal = trading.journal

        def load() -> HistoryRows:
            return journal.recent_fills(HISTORY_LIMIT), journal.recent_settlements(HISTORY_LIMIT)

        self.push_screen(HistoryScreen(load))
