"""The pure model behind the market list: filter, sort, favourites, grouping and cursor.

`MarketView` turns the full tuple of `MarketSummary` rows into the ordered list of
rows the market table shows. It knows nothing about Textual, so it can be unit
tested and benchmarked alone; the widget only asks it for `rows` and the cursor.

Performance is the point of this module. With 20,000 markets:

* The sort order of *all* markets is computed once per (markets, sort key,
  direction) and the text filter walks that order, so a filter result comes out
  already sorted and a keystroke costs one pass of `in` over precomputed
  lowercase haystacks (about 1-2 ms).
* When the new filter text contains the old one, every new match is also an old
  match, so only the previous result set is searched.
* A price refresh that keeps the same markets (same tickers, titles and events,
  in the same order) never re-filters. It re-sorts only when the sort key's
  values actually changed, starting from the previous order (nearly sorted, so
  about twice as fast), and then reorders the existing matches by rank.

Rows are plain ints so a 20,000-row view is one list of ints, not 20,000 objects:
an entry `>= 0` is an index into `markets`; a negative entry `-1 - g` is the header
of event group `g` (see `header_at`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from kalshi_tui.domain.market import MarketSummary

# Separates ticker and title inside one haystack string. A needle without this
# character cannot match across the boundary, so one `in` test per market is
# exactly "matches the ticker or the title".
_SEPARATOR = "\x00"


class SortKey(StrEnum):
    """What the market list is ordered by."""

    TICKER = "ticker"
    VOLUME = "volume"
    VOLUME_24H = "volume_24h"
    CHANGE = "change"
    CLOSE_TIME = "close_time"
    LAST_PRICE = "last_price"


SORT_CYCLE: tuple[SortKey, ...] = tuple(SortKey)
"""The order in which the `s` key cycles through sort keys."""

SORT_LABELS: dict[SortKey, str] = {
    SortKey.TICKER: "ticker",
    SortKey.VOLUME: "volume",
    SortKey.VOLUME_24H: "24h volume",
    SortKey.CHANGE: "change",
    SortKey.CLOSE_TIME: "close time",
    SortKey.LAST_PRICE: "last price",
}
"""Human names of the sort keys, for headers and notifications."""


class _Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


_C = TypeVar("_C", bound=_Comparable)


def _sort_values(key: SortKey, markets: Sequence[MarketSummary]) -> list[Any]:
    """The per-market values a sort key orders by; None sorts last either way.

    One list comprehension per key rather than a getter call per market: this
    runs on every price refresh, and the call overhead was most of its cost.
    """
    if key is SortKey.VOLUME:
        return [m.volume for m in markets]
    if key is SortKey.VOLUME_24H:
        return [m.volume_24h for m in markets]
    if key is SortKey.LAST_PRICE:
        return [m.last_price for m in markets]
    if key is SortKey.CLOSE_TIME:
        return [m.close_time for m in markets]
    if key is SortKey.CHANGE:
        return [
            None
            if m.last_price is None or m.previous_price is None
            else m.last_price - m.previous_price
            for m in markets
        ]
    return [m.ticker for m in markets]


def _ordered(values: Sequence[_C | None], base: list[int], descending: bool) -> list[int]:
    """Indices of `base` ordered by `values`, ties kept in `base` order, None last.

    Python's sort is stable also with `reverse=True`, so ties keep `base` order in
    both directions.
    """
    present = [i for i in base if values[i] is not None]
    present.sort(key=values.__getitem__, reverse=descending)  # type: ignore[arg-type]
    if len(present) < len(base):
        present.extend(i for i in base if values[i] is None)
    return present


@dataclass(frozen=True, slots=True)
class GroupHeader:
    """An event header row shown when grouping by event."""

    event_ticker: str
    count: int
    """How many of the event's markets are shown under this header."""


class MarketView:
    """Filter, sort, favourites, grouping and cursor over a list of markets."""

    def __init__(self, markets: Iterable[MarketSummary] = ()) -> None:
        self._markets: tuple[MarketSummary, ...] = ()
        self._tickers: list[str] = []
        self._titles: list[str] = []
        self._events: list[str] = []
        self._haystacks: list[str] = []
        self._index: dict[str, int] = {}
        self._ticker_order: list[int] = []
        self._order: list[int] = []
        self._sort_values: list[Any] = []
        self._needle = ""
        self._matches: list[int] = []
        self._favourites: frozenset[str] = frozenset()
        self._favourite_indices: set[int] = set()
        self._sort_key = SortKey.TICKER
        self._descending = False
        self._favourites_only = False
        self._group_by_event = False
        self._rows: list[int] = []
        self._groups: list[GroupHeader] = []
        self._cursor: int | None = None
        self._selected: str | None = None
        self.rows_version = 0
        """Bumped whenever `rows` is rebuilt; lets the widget skip work when nothing moved."""
        self.set_markets(markets)

    # ------------------------------------------------------------------ inputs

    @property
    def markets(self) -> tuple[MarketSummary, ...]:
        """Every market, in the order the poller delivered them."""
        return self._markets

    @property
    def filter_text(self) -> str:
        """The lowercase filter needle in force."""
        return self._needle

    @property
    def sort_key(self) -> SortKey:
        """The active sort key."""
        return self._sort_key

    @property
    def descending(self) -> bool:
        """Whether the active sort is descending."""
        return self._descending

    @property
    def favourites(self) -> frozenset[str]:
        """Tickers marked as favourites (may include tickers not currently listed)."""
        return self._favourites

    @property
    def favourites_only(self) -> bool:
        """Whether only favourite markets are shown."""
        return self._favourites_only

    @property
    def group_by_event(self) -> bool:
        """Whether markets are grouped under event header rows."""
        return self._group_by_event

    def set_markets(self, markets: Iterable[MarketSummary]) -> None:
        """Replace every market (a full refresh from the poller).

        The selected ticker stays selected if it is still shown; otherwise the
        cursor stays at the same row position, clamped.
        """
        new = tuple(markets)
        tickers = [m.ticker for m in new]
        titles = [m.title for m in new]
        events = [m.event_ticker for m in new]
        same_set = tickers == self._tickers and titles == self._titles and events == self._events
        self._markets = new
        if not same_set:
            self._tickers, self._titles, self._events = tickers, titles, events
            self._haystacks = [
                f"{ticker}{_SEPARATOR}{title}".lower()
                for ticker, title in zip(tickers, titles, strict=True)
            ]
            self._index = {ticker: i for i, ticker in enumerate(tickers)}
            self._ticker_order = sorted(range(len(tickers)), key=tickers.__getitem__)
            self._favourite_indices = self._indices_of(self._favourites)
            self._resort()
            self._matches = self._search(self._order)
            self._rebuild_rows(fallback_row=self._cursor)
        elif self._sort_key is not SortKey.TICKER:
            # Same markets, new quotes: the filter result cannot change, but the
            # order can if the sort key's values moved.
            values = _sort_values(self._sort_key, new)
            if values != self._sort_values:
                self._resort(values, stable=True)
                self._reorder_matches()
                self._rebuild_rows(fallback_row=self._cursor)

    def set_filter(self, text: str) -> None:
        """Show only markets whose ticker or title contains `text` (case-insensitive)."""
        needle = text.lower()
        if needle == self._needle:
            return
        # Every market matching the longer needle also matches the shorter one it
        # contains, so the previous result set is a complete candidate list.
        narrowing = self._needle in needle
        self._needle = needle
        self._matches = self._search(self._matches if narrowing else self._order)
        self._rebuild_rows(fallback_row=0)

    def set_sort(self, key: SortKey, descending: bool) -> None:
        """Order markets by `key`; markets without a value sort last either way."""
        if key is self._sort_key and descending == self._descending:
            return
        self._sort_key = key
        self._descending = descending
        self._resort()
        self._reorder_matches()
        self._rebuild_rows(fallback_row=0)

    def set_favourites(self, tickers: Iterable[str]) -> None:
        """Replace the favourite set."""
        self._favourites = frozenset(tickers)
        self._favourite_indices = self._indices_of(self._favourites)
        if self._favourites_only:
            self._rebuild_rows(fallback_row=self._cursor)

    def toggle_favourite(self, ticker: str) -> bool:
        """Flip `ticker`'s favourite mark; returns whether it is now a favourite."""
        if ticker in self._favourites:
            self.set_favourites(self._favourites - {ticker})
            return False
        self.set_favourites(self._favourites | {ticker})
        return True

    def is_favourite(self, index: int) -> bool:
        """Whether the market at `index` in `markets` is a favourite."""
        return index in self._favourite_indices

    def set_favourites_only(self, on: bool) -> None:
        """Show only favourites, or everything that matches the filter."""
        if on != self._favourites_only:
            self._favourites_only = on
            self._rebuild_rows(fallback_row=0)

    def set_group_by_event(self, on: bool) -> None:
        """Group markets under event header rows, or show a flat list."""
        if on != self._group_by_event:
            self._group_by_event = on
            self._rebuild_rows(fallback_row=0)

    # ----------------------------------------------------------------- outputs

    @property
    def rows(self) -> Sequence[int]:
        """The visible rows in order: market indices, or negative group headers."""
        return self._rows

    @property
    def match_count(self) -> int:
        """How many markets are shown (header rows not counted)."""
        return len(self._rows) - len(self._groups)

    def market_at(self, row: int) -> MarketSummary | None:
        """The market shown on `row`, or None for a header row or out of range."""
        if 0 <= row < len(self._rows):
            entry = self._rows[row]
            if entry >= 0:
                return self._markets[entry]
        return None

    def header_at(self, row: int) -> GroupHeader | None:
        """The event header shown on `row`, or None for a market row or out of range."""
        if 0 <= row < len(self._rows):
            entry = self._rows[row]
            if entry < 0:
                return self._groups[-1 - entry]
        return None

    def row_of(self, ticker: str) -> int | None:
        """The row showing `ticker`, or None if it is not shown."""
        index = self._index.get(ticker)
        if index is None:
            return None
        try:
            return self._rows.index(index)
        except ValueError:
            return None

    # ------------------------------------------------------------------ cursor

    @property
    def cursor(self) -> int | None:
        """The row under the cursor (always a market row), or None when nothing is shown."""
        return self._cursor

    @property
    def selected_ticker(self) -> str | None:
        """The ticker under the cursor, or None when nothing is shown."""
        return self._selected

    def select_row(self, row: int) -> None:
        """Put the cursor on `row`, moving off a header row onto the nearest market."""
        if not self._rows:
            self._cursor = None
            self._selected = None
            return
        row = max(0, min(row, len(self._rows) - 1))
        if self._rows[row] < 0:
            # A header is always followed by at least one of its markets.
            row += 1
        self._cursor = row
        self._selected = self._markets[self._rows[row]].ticker

    def select_ticker(self, ticker: str) -> bool:
        """Put the cursor on `ticker`'s row; returns False if it is not shown."""
        row = self.row_of(ticker)
        if row is None:
            return False
        self.select_row(row)
        return True

    def move_cursor(self, delta: int) -> None:
        """Move the cursor `delta` rows (negative is up), skipping header rows."""
        if self._cursor is None:
            self.select_row(0)
            return
        rows = self._rows
        start = max(0, min(self._cursor + delta, len(rows) - 1))
        target = start
        # Skip headers in the direction of travel; at the top edge a header has
        # no market above it, so `select_row` takes the market below instead.
        if delta < 0:
            while target > 0 and rows[target] < 0:
                target -= 1
            if rows[target] < 0:
                target = start
        self.select_row(target)

    def cursor_home(self) -> None:
        """Move the cursor to the first market."""
        self.select_row(0)

    def cursor_end(self) -> None:
        """Move the cursor to the last market."""
        self.select_row(len(self._rows) - 1)

    # --------------------------------------------------------------- internals

    def _indices_of(self, tickers: Iterable[str]) -> set[int]:
        index = self._index
        return {index[t] for t in tickers if t in index}

    def _resort(self, values: list[Any] | None = None, *, stable: bool = False) -> None:
        """Recompute the order of all markets for the active sort key.

        Ties are in ticker order, except with `stable` (a price refresh of the same
        markets): then ties keep their previous relative order, so rows with equal
        values do not swap on every refresh. Starting from the previous order also
        halves the cost, because the sort finds it nearly sorted already.
        """
        if self._sort_key is SortKey.TICKER:
            self._sort_values = []
            order = self._ticker_order
            self._order = order[::-1] if self._descending else list(order)
            return
        if values is None:
            values = _sort_values(self._sort_key, self._markets)
        self._sort_values = values
        base = self._order if stable else self._ticker_order
        self._order = _ordered(values, base, self._descending)

    def _search(self, candidates: list[int]) -> list[int]:
        """The candidates (in their order) whose ticker or title contains the needle."""
        needle = self._needle
        if not needle:
            return list(candidates)
        if _SEPARATOR in needle:
            # Rare: the one-haystack trick would let this needle span the
            # ticker/title boundary, so test the fields separately.
            tickers, titles = self._tickers, self._titles
            return [
                i for i in candidates if needle in tickers[i].lower() or needle in titles[i].lower()
            ]
        haystacks = self._haystacks
        return [i for i in candidates if needle in haystacks[i]]

    def _reorder_matches(self) -> None:
        """Put the current matches in the new sort order without re-filtering."""
        if len(self._matches) == len(self._order):
            self._matches = list(self._order)
            return
        rank = [0] * len(self._order)
        for position, index in enumerate(self._order):
            rank[index] = position
        self._matches.sort(key=rank.__getitem__)

    def _rebuild_rows(self, fallback_row: int | None) -> None:
        """Recompute `rows` and keep the selected ticker selected if it is still shown."""
        shown = self._matches
        if self._favourites_only:
            favourites = self._favourite_indices
            shown = [i for i in shown if i in favourites]
        groups: list[GroupHeader] = []
        if self._group_by_event:
            # Events appear in the order of their best-ranked shown market, so the
            # groups follow the active sort too.
            members: dict[str, list[int]] = {}
            events = self._events
            for i in shown:
                members.setdefault(events[i], []).append(i)
            rows: list[int] = []
            for event, indices in members.items():
                rows.append(-1 - len(groups))
                groups.append(GroupHeader(event, len(indices)))
                rows.extend(indices)
        else:
            rows = shown if shown is not self._matches else list(shown)
        self._rows = rows
        self._groups = groups
        self.rows_version += 1

        selected = self._selected
        if selected is not None and self.select_ticker(selected):
            return
        self.select_row(fallback_row if fallback_row is not None else 0)
