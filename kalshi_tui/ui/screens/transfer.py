"""The transfer dialog: move collateral between the account's exchange shards.

From shard, to shard and amount, with the free cash of every shard above them. Enter
checks the request (`services.transfers.TransferRequest.parse`, and that the source shard
has that much free) and shows what will happen; Enter again confirms, Esc goes back. Any
edit after the confirmation line appeared takes it away, so what is sent is always what
was last confirmed. The result is the request (None when abandoned); the app sends it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Balance
from kalshi_tui.services.transfers import TransferRefused, TransferRequest

FIELDS = ("transfer-from", "transfer-to", "transfer-amount")


def balance_lines(balance: Balance | None) -> str:
    if balance is None:
        return "Free cash per shard: not loaded yet (the exchange checks the amount)."
    rows = " · ".join(f"shard {i} {fmt.dollars(a)}" for i, a in balance.by_shard())
    return f"Free cash: {rows}"


class TransferScreen(ModalScreen[TransferRequest | None]):
    """From, to, amount; Enter reviews, Enter again confirms, Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="transfer.back"),
    ]

    DEFAULT_CSS = """
    TransferScreen {
        align: center middle;
    }
    TransferScreen > Vertical {
        width: 72;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    TransferScreen .-title {
        text-style: bold;
        margin-bottom: 1;
    }
    TransferScreen .-prod {
        color: $error;
        text-style: bold;
    }
    TransferScreen #transfer-error {
        color: $error;
    }
    TransferScreen #transfer-confirm {
        color: $warning;
        text-style: bold;
    }
    TransferScreen .-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(
        self,
        balance: Balance | None,
        *,
        source: int = 0,
        destination: int | None = None,
        production: bool = False,
    ) -> None:
        super().__init__()
        self.balance = balance
        self.source = source
        self.destination = destination
        self.production = production
        self.pending: TransferRequest | None = None
        """The request the confirmation line shows; Enter again sends exactly this."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Move money between exchange shards", classes="-title")
            if self.production:
                yield Label("PRODUCTION — real money", classes="-prod")
            yield Static(
                Content(
                    "Kalshi checks collateral per shard: an order on a shard draws only on the "
                    "cash there (crypto markets trade on shard 2)."
                )
            )
            yield Static(Content(balance_lines(self.balance)), id="transfer-balances")
            yield Label("From shard")
            yield Input(str(self.source), id="transfer-from")
            yield Label("To shard")
            destination = "" if self.destination is None else str(self.destination)
            yield Input(destination, id="transfer-to")
            yield Label("Amount (dollars)")
            yield Input(placeholder="e.g. 100.00", id="transfer-amount")
            yield Static("", id="transfer-error")
            yield Static("", id="transfer-confirm")
            yield Label(
                "Enter reviews · Enter again sends (journaled) · Esc goes back", classes="-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#transfer-amount", Input).focus()

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    @on(Input.Changed)
    def _edited(self, _event: Input.Changed) -> None:
        if self.pending is not None:  # an edit takes the confirmation away
            self.pending = None
            self.query_one("#transfer-confirm", Static).update("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#transfer-error", Static)
        try:
            request = TransferRequest.parse(*(self._value(name) for name in FIELDS))
        except TransferRefused as bad:
            error.update(Content(str(bad)))
            return
        if self.balance is not None:
            free = self.balance.free_on(request.source)
            if request.amount > free:
                error.update(
                    Content(
                        f"shard {request.source} has {fmt.dollars(free)} free; "
                        f"move at most that much"
                    )
                )
                return
        error.update("")
        if self.pending == request:
            self.dismiss(request)
            return
        self.pending = request
        self.query_one("#transfer-confirm", Static).update(
            Content(f"Transfer {request.describe()}? Enter again to send it.")
        )

    def action_back(self) -> None:
        """Do not transfer."""
        self.dismiss(None)
