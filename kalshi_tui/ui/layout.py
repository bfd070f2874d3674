"""Layouts by terminal size, a mixin of the app.

* **wide** (at least `WIDE_SIZE`): every pane at once (see `app.tcss`).
* **compact** (smaller, down to `MIN_SIZE`): the header and the market list (with bid and
  ask) always on screen; below the list one detail pane at a time — book, ticket,
  positions, orders, chart or log — named in a tab line above the footer. `w` / `W` show
  the next / previous one; focusing a pane (`t` ticket, `o` orders, a click) shows it, so a
  key never focuses something that cannot be seen.
* **too small** (under `MIN_SIZE`): a message saying the size needed, instead of a broken
  screen. The panes stay mounted underneath, so every key still works — `ctrl+k` halts.

The mode is an app class (`-wide`, `-compact`, `-too-small`) and the detail pane another
(`-pane-book`, ...); `app.tcss` does the rest.
"""

from __future__ import annotations

from typing import ClassVar, Literal, TypeVar

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from kalshi_tui.ui.widgets.status_bar import StatusBar

Mode = Literal["wide", "compact", "too-small"]
W = TypeVar("W", bound=Widget)

MIN_SIZE = (60, 20)
"""Columns × rows below which the app shows only the "too small" message."""

WIDE_SIZE = (110, 38)
"""Columns × rows from which every pane fits at once (the book, chart and ticket column
needs about 27 rows besides the header, positions and footer)."""

DETAIL_PANES: tuple[tuple[str, str], ...] = (
    ("book", "Book"),
    ("ticket", "Ticket"),
    ("positions", "Positions"),
    ("orders", "Orders"),
    ("chart", "Chart"),
    ("log", "Log"),
)
"""(widget id, name) of the panes the compact layout shows one at a time, in `w` order."""


def mode_for(width: int, height: int) -> Mode:
    """The layout for a terminal of `width` × `height` cells."""
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        return "too-small"
    if width < WIDE_SIZE[0] or height < WIDE_SIZE[1]:
        return "compact"
    return "wide"


def too_small_text(width: int, height: int) -> str:
    return (
        f"Terminal too small: {width}×{height}\n"
        f"kalshi-tui needs {MIN_SIZE[0]}×{MIN_SIZE[1]} or more:\n"
        "enlarge the window.\n\n"
        "ctrl+k still halts trading,\n"
        "ctrl+q quits."
    )


class PaneTabs(Static):
    """The compact layout's tab line: which detail pane is shown, and the key to switch."""

    DEFAULT_CSS = """
    PaneTabs {
        display: none;
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    def show_pane(self, active: str) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        for pane_id, name in DETAIL_PANES:
            if parts:
                parts.append(" ")
            if pane_id == active:
                parts.append((f"[{name}]", "bold reverse"))
            else:
                parts.append((f" {name} ", "$text-muted"))
        parts.append(("  w: next", "$text-muted"))
        self.update(Content.assemble(*parts))


class ResponsiveLayout(App[int]):
    """Chooses wide, compact or too-small on every resize; switches compact detail panes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "next_pane", "Next pane", id="app.next_pane"),
        Binding("W", "previous_pane", "Previous pane", show=False, id="app.previous_pane"),
    ]
    """Only in the compact layout (hidden otherwise)."""

    layout_mode: Mode = "wide"
    detail_pane: str = "book"

    def apply_layout(self, width: int, height: int) -> None:
        """Set the mode classes for a terminal of `width` × `height`."""
        mode = mode_for(width, height)
        self.layout_mode = mode
        for name in ("wide", "compact", "too-small"):
            self.set_class(mode == name, f"-{name}")
        if mode == "too-small":
            for message in self._main_screen_query("#too-small", Static):
                message.update(Content(too_small_text(width, height)))
        for bar in self._main_screen_query("StatusBar", StatusBar):
            bar.set_compact(mode != "wide")
        self._show_detail(self.detail_pane)
        self.refresh_bindings()

    def _main_screen_query(self, selector: str, kind: type[W]) -> list[W]:
        """Matches on the main screen (none before it exists)."""
        if not self.screen_stack:
            return []
        return list(self.screen_stack[0].query(selector).results(kind))

    def on_resize(self, event: events.Resize) -> None:
        self.apply_layout(event.size.width, event.size.height)

    def show_pane(self, pane_id: str) -> None:
        """Show `pane_id` as the compact layout's detail pane (remembered in wide mode).

        Focus in the pane being hidden goes back to the market list."""
        if pane_id not in dict(DETAIL_PANES):
            raise ValueError(f"no detail pane {pane_id!r}")
        self._show_detail(pane_id)
        holder = _detail_pane_of(self.focused)
        if self.layout_mode == "compact" and holder is not None and holder != pane_id:
            for markets in self._main_screen_query("#markets", Widget):
                markets.focus()

    def _show_detail(self, pane_id: str) -> None:
        self.detail_pane = pane_id
        for other, _name in DETAIL_PANES:
            self.set_class(other == pane_id, f"-pane-{other}")
        for tabs in self._main_screen_query("PaneTabs", PaneTabs):
            tabs.show_pane(pane_id)

    def action_next_pane(self) -> None:
        """Compact layout: show the next detail pane."""
        self._step(1)

    def action_previous_pane(self) -> None:
        """Compact layout: show the previous detail pane."""
        self._step(-1)

    def _step(self, delta: int) -> None:
        ids = [pane_id for pane_id, _ in DETAIL_PANES]
        index = ids.index(self.detail_pane) if self.detail_pane in ids else 0
        self.show_pane(ids[(index + delta) % len(ids)])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_pane", "previous_pane"):
            return self.layout_mode == "compact"
        return True

    @on(events.DescendantFocus)
    def _reveal_focused(self, event: events.DescendantFocus) -> None:
        """Focus inside a detail pane shows that pane (`t`, `o`, a click, tab)."""
        if self.layout_mode != "compact":
            return
        holder = _detail_pane_of(event.widget)
        if holder is not None and holder != self.detail_pane:
            self._show_detail(holder)


def _detail_pane_of(widget: Widget | None) -> str | None:
    """The id of the detail pane `widget` is in (or is), if any."""
    ids = dict(DETAIL_PANES)
    node: Widget | None = widget
    while node is not None:
        if node.id in ids:
            return node.id
        parent = node.parent
        node = parent if isinstance(parent, Widget) else None
    return None
