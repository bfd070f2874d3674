"""The price chart under `run_test()` (issue 15): price and time axes, volume, the last
price marked, and the last equal to the market list's last."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal as D
from types import MappingProxyType

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import PriceHistory, PricePoint
from kalshi_tui.domain.store import Health, Snapshot
from kalshi_tui.ui.widgets.chart_draw import Series, draw
from kalshi_tui.ui.widgets.price_chart import ChartCanvas, PriceChart

NOW = 1_800_000_000
TICKER = "KXTEST-26NOV21-B45"


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Time labels are local; pin the zone so the expected text is the same anywhere."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield PriceChart()

    CSS = "PriceChart { height: 9; width: 64; }"


def history(prices: list[str | None], volumes: list[int]) -> PriceHistory:
    start = NOW - len(prices) * 3600
    return PriceHistory(
        ticker=TICKER,
        period_minutes=60,
        points=tuple(
            PricePoint(ts=start + i * 3600, price=None if p is None else D(p), volume=D(v))
            for i, (p, v) in enumerate(zip(prices, volumes, strict=True))
        ),
    )


def listed(last: str) -> MarketSummary:
    return MarketSummary(
        ticker=TICKER,
        event_ticker="EV",
        series_ticker="SER",
        title="Test",
        status="active",
        yes_bid=D("0.20"),
        yes_ask=D("0.22"),
        last_price=D(last),
        previous_price=None,
        volume=D(0),
        volume_24h=D(0),
        open_interest=D(0),
        close_time=datetime(2027, 1, 1, tzinfo=UTC),
    )


def state(hist: PriceHistory, market: MarketSummary | None) -> Snapshot:
    markets = () if market is None else (market,)
    return Snapshot(
        selected=TICKER,
        history=hist,
        history_period=60,
        markets=markets,
        markets_by_ticker=MappingProxyType({m.ticker: m for m in markets}),
        health=MappingProxyType(
            {"history": Health(interval=1.0, stale_after=60.0, last_success=NOW - 1.0)}
        ),
    )


def canvas_lines(chart: PriceChart) -> list[str]:
    canvas = chart.query_one(ChartCanvas)
    return [canvas.render_line(y).text for y in range(canvas.size.height)]


async def test_chart_has_axes_volume_and_marks_the_lists_last_price() -> None:
    app = Host()
    hist = history([None, "0.15", "0.30", None, "0.12", "0.17"], [0, 10, 40, 0, 5, 20])
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(PriceChart)
        # The candles end at 17¢ while the list already trades at 21¢.
        chart.show(state(hist, listed("0.21")), NOW)
        await pilot.pause()
        stats = str(chart.query_one("#chart-stats", Static).render())
        assert stats.startswith("last 21¢ · min 12¢ · max 30¢")
        lines = canvas_lines(chart)
        canvas = chart.query_one(ChartCanvas)
        assert len(lines) == canvas.size.height == 6
        assert all(len(line) == canvas.size.width for line in lines)
        price_rows, volume_row, time_row = lines[:-2], lines[-2], lines[-1]
        # Price axis: highest price on the top row, lowest on the bottom price row.
        assert price_rows[0].lstrip().startswith("30¢┤")
        assert price_rows[-1].lstrip().startswith("12¢┤")
        # The last price is marked once, on the right, at the list's value.
        marks = [line for line in price_rows if "◀" in line]
        assert len(marks) == 1
        assert marks[0].rstrip().endswith("◀ 21¢")
        # Volume: the 40-contract candle is the tallest bar; its size is labelled.
        assert volume_row.lstrip().startswith("vol│")
        assert "█" in volume_row
        assert volume_row.rstrip().endswith("40")
        # Time axis: first and last candle times (1h candles: day and hour, UTC here).
        first = time.strftime("%d %H:%M", time.gmtime(NOW - 5 * 3600))
        last = time.strftime("%d %H:%M", time.gmtime(NOW - 3600))
        assert time_row.strip().startswith(first)
        assert time_row.rstrip().endswith(last)
        # The list moves on: the chart follows without new candles.
        chart.show(state(hist, listed("0.25")), NOW)
        await pilot.pause()
        assert str(chart.query_one("#chart-stats", Static).render()).startswith("last 25¢")
        assert any(line.rstrip().endswith("◀ 25¢") for line in canvas_lines(chart))


async def test_chart_without_a_listed_quote_uses_the_newest_candle() -> None:
    app = Host()
    hist = history(["0.40", "0.45"], [1, 1])
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(PriceChart)
        chart.show(state(hist, None), NOW)
        await pilot.pause()
        assert any(line.rstrip().endswith("◀ 45¢") for line in canvas_lines(chart))


def test_draw_buckets_many_candles_into_the_columns_and_keeps_every_row_exact() -> None:
    prices = tuple(D(i % 50 + 1) / 100 for i in range(1440))
    series = Series(prices, tuple(D(1) for _ in prices), tuple(range(0, 1440 * 60, 60)), 1)
    for width, height in ((60, 7), (30, 3), (20, 1), (12, 2)):
        rows = draw(series, width, height)
        assert len(rows) == height
        assert all(sum(len(text) for text, _ in row) == width for row in rows)
    flat = Series((D("0.5"),) * 3, (D(0),) * 3, (0, 60, 120), 1)
    rows = draw(flat, 40, 5)
    assert sum("◀ 50¢" in "".join(t for t, _ in row) for row in rows) == 1
    assert fmt.cents(D("0.5")) == "50¢"


async def test_candles_without_trades_draw_nothing_and_never_count_in_min_or_max() -> None:
    """Issue 15: no-volume candles were drawn at 50¢ (an empty book's mid) before the
    market traded at 18–27¢, so the stats said max 50¢."""
    app = Host()
    hist = history([None, None, None, "0.18", None, "0.27", None, "0.20"], [0, 0, 0, 3, 0, 9, 0, 2])
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(PriceChart)
        chart.show(state(hist, None), NOW)
        await pilot.pause()
        stats = str(chart.query_one("#chart-stats", Static).render())
        assert stats.startswith("last 20¢ · min 18¢ · max 27¢ · 8h of 1h · 3/8 traded")
        price_rows = canvas_lines(chart)[:-2]
        left = price_rows[0].index("┤") + 1
        plot = [line[left:] for line in price_rows]
        # From the first trade on, right-aligned: the last 5 columns before the mark.
        width = len(plot[0]) - len("◀ 20¢") - 1
        columns = [[row[width - 5 + i] for row in plot] for i in range(5)]
        assert all(cell == " " for row in plot for cell in row[: width - 5])
        for i in (1, 3):  # the candles without trades
            assert all(cell == " " for cell in columns[i]), (i, columns[i])
        for i in (0, 2, 4):
            assert any(cell != " " for cell in columns[i]), (i, columns[i])


async def test_a_market_that_never_traded_says_so() -> None:
    """Issue 15: a brand-new market charted `last 50¢ · min 50¢ · max 50¢` with solid bars."""
    app = Host()
    hist = history([None] * 168, [0] * 168)
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(PriceChart)
        chart.show(state(hist, None), NOW)
        await pilot.pause()
        assert str(chart.query_one("#chart-stats", Static).render()) == (
            "No trades yet (1h candles)"
        )
        assert chart.query_one(ChartCanvas).series is None
        assert not "".join(canvas_lines(chart)).strip()


def test_periods_longer_than_the_market_are_not_offered_and_the_span_is_what_is_covered() -> None:
    from kalshi_tui.ui.widgets.price_chart import covered_span, next_period

    # A 15-minute market: only 1-minute candles are offered.
    assert next_period(1, 15 * 60) == 1
    assert next_period(60, 15 * 60) == 1
    # Two hours old: 1m → 1h → 1m, never 1d; unknown age: every period.
    assert [next_period(1, 7200), next_period(60, 7200)] == [60, 1]
    assert [next_period(1), next_period(60), next_period(1440)] == [60, 1440, 1]
    # One daily candle of a market opened 15 minutes ago covers 15 minutes, not 1d.
    day = PriceHistory(TICKER, 1440, (PricePoint(ts=NOW + 3600, price=D("0.3"), volume=D(1)),))
    assert covered_span(day, NOW - 900, NOW) == 900
