"""The order-book ladder of the selected market, on the YES price axis.

Kalshi's book holds only bids (kalshi-api.md §4.1). A trader reads a ladder
fastest on one axis, so both sides are drawn as YES prices: YES bids below the
spread line, and NO bids above it as YES asks at 1 − q. The header says so,
because the NO bid prices themselves are not printed.

    MINE    YES¢      SIZE       CUM  DEPTH
            47¢        120       300  ████████
     ●5     46¢        180       180  ████████████
    ── bid 44¢ · ask 46¢ · spread 2¢ · mid 45¢ ──
            44¢        250       250  ████████████████

Asks are listed worst to best so the best ask sits just above the spread line and
the best bid just below it; cumulative size grows outward from the spread. The
MINE column marks levels where the user's own orders rest, with their remaining
count. A book whose ticker is not the selected market (a late response for a
previous selection) is never drawn. The levels per side fit the pane's height (up to
`depth`), so a short pane shows both sides around the spread line, never asks only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar

from textual.content import Content
from textual.widgets import Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import BookLevel, Order, OrderBook
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.feed_state import apply_feed_state, feed_staleness

FEED = "orderbook"
"""Health key of the poller that feeds this pane."""

_EIGHTHS = " ▏▎▍▌▋▊▉"
"""Partial block characters, index = eighths of a cell filled."""

_ONE = Decimal(1)


def depth_bar(size: Decimal, largest: Decimal, width: int) -> str:
    """A bar of `width` cells scaled so `largest` fills it, in eighth-cell steps."""
    if largest <= 0 or size <= 0 or width <= 0:
        return ""
    eighths = int(size / largest * width * 8)
    # A non-empty level always shows at least a sliver: an empty bar reads as "no size".
    eighths = max(1, min(eighths, width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def resting_by_price(
    orders: Iterable[Order], ticker: str
) -> tuple[dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    """The user's remaining resting counts by YES price: (on the bid side, on the ask side).

    A buy-YES or sell-NO order rests as a YES bid at its YES price; a buy-NO or
    sell-YES order rests as a NO bid, which this ladder draws as a YES ask at the
    same YES price (1 − the NO price).
    """
    bids: defaultdict[Decimal, Decimal] = defaultdict(Decimal)
    asks: defaultdict[Decimal, Decimal] = defaultdict(Decimal)
    for order in orders:
        if order.ticker != ticker or order.remaining_count <= 0:
            continue
        side = bids if order.is_yes_bid else asks
        side[order.yes_price] += order.remaining_count
    return dict(bids), dict(asks)


class OrderBookPane(Static):
    """Ladder of the selected market's book. Call `show(snapshot, now)` on store changes."""

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset({"selected", "book", "orders", "health"})
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    DEFAULT_CSS = """
    OrderBookPane {
        border: round $primary;
        border-title-color: $text;
        padding: 0 1;
        height: 1fr;
        overflow-y: auto;
    }
    OrderBookPane.-stale {
        color: $text-disabled;
        border: round $foreground 25%;
        border-title-color: $text-muted;
    }
    """

    def __init__(
        self,
        *,
        depth: int = 10,
        bar_width: int = 16,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`depth`: levels shown per side; `bar_width`: cells of the largest depth bar."""
        super().__init__("", name=name, id=id, classes=classes)
        self.depth = depth
        self.bar_width = bar_width
        self._shown: object = None
        self._last: tuple[Snapshot, float] | None = None
        apply_feed_state(self, "Book", None)

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Draw the book of `snapshot.selected`; returns at once if nothing shown changed."""
        ticker = snapshot.selected
        book = snapshot.book if ticker is not None and snapshot.book is not None else None
        if book is not None and book.ticker != ticker:
            # A response for a previous selection: never paint it as the current market.
            book = None
        stale = feed_staleness(snapshot, FEED, now)
        marks = resting_by_price(snapshot.orders, ticker) if ticker is not None else ({}, {})
        self._last = (snapshot, now)
        depth, explain = self._fit_depth()
        key = (ticker, book, marks, stale, depth, explain)
        if key == self._shown:
            return
        self._shown = key
        apply_feed_state(self, "Book" if ticker is None else f"Book · {ticker}", stale)
        if ticker is None:
            self.update(Content("No market selected"))
        elif book is None:
            self.update(Content(f"Waiting for the book of {ticker}…"))
        else:
            self.update(
                self._ladder(
                    book, marks[0], marks[1], styled=stale is None, depth=depth, explain=explain
                )
            )

    def _fit_depth(self) -> tuple[int, bool]:
        """Levels per side that fit the pane's height (both sides always show, around the
        spread line), and whether the explanation line fits too."""
        height = self.content_region.height
        if height <= 0:  # not laid out yet
            return self.depth, True
        explain = height >= 9
        rows = height - (3 if explain else 2)
        return max(1, min(self.depth, rows // 2)), explain

    def on_resize(self) -> None:
        """A new height changes how many levels fit: redraw from the last snapshot."""
        if self._last is not None:
            self.show(*self._last)

    def _ladder(
        self,
        book: OrderBook,
        my_bids: Mapping[Decimal, Decimal],
        my_asks: Mapping[Decimal, Decimal],
        *,
        styled: bool,
        depth: int,
        explain: bool = True,
    ) -> Content:
        """The whole ladder as one Content; colours only when the data is fresh."""
        # Asks: NO bids as YES prices. NO levels ascend by NO price, so they descend by
        # YES price with the best ask last — already the top-to-bottom order wanted.
        asks = [BookLevel(_ONE - level.price, level.count) for level in book.no[-depth:]]
        bids = list(reversed(book.yes[-depth:]))
        largest = max((level.count for level in (*asks, *bids)), default=Decimal(0))

        ask_cumulative = _cumulative([level.count for level in reversed(asks)])[::-1]
        bid_cumulative = _cumulative([level.count for level in bids])

        def style(name: str) -> str:
            return name if styled else ""

        lines: list[Content] = [
            Content.styled("asks are NO bids shown at 1 − NO price", style("$text-muted")),
            Content.styled(f"{'MINE':<6}{'YES¢':>8}{'SIZE':>10}{'CUM':>10}  DEPTH", style("bold")),
        ][0 if explain else 1 :]
        if not asks:
            lines.append(Content.styled("  no asks", style("$text-muted")))
        for level, total in zip(asks, ask_cumulative, strict=True):
            lines.append(self._row(level, total, largest, my_asks, style("$error")))
        lines.append(Content.styled(_spread_text(book), style("$warning")))
        for level, total in zip(bids, bid_cumulative, strict=True):
            lines.append(self._row(level, total, largest, my_bids, style("$success")))
        if not bids:
            lines.append(Content.styled("  no bids", style("$text-muted")))
        return Content("\n").join(lines)

    def _row(
        self,
        level: BookLevel,
        total: Decimal,
        largest: Decimal,
        mine: Mapping[Decimal, Decimal],
        side_style: str,
    ) -> Content:
        """One ladder row: my marker, price, size, cumulative size and depth bar."""
        my_count = mine.get(level.price)
        marker = f"●{fmt.count(my_count)}" if my_count else ""
        # Unstyled (stale) rows pass an empty side style; keep the marker plain too.
        accent = "$accent bold" if side_style else ""
        return Content.assemble(
            (f"{marker:<6}", accent),
            (f"{fmt.cents(level.price):>8}", side_style),
            f"{fmt.count(level.count):>10}",
            f"{fmt.count(total):>10}  ",
            (depth_bar(level.count, largest, self.bar_width), side_style),
        )


def _cumulative(sizes: Sequence[Decimal]) -> list[Decimal]:
    """Running totals of `sizes`."""
    totals: list[Decimal] = []
    running = Decimal(0)
    for size in sizes:
        running += size
        totals.append(running)
    return totals


def _spread_text(book: OrderBook) -> str:
    """The line between asks and bids: best bid and ask, spread and mid."""
    return (
        f"── bid {fmt.cents(book.best_yes_bid)} · ask {fmt.cents(book.best_yes_ask)}"
        f" · spread {fmt.cents(book.spread)} · mid {fmt.cents(book.mid)} ──"
    )
