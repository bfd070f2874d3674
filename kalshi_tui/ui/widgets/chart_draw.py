"""The price chart's drawing, as plain text runs: no Textual, so it is unit tested alone.

`draw(series, width, height)` lays out, top to bottom:

* price rows (all but the last two): a bar per column in eighth blocks between the lowest
  and the highest price shown, the price axis on the left (highest price on the top row,
  lowest on the bottom price row) and the last price marked on the right (`◀ 21¢`) on the
  row it reaches, its column drawn in the `last` role;
* a volume row: traded contracts per column, scaled to the largest, in eighth blocks,
  with the largest volume on the right;
* a time axis: the first and last candle's times (and one in the middle when it fits).

A candle without trades draws no bar (its volume is 0): the chart never invents a price.
With more candles than columns, a column shows the last close of its candles (none when
none traded) and the sum of their volumes; with fewer, candles take one column each,
right-aligned so the latest is always at the right edge next to its price mark.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kalshi_tui.domain import format as fmt
from kalshi_tui.ui.widgets.market_cells import format_volume

Role = Literal["axis", "bar", "last", "volume", "text"]
Run = tuple[str, Role]
Row = list[Run]

_BLOCKS = " ▁▂▃▄▅▆▇█"
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Series:
    """What the chart plots: closes, volumes and times, oldest first. A candle without
    trades has no close (None) and draws nothing: no price is invented for it."""

    prices: tuple[Decimal | None, ...]
    volumes: tuple[Decimal, ...]
    times: tuple[int, ...]
    """Unix seconds at the end of each candle."""
    period_minutes: int

    @property
    def traded(self) -> tuple[Decimal, ...]:
        """The closes of the candles that traded."""
        return tuple(p for p in self.prices if p is not None)


def buckets(series: Series, columns: int) -> tuple[list[Decimal | None], list[Decimal], int, int]:
    """Per-column price (the last close among its candles; None when none traded) and
    volume, and the first and last time shown."""
    n = len(series.prices)
    if n <= columns:
        return list(series.prices), list(series.volumes), series.times[0], series.times[-1]
    prices: list[Decimal | None] = []
    volumes: list[Decimal] = []
    for column in range(columns):
        start, end = column * n // columns, (column + 1) * n // columns
        closes = [p for p in series.prices[start:end] if p is not None]
        prices.append(closes[-1] if closes else None)
        volumes.append(sum(series.volumes[start:end], _ZERO))
    return prices, volumes, series.times[0], series.times[-1]


def _level(value: Decimal, low: Decimal, high: Decimal, levels: int) -> int:
    """Filled eighths (1..levels) of a column showing `value`."""
    if high == low:
        return max(1, levels // 2)
    return 1 + int((value - low) / (high - low) * (levels - 1) + Decimal("0.5"))


def time_label(ts: int, period_minutes: int) -> str:
    """A candle time at the period's resolution, local time."""
    moment = time.localtime(ts)  # local, like the log tail's times
    if period_minutes < 60:
        return time.strftime("%H:%M", moment)
    if period_minutes < 1440:
        return time.strftime("%d %H:%M", moment)
    return time.strftime("%d %b", moment)


def draw(series: Series, width: int, height: int) -> list[Row]:
    """The chart as `height` rows of text runs, each exactly `width` cells."""
    traded = series.traded
    if width <= 0 or height <= 0 or not traded:
        return [[(" " * max(0, width), "text")] for _ in range(max(0, height))]
    price_rows = max(1, height - 2)
    low, high = min(traded), max(traded)
    last = traded[-1]
    axis_labels = (fmt.cents(high), fmt.cents(low))
    left = max(len(label) for label in axis_labels) + 1
    mark = f"◀ {fmt.cents(last)}"
    right = len(mark) + 1
    plot = max(1, width - left - right)
    prices, volumes, first_ts, last_ts = buckets(series, plot)
    pad = plot - len(prices)
    levels = price_rows * 8
    heights = [0 if p is None else _level(p, low, high, levels) for p in prices]
    last_row = price_rows - 1 - (_level(last, low, high, levels) - 1) // 8

    rows: list[Row] = []
    for row in range(price_rows):
        if row == 0:
            axis = axis_labels[0].rjust(left - 1) + "┤"
        elif row == price_rows - 1:
            axis = axis_labels[1].rjust(left - 1) + "┤"
        else:
            axis = " " * (left - 1) + "│"
        base = (price_rows - 1 - row) * 8
        cells = "".join(_BLOCKS[min(8, max(0, h - base))] for h in heights)
        runs: Row = [(axis, "axis"), (" " * pad + cells[:-1], "bar"), (cells[-1], "last")]
        label = " " + mark if row == last_row else ""
        runs.append((label.ljust(right), "last"))
        rows.append(runs)
    if height >= 3:
        most = max(volumes) if volumes else _ZERO
        if most > 0:
            bars = "".join(_BLOCKS[int(v / most * 8 + Decimal("0.5"))] for v in volumes)
        else:
            bars = " " * len(volumes)
        rows.append(
            [
                ("vol".rjust(left - 1) + "│", "axis"),
                (" " * pad + bars, "volume"),
                ((" " + format_volume(most)).ljust(right)[:right], "axis"),
            ]
        )
        rows.append([(" " * left + _time_axis(first_ts, last_ts, series, plot), "axis")])
    if height == 2:
        rows.append([(" " * left + _time_axis(first_ts, last_ts, series, plot), "axis")])
    return [_fit(row, width) for row in rows[:height]]


def _time_axis(first_ts: int, last_ts: int, series: Series, plot: int) -> str:
    start = time_label(first_ts, series.period_minutes)
    end = time_label(last_ts, series.period_minutes)
    if len(start) + len(end) + 1 > plot:
        return end.rjust(plot)[:plot]
    middle_ts = (first_ts + last_ts) // 2
    middle = time_label(middle_ts, series.period_minutes)
    gap = plot - len(start) - len(end)
    if gap >= len(middle) + 4:
        left_gap = (gap - len(middle)) // 2
        return start + " " * left_gap + middle + " " * (gap - len(middle) - left_gap) + end
    return start + " " * gap + end


def _fit(row: Sequence[Run], width: int) -> Row:
    """`row` padded with spaces or cut to exactly `width` cells (all runs are narrow text)."""
    fitted: Row = []
    used = 0
    for text, role in row:
        if used >= width:
            break
        text = text[: width - used]
        fitted.append((text, role))
        used += len(text)
    if used < width:
        fitted.append((" " * (width - used), "text"))
    return fitted
