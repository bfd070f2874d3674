"""Modal confirmations: the order preview (Enter sends, Esc cancels), a yes/no question for
destructive actions (cancel all), and a typed confirmation for re-arming after a halt.

Each is a `ModalScreen` whose result is delivered to the callback given to
`push_screen`, so the app never blocks waiting for the trader.
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
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.journal import IntentRecord
from kalshi_tui.ui.preview import Holding, order_lines

TIF_NAMES = {
    "good_till_canceled": "GTC",
    "immediate_or_cancel": "IOC",
    "fill_or_kill": "FoK",
}


def preview_lines(draft: OrderDraft, held: Holding | None = None) -> list[str]:
    """What the order costs, risks and pays (against what is `held`), as the confirmation
    shows it."""
    flags = [TIF_NAMES[draft.time_in_force]]
    if draft.post_only:
        flags.append("post-only")
    if draft.reduce_only:
        flags.append("reduce-only")
    return [
        f"{draft.action.upper()} {fmt.count(draft.count)} {draft.side.upper()} "
        f"@ {fmt.cents(draft.price)}  {draft.ticker}",
        f"Time in force {' · '.join(flags)}",
        *order_lines(
            draft.side,
            draft.action,
            draft.price,
            draft.count,
            held,
            post_only=draft.post_only,
            rests=draft.time_in_force == "good_till_canceled",
        ),
        f"Order id {draft.client_order_id}",
    ]


class OrderConfirmScreen(ModalScreen[bool]):
    """Preview of one order: Enter sends it, Esc goes back to the ticket."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "send", "Send order", id="confirm.send"),
        Binding("escape", "back", "Back", id="confirm.back"),
    ]

    DEFAULT_CSS = """
    OrderConfirmScreen {
        align: center middle;
    }
    OrderConfirmScreen > Vertical {
        width: 72;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    OrderConfirmScreen .-title {
        text-style: bold;
        margin-bottom: 1;
    }
    OrderConfirmScreen .-prod {
        color: $error;
        text-style: bold;
    }
    OrderConfirmScreen .-resend {
        color: $warning;
        margin-bottom: 1;
    }
    OrderConfirmScreen .-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(
        self,
        draft: OrderDraft,
        *,
        production: bool,
        resend_of: IntentRecord | None = None,
        held: Holding | None = None,
    ) -> None:
        super().__init__()
        self.draft = draft
        self.held = held
        """What the account holds in the market (a close is previewed as a close)."""
        self.production = production
        self.resend_of = resend_of
        """The finished order this ticket sent before; this one is new, under a new id."""

    def compose(self) -> ComposeResult:
        with Vertical():
            previous = self.resend_of
            yield Label(
                "Send this order?" if previous is None else "Send this order again?",
                classes="-title",
            )
            if self.production:
                yield Label("PRODUCTION — real money", classes="-prod")
            if previous is not None:
                yield Static(
                    Content(
                        f"The ticket's last order (id {previous.client_order_id}) is "
                        f"{previous.state.value.replace('_', ' ')}; this is a NEW order "
                        "with a new id."
                    ),
                    classes="-resend",
                )
            yield Static(Content("\n".join(preview_lines(self.draft, self.held))))
            yield Label("Enter sends · Esc goes back", classes="-hint")

    def action_send(self) -> None:
        """Send the order."""
        self.dismiss(True)

    def action_back(self) -> None:
        """Do not send; return to the ticket."""
        self.dismiss(False)


class QuestionScreen(ModalScreen[bool]):
    """A yes/no question for a destructive action: `y` confirms, `n` or Esc declines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="question.yes"),
        Binding("n,escape", "answer(False)", "No", id="question.no"),
    ]

    DEFAULT_CSS = """
    QuestionScreen {
        align: center middle;
    }
    QuestionScreen > Vertical {
        width: 64;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 1 2;
    }
    QuestionScreen .-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question))
            yield Label("y confirms · n or Esc cancels", classes="-hint")

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)


class TypedConfirmScreen(ModalScreen[str | None]):
    """Asks for a reason and a typed word (e.g. RESUME); returns the reason, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="typed.back"),
    ]

    DEFAULT_CSS = """
    TypedConfirmScreen {
        align: center middle;
    }
    TypedConfirmScreen > Vertical {
        width: 72;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 1 2;
    }
    TypedConfirmScreen Input {
        margin-bottom: 1;
    }
    TypedConfirmScreen #typed-error {
        color: $error;
    }
    """

    def __init__(self, title: str, word: str, explanation: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.word = word
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content.styled(self.title_text, "bold"))
            if self.explanation:
                yield Static(Content(self.explanation))
            yield Label("Reason (journaled)")
            yield Input(placeholder="why it is safe now", id="typed-reason")
            yield Label(Content(f"Type {self.word} to confirm"))
            yield Input(placeholder="the word above, in capitals", id="typed-word")
            yield Static("", id="typed-error")

    def on_mount(self) -> None:
        self.query_one("#typed-reason", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = self.query_one("#typed-reason", Input).value.strip()
        word = self.query_one("#typed-word", Input).value.strip()
        error = self.query_one("#typed-error", Static)
        if not reason:
            # Said plainly, and the reason box keeps the focus: nothing jumps ahead.
            error.update("A reason is required: type why it is safe now (it is journaled).")
            self.query_one("#typed-reason", Input).focus()
            return
        if event.input.id == "typed-reason" and not word:
            error.update(Content(f"Now type {self.word} to confirm."))
            self.query_one("#typed-word", Input).focus()
            return
        if word != self.word:
            error.update(Content(f"Type {self.word} exactly (capitals) to confirm."))
            return
        self.dismiss(reason)

    def action_back(self) -> None:
        """Give up without confirming."""
        self.dismiss(None)
