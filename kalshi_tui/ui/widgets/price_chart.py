"""Price history of the selected market: a sparkline with last, min, max and the period.

The chart draws `snapshot.history` only when it belongs to the selected market
and to the period currently chosen (`snapshot.history_period`): a late response
for a previous market or period is never drawn as the current one. Candles with
no trade carry the previous close forward, so gaps do not read as a crash to 0.

The period (1-minute, 1-hour or 1-day candles) is the app's state, not the
chart's: the `p` key (binding id `chart.period`) and `request_period` only post
`PriceChart.PeriodChanged(minutes)`; the app updates the store and the next
`show` draws the new period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import PriceHistory
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.feed_state import apply_feed_state, feed_staleness

FEED = "history"
"""Health key of the poller that feeds this pane."""

PERIODS: tuple[int, ...] = (1, 60, 1440)
"""Candle periods Kalshi serves, in minutes."""

PERIOD_NAMES = {1: "1m", 60: "1h", 1440: "1d"}
"""Short names of the periods for the title and stats line."""


def closes(history: PriceHistory) -> list[Decimal]:
    """Closing prices with gaps filled by the previous close; leading gaps dropped."""
    prices: list[Decimal] = []
    for point in history.points:
        if point.price is not None:
            prices.append(point.price)
        elif prices:
            prices.append(prices[-1])
    return prices


def next_period(current: int) -> int:
    """The period after `current` in `PERIODS`, wrapping around."""
    if current not in PERIODS:
        return PERIODS[0]
    return PERIODS[(PERIODS.index(current) + 1) % len(PERIODS)]


def _close_of_bucket(values: Sequence[float]) -> float:
    """When several candles share one cell, draw the latest close (a price, not a volume)."""
    return values[-1]


class PriceChart(Widget, can_focus=True):
    """Price history chart. Call `show(snapshot, now)` on store changes."""

    BINDING_GROUP_TITLE = "Price chart"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"selected", "history", "history_period", "health"}
    )
    """Snapshot fields this pane renders; ages change with time too, so also `show` on a tick."""

    DEFAULT_CSS = """
    PriceChart {
        border: round $primary;
        height: 8;
        padding: 0 1;
    }
    PriceChart #chart-stats {
        height: 1;
        color: $text-muted;
    }
    PriceChart Sparkline {
        height: 1fr;
    }
    PriceChart Sparkline > .sparkline--max-color { color: $success; }
    PriceChart Sparkline > .sparkline--min-color { color: $error; }
    PriceChart.-stale {
        border: round $foreground 25%;
        color: $text-disabled;
    }
    PriceChart.-stale Sparkline > .sparkline--max-color { color: $text-disabled; }
    PriceChart.-stale Sparkline > .sparkline--min-color { color: $text-disabled; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "next_period", "Chart period", id="chart.period"),
    ]
    """`p` asks for the next candle period: 1m → 1h → 1d → 1m (`chart.period`)."""

    @dataclass
    class PeriodChanged(Message):
        """The trader asked for another candle period; the app should fetch it."""

        minutes: int
        """1, 60 or 1440."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.period = 60
        """The period shown, as last reported by the snapshot."""
        self._shown: object = None
        apply_feed_state(self, "Chart", None)

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-stats")
        yield Sparkline([], summary_function=_close_of_bucket, id="chart-line")

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Draw the selected market's history; returns at once if nothing shown changed."""
        ticker = snapshot.selected
        self.period = snapshot.history_period
        history = snapshot.history
        if history is not None and (
            history.ticker != ticker or history.period_minutes != snapshot.history_period
        ):
            history = None
        stale = feed_staleness(snapshot, FEED, now)
        key = (ticker, history, self.period, stale)
        if key == self._shown:
            return
        self._shown = key

        period = PERIOD_NAMES.get(self.period, f"{self.period}m")
        title = f"Chart · {period}" if ticker is None else f"Chart · {ticker} · {period}"
        apply_feed_state(self, title, stale)
        stats = self.query_one("#chart-stats", Static)
        line = self.query_one("#chart-line", Sparkline)
        prices = [] if history is None else closes(history)
        if ticker is None:
            stats.update(Content("No market selected"))
        elif history is None:
            stats.update(Content(f"Waiting for {period} history of {ticker}…"))
        elif not prices:
            stats.update(Content(f"No trades in the {period} history"))
        else:
            span = history.points[-1].ts - history.points[0].ts
            stats.update(
                Content(
                    f"last {fmt.cents(prices[-1])} · min {fmt.cents(min(prices))}"
                    f" · max {fmt.cents(max(prices))} · {len(history.points)} × {period}"
                    f" candles over {fmt.age(span)}"
                )
            )
        # The sparkline is drawing only: floats are fine here, the labels above are exact.
        line.data = [float(price) for price in prices]

    def request_period(self, minutes: int) -> None:
        """Ask the app for another candle period (1, 60 or 1440 minutes)."""
        if minutes not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}, not {minutes}")
        self.post_message(self.PeriodChanged(minutes))

    def action_next_period(self) -> None:
        """Ask for the period after the one shown."""
        self.request_period(next_period(self.period))
