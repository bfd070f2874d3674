"""The order ticket: side, action, limit price on the market's grid, count, and a live preview.

The ticket is a working form: every edit revalidates and redraws the preview
(cost, estimated fee, max payout, max loss, break-even probability including the
fee). The fee is an estimate from the market's book: taker for what would cross the
best opposite prices, maker for what would rest (all maker when post-only). Problems
are shown inline under the inputs — off-grid price, a price outside 0¢–100¢, a count
that is not a positive number — and Enter on a valid ticket posts
`OrderTicket.Submitted` with the values; sending the order is the app's job.

Prices are typed in cents or dollars (`parse_price`): `65`, `65¢` and `0.65` are all
65¢. A number with ¢ is cents; without it, 1 or more is cents and below 1 is dollars,
so `1` and `0.01` are both 1¢. The price the box reads as is shown beside it, and the
box itself is written in cents (stepping, quick keys).

Up/down step the focused input: the price moves along the market's grid (bands
of `price_ranges`, see `kalshi_tui.domain.price_grid`), the count by one
contract. The grid comes from `set_market`; until a market supplies its own,
the whole-cent grid is used.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Action, OrderBook, Side
from kalshi_tui.domain.orders import OrderDraft, TimeInForce
from kalshi_tui.domain.portfolio import TicketValues
from kalshi_tui.domain.price_grid import WHOLE_CENT_GRID, PriceRange, clamp, step_down, step_up
from kalshi_tui.domain.price_grid import price_problem as grid_price_problem
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.preview import Holding, holding, order_lines

COUNT_STEP = Decimal("0.01")
"""Smallest contract increment Kalshi accepts (fractional contracts, kalshi-api.md §4.1)."""

MAX_TICKET_COUNT = Decimal(1_000_000)
"""Largest count the ticket takes: far beyond any order a market can hold (the `[risk]`
limits refuse much less), and small enough that the preview's exact arithmetic works."""

DEFAULT_PRICE = Decimal("0.50")
"""Where stepping starts when the price box is empty or unreadable."""

PRICE_HELP = "type 65, 65¢ or 0.65"
"""The three ways to type 65¢, for messages."""

EMPTY_FIELD = "required"
"""Placeholder of an empty price or count box: a word, never a number, so an empty box
cannot be mistaken for a value."""

MISSING_HINTS = {"enter a price": "a price", "enter a count": "a count"}
"""How the preview names what an incomplete ticket still needs."""


CENT_SIGNS = ("¢", "c")
"""Suffixes that mark a typed price as cents."""

PRICE_CHARACTERS = "0123456789." + "".join(CENT_SIGNS)
"""What the price box takes; any other key is a desk key (see `TicketField`)."""

COUNT_CHARACTERS = "0123456789."
"""What the count box takes."""


def parse_price(text: str, grid: Sequence[PriceRange]) -> Decimal | str:
    """The limit price typed, in dollars, or the reason it is not a valid one.

    How a price is read: a number with ¢ (or c) is cents. Without it, a number of 1 or
    more is cents (65 → 65¢, 4.5 → 4.5¢) and a number below 1 is dollars (0.65 → 65¢).
    So 1 is 1¢, and 0.01 is 1¢ too; a sub-cent price below 1¢ needs the sign (0.5¢).
    """
    raw = text.strip()
    if not raw:
        return "enter a price"
    price = typed_price(raw)
    if price is None:
        return f"price {raw!r} is not a number ({PRICE_HELP})"
    return grid_price_problem(price, grid) or price


def typed_price(text: str) -> Decimal | None:
    """The price `text` reads as under `parse_price`'s rule, in dollars, on a grid or not;
    None when it is not a number."""
    raw = text.strip()
    marked = raw.endswith(CENT_SIGNS)
    try:
        value = Decimal(raw[:-1].strip() if marked else raw)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return fmt.shift(value, -2) if marked or value >= 1 else value


def whole_only(ticker: str | None, count: Decimal) -> str:
    """Why a fractional count is refused on a market that trades whole contracts only."""
    whole = count // 1
    nearest = f"{whole} or {whole + 1}" if whole else "1"
    return (
        f"count {fmt.count(count)}: {ticker or 'this market'} trades whole contracts only "
        f"(no fractional trading); enter {nearest}"
    )


def parse_count(text: str) -> Decimal | str:
    """The contract count typed, or the reason it is not a valid count."""
    text = text.strip()
    if not text:
        return "enter a count"
    try:
        count = Decimal(text)
    except InvalidOperation:
        return f"count {text!r} is not a number"
    if not count.is_finite():
        return f"count {text!r} is not a number"
    if count <= 0:
        return "count must be more than 0"
    if count > MAX_TICKET_COUNT:
        return f"count {text} is too large: at most {MAX_TICKET_COUNT:,} contracts"
    if count % COUNT_STEP != 0:
        return "count has at most 2 decimals"
    return count


class TicketField(Input):
    """A ticket box that takes only the characters of its value (digits, the decimal point,
    ¢ for a price). Every other printable key is a desk key even while the box is focused:
    `o`, `b`, `x`, `?` … do what they do anywhere, instead of vanishing into the box."""

    BINDING_GROUP_TITLE = "Ticket box"
    BINDINGS: ClassVar[list[BindingType]] = [
        # An Input's own up/down keys scroll, which a one-line box never does: they
        # are the ticket's step keys here (the help lists them as such).
        Binding("up", "step", "Step up: price by a tick, count by one", id="ticket.box_up"),
        Binding("down", "step", "Step down: price by a tick, count by one", id="ticket.box_down"),
    ]

    def __init__(self, accepts: str, **kwargs: Any) -> None:
        super().__init__(compact=True, **kwargs)
        self.accepts = accepts

    def action_step(self) -> None:
        # Not this box's to do: the ticket's own up/down bindings step the value.
        raise SkipAction()

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return character is not None and character in self.accepts

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and not self.check_consume_key(event.key, event.character):
            # Not part of a value: skip the box's own handling and let the key bubble up
            # to the desk's bindings.
            event.prevent_default()


class OrderTicket(Widget):
    """Order entry form with validation and a live preview."""

    BINDING_GROUP_TITLE = "Order ticket"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"selected", "markets", "markets_by_ticker", "pnl", "positions"}
    )
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    DEFAULT_CSS = """
    OrderTicket {
        height: auto;
        border: round $primary;
        padding: 0 1;
    }
    OrderTicket > Horizontal {
        height: auto;
    }
    /* Compact one-line controls: the ticket shares its column with the book and chart. */
    OrderTicket RadioSet {
        layout: horizontal;
        width: auto;
        height: 1;
        border: none;
        padding: 0;
        margin-right: 2;
        background: transparent;
    }
    OrderTicket RadioSet:focus, OrderTicket RadioSet:focus-within {
        border: none;
        background: $accent 20%;
    }
    OrderTicket RadioSet > RadioButton {
        width: auto;
        margin-right: 1;
        padding: 0;
    }
    OrderTicket .field-label {
        width: 8;
        padding: 0 1 0 0;
        color: $text-muted;
    }
    OrderTicket #ticket-price-cents {
        /* "= 23.65¢" and a gap, so the hint never runs into the Count label. */
        width: 10;
        padding: 0 1;
        color: $text-muted;
    }
    OrderTicket Input {
        width: 14;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    OrderTicket Input:focus {
        border: none;
        background: $accent 30%;
    }
    /* Compact boxes (one line, no border): an invalid value is tinted, never hidden
       behind the full-size Input's error border. */
    OrderTicket Input.-invalid {
        background: $error 40%;
    }
    OrderTicket Checkbox {
        width: auto;
        height: 1;
        border: none;
        padding: 0;
        margin-right: 2;
        background: transparent;
    }
    OrderTicket Checkbox:focus {
        border: none;
        background: $accent 20%;
    }
    OrderTicket #ticket-error {
        color: $error;
        height: auto;
        margin-top: 1;
    }
    OrderTicket #ticket-error.-empty {
        display: none;
    }
    OrderTicket #ticket-preview {
        height: auto;
        color: $text;
        margin-top: 1;
    }
    OrderTicket #ticket-status {
        height: auto;
        color: $text-accent;
    }
    OrderTicket.-no-market #ticket-preview {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "step(1)", "Step up", id="ticket.step_up"),
        Binding("down", "step(-1)", "Step down", id="ticket.step_down"),
    ]
    """Up/down move the focused input along its grid: the price by one tick, the count by one."""

    @dataclass
    class Submitted(Message):
        """Enter was pressed on a valid ticket."""

        ticket: TicketValues
        """The validated values."""
        draft: OrderDraft
        """The order to send, with the client_order_id minted when this ticket opened."""
        order_ticket: OrderTicket
        """The form that was submitted."""

        @property
        def control(self) -> OrderTicket:
            """The ticket, for `@on(..., selector)` matching."""
            return self.order_ticket

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.ticker: str | None = None
        """The market the ticket trades; None until one is selected."""
        self.price_ranges: tuple[PriceRange, ...] = WHOLE_CENT_GRID
        """The market's valid prices."""
        self.shard_note = ""
        """The market's exchange shard and the cash free there when it is not shard 0
        (orders there draw only on that shard's collateral), for the title."""
        self.book: OrderBook | None = None
        """The market's book, for the fee estimate (None: unknown, all taker)."""
        self.fractional = True
        """The market takes fractional counts (0.01 steps)."""
        self.client_order_id = new_client_order_id()
        """Minted when the ticket opens for a market and again when the trader edits a ticket
        whose order was already sent — never on Enter. Pressing Enter twice on the same
        ticket is one order: the journal (and the exchange) know the id already."""
        self._spent = False
        """True once the current id has reached the order service."""
        self._refusal_shown = False
        """The status line holds a refusal (or a send in flight): the next edit clears it."""
        self.held: Holding | None = None
        """What the account holds in the ticket's market: a sell (or buy of the other side)
        against it is previewed as the close it is."""
        self._before_quick: tuple[Action, bool] | None = None
        """Action and post-only as they were before a quick key prefilled the ticket; put
        back once that order is sent, so the next Enter is the trader's own ticket again."""
        self.add_class("-no-market")

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("Side", classes="field-label")
            with RadioSet(id="ticket-side"):
                yield RadioButton("YES", value=True, id="side-yes")
                yield RadioButton("NO", id="side-no")
            yield Label("Action", classes="field-label")
            with RadioSet(id="ticket-action"):
                yield RadioButton("Buy", value=True, id="action-buy")
                yield RadioButton("Sell", id="action-sell")
        with Horizontal():
            yield Label("Price", classes="field-label")
            yield TicketField(
                PRICE_CHARACTERS,
                placeholder=EMPTY_FIELD,
                id="ticket-price",
                restrict=r"[0-9.]*[¢c]?",
                tooltip="65, 65¢ and 0.65 are all 65¢: 1 or more is cents, below 1 is dollars",
            )
            yield Label("", id="ticket-price-cents")
            yield Label("Count", classes="field-label")
            yield TicketField(
                COUNT_CHARACTERS, placeholder=EMPTY_FIELD, id="ticket-count", restrict=r"[0-9.]*"
            )
        with Horizontal():
            yield Label("TIF", classes="field-label")
            with RadioSet(id="ticket-tif"):
                yield RadioButton("GTC", value=True, id="tif-gtc")
                yield RadioButton("IOC", id="tif-ioc")
                yield RadioButton("FoK", id="tif-fok")
        with Horizontal():
            yield Label("Flags", classes="field-label")
            yield Checkbox("Post-only", id="ticket-post-only")
            yield Checkbox("Reduce-only", id="ticket-reduce-only")
        yield Static("", id="ticket-error")
        yield Static("", id="ticket-preview")
        yield Static("", id="ticket-status")

    def on_mount(self) -> None:
        self._set_title()
        self.refresh_preview()

    # --- data down -----------------------------------------------------------------------

    def set_market(
        self,
        ticker: str | None,
        price_ranges: Sequence[PriceRange] = WHOLE_CENT_GRID,
        *,
        fractional: bool = True,
    ) -> None:
        """Trade `ticker` on the grid `price_ranges` (whole cents unless given); `fractional`:
        the market takes counts in 0.01 steps (else whole contracts only)."""
        if ticker != self.ticker:
            self._renew_id()
            if self.ticker is not None and self.is_mounted:
                # Another market: the last one's price and outcome do not apply here.
                self.query_one("#ticket-price", Input).value = ""
                self._set_status("")
        self.ticker = ticker
        self.price_ranges = tuple(price_ranges)
        self.fractional = fractional
        self.set_class(ticker is None, "-no-market")
        if self.is_mounted:
            self._set_title()
            self.refresh_preview()

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Follow the selected market and its price grid (whole cents when it has none)."""
        market = snapshot.market(snapshot.selected)
        grid = market.price_ranges if market is not None and market.price_ranges else None
        grid = grid or WHOLE_CENT_GRID
        fractional = market is None or market.fractional
        if (
            snapshot.selected != self.ticker
            or grid != self.price_ranges
            or fractional != self.fractional
        ):
            self.set_market(snapshot.selected, grid, fractional=fractional)
        held = holding(snapshot, self.ticker)
        book = snapshot.book if snapshot.book and snapshot.book.ticker == self.ticker else None
        if held != self.held or book != self.book:
            self.held = held
            self.book = book
            if self.is_mounted:
                self.refresh_preview()
        note = shard_note(snapshot, market)
        if note != self.shard_note:
            self.shard_note = note
            self._set_title()

    # --- reading the form ----------------------------------------------------------------

    @property
    def side(self) -> Side:
        return "no" if self.query_one("#side-no", RadioButton).value else "yes"

    @property
    def action(self) -> Action:
        return "sell" if self.query_one("#action-sell", RadioButton).value else "buy"

    @property
    def time_in_force(self) -> TimeInForce:
        if self.query_one("#tif-ioc", RadioButton).value:
            return "immediate_or_cancel"
        if self.query_one("#tif-fok", RadioButton).value:
            return "fill_or_kill"
        return "good_till_canceled"

    def draft(self, values: TicketValues) -> OrderDraft:
        """The order the ticket describes, under the id minted when it opened."""
        return OrderDraft(
            client_order_id=self.client_order_id,
            ticker=values.ticker,
            side=values.side,
            action=values.action,
            price=values.price,
            count=values.count,
            time_in_force=self.time_in_force,
            post_only=self.query_one("#ticket-post-only", Checkbox).value,
            reduce_only=self.query_one("#ticket-reduce-only", Checkbox).value,
        )

    # --- driving the form ----------------------------------------------------------------

    def prefill(
        self,
        side: Side,
        action: Action,
        price: Decimal,
        count: Decimal | None = None,
        *,
        quick: bool = False,
    ) -> None:
        """Set side, action, price (and count) as a hotkey does; the preview follows.

        A hotkey is a new order by intent, so it gets a new id. `quick`: a one-shot quick
        key (b, v, j); once its order is sent the ticket goes back to the action it had."""
        self._renew_id()
        if quick and self._before_quick is None:
            post_only = self.query_one("#ticket-post-only", Checkbox).value
            self._before_quick = (self.action, post_only)
        self.query_one("#side-no" if side == "no" else "#side-yes", RadioButton).value = True
        self.query_one(
            "#action-sell" if action == "sell" else "#action-buy", RadioButton
        ).value = True
        self.query_one("#ticket-price", Input).value = fmt.cents(price)
        if count is not None:
            self.set_count(count)
        self.refresh_preview()

    def set_count(self, count: Decimal) -> None:
        """Set the contract count (size presets)."""
        self.query_one("#ticket-count", Input).value = fmt.count_text(count)

    def set_post_only(self, value: bool) -> None:
        self.query_one("#ticket-post-only", Checkbox).value = value

    def submit(self) -> bool:
        """Validate and post `Submitted` (as Enter does); False if the ticket is invalid."""
        values = self.refresh_preview(show_all=True)
        if values is None:
            return False
        self.post_message(self.Submitted(values, self.draft(values), self))
        return True

    def sent(self, message: str, *, spent: bool = True) -> None:
        """Show the outcome of the last order. `spent`: the id reached the journal, so
        the next edit of the ticket mints a new one (a refusal before the journal leaves
        the id unspent: the corrected order may use it)."""
        self._spent = self._spent or spent
        before = self._before_quick
        if spent and before is not None:
            # The quick-key order is out: the ticket is the trader's own form again.
            self._before_quick = None
            action, post_only = before
            post_box = self.query_one("#ticket-post-only", Checkbox)
            if (action, post_only) != (self.action, post_box.value):
                # A different order from here on: it gets an id of its own now, so the
                # headline below already says what the next Enter sends.
                self._renew_id()
            button = "#action-sell" if action == "sell" else "#action-buy"
            self.query_one(button, RadioButton).value = True
            post_box.value = post_only
            message += f" · ticket back to {action.capitalize()}"
        self._set_status(message, refusal=not spent)
        self.refresh_preview()

    def _set_status(self, message: str, *, refusal: bool = False) -> None:
        self._refusal_shown = refusal
        self.query_one("#ticket-status", Static).update(Content(message))

    def forget_quick(self) -> None:
        """The quick-key order was not sent: the ticket keeps what it shows."""
        self._before_quick = None

    def adopt_id(self, client_order_id: str) -> None:
        """Take the id of a re-send the trader confirmed (a new order for this ticket)."""
        if client_order_id != self.client_order_id:
            self.client_order_id = client_order_id
            self._spent = False

    def _renew_id(self) -> None:
        self.client_order_id = new_client_order_id()
        self._spent = False

    def _count(self) -> Decimal | str:
        """The count typed, or why this market does not take it."""
        count = parse_count(self.query_one("#ticket-count", Input).value)
        if isinstance(count, Decimal) and not self.fractional and count % 1:
            return whole_only(self.ticker, count)
        return count

    def read(self) -> TicketValues | list[str]:
        """The ticket's values, or every problem with them."""
        price = parse_price(self.query_one("#ticket-price", Input).value, self.price_ranges)
        count = self._count()
        problems = [p for p in (price, count) if isinstance(p, str)]
        if self.ticker is None:
            problems.insert(0, "no market selected")
        if problems or isinstance(price, str) or isinstance(count, str) or self.ticker is None:
            return problems
        return TicketValues(self.ticker, self.side, self.action, price, count)

    # --- reacting ------------------------------------------------------------------------

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Checkbox.Changed)
    def _edited(self, event: Message) -> None:
        event.stop()
        if self._spent:
            # The trader is writing a new order: it needs an id of its own.
            self._renew_id()
        if self._refusal_shown:
            # A refusal names the ticket as it was: an edit makes it stale.
            self._set_status("")
        self.refresh_preview()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def refresh_preview(self, *, show_all: bool = False) -> TicketValues | None:
        """Revalidate and redraw; returns the values when the ticket is valid.

        Empty boxes are not called out while the trader is still typing; `show_all`
        (on Enter) reports them too.
        """
        price_input = self.query_one("#ticket-price", Input)
        count_input = self.query_one("#ticket-count", Input)
        result = self.read()
        price = parse_price(price_input.value, self.price_ranges)
        price_bad = isinstance(price, str)
        self.query_one("#ticket-price-cents", Label).update(
            "" if isinstance(price, str) else f"= {fmt.cents(price)}"
        )
        count_bad = isinstance(self._count(), str)
        price_input.set_class(price_bad and (show_all or bool(price_input.value)), "-invalid")
        count_input.set_class(count_bad and (show_all or bool(count_input.value)), "-invalid")

        error = self.query_one("#ticket-error", Static)
        preview = self.query_one("#ticket-preview", Static)
        if isinstance(result, TicketValues):
            error.update("")
            error.add_class("-empty")
            post_only = self.query_one("#ticket-post-only", Checkbox).value
            rests = self.time_in_force == "good_till_canceled"
            preview.update(
                _preview_text(result, self.held, self.book, post_only, rests, sent=self._spent)
            )
            return result
        shown = [
            problem
            for problem in result
            if show_all or not problem.startswith("enter a") or problem == "no market selected"
        ]
        error.update(Content("\n".join(shown)))
        error.set_class(not shown, "-empty")
        preview.update(Content(incomplete_text(result)))
        return None

    def action_step(self, direction: int) -> None:
        """Move the focused input one step up (1) or down (−1) on its grid."""
        focused = self.screen.focused
        count_input = self.query_one("#ticket-count", Input)
        if focused is count_input:
            current = parse_count(count_input.value)
            base = current if isinstance(current, Decimal) else Decimal(0)
            count_input.value = fmt.count_text(max(Decimal(1), base + direction))
            return
        price_input = self.query_one("#ticket-price", Input)
        price = typed_price(price_input.value)
        if price is None:
            new = clamp(DEFAULT_PRICE, self.price_ranges)
        elif direction > 0:
            new = step_up(price, self.price_ranges)
        else:
            new = step_down(price, self.price_ranges)
        price_input.value = fmt.cents(new)

    def _set_title(self) -> None:
        title = "Ticket" if self.ticker is None else f"Ticket · {self.ticker}"
        self.border_title = Content(title + self.shard_note)


def shard_note(snapshot: Snapshot, market: MarketSummary | None) -> str:
    """` · shard 2 $1,000.00` (the shard and its free cash) for a market off shard 0."""
    if market is None or market.exchange_index == 0:
        return ""
    shard = market.exchange_index
    free = "" if snapshot.balance is None else f" {fmt.dollars(snapshot.balance.free_on(shard))}"
    return f" · shard {shard}{free}"


def incomplete_text(problems: Sequence[str]) -> str:
    """What an incomplete ticket needs before it can be previewed, named exactly."""
    missing = [MISSING_HINTS[p] for p in problems if p in MISSING_HINTS]
    if "no market selected" in problems:
        return "Preview: select a market first"
    if missing:
        return "Preview: complete the ticket: enter " + " and ".join(missing)
    return "Preview: complete the ticket: fix the problems above"


def new_client_order_id() -> str:
    """A fresh idempotency key for one order (a UUID, as Kalshi recommends)."""
    return str(uuid.uuid4())


def next_enter(values: TicketValues) -> Content:
    """The ticket's headline: what Enter will send, with buy and sell told apart at a
    glance (a quick sell must not leave a ticket that silently sells)."""
    action = values.action.capitalize()
    return Content.assemble(
        ("Enter → ", "$text-muted"),
        (action, "bold reverse $success" if values.action == "buy" else "bold reverse $error"),
        (f" {fmt.count(values.count)} {values.side.upper()} @ {fmt.cents(values.price)}", "bold"),
    )


def _preview_text(
    values: TicketValues,
    held: Holding | None,
    book: OrderBook | None = None,
    post_only: bool = False,
    rests: bool = True,
    *,
    sent: bool = False,
) -> Content:
    """The preview lines for a valid ticket, under the headline of what Enter sends
    (`sent`: this ticket's order went out already, so Enter sends nothing)."""
    lines = order_lines(
        values.side,
        values.action,
        values.price,
        values.count,
        held,
        book=book,
        post_only=post_only,
        rests=rests,
    )
    headline = already_sent() if sent else next_enter(values)
    return Content("\n").join([headline, Content("\n".join(lines))])


def already_sent() -> Content:
    """The headline of a ticket whose order is out: Enter will not send it again."""
    return Content.assemble(
        ("Enter → ", "$text-muted"),
        ("nothing", "bold reverse $warning"),
        (" (this ticket's order was sent; see Orders) · edit the ticket for a new one", "bold"),
    )
