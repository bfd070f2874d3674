"""The event log tail: timestamped store log entries, written in batches.

Entries come from `Store.log_since(last_seq)`; every call to `show` writes all new
entries with one `Log.write_lines` (one refresh and one scroll per batch, not per
line — per-line writes are ~37× slower, textual-notes §1.7). `Log` holds plain
strings and never parses markup, so exchange text with brackets shows verbatim.
Levels are told apart by a fixed-width tag (INFO / WARN / ERR) that a highlighter
colours from the theme.

Freezing (binding id `log.freeze`) stops the view from moving so a line can be
read during a burst: new entries are held (bounded like the log itself) and
written when the tail is unfrozen. The title says FROZEN and how much is waiting.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Log

from kalshi_tui.domain.store import LogEntry, Snapshot, Store

DEFAULT_MAX_LINES = 2000
"""Lines kept on screen; the store keeps more and the journal keeps everything."""

LEVEL_TAGS = {"info": "INFO", "warning": "WARN", "error": "ERR "}
"""Fixed-width level tags, so messages line up in one column."""

_TIME_WIDTH = len("00:00:00 ")
_TAG_WIDTH = 4


def format_entry(entry: LogEntry) -> str:
    """One log line: local time, level tag, text on a single line."""
    clock = time.strftime("%H:%M:%S", time.localtime(entry.time))
    tag = LEVEL_TAGS.get(entry.level, entry.level.upper()[:_TAG_WIDTH].ljust(_TAG_WIDTH))
    # One entry, one line: a multi-line message would lose its timestamp on later lines.
    text = " ⏎ ".join(entry.text.splitlines())
    return f"{clock} {tag} {text}"


class LevelHighlighter(Highlighter):
    """Colours the time and the level tag of a formatted log line."""

    def __init__(self, time_style: Style, warning: Style, error: Style) -> None:
        self.time_style = time_style
        self.styles = {"WARN": warning, "ERR ": error}

    def highlight(self, text: Text) -> None:
        text.stylize(self.time_style, 0, _TIME_WIDTH - 1)
        tag = text.plain[_TIME_WIDTH : _TIME_WIDTH + _TAG_WIDTH]
        style = self.styles.get(tag)
        if style is not None:
            text.stylize(style, _TIME_WIDTH, _TIME_WIDTH + _TAG_WIDTH)


class LogTail(Log):
    """Tail of the store's event log. Call `show(snapshot, now)` when the log changes."""

    BINDING_GROUP_TITLE = "Log"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset({"log"})
    """Store change names that call for a `show`; "log" is the store's log notification."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-tail--time",
        "log-tail--warning",
        "log-tail--error",
    }

    DEFAULT_CSS = """
    LogTail {
        border: round $primary;
        height: 1fr;
        /* Log's default is `scroll`: empty scrollbars eat a row and a column. */
        overflow: auto auto;
    }
    LogTail.-frozen {
        border: round $warning;
        border-title-color: $warning;
    }
    LogTail > .log-tail--time { color: $text-muted; }
    LogTail > .log-tail--warning { color: $warning; text-style: bold; }
    LogTail > .log-tail--error { color: $error; text-style: bold; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "toggle_freeze", "Freeze log", id="log.freeze"),
    ]
    """`f` freezes or unfreezes the view (`log.freeze`)."""

    frozen: reactive[bool] = reactive(False)
    """While True the view does not move; new entries wait in a bounded buffer."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        max_lines: int = DEFAULT_MAX_LINES,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`store`: where `show` reads new entries from; without one, feed `append` directly."""
        super().__init__(
            highlight=True, max_lines=max_lines, auto_scroll=True, name=name, id=id, classes=classes
        )
        self.store = store
        self.last_seq = 0
        """Sequence number of the newest entry taken from the store."""
        self._held: deque[str] = deque(maxlen=max_lines)
        self._update_title()

    def on_mount(self) -> None:
        self.highlighter = LevelHighlighter(
            self.get_component_rich_style("log-tail--time"),
            self.get_component_rich_style("log-tail--warning"),
            self.get_component_rich_style("log-tail--error"),
        )

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Write the store's entries newer than the last one shown; nothing new, no work."""
        if self.store is not None:
            self.append(self.store.log_since(self.last_seq))

    def append(self, entries: Sequence[LogEntry]) -> None:
        """Write `entries` (oldest first) as one batch, or hold them while frozen."""
        if not entries:
            return
        self.last_seq = entries[-1].seq
        lines = [format_entry(entry) for entry in entries]
        if self.frozen:
            self._held.extend(lines)
            self._update_title()
        else:
            self._write_following(lines)

    def _write_following(self, lines: list[str]) -> None:
        """Write and follow the tail. `Log` only scrolls when the view already sits at the
        end, which stops being true once the first overflow (or a horizontal scrollbar)
        moves the end under it; so scroll after the next layout, unconditionally."""
        self.write_lines(lines, scroll_end=False)
        self.call_after_refresh(self.scroll_end, animate=False, x_axis=False)

    @property
    def held(self) -> int:
        """Entries waiting to be written while frozen."""
        return len(self._held)

    def action_toggle_freeze(self) -> None:
        """Freeze or unfreeze the view."""
        self.frozen = not self.frozen

    def watch_frozen(self, frozen: bool) -> None:
        self.set_class(frozen, "-frozen")
        if not frozen and self._held:
            held = list(self._held)
            self._held.clear()
            self._write_following(held)
        self._update_title()

    def _update_title(self) -> None:
        if not self.frozen:
            title = "Log"
        elif self._held:
            title = f"Log · FROZEN (+{len(self._held)} new)"
        else:
            title = "Log · FROZEN"
        self.border_title = Content(title)
