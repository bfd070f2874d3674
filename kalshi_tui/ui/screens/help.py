"""The help screen: every key binding active where help was opened, with its description.

The list is read from the screen underneath (`Screen.active_bindings`), so it is
exactly what the keys do right now: bindings of the focused widget and its
ancestors, then the app's, with keymap remaps already applied (Textual applies
`App.set_keymap` while building that map) and keys shown the way the footer
shows them. Bindings that `check_action` disables right now are marked
unavailable rather than hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from kalshi_tui.domain.valuation import VALUATION_RULE
from kalshi_tui.ui.widgets.status_bar import RATE_RULE

KEY_WIDTH = 14
"""Width of the key column."""

FIELD_KEYS = (
    "Ticket boxes take only a value's characters (digits, '.', '¢'); every other key is a "
    "desk key there too. 1–5 type digits in a box and set the size elsewhere. ctrl keys "
    "work everywhere; escape leaves a box."
)
"""Which keys a ticket box types and which act on the desk (see README, Keys)."""


def group_title(node: DOMNode) -> str:
    """A heading for the bindings defined on `node`."""
    if node.BINDING_GROUP_TITLE:
        return node.BINDING_GROUP_TITLE
    if isinstance(node, App):
        return "Everywhere"
    if isinstance(node, Screen):
        return "This screen"
    return human_name(type(node).__name__)


def human_name(class_name: str) -> str:
    """ "PositionsPane" → "Positions pane": a class name as words for a heading."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", class_name)
    if not words:
        return class_name
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])])


def other_pane_bindings(
    screen: Screen[object], listed: Mapping[str, ActiveBinding]
) -> list[ActiveBinding]:
    """Bindings of this project's panes that are not focused now (so not in `listed`).

    They act only once their pane has focus, but the help lists every key, so they
    follow under "When focused: <pane>" with the keymap's remaps applied.
    """
    shown = {active.node for active in listed.values()}
    # Textual keeps the keymap privately; the screen applies it the same way.
    keymap = getattr(screen.app, "_keymap", {})
    found: list[ActiveBinding] = []
    for widget in screen.query("*"):
        if widget in shown or not type(widget).__module__.startswith("kalshi_tui."):
            continue
        bindings = widget._bindings.copy()
        if keymap:
            bindings.apply_keymap(keymap)
        found.extend(ActiveBinding(widget, binding, True) for _key, binding in bindings)
    return found


def bindings_listing(
    app: App[object],
    bindings: Mapping[str, ActiveBinding],
    others: Iterable[ActiveBinding] = (),
) -> Content:
    """The help text: one heading per node, then one line per action with all its keys.

    `others` are bindings of panes that are not focused, listed after the active ones.
    """
    lines: list[Content] = []
    # One line per (action, binding id): keys of one binding share a line, and two
    # bindings of the same action keep their own ids (each remappable on its own).
    groups: dict[DOMNode, dict[tuple[str, str | None], list[tuple[Binding, bool]]]] = {}
    inactive = {active.node for active in others}
    for active in [*bindings.values(), *others]:
        actions = groups.setdefault(active.node, {})
        line_key = (active.binding.action, active.binding.id)
        actions.setdefault(line_key, []).append((active.binding, active.enabled))
    for node, actions in groups.items():
        if lines:
            lines.append(Content(""))
        title = group_title(node)
        if node in inactive:
            title = f"When focused: {title}"
        lines.append(Content.styled(title, "bold $text-accent"))
        for (action, _id), entries in actions.items():
            keys = ", ".join(dict.fromkeys(app.get_key_display(b) for b, _ in entries))
            binding = entries[0][0]
            enabled = any(enabled for _, enabled in entries)
            description = binding.description or binding.tooltip or action
            if not enabled:
                description += " (unavailable now)"
            lines.append(
                Content.assemble(
                    (f"{keys:>{KEY_WIDTH}}  ", "bold $accent" if enabled else "$text-disabled"),
                    (description, "" if enabled else "$text-disabled"),
                    # The id is what `[ui] keymap` remaps.
                    (f"  [{binding.id}]" if binding.id else "", "$text-muted"),
                )
            )
    if not lines:
        lines.append(Content("No key bindings are active."))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Modal list of the active key bindings; escape, ? or q closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > #help-dialog {
        width: 72;
        max-height: 80%;
        height: auto;
        border: round $accent;
        background: $panel;
        padding: 0 1;
    }
    HelpScreen #help-fields {
        color: $text-muted;
        margin-top: 1;
    }
    HelpScreen #help-hint {
        color: $text-muted;
        width: 1fr;
        content-align: center middle;
    }
    HelpScreen VerticalScroll {
        height: auto;
        max-height: 40;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close help", id="help.close"),
    ]
    """escape, ? or q closes the help (`help.close`)."""

    def __init__(self, bindings: Mapping[str, ActiveBinding] | None = None) -> None:
        """`bindings` to list; by default those of the screen underneath when help opens."""
        super().__init__()
        self._listed = bindings

    def compose(self) -> ComposeResult:
        stack = [screen for screen in self.app.screen_stack if screen is not self]
        underneath = stack[-1] if stack else None
        if self._listed is not None:
            bindings, others = self._listed, []
        elif underneath is not None:
            bindings = underneath.active_bindings
            others = other_pane_bindings(underneath, bindings)
        else:
            bindings, others = {}, []
        with Vertical(id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            with VerticalScroll():
                yield Static(bindings_listing(self.app, bindings, others), id="help-bindings")
                yield Static(
                    Content.assemble(
                        ("\nPortfolio and positions: ", "bold $text-accent"), VALUATION_RULE
                    ),
                    id="help-valuation",
                )
            yield Static(Content(FIELD_KEYS), id="help-fields")
            yield Static(Content(RATE_RULE), id="help-rate")
            yield Label("escape / ? / q to close", id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
