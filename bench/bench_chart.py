"""Benchmark: one repaint of the price chart, against a stock Sparkline of the same data.

The chart (`ui/widgets/price_chart.py`) is mounted alone, headless, at the size it has in
the app (64x9 with its border); each sample moves the market list's last price (so the
series changes and nothing is reused) and times, on the event loop, `PriceChart.show` plus
rendering every line of its canvas: what one store update costs the chart. The comparison
is the chart it replaced, a `textual.widgets.Sparkline` of the same closes at the same size,
given new data and rendered.

Run: `python -m bench.bench_chart [--candles 168] [--samples 300] [--json FILE] [--quick]`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Sparkline

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import PriceHistory, PricePoint
from kalshi_tui.domain.store import Health, Snapshot
from kalshi_tui.ui.widgets.price_chart import ChartCanvas, PriceChart

NOW = 1_800_000_000
TICKER = "KXBENCH-1"
TARGET_MS = 10.0
"""A repaint budget: ten store updates a second must leave the loop nearly idle."""


class Host(App[None]):
    CSS = "PriceChart { width: 64; height: 9; } Sparkline { width: 60; height: 5; }"

    def compose(self) -> ComposeResult:
        yield PriceChart()
        yield Sparkline([])


def make_snapshot(candles: int) -> Snapshot:
    points = tuple(
        PricePoint(
            ts=NOW - (candles - i) * 3600,
            price=Decimal(20 + (i * 37) % 50) / 100,
            volume=Decimal((i * 13) % 97),
        )
        for i in range(candles)
    )
    market = MarketSummary(
        ticker=TICKER,
        event_ticker="EV",
        series_ticker="SER",
        title="bench",
        status="active",
        yes_bid=Decimal("0.20"),
        yes_ask=Decimal("0.22"),
        last_price=Decimal("0.21"),
        previous_price=None,
        volume=Decimal(0),
        volume_24h=Decimal(0),
        open_interest=Decimal(0),
        close_time=datetime(2027, 1, 1, tzinfo=UTC),
    )
    return Snapshot(
        selected=TICKER,
        history=PriceHistory(TICKER, 60, points),
        history_period=60,
        markets=(market,),
        markets_by_ticker=MappingProxyType({TICKER: market}),
        health=MappingProxyType(
            {"history": Health(interval=1.0, stale_after=1e12, last_success=float(NOW))}
        ),
    )


def timed(samples: int, step: Callable[[int], object]) -> list[float]:
    values = []
    for i in range(samples):
        start = time.perf_counter()
        step(i)
        values.append((time.perf_counter() - start) * 1000)
    return values


async def measure(candles: int, samples: int) -> tuple[list[float], list[float]]:
    app = Host()
    snapshot = make_snapshot(candles)
    market = snapshot.markets[0]
    async with app.run_test(size=(80, 30), headless=True) as pilot:
        await pilot.pause()
        chart = app.query_one(PriceChart)
        canvas = chart.query_one(ChartCanvas)
        sparkline = app.query_one(Sparkline)

        def chart_step(i: int) -> None:
            moved = replace(market, last_price=Decimal(10 + i % 80) / 100)
            state = replace(
                snapshot, markets=(moved,), markets_by_ticker=MappingProxyType({TICKER: moved})
            )
            chart.show(state, float(NOW))
            width, height = canvas.size
            canvas.render_lines(Region(0, 0, width, height))

        assert snapshot.history is not None
        closes = [float(p.price or 0) for p in snapshot.history.points]

        def sparkline_step(i: int) -> None:
            sparkline.data = [*closes[:-1], (10 + i % 80) / 100]
            width, height = sparkline.size
            sparkline.render_lines(Region(0, 0, width, height))

        chart_step(0)
        await pilot.pause()
        ours = timed(samples, chart_step)
        theirs = timed(samples, sparkline_step)
    return ours, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candles", type=int, default=168, help="168 = one week of 1h candles")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 30 samples")
    args = parser.parse_args()
    if args.quick:
        args.samples = 30
    rows = []
    for candles in (args.candles, 1440):
        ours, theirs = asyncio.run(measure(candles, args.samples))
        print(
            f"{candles:>5} candles: chart repaint median {statistics.median(ours):.3f} ms, "
            f"max {max(ours):.3f} ms; Sparkline median {statistics.median(theirs):.3f} ms"
        )
        rows.append(
            results_row(
                "chart",
                f"repaint_{candles}_candles",
                ours,
                "ms",
                comparison="stock Sparkline, same data and size",
                comparison_samples=theirs,
                target=f"p95 < {TARGET_MS:g}",
            )
        )
    write_results(args.json, "chart", vars(args), rows)


if __name__ == "__main__":
    main()
