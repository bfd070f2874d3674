"""Benchmark: the journal at scale — a million fills, start-up, incremental P&L, export.

Run: `python -m bench.bench_journal` (`--fills 100000` for a quicker run, `--help`).

1. Build: a fresh journal receives N synthetic fills (200 markets, random buys and sells of
   YES and NO at cent prices, fees at Kalshi's formula) through `Journal.record_fills` in
   batches of 20,000 — the real write path (dedup lookup, fills and events tables), used
   the way a large history import would use it.
2. Start-up: `Journal.open` of the closed file plus `load_pnl_book` (one streaming pass
   over fills and settlements) — what the app pays before it can show P&L.
3. Update after a new fill, each over 1,000 new fills (median / p95 / max):
   * `apply`: `PnlBook.apply_fill` alone;
   * `apply+value`: that plus revaluing the whole portfolio (`value_book` + `totals` over
     every market at fresh marks) — what the positions pane needs per fill;
   * `journal+apply+value`: also journaling the fill first (`record_fills`, one SQLite
     transaction) — the full path of a fill arriving from the exchange.
   Compared, in the same run, with the non-incremental alternative: rebuilding the book
   from the journal after the fill (timed once; it is the start-up figure again).
4. Export: `kalshi-tui export`'s writer (`kalshi_tui.export.export`) for fills and for the
   event log, rows per second, to a file in the same temporary directory.

Prints one table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import export
from kalshi_tui.domain.fees import trading_fee
from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.pnl_report import local_day_start, totals, value_book
from kalshi_tui.journal import Journal
from kalshi_tui.journal.pnl_source import load_pnl_book

START = datetime(2025, 1, 1, tzinfo=UTC)
MARKETS = [f"KXBENCH-{n:03d}" for n in range(200)]
BATCH = 20_000
UPDATES = 1_000
_CENTS = [Decimal(c) / 100 for c in range(100)]
_COUNTS = [Decimal(n) for n in range(21)]


def synthetic_fills(count: int, seed: int, first_id: int = 0) -> Iterator[Fill]:
    """Fills a second apart, spread over the markets, each side and direction."""
    rng = random.Random(seed)
    for n in range(first_id, first_id + count):
        price = _CENTS[rng.randint(1, 99)]
        contracts = _COUNTS[rng.randint(1, 20)]
        taker = rng.random() < 0.7
        yield Fill(
            fill_id=f"F{n:09d}",
            order_id=f"O{n // 3:09d}",
            ticker=MARKETS[rng.randrange(len(MARKETS))],
            side="yes" if rng.random() < 0.5 else "no",
            action="buy" if rng.random() < 0.55 else "sell",
            count=contracts,
            price=price,
            is_taker=taker,
            fee=trading_fee(contracts, price, taker=taker),
            created_time=START + timedelta(seconds=n),
        )


def batches(fills: Iterator[Fill], size: int) -> Iterator[list[Fill]]:
    batch: list[Fill] = []
    for fill in fills:
        batch.append(fill)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(path: Path, count: int, seed: int) -> float:
    began = time.perf_counter()
    with Journal.open(path) as journal:
        done = 0
        for batch in batches(synthetic_fills(count, seed), BATCH):
            journal.record_fills(batch)
            done += len(batch)
            print(f"\r  building: {done:,} / {count:,} fills", end="", file=sys.stderr)
    print(file=sys.stderr)
    return time.perf_counter() - began


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95, ordered[-1]


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fills", type=int, default=1_000_000, help="fills in the journal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: tmp)")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5,000 fills")
    args = parser.parse_args(argv)
    if args.quick:
        args.fills = 5_000
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        path = Path(scratch) / "journal.sqlite3"
        rows: list[tuple[str, str, str]] = []
        build_s = build(path, args.fills, args.seed)
        size_mb = path.stat().st_size / 1e6
        rows.append(
            (
                f"build {args.fills:,} fills (record_fills, batches of {BATCH:,})",
                f"{build_s:.1f} s",
                f"{args.fills / build_s:,.0f} fills/s, {size_mb:,.0f} MB file",
            )
        )

        day_start = local_day_start(datetime.now(UTC))
        began = time.perf_counter()
        journal = Journal.open(path, create=False)
        opened = time.perf_counter()
        book = load_pnl_book(journal, day_start)
        loaded = time.perf_counter()
        rows.append(("start-up: open journal", f"{(opened - began) * 1e3:.1f} ms", ""))
        figures.append(results_row("journal", "startup_open", [(opened - began) * 1e3], "ms"))
        figures.append(
            results_row(
                "journal", f"startup_load_pnl@{args.fills}", [(loaded - opened) * 1e3], "ms"
            )
        )
        rows.append(
            (
                "start-up: load P&L book (one pass)",
                f"{loaded - opened:.2f} s",
                f"{args.fills / (loaded - opened):,.0f} fills/s, {len(book.markets)} markets, "
                f"{sum(len(m.lots) for m in book):,} open lots",
            )
        )

        rng = random.Random(args.seed + 1)
        marks = {ticker: _CENTS[rng.randint(1, 99)] for ticker in MARKETS}
        fresh = list(synthetic_fills(3 * UPDATES, args.seed + 2, first_id=args.fills))
        # The first two measures time the book alone; their fills are journaled up front
        # (untimed) so that the journal and the book still agree afterwards.
        journal.record_fills(fresh[: 2 * UPDATES])
        new_fills = iter(fresh)

        def apply_only() -> None:
            book.apply_fill(next(new_fills))

        def apply_and_value() -> None:
            book.apply_fill(next(new_fills))
            totals(value_book(book, marks))

        def journal_apply_value() -> None:
            for fill in journal.record_fills([next(new_fills)]):
                book.apply_fill(fill)
            totals(value_book(book, marks))

        updates: list[tuple[str, list[float]]] = []
        for name, action in (
            ("update: apply", apply_only),
            ("update: apply+value", apply_and_value),
            ("update: journal+apply+value", journal_apply_value),
        ):
            samples = timed(action, UPDATES)
            updates.append((name, samples))
            median, p95, worst = percentiles(samples)
            rows.append(
                (
                    f"{name} (n={UPDATES:,})",
                    f"{median * 1e3:.3f} ms",
                    f"p95 {p95 * 1e3:.3f} ms, max {worst * 1e3:.2f} ms",
                )
            )
        began = time.perf_counter()
        rebuilt = load_pnl_book(journal, day_start)
        rebuild_s = time.perf_counter() - began
        assert totals(value_book(rebuilt, marks)) == totals(value_book(book, marks))
        incremental = percentiles(timed(lambda: totals(value_book(book, marks)), 100))[0]
        for name, samples in updates:
            metric = "pnl_" + name.removeprefix("update: ").replace("+", "_")
            figures.append(
                results_row(
                    "journal",
                    metric,
                    [t * 1e3 for t in samples],
                    "ms",
                    comparison="full recompute",
                    comparison_samples=[rebuild_s * 1e3],
                    target="median < 10" if "journal" in name else None,
                )
            )
        rows.append(
            (
                "  vs full recompute after a fill",
                f"{rebuild_s:.2f} s",
                f"incremental is {rebuild_s / max(incremental, 1e-9):,.0f}x faster (same totals)",
            )
        )
        journal.close()

        for kind in ("fills", "events"):
            out = Path(scratch) / f"{kind}.csv"
            began = time.perf_counter()
            written = export.export(path, out, kind, None, None, io.StringIO())
            seconds = time.perf_counter() - began
            figures.append(
                results_row(
                    "journal", f"export_{kind}_rate", [written / seconds], "rows/s", better="higher"
                )
            )
            rows.append(
                (
                    f"export --kind {kind}",
                    f"{seconds:.2f} s",
                    f"{written / seconds:,.0f} rows/s, {written:,} rows, "
                    f"{out.stat().st_size / 1e6:,.0f} MB",
                )
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(("peak resident memory (whole run)", f"{peak:,.0f} MB", ""))
        figures.append(results_row("journal", "peak_rss", [peak], "MiB"))

    width = max(len(row[0]) for row in rows)
    print(f"\njournal benchmark, {args.fills:,} fills (python {sys.version.split()[0]})")
    print(f"{'measure':<{width}}  {'value':>12}  notes")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>12}  {note}")
    write_results(args.json, "journal", {"fills": args.fills, "seed": args.seed}, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
