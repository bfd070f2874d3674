"""The market list: a line-API table that stays instant at 20,000 markets.

A stock `DataTable` measures every cell of every row when rows are added and
re-renders its whole cache on any update, which costs seconds per keystroke at
20,000 rows (see docs/textual-notes.md). This widget instead:

* keeps the data in `MarketView` (pure, in `kalshi_tui.domain.market_view`),
  which filters and sorts the market indices;
* renders only the lines Textual asks for through `render_line`, with a sticky
  header on line 0 and the rows below it scrolled by `scroll_y`;
* caches each market's rendered `Strip` keyed by the `MarketSummary` value itself
  (plus width, cursor, favourite, focus and the clock minute), so a full price
  refresh is one `refresh()` and only rows whose market actually changed are
  re-rendered, and only if they are on screen.

Cell text is emitted as plain `Segment`s, never parsed as markup, so titles with
`[` are shown as they are. Colours come from the theme through component classes.

Columns fit the width (`columns_for`): on a narrow list the close, volume, change,
title and last columns are dropped in that order, the ticker, bid and ask always
stay. `s` cycles only through the sort keys of the columns shown, and the sorted
column's header carries ▲/▼; a sort whose column is not shown (set before a resize)
is named in the title (or ticker) header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.market_view import SORT_CYCLE, SORT_LABELS, GroupHeader, MarketView, SortKey
from kalshi_tui.ui.widgets.market_cells import (
    MISSING,
    clean_text,
    format_change,
    format_close,
    format_price,
    format_volume,
)

Clock = Callable[[], datetime]
"""Returns the current time (timezone-aware); injectable for tests."""


@dataclass(frozen=True, slots=True)
class _Column:
    """One fixed-width column; the title column takes whatever width is left."""

    key: str
    label: str
    width: int
    right: bool = False
    sort: SortKey | None = None


HIDDEN_SORT = " (hidden)"
"""Said after a sort whose column this width does not show (a restored sort, a resize),
so "by volume" never reads as a column on screen; `s` cycles the shown ones only."""

_TITLE_MIN_WIDTH = 10
_TICKER_MIN_WIDTH = 12
_COLUMNS: tuple[_Column, ...] = (
    _Column("favourite", "★", 1),
    _Column("ticker", "Ticker", 28, sort=SortKey.TICKER),
    _Column("title", "Title", 0),
    _Column("bid", "Bid", 6, right=True),
    _Column("ask", "Ask", 6, right=True),
    _Column("last", "Last", 6, right=True, sort=SortKey.LAST_PRICE),
    _Column("change", "Chg", 7, right=True, sort=SortKey.CHANGE),
    _Column("volume", "Vol", 6, right=True, sort=SortKey.VOLUME),
    _Column("close", "Close", 6, right=True, sort=SortKey.CLOSE_TIME),
)
_DROP_ORDER = ("close", "volume", "change", "title", "last")
"""On a narrow list, columns are dropped in this order until the rest fit; the ticker,
bid and ask always stay (the ticker shrinks to `_TICKER_MIN_WIDTH` if it must)."""


def _widths(columns: Sequence[_Column]) -> int:
    """Cells the columns need at their minimum widths, one space between columns."""
    return sum(_TITLE_MIN_WIDTH if c.key == "title" else c.width for c in columns) + (
        len(columns) - 1
    )


@lru_cache(maxsize=64)
def columns_for(width: int) -> tuple[_Column, ...]:
    """The columns shown on a line `width` cells wide, with their actual widths."""
    shown = list(_COLUMNS)
    for key in _DROP_ORDER:
        if _widths(shown) <= width:
            break
        shown = [c for c in shown if c.key != key]
    spare = width - _widths(shown)
    resolved: list[_Column] = []
    for column in shown:
        if column.key == "title":
            column = replace(column, width=_TITLE_MIN_WIDTH + max(0, spare))
        elif column.key == "ticker" and spare < 0:
            column = replace(column, width=max(_TICKER_MIN_WIDTH, column.width + spare))
        resolved.append(column)
    return tuple(resolved)


def shown_sort_keys(width: int) -> tuple[SortKey, ...]:
    """The sort keys of the columns shown at `width`, in the `s` key's cycle order."""
    shown = {c.sort for c in columns_for(width) if c.sort is not None}
    return tuple(key for key in SORT_CYCLE if key in shown)


def _fit(text: str, width: int, right: bool = False) -> str:
    """`text` padded or truncated (with an ellipsis) to exactly `width` cells."""
    if width <= 0:
        return ""
    if text.isascii():
        if len(text) <= width:
            return text.rjust(width) if right else text.ljust(width)
        return text[: width - 1] + "…"
    length = cell_len(text)
    if length <= width:
        padding = " " * (width - length)
        return padding + text if right else text + padding
    return set_cell_size(text, width - 1) + "…"


def _segments_to_strip(cells: list[tuple[str, Style]], width: int, pad: Style) -> Strip:
    """One segment per run of equal styles, padded or cropped to exactly `width` cells.

    Fewer segments make every later step (cropping, filters, the compositor) cheaper.
    """
    segments: list[Segment] = []
    text, style = cells[0]
    parts = [text]
    for next_text, next_style in cells[1:]:
        if next_style is style or next_style == style:
            parts.append(next_text)
        else:
            segments.append(Segment("".join(parts), style))
            parts, style = [next_text], next_style
    segments.append(Segment("".join(parts), style))
    return Strip(segments).adjust_cell_length(width, pad)


@dataclass(frozen=True, slots=True)
class _Palette:
    """The styles one market row is painted with."""

    row: Style
    muted: Style
    up: Style
    down: Style
    favourite: Style


class MarketTable(ScrollView, can_focus=True):
    """A scrollable, filterable, sortable list of markets with a cursor."""

    BINDING_GROUP_TITLE = "Market list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="market.cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="market.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="market.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="market.page_down"),
        Binding("home", "cursor_home", "First market", show=False, id="market.home"),
        Binding("end", "cursor_end", "Last market", show=False, id="market.end"),
        Binding("f", "toggle_favourite", "Favourite", id="market.favourite"),
        Binding("F", "toggle_favourites_only", "Favourites only", id="market.favourites_only"),
        Binding("s", "cycle_sort", "Sort", id="market.sort"),
        Binding("S", "reverse_sort", "Reverse sort", id="market.sort_reverse"),
        Binding("g", "toggle_group", "Group by event", id="market.group"),
    ]
    """Cursor movement, favourites, sorting and grouping; ids let users remap keys."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "market-table--header",
        "market-table--cursor",
        "market-table--event",
        "market-table--favourite",
        "market-table--up",
        "market-table--down",
        "market-table--muted",
        "market-table--stale-note",
    }
    """
    | Class | Description |
    | :- | :- |
    | `market-table--header` | The sticky column header line. |
    | `market-table--cursor` | The selected row. |
    | `market-table--event` | Event header rows when grouping by event. |
    | `market-table--favourite` | The ★ of a favourite market. |
    | `market-table--up` / `--down` | A positive / negative 24h change. |
    | `market-table--muted` | Missing values, zero change and closed markets. |
    | `market-table--stale-note` | The data-age note in the header while stale. |
    """

    DEFAULT_CSS = """
    MarketTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .market-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .market-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .market-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .market-table--event {
            color: $accent;
            text-style: bold;
        }
        & > .market-table--favourite { color: $warning; }
        & > .market-table--up { color: $success; }
        & > .market-table--down { color: $error; }
        & > .market-table--muted { color: $text-muted; }
        & > .market-table--stale-note { color: $warning; text-style: bold; }

        /* Stale data: grey everything except the note that says why. */
        &.-stale {
            color: $text-muted;
            & > .market-table--up { color: $text-muted; }
            & > .market-table--down { color: $text-muted; }
            & > .market-table--favourite { color: $text-muted; }
            & > .market-table--event { color: $text-muted; }
            & > .market-table--header { color: $text-muted; }
        }
    }
    """

    favourites_only: var[bool] = var(False)
    """Show only favourite markets."""

    group_by_event: var[bool] = var(False)
    """Group markets under event header rows, events ordered by the active sort."""

    class Selected(Message):
        """The cursor moved to a different market."""

        def __init__(self, table: MarketTable, ticker: str) -> None:
            self.table = table
            """The table whose cursor moved."""
            self.ticker = ticker
            """The newly selected market's ticker."""
            super().__init__()

        @property
        def control(self) -> MarketTable:
            """The table that sent the message (for `@on(..., selector)`)."""
            return self.table

    class FavouriteToggled(Message):
        """The user marked or unmarked a favourite, so the app can persist the set."""

        def __init__(self, table: MarketTable, ticker: str, favourite: bool) -> None:
            self.table = table
            """The table in which the favourite was toggled."""
            self.ticker = ticker
            """The market's ticker."""
            self.favourite = favourite
            """Whether the market is now a favourite."""
            super().__init__()

        @property
        def control(self) -> MarketTable:
            """The table that sent the message (for `@on(..., selector)`)."""
            return self.table

    def __init__(
        self,
        markets: Sequence[MarketSummary] = (),
        *,
        clock: Clock | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._view = MarketView(markets)
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._stale_text = ""
        self._posted_ticker: str | None = None
        # Rendered rows by market index. The stored key holds the MarketSummary
        # itself, so an entry is reused only while that market's data is equal.
        self._row_cache: LRUCache[int, tuple[tuple[object, ...], Strip]] = LRUCache(512)
        self._base_style = Style()
        self._palettes: dict[tuple[Style, bool], _Palette] = {}
        # (line width, scroll_y) while a frame is being rendered; see render_lines.
        self._frame: tuple[int, int] | None = None
        self._minute = 0

    # ------------------------------------------------------------- public API

    @property
    def view(self) -> MarketView:
        """The model behind the table (read it; change it through the table)."""
        return self._view

    @property
    def selected_ticker(self) -> str | None:
        """The ticker under the cursor, or None when no market is shown."""
        return self._view.selected_ticker

    @property
    def sort(self) -> tuple[SortKey, bool]:
        """The active sort key and whether it is descending."""
        return self._view.sort_key, self._view.descending

    @property
    def favourites(self) -> frozenset[str]:
        """Tickers marked as favourites."""
        return self._view.favourites

    @property
    def is_stale(self) -> bool:
        """Whether the table is showing data marked stale by `set_stale`."""
        return self.has_class("-stale")

    def set_markets(self, markets: Sequence[MarketSummary]) -> None:
        """Replace all markets (a full refresh from the poller).

        The selected ticker stays selected. If it was on screen it stays on the
        same screen line; otherwise the scroll position is left alone.
        """
        view = self._view
        cursor_line = self._cursor_screen_line()
        version = view.rows_version
        view.set_markets(markets)
        if view.rows_version != version:
            self._update_virtual_size()
            if cursor_line is not None and view.cursor is not None:
                self._scroll_to_line(view.cursor - cursor_line)
        self.refresh()
        self._post_selection()

    def set_filter(self, text: str) -> None:
        """Show only markets whose ticker or title contains `text` (case-insensitive)."""
        self._apply(lambda: self._view.set_filter(text))

    def set_sort(self, key: SortKey, descending: bool) -> None:
        """Order the markets by `key`; markets without a value go last either way."""
        self._apply(lambda: self._view.set_sort(key, descending))

    def set_favourites(self, tickers: Iterable[str]) -> None:
        """Replace the favourite set (e.g. loaded from settings)."""
        self._apply(lambda: self._view.set_favourites(tickers))

    def toggle_favourite(self, ticker: str) -> bool:
        """Flip `ticker`'s favourite mark; returns whether it is now a favourite."""
        result: list[bool] = []
        self._apply(lambda: result.append(self._view.toggle_favourite(ticker)))
        self.post_message(self.FavouriteToggled(self, ticker, result[0]))
        return result[0]

    def select_ticker(self, ticker: str) -> bool:
        """Move the cursor to `ticker`; returns False if it is not shown."""
        found: list[bool] = []
        self._apply(lambda: found.append(self._view.select_ticker(ticker)))
        # A jump (the palette, a restored selection) must bring the row into view.
        self._scroll_to_cursor()
        return found[0]

    def set_stale(self, stale: bool, age_text: str = "") -> None:
        """Grey the table (CSS class `-stale`) and show `age_text` in the header."""
        self._stale_text = age_text if stale else ""
        self.set_class(stale, "-stale")
        self._row_cache.clear()
        self.refresh()

    # ---------------------------------------------------------------- actions

    def action_cursor_up(self) -> None:
        """Move the cursor up one market."""
        self._move(lambda: self._view.move_cursor(-1))

    def action_cursor_down(self) -> None:
        """Move the cursor down one market."""
        self._move(lambda: self._view.move_cursor(1))

    def action_page_up(self) -> None:
        """Move the cursor up one screen."""
        self._move(lambda: self._view.move_cursor(-self._body_height()))

    def action_page_down(self) -> None:
        """Move the cursor down one screen."""
        self._move(lambda: self._view.move_cursor(self._body_height()))

    def action_cursor_home(self) -> None:
        """Move the cursor to the first market."""
        self._move(self._view.cursor_home)

    def action_cursor_end(self) -> None:
        """Move the cursor to the last market."""
        self._move(self._view.cursor_end)

    def action_toggle_favourite(self) -> None:
        """Mark or unmark the selected market as a favourite."""
        ticker = self._view.selected_ticker
        if ticker is not None:
            self.toggle_favourite(ticker)

    def action_toggle_favourites_only(self) -> None:
        """Show only favourites, or all markets."""
        self.favourites_only = not self.favourites_only

    def action_cycle_sort(self) -> None:
        """Sort by the next shown column; numeric keys start descending (biggest first).

        Only columns on screen take part: a sort by a value the trader cannot see (24h
        volume, or a column a narrow list dropped) would look like a random order.
        """
        cycle = shown_sort_keys(self._line_width()) or (SortKey.TICKER,)
        key = self._view.sort_key
        index = cycle.index(key) + 1 if key in cycle else 0
        next_key = cycle[index % len(cycle)]
        self.set_sort(next_key, next_key not in (SortKey.TICKER, SortKey.CLOSE_TIME))

    def action_reverse_sort(self) -> None:
        """Reverse the direction of the active sort."""
        self.set_sort(self._view.sort_key, not self._view.descending)

    def action_toggle_group(self) -> None:
        """Group markets by event, or show a flat list."""
        self.group_by_event = not self.group_by_event

    def watch_favourites_only(self, value: bool) -> None:
        """Apply the favourites-only toggle to the model."""
        self._apply(lambda: self._view.set_favourites_only(value))

    def watch_group_by_event(self, value: bool) -> None:
        """Apply the group-by-event toggle to the model."""
        self._apply(lambda: self._view.set_group_by_event(value))

    # ----------------------------------------------------------------- events

    def on_mount(self) -> None:
        """Size the scroll area and start the clock that ages the close column."""
        self._update_virtual_size()
        self._minute = self._clock_minute()
        # Relative close times change once a minute; nothing else would repaint them.
        self.set_interval(15, self._check_clock)
        self._post_selection()

    def on_resize(self, event: events.Resize) -> None:
        """Widths depend on the widget size; keep the cursor in view."""
        self._update_virtual_size()
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        """Select the clicked row; a click on a column header sorts by it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            self._click_header(offset.x)
            return
        row = self.scroll_offset.y + offset.y - 1
        if self._view.market_at(row) is not None:
            self._move(lambda: self._view.select_row(row))

    def notify_style_update(self) -> None:
        """Theme, focus or class changes restyle every row."""
        super().notify_style_update()
        self._row_cache.clear()
        self._palettes.clear()

    # -------------------------------------------------------------- rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        """Resolve styles, width and scroll once per frame rather than once per line."""
        self._base_style = self.rich_style
        self._frame = (self._line_width(), self.scroll_offset.y)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def render_line(self, y: int) -> Strip:
        """Line 0 is the sticky header; line y shows row `scroll_y + y - 1`."""
        width, top = self._frame or (self._line_width(), self.scroll_offset.y)
        if y == 0:
            return self._render_header(width)
        view = self._view
        row = top + y - 1
        rows = view.rows
        if row >= len(rows):
            return Strip.blank(width, self._base_style)
        entry = rows[row]
        if entry < 0:
            header = view.header_at(row)
            assert header is not None
            return self._render_group(header, width)
        market = view.markets[entry]
        key = (market, width, row == view.cursor, view.is_favourite(entry), self._minute)
        cached = self._row_cache.get(entry)
        if cached is not None and cached[0] == key:
            return cached[1]
        strip = self._render_market(market, width, key[2], key[3])
        self._row_cache[entry] = (key, strip)
        return strip

    def _cell_style(self, component: str) -> Style:
        """A component's colour and text style, without its background.

        The full component style is used (not the partial one) because only it
        blends translucent theme colours such as `$text-muted` with the background;
        the background is dropped so the cursor row's background shows through.
        """
        full = self.get_component_rich_style(component)
        return Style(
            color=full.color,
            bold=full.bold,
            dim=full.dim,
            italic=full.italic,
            underline=full.underline,
            strike=full.strike,
            reverse=full.reverse,
        )

    def _palette(self, is_cursor: bool) -> _Palette:
        """The styles of a market row, built once per base style and cursor state."""
        key = (self._base_style, is_cursor)
        palette = self._palettes.get(key)
        if palette is None:
            row = self._base_style
            if is_cursor:
                row = row + self.get_component_rich_style("market-table--cursor")
            palette = _Palette(
                row=row,
                muted=row + self._cell_style("market-table--muted"),
                up=row + self._cell_style("market-table--up"),
                down=row + self._cell_style("market-table--down"),
                favourite=row + self._cell_style("market-table--favourite"),
            )
            self._palettes[key] = palette
        return palette

    def _render_market(
        self, market: MarketSummary, width: int, is_cursor: bool, favourite: bool
    ) -> Strip:
        palette = self._palette(is_cursor)
        row, muted = palette.row, palette.muted
        change = market.change
        if change is None or change == 0:
            change_style = muted
        elif change > 0:
            change_style = palette.up
        else:
            change_style = palette.down
        close_text = format_close(market, self._clock())
        bid = format_price(market.yes_bid)
        ask = format_price(market.yes_ask)
        last = format_price(market.last_price)
        values: dict[str, tuple[str, Style]] = {
            "favourite": ("★" if favourite else " ", palette.favourite),
            "ticker": (clean_text(market.ticker), row),
            "title": (clean_text(market.title), row),
            "bid": (bid, muted if bid == MISSING else row),
            "ask": (ask, muted if ask == MISSING else row),
            "last": (last, muted if last == MISSING else row),
            "change": (format_change(change), change_style),
            "volume": (format_volume(market.volume), row),
            "close": (close_text, muted if close_text in ("closed", "paused") else row),
        }
        columns = columns_for(width)
        cells: list[tuple[str, Style]] = []
        for column in columns:
            text, style = values[column.key]
            cells.append((_fit(text, column.width, right=column.right) + " ", style))
        return _segments_to_strip(cells, width, row)

    def _render_group(self, header: GroupHeader, width: int) -> Strip:
        style = self._base_style + self._cell_style("market-table--event")
        noun = "market" if header.count == 1 else "markets"
        text = f"▾ {clean_text(header.event_ticker)}  ({header.count} {noun})"
        return Strip([Segment(_fit(text, width), style)], width)

    def _render_header(self, width: int) -> Strip:
        view = self._view
        style = self._base_style + self.get_component_rich_style("market-table--header")
        key, descending = view.sort_key, view.descending
        arrow = "▼" if descending else "▲"
        columns = columns_for(width)
        sorted_shown = any(column.sort is key for column in columns)
        cells: list[tuple[str, Style]] = []
        note_left = note_width = 0
        left = 0
        for column in columns:
            if column.key == "title":
                label = self._title_header(key, arrow, sorted_shown, column.width)
            elif (
                column.key == "ticker"
                and not sorted_shown
                and not any(c.key == "title" for c in columns)
            ):
                label = f"Ticker by {SORT_LABELS[key]}{arrow}{HIDDEN_SORT}"
            else:
                label = column.label + (arrow if column.sort is key else "")
            cells.append((_fit(label, column.width, right=column.right) + " ", style))
            if column.key in ("title", "ticker"):
                # The stale note goes at the end of the title cell, or the ticker's.
                note_left, note_width = left, column.width
            left += column.width + 1
        strip = _segments_to_strip(cells, width, style)
        if self._stale_text:
            # Overlay the stale note at the end of the title cell, in its own style.
            note = f" stale {clean_text(self._stale_text)} "
            shown_width = min(cell_len(note), note_width)
            start = note_left + note_width - shown_width
            note_style = style + self._cell_style("market-table--stale-note")
            strip = Strip.join(
                [
                    strip.crop(0, start),
                    Strip([Segment(_fit(note, shown_width), note_style)], shown_width),
                    strip.crop(start + shown_width, width),
                ]
            )
        return strip

    def _title_header(self, key: SortKey, arrow: str, sorted_shown: bool, width: int) -> str:
        view = self._view
        label = f"Title ({view.match_count:,}/{len(view.markets):,})"
        if sorted_shown:
            return label
        # The sort column is not on screen (a narrow list): name the sort here, giving up
        # the counts and the word "Title" before the sort itself.
        sort = f"by {SORT_LABELS[key]}{arrow}"
        candidates = (
            f"{label} {sort}{HIDDEN_SORT}",
            f"Title {sort}{HIDDEN_SORT}",
            f"{sort}{HIDDEN_SORT}",
            sort,
        )
        return next((c for c in candidates if cell_len(c) <= width), sort)

    # -------------------------------------------------------------- internals

    def _apply(self, change: Callable[[], object]) -> None:
        """Run a model change that may reorder rows, then repaint and follow the cursor."""
        view = self._view
        version = view.rows_version
        change()
        if view.rows_version != version:
            self._update_virtual_size()
            self._scroll_to_cursor()
        self.refresh()
        self._post_selection()

    def _move(self, change: Callable[[], object]) -> None:
        """Run a cursor move, repainting only the two rows involved."""
        view = self._view
        before = view.cursor
        change()
        after = view.cursor
        if before == after:
            return
        self._scroll_to_cursor()
        for row in (before, after):
            if row is not None:
                self._refresh_row(row)
        self._post_selection()

    def _refresh_row(self, row: int) -> None:
        line = row - self.scroll_offset.y + 1
        if line >= 1:
            self.refresh(Region(0, line, self._line_width(), 1))

    def _post_selection(self) -> None:
        ticker = self._view.selected_ticker
        if ticker is not None and ticker != self._posted_ticker:
            self._posted_ticker = ticker
            self.post_message(self.Selected(self, ticker))

    def _update_virtual_size(self) -> None:
        # One extra line for the sticky header, so the last row can scroll into view.
        self.virtual_size = Size(self._line_width(), len(self._view.rows) + 1)

    def _line_width(self) -> int:
        """Width of the lines: the content area less the vertical scrollbar."""
        return self.scrollable_content_region.width

    def _body_height(self) -> int:
        """Rows visible below the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _cursor_screen_line(self) -> int | None:
        """The cursor's row offset from the top of the body, if it is on screen."""
        cursor = self._view.cursor
        if cursor is None:
            return None
        line = cursor - self.scroll_offset.y
        return line if 0 <= line < self._body_height() else None

    def _scroll_to_line(self, top: int) -> None:
        # force: right after the rows grew the scrollbar is not laid out yet, and without
        # it Textual would refuse the scroll (the cursor would sit off screen).
        self.scroll_to(y=max(0, top), animate=False, immediate=True, force=True)

    def _scroll_to_cursor(self) -> None:
        view = self._view
        cursor = view.cursor
        if cursor is None:
            self._scroll_to_line(0)
            return
        top = self.scroll_offset.y
        body = self._body_height()
        # At a group's first market, bring its event header into view as well.
        first = cursor - 1 if view.header_at(cursor - 1) is not None else cursor
        if first < top:
            self._scroll_to_line(first)
        elif cursor >= top + body:
            self._scroll_to_line(cursor - body + 1)

    def _click_header(self, x: int) -> None:
        left = 0
        for column in columns_for(self._line_width()):
            if left <= x < left + column.width:
                if column.sort is not None:
                    key, descending = self.sort
                    if column.sort is key:
                        self.set_sort(key, not descending)
                    else:
                        self.set_sort(column.sort, column.sort is not SortKey.TICKER)
                return
            left += column.width + 1

    def _clock_minute(self) -> int:
        return int(self._clock().timestamp() // 60)

    def _check_clock(self) -> None:
        minute = self._clock_minute()
        if minute != self._minute:
            self._minute = minute
            self.refresh()
