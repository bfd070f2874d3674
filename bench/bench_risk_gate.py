"""Benchmark: the cost of one pre-trade gate decision and one halt-trigger evaluation.

Run: `python -m bench.bench_risk_gate [--markets N] [--positions N] [--orders N] [--calls N]`.

A synthetic store snapshot holds N markets (five per event), positions in some of them
and resting orders. Each gate call does what the wired gate does: builds a fresh
`RiskContext` from the snapshot (`build_context`) and judges one order. Three cases:

* approved: an order that passes every check (the slowest path: every check runs);
* halted: the same order with the store HALTED (what blocks orders after the kill switch);
* triggers: `build_trigger_input` + `evaluate` over the same snapshot (one cycle).

For the gate the clock advances one second per call so the submit-rate window holds
what a real session would (feeds are marked fresh for the whole run); the trigger
cycle runs at a fixed time with every feed fresh, so every trigger is evaluated.
Figures are wall-clock microseconds per call: median, 99th percentile and worst.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import Balance, BookLevel, ExchangeState, Order, OrderBook, Position
from kalshi_tui.domain.orders import OrderDraft
from kalshi_tui.domain.risk import RiskGate
from kalshi_tui.domain.risk_context import GATE_FEEDS, RiskContext, build_context
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Health, Snapshot, TradingMode, TradingState
from kalshi_tui.domain.triggers import TriggerState, build_trigger_input, evaluate

D = Decimal
START = 1_800_000_000.0


def make_snapshot(markets: int, positions: int, orders: int, start: float) -> Snapshot:
    close = datetime(2030, 1, 1, tzinfo=UTC)
    summaries = tuple(
        MarketSummary(
            ticker=f"EV{i // 5}-M{i % 5}",
            event_ticker=f"EV{i // 5}",
            series_ticker="SER",
            title=f"market {i}",
            status="active",
            yes_bid=D("0.40"),
            yes_ask=D("0.44"),
            last_price=D("0.42"),
            previous_price=None,
            volume=D(0),
            volume_24h=D(0),
            open_interest=D(0),
            close_time=close,
        )
        for i in range(markets)
    )
    held = tuple(
        Position(summaries[i * 7].ticker, D(10), D("4.00"), D(0), D(0), D("4.00"))
        for i in range(positions)
    )
    resting = tuple(
        Order(
            order_id=f"o{i}",
            client_order_id=f"c{i}",
            ticker=summaries[i * 3].ticker,
            side="yes",
            action="buy",
            price=D("0.30"),
            initial_count=D(5),
            fill_count=D(0),
            remaining_count=D(5),
            status="resting",
            fees=D(0),
            created_time=None,
        )
        for i in range(orders)
    )
    book = OrderBook(
        summaries[0].ticker, (BookLevel(D("0.40"), D(50)),), (BookLevel(D("0.56"), D(50)),)
    )
    return Snapshot(
        exchange=ExchangeState(exchange_active=True, trading_active=True),
        markets=summaries,
        markets_by_ticker=MappingProxyType({m.ticker: m for m in summaries}),
        selected=summaries[0].ticker,
        book=book,
        balance=Balance(D("10000.00"), D("2000.00")),
        positions=held,
        orders=resting,
        health=MappingProxyType(
            {
                name: Health(interval=1.0, stale_after=1e12, last_success=start)
                for name in GATE_FEEDS
            }
        ),
    )


def timed(calls: int, fn: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<10} median {statistics.median(ordered):8.1f} µs   p99 {p99:8.1f} µs   "
        f"worst {ordered[-1]:8.1f} µs   ({len(ordered)} calls)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", type=int, default=10_000)
    parser.add_argument("--positions", type=int, default=200)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--calls", type=int, default=5_000)
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 markets, 200 calls")
    args = parser.parse_args()
    if args.quick:
        args.markets, args.calls = 2_000, 200
    # Loose limits so the approved case really is approved every time.
    limits = RiskLimits(max_open_orders=10_000, max_event_loss_dollars=D(1_000_000))
    clock = [START]
    snap = make_snapshot(args.markets, args.positions, args.orders, START)
    halted = dataclasses.replace(snap, trading=TradingState(TradingMode.HALTED, "bench", START))
    order = OrderDraft("bench", snap.markets[0].ticker, "yes", "buy", D("0.42"), D(10))

    def provider(s: Snapshot) -> Callable[[], RiskContext]:
        def context() -> RiskContext:
            clock[0] += 1.0
            return build_context(s, clock[0], stale_data_seconds=1e12)

        return context

    print(f"{args.markets} markets, {args.positions} positions, {args.orders} resting orders")
    gate = RiskGate(limits, provider(snap))
    assert gate(order) is None, gate(order)
    approved = timed(args.calls, lambda: gate(order))
    report("approved", approved)
    halted_gate = RiskGate(limits, provider(halted))
    assert halted_gate(order) is not None
    refused = timed(args.calls, lambda: halted_gate(order))
    report("halted", refused)
    state = TriggerState()

    def cycle() -> None:
        nonlocal state
        # A fixed time: every feed is fresh, so no trigger short-circuits the others.
        inp = build_trigger_input(snap, START + 1.0, session_start=START)
        state, _ = evaluate(state, inp, limits)

    cycles = timed(args.calls, cycle)
    report("triggers", cycles)
    figures = [
        results_row("risk_gate", "gate_approved", approved, "µs"),
        results_row(
            "risk_gate",
            "gate_halted",
            refused,
            "µs",
            comparison="gate approved",
            comparison_samples=approved,
        ),
        results_row("risk_gate", "trigger_cycle", cycles, "µs"),
    ]
    params = {k: getattr(args, k) for k in ("markets", "positions", "orders", "calls")}
    write_results(args.json, "risk_gate", params, figures)


if __name__ == "__main__":
    main()
