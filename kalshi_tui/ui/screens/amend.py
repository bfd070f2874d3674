"""Amend a resting order: a new limit price (on the market's grid) and a new total count.

The count is the order's new total — contracts already filled plus those that should
rest — exactly as Kalshi's amend takes it, and it may not go below what has filled.
The screen validates both fields as they are typed, previews the amended remainder (cost,
fee, and a close as a close: the ticket's preview, `ui/preview.py`), and applies the
change itself when given `apply`: a refusal is shown in the dialog, which stays open for
a correction; it closes once the exchange has the amended order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.price_grid import PriceRange
from kalshi_tui.services.order_changes import ChangeResult
from kalshi_tui.ui.preview import Holding, order_lines
from kalshi_tui.ui.widgets.order_ticket import parse_count, parse_price


@dataclass(frozen=True, slots=True)
class Amendment:
    """The validated new terms of an order."""

    order_id: str
    price: Decimal
    """Price of the order's own side, dollars."""
    count: Decimal
    """New total count (filled + resting)."""


class AmendScreen(ModalScreen[Amendment | None]):
    """Edit price and total count of one resting order; Enter applies, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="amend.back"),
    ]

    DEFAULT_CSS = """
    AmendScreen {
        align: center middle;
    }
    AmendScreen > Vertical {
        width: 64;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    AmendScreen Horizontal {
        height: auto;
    }
    AmendScreen Label.-field {
        width: 10;
        padding: 1 1 0 0;
    }
    AmendScreen Input {
        width: 16;
    }
    AmendScreen #amend-preview {
        margin-top: 1;
    }
    AmendScreen #amend-error {
        color: $error;
    }
    AmendScreen .-hint {
        color: $text-muted;
    }
    """

    def __init__(
        self,
        order: Order,
        grid: Sequence[PriceRange],
        *,
        held: Holding | None = None,
        apply: Callable[[Amendment], Awaitable[ChangeResult]] | None = None,
    ) -> None:
        """`apply` sends the amendment (the dialog waits, shows a refusal, closes on
        success); without it Enter just returns the validated amendment."""
        super().__init__()
        self.order = order
        self.grid = tuple(grid)
        self.held = held
        self._apply = apply
        self._applying = False

    def compose(self) -> ComposeResult:
        order = self.order
        with Vertical():
            yield Label(
                Content.styled(f"Amend {order.action} {order.side.upper()} {order.ticker}", "bold")
            )
            yield Static(
                Content(
                    f"Now {fmt.cents(order.price)} · filled {fmt.count(order.fill_count)} "
                    f"of {fmt.count(order.fill_count + order.remaining_count)}"
                )
            )
            with Horizontal():
                yield Label("Price", classes="-field")
                yield Input(fmt.cents(order.price), id="amend-price")
            with Horizontal():
                yield Label("Total", classes="-field")
                yield Input(
                    fmt.count_text(order.fill_count + order.remaining_count), id="amend-count"
                )
            yield Static("", id="amend-preview")
            yield Static("", id="amend-error")
            yield Label("Total = filled + resting · Enter applies · Esc cancels", classes="-hint")

    def on_mount(self) -> None:
        self.query_one("#amend-price", Input).focus()
        self._show_preview()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_one("#amend-error", Static).update("")
        self._show_preview()

    def _show_preview(self) -> None:
        """The amended order's remainder, previewed as the ticket previews an order."""
        order = self.order
        price = parse_price(self.query_one("#amend-price", Input).value, self.grid)
        count = parse_count(self.query_one("#amend-count", Input).value)
        preview = self.query_one("#amend-preview", Static)
        if isinstance(price, str) or isinstance(count, str) or count <= order.fill_count:
            preview.update(Content("Preview: " + (price if isinstance(price, str) else "—")))
            return
        rest = count - order.fill_count
        lines = [
            f"Then rests {order.action} {fmt.count(rest)} {order.side.upper()} @ "
            f"{fmt.cents(price)}",
            *order_lines(order.side, order.action, price, rest, self.held),
        ]
        preview.update(Content("\n".join(lines)))

    def read(self) -> Amendment | str:
        """The new terms, or the first problem with them."""
        price = parse_price(self.query_one("#amend-price", Input).value, self.grid)
        if isinstance(price, str):
            return price
        count = parse_count(self.query_one("#amend-count", Input).value)
        if isinstance(count, str):
            return count
        if count <= self.order.fill_count:
            return (
                f"total must be more than the {fmt.count(self.order.fill_count)} already "
                "filled (cancel the order to stop it)"
            )
        total = self.order.fill_count + self.order.remaining_count
        if price == self.order.price and count == total:
            return "nothing changed"
        return Amendment(self.order.order_id, price, count)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._applying:
            return
        result = self.read()
        error = self.query_one("#amend-error", Static)
        if isinstance(result, str):
            error.update(Content(result))
            return
        if self._apply is None:
            self.dismiss(result)
            return
        self._applying = True
        error.update(Content("sending the amendment…"))
        self.run_worker(self._send(result), group="amend", exit_on_error=False)

    async def _send(self, amendment: Amendment) -> None:
        assert self._apply is not None
        try:
            outcome = await self._apply(amendment)
        except Exception as exc:  # shown in the dialog, never a traceback
            outcome = ChangeResult(False, f"amend failed: {exc}")
        finally:
            self._applying = False
        if outcome.ok:
            self.dismiss(amendment)
            return
        # Refused: the dialog stays open with the reason, for a correction or Esc.
        self.query_one("#amend-error", Static).update(Content(outcome.message))

    def action_back(self) -> None:
        """Leave the order as it is."""
        self.dismiss(None)
