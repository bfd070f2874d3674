"""Benchmark: the order service's round trips against the embedded exchange over loopback.

Run: `python -m bench.bench_orders [--orders N]`.

Measures, with a real SQLite journal in a temporary directory and real RSA-PSS signed HTTP:

* submit: `OrderService.submit` from the call to the journaled ack — the pre-trade gate, the
  durable (fsynced) intent, `mark_sent`, the signed POST and `record_ack`;
* of which the durable intent write alone (`Journal.record_intent`);
* cancel: `OrderService.cancel` to the journaled cancel;
* fill poll: one `FillConfirmation.poll()` that finds no new fills (the steady-state cost);
* UNKNOWN resolution: a dropped response resolved by listing, with and without a 1 s
  read-after-write lag on the listings.

Figures are wall-clock milliseconds on this machine; they include the simulator's own
work (it runs in a thread of this process). The client's own rate limiter is off by
default (`--tier basic` turns Kalshi's basic-tier budget back on: 10 writes/s, so a burst
of more than about 20 orders is paced at 100 ms per order by design).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api
from kalshi_tui.journal import IntentRecord, Journal


def _summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"{name:<34} n={len(ms):>4}  p50 {statistics.median(ms):7.2f} ms  "
        f"p95 {p95:7.2f} ms  max {ms[-1]:7.2f} ms"
    )


def _timed_intents(journal: Journal, samples: list[float]) -> Callable[..., IntentRecord]:
    original = journal.record_intent

    def record_intent(*args: Any, **kwargs: Any) -> IntentRecord:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - started)

    return record_intent


# The services tests' rig: exchange on loopback, signed clients, journal, trading services.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "services"))
from trading_rig import make_rig  # noqa: E402


async def main(
    orders: int, tier: str | None, json_path: str | None = None, resolves: int = 3
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        limits = api.RateLimits.unlimited() if tier is None else api.RateLimits.for_tier(tier)  # type: ignore[arg-type]
        rig = await make_rig(Path(directory), rate_limits=limits)
        try:
            rig.open()
            await rig.t.start()
            intent_writes: list[float] = []
            rig.journal.record_intent = _timed_intents(  # type: ignore[method-assign]
                rig.journal, intent_writes
            )
            submits: list[float] = []
            placed: list[IntentRecord] = []
            for i in range(orders):
                draft = rig.draft(f"0.{10 + i % 30}", "1")
                started = time.perf_counter()
                placed.append(await rig.submit(draft))
                submits.append(time.perf_counter() - started)
            cancels: list[float] = []
            for intent in placed:
                assert intent.order_id is not None
                started = time.perf_counter()
                await rig.t.orders.cancel(intent.order_id)
                cancels.append(time.perf_counter() - started)
            polls: list[float] = []
            for _ in range(20):
                started = time.perf_counter()
                await rig.t.fills.poll()
                polls.append(time.perf_counter() - started)
            resolutions: dict[str, list[float]] = {"no lag": [], "1 s listing lag": []}
            for label, spec in (("no lag", ""), ("1 s listing lag", "lag_ms=1000")):
                for _ in range(resolves):
                    rig.exchange.faults.configure("drop_response=1")
                    draft = rig.draft("0.05", "1")
                    await rig.t.orders.submit(draft)
                    rig.exchange.faults.configure(spec)
                    started = time.perf_counter()
                    await rig.t.orders.resolve(draft.client_order_id)
                    resolutions[label].append(time.perf_counter() - started)
                    rig.exchange.faults.configure()
            trips: list[float] = []
            for _ in range(max(20, orders // 4)):
                started = time.perf_counter()
                await rig.client.get_balance()
                trips.append(time.perf_counter() - started)
            trip_ms = [t * 1e3 for t in trips]
            figures = [
                results_row(
                    "orders",
                    metric,
                    [t * 1e3 for t in samples],
                    "ms",
                    comparison="signed round trip" if compare else None,
                    comparison_samples=trip_ms if compare else None,
                )
                for metric, samples, compare in (
                    ("submit_to_journaled_ack", submits, True),
                    ("durable_intent_write", intent_writes, False),
                    ("cancel_to_journaled_cancel", cancels, True),
                    ("fill_poll_nothing_new", polls, True),
                    ("unknown_resolved", resolutions["no lag"], True),
                )
            ]
            write_results(json_path, "orders", {"orders": orders, "tier": tier}, figures)
            print(_summary("signed round trip (GET balance)", trips))
            print(_summary("submit → journaled ack", submits))
            print(_summary("  of which durable intent write", intent_writes))
            print(_summary("cancel → journaled cancel", cancels))
            print(_summary("fill poll (nothing new)", polls))
            for label, samples in resolutions.items():
                print(_summary(f"UNKNOWN resolved ({label})", samples))
        finally:
            await rig.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200, help="orders to place (default 200)")
    parser.add_argument("--tier", default=None, help="client rate-limit tier (default: none)")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 orders")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.orders = 20
    resolves = 1 if arguments.quick else 3
    asyncio.run(main(arguments.orders, arguments.tier, arguments.json, resolves))
