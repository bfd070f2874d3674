"""Price history of the selected market: price and time axes, the last price marked,
volume per candle, and a stats line: last, min and max (of trades only), the span the
candles cover and their period, and how many of them traded ("6d of 1h · 35/168 traded").

The last price is the market list's (`MarketSummary.last_price` of the selected market,
the same value its Last column shows): it is the close of the newest candle on the
chart and in the stats line, so the chart never lags the list while the candles are
polled less often. Without a quote in the list the newest candle's close is used.

Drawing (`chart_draw.draw`) is plain text runs computed once per change of data or
size and cached as strips, so a repaint costs a few lines of segments.

The chart draws `snapshot.history` only when it belongs to the selected market
and to the period currently chosen (`snapshot.history_period`): a late response
for a previous market or period is never drawn as the current one. Candles with
no trade draw nothing (Kalshi sends their prices as null): no price is invented, and
min, max and last come from trades only ("No trades yet" when none traded). The
candles start when the market opened, never before (`services/feeds.history`).

The period (1-minute, 1-hour or 1-day candles) is the app's state, not the
chart's: the `p` key (binding id `chart.period`) and `request_period` only post
`PriceChart.PeriodChanged(minutes)`; the app updates the store and the next
`show` draws the new period.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import PriceHistory
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.ui.widgets.chart_draw import Role, Series, draw
from kalshi_tui.ui.widgets.feed_state import apply_feed_state, feed_staleness

FEED = "history"
"""Health key of the poller that feeds this pane."""

PERIODS: tuple[int, ...] = (1, 60, 1440)
"""Candle periods Kalshi serves, in minutes."""

PERIOD_NAMES = {1: "1m", 60: "1h", 1440: "1d"}
"""Short names of the periods for the title and stats line."""


def next_period(current: int, age_seconds: float | None = None) -> int:
    """The period after `current` in `PERIODS`, wrapping around; with the market's age,
    a period longer than the market has existed is skipped (1m is always offered)."""
    offered = tuple(
        p for p in PERIODS if p == PERIODS[0] or age_seconds is None or p * 60 <= age_seconds
    )
    if current not in offered:
        later = [p for p in offered if p > current]
        return later[0] if later else offered[0]
    return offered[(offered.index(current) + 1) % len(offered)]


def covered_span(history: PriceHistory, open_ts: float | None, now: float) -> float:
    """Seconds the candles cover: from the first candle's start (not before the market
    opened) to the last one's end (not after now)."""
    start = history.points[0].ts - history.period_minutes * 60
    if open_ts is not None:
        start = max(start, int(open_ts))
    return max(0.0, min(history.points[-1].ts, now) - start)


def chart_series(history: PriceHistory, live_last: Decimal | None) -> Series | None:
    """The plotted series from the first candle that traded: each candle's traded close
    (None when nothing traded: drawn as nothing), its volume and time; None when no
    candle traded. The newest traded close is
    the market list's last price when it has one (the list is polled more often)."""
    first = next((i for i, p in enumerate(history.points) if p.price is not None), None)
    if first is None:
        return None
    points = history.points[first:]  # the time before the first trade is not drawn
    prices: list[Decimal | None] = [point.price for point in points]
    if live_last is not None:
        newest = max(i for i, price in enumerate(prices) if price is not None)
        prices[newest] = live_last
    return Series(
        tuple(prices),
        tuple(point.volume for point in points),
        tuple(point.ts for point in points),
        history.period_minutes,
    )


class ChartCanvas(Widget):
    """Draws a `Series` (see `chart_draw`); strips are cached per series and size."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chart-canvas--axis",
        "chart-canvas--bar",
        "chart-canvas--last",
        "chart-canvas--volume",
    }

    DEFAULT_CSS = """
    ChartCanvas { height: 1fr; }
    ChartCanvas > .chart-canvas--axis { color: $text-muted; }
    ChartCanvas > .chart-canvas--bar { color: $primary; }
    ChartCanvas > .chart-canvas--last { color: $accent; text-style: bold; }
    ChartCanvas > .chart-canvas--volume { color: $secondary; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: Series | None = None
        self._strips: tuple[object, list[Strip]] | None = None

    def set_series(self, series: Series | None) -> None:
        if series != self.series:
            self.series = series
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        key = (self.series, width, height)
        if self._strips is None or self._strips[0] != key:
            self._strips = (key, self._draw(width, height))
        strips = self._strips[1]
        return strips[y] if 0 <= y < len(strips) else Strip.blank(width, self.rich_style)

    def _draw(self, width: int, height: int) -> list[Strip]:
        base = self.rich_style
        if self.series is None:
            return [Strip.blank(width, base) for _ in range(height)]
        styles: dict[Role, Style] = {
            "axis": base + self.get_component_rich_style("chart-canvas--axis", partial=True),
            "bar": base + self.get_component_rich_style("chart-canvas--bar", partial=True),
            "last": base + self.get_component_rich_style("chart-canvas--last", partial=True),
            "volume": base + self.get_component_rich_style("chart-canvas--volume", partial=True),
            "text": base,
        }
        return [
            Strip([Segment(text, styles[role]) for text, role in row], width)
            for row in draw(self.series, width, height)
        ]


class PriceChart(Widget, can_focus=True):
    """Price history chart. Call `show(snapshot, now)` on store changes."""

    BINDING_GROUP_TITLE = "Price chart"

    SNAPSHOT_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"selected", "history", "history_period", "health", "markets"}
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
    PriceChart.-stale {
        border: round $foreground 25%;
        color: $text-disabled;
    }
    PriceChart.-stale ChartCanvas > .chart-canvas--bar { color: $text-disabled; }
    PriceChart.-stale ChartCanvas > .chart-canvas--last { color: $text-disabled; }
    PriceChart.-stale ChartCanvas > .chart-canvas--volume { color: $text-disabled; }
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
        self.age: float | None = None
        """Seconds the selected market has been open (None: unknown), for `p`."""
        apply_feed_state(self, "Chart", None)

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-stats")
        yield ChartCanvas(id="chart-line")

    def show(self, snapshot: Snapshot, now: float) -> None:
        """Draw the selected market's history; returns at once if nothing shown changed."""
        ticker = snapshot.selected
        self.period = snapshot.history_period
        history = snapshot.history
        if history is not None and (
            history.ticker != ticker or history.period_minutes != snapshot.history_period
        ):
            history = None
        market = snapshot.market(ticker)
        live_last = None if market is None else market.last_price
        open_ts = None
        if market is not None and market.open_time is not None:
            open_ts = market.open_time.timestamp()
        self.age = None if open_ts is None else max(0.0, now - open_ts)
        stale = feed_staleness(snapshot, FEED, now)
        key = (ticker, history, self.period, stale, live_last)
        if key == self._shown:
            return
        self._shown = key

        period = PERIOD_NAMES.get(self.period, f"{self.period}m")
        title = f"Chart · {period}" if ticker is None else f"Chart · {ticker} · {period}"
        apply_feed_state(self, title, stale)
        stats = self.query_one("#chart-stats", Static)
        series = None if history is None else chart_series(history, live_last)
        if ticker is None:
            stats.update(Content("No market selected"))
        elif history is None:
            stats.update(Content(f"Waiting for {period} history of {ticker}…"))
        elif series is None:
            stats.update(Content(f"No trades yet ({period} candles)"))
        else:
            prices = series.traded
            traded = sum(1 for point in history.points if point.price is not None)
            span = covered_span(history, open_ts, now)
            stats.update(
                Content(
                    f"last {fmt.cents(prices[-1])} · min {fmt.cents(min(prices))}"
                    f" · max {fmt.cents(max(prices))} · {fmt.age(span)} of {period}"
                    f" · {traded}/{len(history.points)} traded"
                )
            )
        self.query_one(ChartCanvas).set_series(series)

    def request_period(self, minutes: int) -> None:
        """Ask the app for another candle period (1, 60 or 1440 minutes)."""
        if minutes not in PERIODS:
            raise ValueError(f"period must be one of {PERIODS}, not {minutes}")
        self.post_message(self.PeriodChanged(minutes))

    def action_next_period(self) -> None:
        """Ask for the period after the one shown."""
        self.request_period(next_period(self.period, self.age))
