"""Benchmark: the market list at 1,000 / 10,000 / 20,000 markets.

Compares `MarketTable` (line API, renders only visible rows) with the obvious
implementation, a stock Textual `DataTable` that is cleared and refilled on every
change, measured in the same run on the same synthetic markets.

Run: `python -m bench.bench_market_list` (add `--help` for options).

Each (implementation, size, repetition) runs in a fresh subprocess so resident
memory is not polluted by earlier runs. Inside a child, a headless app (200x60)
holds a filter `Input` above the table, and we measure:

* first paint: `set_markets` (or `add_row` x N) until the first frame that paints
  the table with rows in it;
* keystroke: a key event sent through the driver (as a terminal would) until the
  last frame that repaints the table, i.e. the repainted screen;
* price refresh: a full refresh (same tickers, about 30 % of quotes and volumes
  changed, sorted by volume so the order really changes) until the last repaint;
* stall: a 5 ms asyncio heartbeat records how late it wakes, and the worst
  lateness during each operation is the longest time a key press would wait;
* memory: peak resident set size (ru_maxrss) of the child process.

"Painted" is timed by wrapping the table's `render_lines`, which the compositor
calls once per frame for each widget it repaints; the timestamp is taken when
that call returns. An operation is settled once no frame has painted the table
for 150 ms. Frames are driven by Textual's own screen timer, never forced, so
the figures include the frame scheduling a user would see.

Both implementations filter and sort through the same `MarketView`, so the
comparison isolates the widget. The DataTable is only run for a few operations
at 10k and 20k rows because each takes seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable, Input

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.market_view import MarketView, SortKey
from kalshi_tui.ui.widgets.market_cells import (
    clean_text,
    format_change,
    format_close,
    format_price,
    format_volume,
)
from kalshi_tui.ui.widgets.market_table import MarketTable

SCREEN = (200, 60)
SIZES = (1_000, 10_000, 20_000)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
QUIET_S = 0.15
"""An operation is settled when the table has not been painted for this long."""

# Typing "bitc" then deleting it: results go 20k -> fewer -> back to everything.
KEYSTROKES: tuple[tuple[str, str], ...] = (
    ("b", "b"),
    ("i", "bi"),
    ("t", "bit"),
    ("c", "bitc"),
    ("backspace", "bit"),
    ("backspace", "bi"),
    ("backspace", "b"),
    ("backspace", ""),
)

_SERIES: tuple[tuple[str, str], ...] = (
    ("KXBTCD", "Bitcoin price above ${strike:,} at 5pm EST on {day}?"),
    ("KXETHD", "Ethereum price above ${strike:,} on {day}?"),
    ("KXHIGHNY", "Highest temperature in NYC on {day}: {strike}° or above?"),
    ("KXFEDDECISION", "Fed upper bound at or above {strike} bps after the {day} meeting?"),
    ("KXNBAGAME", "[NBA] Team {strike} to win on {day}?"),
    ("KXINXU", "S&P 500 above {strike:,} at the close on {day}?"),
    ("KXMENTION", "Will the Fed chair say 'tariff' {strike}+ times on {day}? [live]"),
    ("KXGDP", "US real GDP growth above {strike} bps in the {day} release?"),
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


# --------------------------------------------------------------------- data


def _price(rng: random.Random) -> Decimal | None:
    roll = rng.random()
    if roll < 0.08:
        return None
    if roll < 0.13:
        # Sub-cent prices exist on some markets.
        return Decimal(rng.randint(1, 9999)) / Decimal(10_000)
    return Decimal(rng.randint(1, 99)) / Decimal(100)


def make_markets(count: int, seed: int) -> list[MarketSummary]:
    """`count` Kalshi-like markets: series x daily events x strikes."""
    rng = random.Random(seed)
    markets = []
    for i in range(count):
        series, template = _SERIES[i % len(_SERIES)]
        day = 1 + (i // len(_SERIES)) % 28
        month = _MONTHS[(i // (len(_SERIES) * 28)) % 12]
        event = f"{series}-26{month}{day:02d}"
        strike = 1000 + i
        title = template.format(strike=strike, day=f"{month.title()} {day}")
        markets.append(
            MarketSummary(
                ticker=f"{event}-T{strike}",
                event_ticker=event,
                series_ticker=series,
                title=title,
                status="active" if rng.random() > 0.03 else "closed",
                yes_bid=_price(rng),
                yes_ask=_price(rng),
                last_price=_price(rng),
                previous_price=_price(rng),
                volume=Decimal(int(rng.paretovariate(1.2) * 100)),
                volume_24h=Decimal(rng.randint(0, 5000)),
                open_interest=Decimal(rng.randint(0, 5000)),
                close_time=NOW + timedelta(minutes=rng.randint(-600, 60 * 24 * 90)),
            )
        )
    return markets


def refreshed(markets: Sequence[MarketSummary], rng: random.Random) -> list[MarketSummary]:
    """A poller refresh: new objects for ~30 % of markets, new quotes and volumes."""
    out = list(markets)
    for i in rng.sample(range(len(out)), k=len(out) * 3 // 10):
        m = out[i]
        out[i] = replace(
            m,
            yes_bid=_price(rng),
            yes_ask=_price(rng),
            last_price=_price(rng),
            volume=m.volume + rng.randint(1, 50),
        )
    return out


# ------------------------------------------------------------------- probes


class Heartbeat:
    """A 5 ms asyncio heartbeat recording how late it wakes (= event-loop stall)."""

    PERIOD_S = 0.005

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def reset(self) -> None:
        self.worst = 0.0

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.PERIOD_S)
            late = time.perf_counter() - before - self.PERIOD_S
            self.worst = max(self.worst, late)


class GcProbe:
    """Total time spent in the cyclic garbage collector, via `gc.callbacks`.

    Collections of the oldest generation can take tens of milliseconds with a
    large heap; counting them separately shows how much of a stall is the GC's.
    """

    def __init__(self) -> None:
        self.total_s = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total_s += time.perf_counter() - self._started


class PaintProbe:
    """Records every frame in which the compositor repaints `widget`.

    For each frame: wall time and thread CPU time when `render_lines` returned,
    whether the table had rows, and a fingerprint of the painted text. Textual
    often paints a widget again a few frames after a change (layout, scrollbars)
    with identical content, so "repainted" is the first frame whose content equals
    what the screen finally settles on, not the last frame.
    """

    def __init__(self, widget: Widget, has_rows: Callable[[], bool]) -> None:
        self.paints: list[tuple[float, float, bool, int]] = []
        original = widget.render_lines

        def render_lines(crop: Region) -> list[Strip]:
            strips = original(crop)
            wall, cpu = time.perf_counter(), time.thread_time()
            fingerprint = hash((crop, tuple(strip.text for strip in strips)))
            self.paints.append((wall, cpu, has_rows(), fingerprint))
            return strips

        widget.render_lines = render_lines  # type: ignore[method-assign]

    @property
    def last(self) -> float:
        return self.paints[-1][0] if self.paints else 0.0

    def first_with_rows_after(self, start: float) -> float:
        return next(wall for wall, _, rows, _ in self.paints if wall >= start and rows)

    def settled_after(self, start: float) -> tuple[float, float]:
        """(wall, cpu) of the first frame after `start` showing the final content."""
        final = self.paints[-1][3]
        return next(
            (wall, cpu)
            for wall, cpu, _, fingerprint in self.paints
            if wall >= start and fingerprint == final
        )


async def settle(probe: PaintProbe, start: float, limit_s: float = 300.0) -> None:
    """Wait until the table was painted after `start` and then stayed quiet."""
    while True:
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        if probe.last >= start and now - probe.last >= QUIET_S:
            return
        if now - start > limit_s:
            raise TimeoutError("the table was never repainted")


# --------------------------------------------------------------- the apps


class ObviousTable(DataTable[Any]):
    """The obvious implementation: a stock DataTable cleared and refilled."""

    def __init__(self) -> None:
        super().__init__(cursor_type="row")
        self.view = MarketView()
        for label, key in (
            ("★", "fav"),
            ("Ticker", "ticker"),
            ("Title", "title"),
            ("Bid", "bid"),
            ("Ask", "ask"),
            ("Last", "last"),
            ("Chg", "chg"),
            ("Vol", "vol"),
            ("Close", "close"),
        ):
            self.add_column(label, key=key)

    def refill(self) -> None:
        selected = self.view.selected_ticker
        self.clear()
        markets = self.view.markets
        for entry in self.view.rows:
            m = markets[entry]
            self.add_row(
                " ",
                m.ticker,
                # Titles contain "[": wrap them so they are not parsed as markup.
                Text(clean_text(m.title)),
                format_price(m.yes_bid),
                format_price(m.yes_ask),
                format_price(m.last_price),
                format_change(m.change),
                format_volume(m.volume),
                format_close(m, NOW),
                key=m.ticker,
            )
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))

    def set_markets(self, markets: Sequence[MarketSummary]) -> None:
        self.view.set_markets(markets)
        self.refill()

    def set_filter(self, text: str) -> None:
        self.view.set_filter(text)
        self.refill()

    def set_sort(self, key: SortKey, descending: bool) -> None:
        self.view.set_sort(key, descending)
        self.refill()


class BenchApp(App[None]):
    """A filter Input above the table under test."""

    CSS = """
    MarketTable, ObviousTable { height: 1fr; }
    """

    def __init__(self, impl: str) -> None:
        super().__init__()
        self.impl = impl

    def compose(self) -> ComposeResult:
        yield Input(id="filter")
        yield MarketTable(clock=lambda: NOW) if self.impl == "line" else ObviousTable()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @property
    def table(self) -> MarketTable | ObviousTable:
        if self.impl == "line":
            return self.query_one(MarketTable)
        return self.query_one(ObviousTable)


def _rows_present(table: MarketTable | ObviousTable) -> Callable[[], bool]:
    if isinstance(table, MarketTable):
        return lambda: len(table.view.rows) > 0
    return lambda: table.row_count > 0


def _send_key(app: App[None], key: str) -> None:
    """Deliver a key the way the terminal driver does, without Pilot's idle waits."""
    char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run_child(
    impl: str, count: int, seed: int, keystrokes: int, refreshes: int
) -> dict[str, Any]:
    """One configuration in this (fresh) process; returns the measurements."""
    markets = make_markets(count, seed)
    rng = random.Random(seed + 1)
    result: dict[str, Any] = {
        "impl": impl,
        "count": count,
        "rss_data_mib": _rss_mib(),
        "load_start": os.getloadavg()[0],
    }
    app = BenchApp(impl)
    async with app.run_test(size=SCREEN) as pilot:
        await pilot.pause()
        table = app.table
        probe = PaintProbe(table, _rows_present(table))
        heartbeat = Heartbeat()
        heartbeat.start()
        collector = GcProbe()
        # Sort by volume so price refreshes really reorder the list.
        table.set_sort(SortKey.VOLUME, True)
        await pilot.pause()

        heartbeat.reset()
        start = time.perf_counter()
        table.set_markets(markets)
        sync_done = time.perf_counter()
        await settle(probe, start)
        result["first_paint_ms"] = (probe.first_with_rows_after(start) - start) * 1000
        result["first_paint_sync_ms"] = (sync_done - start) * 1000
        result["first_paint_stall_ms"] = heartbeat.worst * 1000

        refresh_ms: list[float] = []
        refresh_cpu: list[float] = []
        refresh_stall: list[float] = []
        refresh_gc: list[float] = []
        # Keep only what an app would hold: the table's markets, not the original list.
        current = markets
        del markets
        for _ in range(refreshes):
            current = refreshed(current, rng)
            await asyncio.sleep(0.05)
            heartbeat.reset()
            gc_start = collector.total_s
            start, cpu_start = time.perf_counter(), time.thread_time()
            table.set_markets(current)
            await settle(probe, start)
            wall, cpu = probe.settled_after(start)
            refresh_ms.append((wall - start) * 1000)
            refresh_cpu.append((cpu - cpu_start) * 1000)
            refresh_stall.append(heartbeat.worst * 1000)
            refresh_gc.append((collector.total_s - gc_start) * 1000)
        result["refresh_ms"] = refresh_ms
        result["refresh_cpu_ms"] = refresh_cpu
        result["refresh_stall_ms"] = refresh_stall
        result["refresh_gc_ms"] = refresh_gc

        filter_input = app.query_one(Input)
        filter_input.focus()
        await pilot.pause()
        key_ms: list[float] = []
        key_cpu: list[float] = []
        key_stall: list[float] = []
        key_index: list[int] = []
        key_matches: list[int] = []
        key_gc: list[float] = []
        for n in range(keystrokes):
            key, expected = KEYSTROKES[n % len(KEYSTROKES)]
            await asyncio.sleep(0.05)
            heartbeat.reset()
            gc_start = collector.total_s
            start, cpu_start = time.perf_counter(), time.thread_time()
            _send_key(app, key)
            await settle(probe, start)
            assert filter_input.value == expected, (filter_input.value, expected)
            wall, cpu = probe.settled_after(start)
            key_ms.append((wall - start) * 1000)
            key_cpu.append((cpu - cpu_start) * 1000)
            key_stall.append(heartbeat.worst * 1000)
            key_gc.append((collector.total_s - gc_start) * 1000)
            key_index.append(n % len(KEYSTROKES))
            key_matches.append(len(table.view.rows))
        result["key_ms"] = key_ms
        result["key_cpu_ms"] = key_cpu
        result["key_stall_ms"] = key_stall
        result["key_index"] = key_index
        result["key_matches"] = key_matches
        result["key_gc_ms"] = key_gc
        heartbeat.stop()
    result["rss_end_mib"] = _rss_mib()
    result["rss_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["load_end"] = os.getloadavg()[0]
    return result


# ------------------------------------------------------------------ parent


def _plan(impl: str, count: int, runs: int) -> tuple[int, int, int]:
    """(processes, keystrokes, refreshes) for one configuration."""
    if impl == "line":
        return runs, len(KEYSTROKES) * 3, 10
    # The DataTable takes seconds per operation at scale: it is the comparison.
    if count <= 1_000:
        return runs, len(KEYSTROKES), 3
    return 1, 2, 1


def _spawn(impl: str, count: int, seed: int, keystrokes: int, refreshes: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "bench.bench_market_list",
        "--child",
        impl,
        str(count),
        str(seed),
        str(keystrokes),
        str(refreshes),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{impl} {count} failed:\n{done.stdout}\n{done.stderr}")
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith("RESULT "))
    result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return result


def _p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _stats(values: Sequence[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):,.1f} / {_p95(values):,.1f} / {max(values):,.1f}"


def _collect(results: list[dict[str, Any]], field: str) -> list[float]:
    out: list[float] = []
    for r in results:
        value = r[field]
        out.extend(value if isinstance(value, list) else [value])
    return out


METRICS: tuple[tuple[str, str], ...] = (
    ("first paint ms", "first_paint_ms"),
    ("first paint: worst stall ms", "first_paint_stall_ms"),
    ("keystroke -> repainted ms", "key_ms"),
    ("keystroke: CPU ms", "key_cpu_ms"),
    ("keystroke: worst stall ms", "key_stall_ms"),
    ("keystroke: GC ms", "key_gc_ms"),
    ("price refresh -> repainted ms", "refresh_ms"),
    ("price refresh: CPU ms", "refresh_cpu_ms"),
    ("price refresh: worst stall ms", "refresh_stall_ms"),
    ("price refresh: GC ms", "refresh_gc_ms"),
    ("peak RSS MiB", "rss_peak_mib"),
)
_KEY_FIELDS = {"key_ms", "key_cpu_ms", "key_stall_ms", "key_gc_ms"}


def _values(results: list[dict[str, Any]], field: str, keys: set[int] | None = None) -> list[float]:
    """Every sample of `field`; for keystroke fields only the keystrokes in `keys`."""
    if field in _KEY_FIELDS and keys is not None:
        return [
            value
            for r in results
            for value, index in zip(r[field], r["key_index"], strict=True)
            if index in keys
        ]
    return _collect(results, field)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(results: dict[tuple[str, int], list[dict[str, Any]]], sizes: Sequence[int]) -> str:
    """The comparison as Markdown tables."""
    out = [
        "| markets | metric | MarketTable median / p95 / max | n "
        "| DataTable median / p95 / max | n | DataTable / MarketTable |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for count in sizes:
        line, table = results[("line", count)], results[("datatable", count)]
        # The DataTable runs fewer keystrokes at scale: compare like with like.
        common = {i for r in table for i in r["key_index"]}
        for label, field in METRICS:
            a, b = _values(line, field), _values(table, field)
            ratio = _median(b) / max(_median(_values(line, field, common)), 1e-9)
            out.append(
                f"| {count:,} | {label} | {_stats(a)} | {len(a)} | {_stats(b)} | {len(b)} "
                f"| {ratio:,.1f}x |"
            )
    if len(sizes) >= 3:
        small, mid, big = sizes[0], sizes[1], sizes[2]
        out += [
            "",
            f"Growth of the median with the number of markets ({small:,} -> {mid:,} -> {big:,}):",
            "",
            "| metric | MarketTable mid/small | MarketTable big/mid "
            "| DataTable mid/small | DataTable big/mid |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, field in METRICS:
            cells = []
            for impl in ("line", "datatable"):
                # The same keystrokes at every size, so growth compares like with like.
                keys = {i for r in results[(impl, big)] for i in r["key_index"]}
                med = {c: _median(_values(results[(impl, c)], field, keys)) for c in sizes[:3]}
                cells.append(f"{med[mid] / max(med[small], 1e-9):.2f}x")
                cells.append(f"{med[big] / max(med[mid], 1e-9):.2f}x")
            out.append(f"| {label} | {' | '.join(cells)} |")
        out += ["", f"MarketTable growth {small:,} -> {big:,} against linear ({big / small:g}x):"]
        for r in rows(results, sizes):
            if r["metric"].startswith("growth_"):
                verdict = "ok" if r["met"] else "WORSE THAN LINEAR"
                out.append(
                    f"  {r['metric']}: {r['median']:.2f}x vs {r['comparison_median']:g}x {verdict}"
                )
    loads = [r[k] for rs in results.values() for r in rs for k in ("load_start", "load_end")]
    out += ["", f"1-minute load average during the children: {min(loads):.2f} - {max(loads):.2f}"]
    return "\n".join(out)


def targets(results: list[dict[str, Any]]) -> str:
    """MarketTable at the largest size against the targets, by p95 and by max."""
    checks = (
        ("keystroke -> repainted < 50 ms", "key_ms", 50.0),
        ("price refresh -> repainted < 100 ms", "refresh_ms", 100.0),
        ("keystroke stall < 50 ms", "key_stall_ms", 50.0),
        ("price refresh stall < 50 ms", "refresh_stall_ms", 50.0),
        ("first paint stall < 50 ms", "first_paint_stall_ms", 50.0),
        ("peak RSS < 300 MiB", "rss_peak_mib", 300.0),
    )
    lines = ["| target | median | p95 | max | met at p95 |", "|---|---:|---:|---:|---|"]
    for label, field, limit in checks:
        values = _collect(results, field)
        p95 = _p95(values)
        lines.append(
            f"| {label} | {_median(values):,.1f} | {p95:,.1f} | {max(values):,.1f} "
            f"| {'yes' if p95 < limit else 'NO'} |"
        )
    return "\n".join(lines)


# (metric id, field, unit, target at the largest size)
ROW_METRICS: tuple[tuple[str, str, str, str | None], ...] = (
    ("first_paint", "first_paint_ms", "ms", None),
    ("first_paint_stall", "first_paint_stall_ms", "ms", "p95 < 50"),
    ("keystroke_repaint", "key_ms", "ms", "p95 < 50"),
    ("keystroke_stall", "key_stall_ms", "ms", "p95 < 50"),
    ("refresh_repaint", "refresh_ms", "ms", "p95 < 100"),
    ("refresh_stall", "refresh_stall_ms", "ms", "p95 < 50"),
    ("peak_rss", "rss_peak_mib", "MiB", "max < 300"),
)
GROWTH_METRICS = ("key_ms", "refresh_ms", "first_paint_ms")


def rows(
    results: dict[tuple[str, int], list[dict[str, Any]]], sizes: Sequence[int]
) -> list[dict[str, Any]]:
    """The common rows (bench/results.py): MarketTable next to the DataTable, per size,
    then the growth factor from the smallest to the largest size against linear."""
    out: list[dict[str, Any]] = []
    biggest = max(sizes)
    for count in sizes:
        line = results[("line", count)]
        table = results.get(("datatable", count), [])
        common = {i for r in table for i in r["key_index"]} or None
        for metric, field, unit, target in ROW_METRICS:
            # The DataTable runs fewer keystrokes at scale: its median is compared with ours
            # over the same keystrokes.
            ours = _values(line, field)
            theirs = _values(table, field) if table else []
            out.append(
                results_row(
                    "market_list",
                    f"{metric}@{count}",
                    ours,
                    unit,
                    comparison="DataTable" if theirs else None,
                    comparison_samples=theirs or None,
                    target=target if count == biggest else None,
                )
            )
            if theirs and field in _KEY_FIELDS and common is not None:
                same = _values(line, field, common)
                out[-1]["ratio"] = round(_median(same) / max(_median(theirs), 1e-9), 4)
    if len(sizes) >= 2:
        small, big = min(sizes), biggest
        factor = big / small
        for field in GROWTH_METRICS:
            keys = {i for r in results[("line", big)] for i in r["key_index"]}
            med = {c: _median(_values(results[("line", c)], field, keys)) for c in (small, big)}
            growth = med[big] / max(med[small], 1e-9)
            label = field.removesuffix("_ms")
            out.append(
                results_row(
                    "market_list",
                    f"growth_{label}_{small}_to_{big}",
                    [growth],
                    "x",
                    comparison=f"linear ({factor:g}x)",
                    comparison_samples=[factor],
                    target="ratio <= 1",
                )
            )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per configuration")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--raw-json", help="also write every raw measurement to this file")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 200 and 800 markets, one process each"
    )
    parser.add_argument("--only", choices=("line", "datatable"), help="run one implementation")
    parser.add_argument("--child", nargs=5, metavar=("IMPL", "N", "SEED", "KEYS", "REFRESHES"))
    args = parser.parse_args(argv)

    if args.child:
        impl, count, seed, keys, refreshes = args.child
        result = asyncio.run(run_child(impl, int(count), int(seed), int(keys), int(refreshes)))
        print("RESULT " + json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    if args.quick:
        sizes, args.runs = [200, 800], 1
    impls = [args.only] if args.only else ["line", "datatable"]
    all_results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for count in sizes:
        for impl in impls:
            processes, keys, refreshes = _plan(impl, count, args.runs)
            if args.quick:
                keys, refreshes = 2, 1
            for run in range(processes):
                began = time.perf_counter()
                result = _spawn(impl, count, seed=run, keystrokes=keys, refreshes=refreshes)
                all_results.setdefault((impl, count), []).append(result)
                print(
                    f"# {impl:9} {count:>6,} run {run + 1}/{processes}: "
                    f"first paint {result['first_paint_ms']:,.0f} ms, "
                    f"key median {statistics.median(result['key_ms']):,.1f} ms, "
                    f"refresh median {statistics.median(result['refresh_ms']):,.1f} ms, "
                    f"peak RSS {result['rss_peak_mib']:.0f} MiB "
                    f"({time.perf_counter() - began:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
    if args.raw_json:
        with open(args.raw_json, "w", encoding="utf-8") as out:
            json.dump({f"{i}:{c}": r for (i, c), r in all_results.items()}, out, indent=1)
    if args.json:
        params = {"sizes": sizes, "runs": args.runs, "quick": args.quick, "screen": SCREEN}
        write_results(args.json, "market_list", params, rows(all_results, sizes))
    if len(impls) == 2:
        print(report(all_results, sizes))
        print()
    for (impl, count), results in all_results.items():
        if impl == "line" and count == max(sizes):
            print(f"MarketTable at {count:,} markets against the targets:")
            print()
            print(targets(results))
        elif len(impls) == 1:
            print(
                f"{impl} {count:,}: "
                + "; ".join(
                    f"{label} {_stats(_collect(results, field))}" for label, field in METRICS
                )
            )


if __name__ == "__main__":
    main()
