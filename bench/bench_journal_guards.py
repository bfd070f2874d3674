"""Benchmark: what the journal's guards cost (issue 11).

Run: `python -m bench.bench_journal_guards` (`--rows 50000`, `--dir PATH`, `--json FILE`,
`--quick`, `--help`).

1. Identity file: one `identity.Tracker.record` (the same-sized `pwrite` after each
   durable commit), against `Journal.record_intent` (a durable commit: one fsync).
2. Halt marker: `halt_marker.write` (temporary file, fsync, rename, directory fsync).
3. `PRAGMA quick_check` on a journal with N fill rows (each fill is a fills row and an
   events row), as run by `Journal.open`, and the whole `Journal.open` of that file.

Prints one table. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui.domain.models import Fill
from kalshi_tui.journal import Journal, halt_marker


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


ROWS: list[dict[str, object]] = []


def row(name: str, samples: list[float]) -> str:
    metric = "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
    ROWS.append(results_row("journal_guards", metric, [x * 1e6 for x in samples], "µs"))
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    return f"{name:<42} {median * 1e6:>12.1f} {p99 * 1e6:>12.1f} {len(samples):>7}"


def fills(count: int) -> list[Fill]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Fill(
            fill_id=f"fill-{i}",
            order_id=f"order-{i // 4}",
            ticker=f"KXBENCH-{i % 200}",
            side="yes",
            action="buy",
            count=Decimal(1 + i % 5),
            price=Decimal(1 + i % 98) / 100,
            is_taker=bool(i % 2),
            fee=Decimal("0.01"),
            created_time=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000, help="fills in the journal")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the journal")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 fills, few samples")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    if args.quick:
        args.rows = min(args.rows, 2_000)
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        path = Path(directory) / "journal.sqlite3"
        lines = [f"{'what':<42} {'median µs':>12} {'p99 µs':>12} {'samples':>7}"]
        with Journal.open(path) as journal:
            tracker = journal._identity
            assert tracker is not None
            lines.append(
                row(
                    "identity file update (pwrite)", timed(lambda: tracker.record(1), 5000 // scale)
                )
            )
            counter = iter(range(10**9))

            def intent() -> None:
                journal.record_intent(
                    f"bench-{next(counter)}",
                    ticker="KXBENCH-1",
                    side="yes",
                    action="buy",
                    price=Decimal("0.40"),
                    count=Decimal(1),
                )

            lines.append(row("record_intent (durable commit, fsync)", timed(intent, 500 // scale)))
            data = halt_marker.encode("manual", "bench", datetime.now(UTC))
            lines.append(
                row(
                    "halt marker write (fsync+rename+dir fsync)",
                    timed(lambda: halt_marker.write(path, data), 200 // scale),
                )
            )
            halt_marker.marker_path(path).unlink()
            batch = fills(args.rows)
            for first in range(0, len(batch), 10_000):
                journal.record_fills(batch[first : first + 10_000])
            size = path.stat().st_size
        opened = Journal.open(path)
        try:
            check = timed(lambda: opened.pragma("quick_check"), 5)
        finally:
            opened.close()
        lines.append(row(f"PRAGMA quick_check, {args.rows:,} fills", check))
        lines.append(
            row(
                "Journal.open, no check (halt, export)",
                timed(lambda: Journal.open(path).close(), 5),
            )
        )
        lines.append(
            row(
                "Journal.open(verify=True) (app start, doctor)",
                timed(lambda: Journal.open(path, verify=True).close(), 5),
            )
        )
        lines.append(f"journal file: {size / 1e6:.1f} MB (before the last checkpoint)")
    print("\n".join(lines))
    params = {"rows": args.rows, "quick": args.quick}
    write_results(args.json, "journal_guards", params, ROWS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
