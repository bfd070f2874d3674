"""Benchmark: ctrl+k in the real terminal app while 10,000 markets update at 10 Hz.

Run: `python -m bench.bench_kill_ui` (add `--help` for options).

The real `TerminalApp` under `run_test()` (200x60, headless) on a demo session: the
embedded exchange on loopback with `--markets` markets, the demo journal, the order
service and the kill switch, every poller running. Once the market list has loaded, a
10 Hz feeder replaces the store's markets with a fresh list (about 30 % of quotes and
volumes changed, precomputed so the feeder costs only the store write a poller does),
so the market table re-sorts and repaints ten times a second. Then, per round, with
`--orders` resting orders placed first:

Orders go through the order service with the demo's risk limits loosened only on
order counts (a benchmark halts ten times a minute).

* ctrl+k -> orders blocked: from the key event handed to the driver (as a terminal
  would) until the store says HALTED, and whether that happened inside the key's own
  handler (`KillSwitch.trigger` is synchronous: the same event-loop turn);
* ctrl+k -> banner painted: until the compositor first paints the `HaltBanner` with
  "HALTED" (timed by wrapping its `render_lines`, as bench_market_list does);
* ctrl+k -> VERIFIED painted: until the banner shows the exchange-verified flat book;
* the worst event-loop stall in that time (a 5 ms heartbeat), and in the half second of
  10 Hz updates before the key; and the time the cyclic GC took in that time.

Each round is measured twice, in the same process and alternating: with the 10 Hz feed
("loaded") and with the feed paused ("idle", the comparison). Re-armed between rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.geometry import Region
from textual.strip import Strip

from bench.bench_market_list import GcProbe, Heartbeat, _send_key, refreshed
from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api
from kalshi_tui.config.models import RiskSettings
from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.risk_limits import RiskLimits
from kalshi_tui.domain.store import Snapshot, Store, TradingMode
from kalshi_tui.services.launch import open_journal, risk_gate, start_demo_exchange
from kalshi_tui.services.session import PollPlan, Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.halt_banner import HaltBanner

SCREEN = (200, 60)
VERIFIED = "VERIFIED: 0 resting"
"""The banner's words once the exchange has listed zero resting orders (not UNVERIFIED)."""
# The market poller loads the catalogue once; the 10 Hz feed stands in for it after.
PLAN = PollPlan(markets=(3600.0, 7200.0))


class BannerProbe:
    """Wall time of every frame that paints the banner, with what it said."""

    def __init__(self, banner: HaltBanner) -> None:
        self.paints: list[tuple[float, str]] = []
        original = banner.render_lines

        def render_lines(crop: Region) -> list[Strip]:
            strips = original(crop)
            self.paints.append((time.perf_counter(), "".join(s.text for s in strips)))
            return strips

        banner.render_lines = render_lines  # type: ignore[method-assign]

    def first(self, after: float, word: str) -> float | None:
        return next((t for t, text in self.paints if t >= after and word in text), None)


class Feeder:
    """Writes a fresh market list into the store every `period` seconds while `on`."""

    def __init__(self, session: Session, variants: list[list[MarketSummary]], period: float):
        self.session = session
        self.variants = variants
        self.period = period
        self.on = False
        self.writes = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        next_at = time.perf_counter()
        while True:
            next_at += self.period
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            if self.on:
                variant = self.variants[self.writes % len(self.variants)]
                self.session.store.update(markets=list(variant))
                self.writes += 1


async def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {seconds:.0f} s")
        await asyncio.sleep(0.01)


def bench_session(directory: Path, markets: int) -> Session:
    """`demo_session` with risk limits loose enough for a benchmark's bursts of orders
    (the demo's allow 60 a minute and 50 resting); everything else as the demo builds it."""
    running, key = start_demo_exchange(directory, markets=markets)
    client = api.KalshiClient(running.base_url, api.KalshiAuth(key.key_id, key.private_key))
    store = Store(Snapshot(environment="demo"))
    risk = RiskSettings(max_orders_per_minute=100_000, max_open_orders=100_000)
    return Session(
        client,
        store,
        plan=PLAN,
        exchange=running,
        journal=open_journal(directory),
        gate=risk_gate(risk, store),
        risk_limits=RiskLimits.from_settings(risk),
    )


async def rest_orders(session: Session, ticker: str, count: int) -> None:
    """Resting bids placed through the order service (journaled, as the app places them),
    below the best bid so they do not trade."""
    trading = session.trading
    book = session.snapshot.book
    assert trading is not None
    assert book is not None
    low = max(Decimal("0.01"), (book.best_yes_bid or Decimal("0.20")) - Decimal("0.05"))
    for _ in range(count):
        draft = OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", low, Decimal(1))
        result = await trading.orders.submit(draft)
        if isinstance(result, Denial):
            raise RuntimeError(f"order refused: {result}")


async def measure(markets: int, rounds: int, orders: int, hz: float) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        session = bench_session(Path(tmp) / "demo", markets)
        app = TerminalApp(
            session,
            favourites_path=Path(tmp) / "f.json",
            confirm_orders=False,
            settle_heap=True,  # as `make_app` (the CLI) builds it
        )
        async with app.run_test(size=SCREEN) as pilot:
            snap: Callable[[], Snapshot] = lambda: session.snapshot  # noqa: E731
            # The first page is shown while the rest are fetched: wait for all of them.
            await wait_for(
                lambda: (
                    snap().trading_ready
                    and any(e.text.startswith("loaded") for e in session.store.log_since(0))
                ),
                120,
                "every market loaded",
            )
            await wait_for(
                lambda: (
                    snap().selected is not None
                    and snap().book is not None
                    and snap().book.ticker == snap().selected  # type: ignore[union-attr]
                ),
                30,
                "order book of the selected market",
            )
            loaded = list(snap().markets)
            print(f"# {len(loaded):,} markets loaded", file=sys.stderr)
            rng = random.Random(7)
            variants = [refreshed(loaded, rng) for _ in range(4)]
            killswitch = session.killswitch
            assert killswitch is not None
            halted_at: list[float] = []
            in_trigger = [False]
            inside: list[bool] = []

            def on_change(snapshot: Snapshot, changed: frozenset[str]) -> None:
                if "trading" in changed and snapshot.trading.mode is TradingMode.HALTED:
                    halted_at.append(time.perf_counter())
                    inside.append(in_trigger[0])

            session.store.subscribe(on_change)
            original_trigger = killswitch.trigger

            def trigger(*args: Any, **kwargs: Any) -> Any:
                in_trigger[0] = True
                try:
                    return original_trigger(*args, **kwargs)
                finally:
                    in_trigger[0] = False

            killswitch.trigger = trigger  # type: ignore[method-assign]
            probe = BannerProbe(app.query_one(HaltBanner))
            heartbeat = Heartbeat()
            heartbeat.start()
            collector = GcProbe()
            feeder = Feeder(session, variants, 1.0 / hz)
            feeder.start()
            ticker = snap().selected
            assert ticker is not None
            for n in range(rounds):
                for mode in ("loaded", "idle") if n % 2 == 0 else ("idle", "loaded"):
                    await rest_orders(session, ticker, orders)
                    feeder.on = mode == "loaded"
                    heartbeat.reset()
                    await asyncio.sleep(0.5)
                    add(f"{mode}:stall_before", heartbeat.worst * 1000)
                    heartbeat.reset()
                    halted_at.clear()
                    gc_before = collector.total_s
                    start = time.perf_counter()
                    _send_key(app, "ctrl+k")
                    await wait_for(
                        lambda at=start: probe.first(at, VERIFIED) is not None, 60, "flat"
                    )
                    add(f"{mode}:stall_halt", heartbeat.worst * 1000)
                    add(f"{mode}:gc_halt", (collector.total_s - gc_before) * 1000)
                    painted = probe.first(start, "HALTED")
                    verified = probe.first(start, VERIFIED)
                    assert painted is not None
                    assert verified is not None
                    assert halted_at
                    assert inside[-1], "HALTED was not set inside the key's handler"
                    add(f"{mode}:blocked", (halted_at[0] - start) * 1000)
                    add(f"{mode}:banner", (painted - start) * 1000)
                    add(f"{mode}:verified", (verified - start) * 1000)
                    feeder.on = False
                    await killswitch.settled()
                    killswitch.resume("benchmark round done")
                    await pilot.pause(0.2)
                print(
                    f"# round {n + 1}/{rounds}: banner loaded "
                    f"{samples['loaded:banner'][-1]:.1f} ms, idle "
                    f"{samples['idle:banner'][-1]:.1f} ms ({feeder.writes} feed writes)",
                    file=sys.stderr,
                )
            feeder.stop()
            heartbeat.stop()
            add("feed_writes", float(feeder.writes))
    return samples


METRICS: tuple[tuple[str, str, str | None], ...] = (
    ("blocked", "ctrl+k -> orders blocked", None),
    ("banner", "ctrl+k -> halt banner painted", "p95 < 50"),
    ("verified", "ctrl+k -> VERIFIED painted", None),
    ("stall_halt", "worst stall, key -> VERIFIED", "p95 < 50"),
    ("gc_halt", "GC time, key -> VERIFIED", None),
    ("stall_before", "worst stall, 0.5 s of updates", "p95 < 50"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--markets", type=int, default=10_000, help="markets in the exchange")
    parser.add_argument("--rounds", type=int, default=5, help="halts per mode")
    parser.add_argument("--orders", type=int, default=20, help="resting orders at each halt")
    parser.add_argument("--hz", type=float, default=10.0, help="market updates per second")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 500 markets, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.markets, args.rounds, args.orders = 500, 1, 3
    samples = asyncio.run(measure(args.markets, args.rounds, args.orders, args.hz))
    rows = []
    print(
        f"ctrl+k in TerminalApp, {args.markets:,} markets updating at {args.hz:g} Hz "
        f"vs paused, {args.rounds} rounds, {args.orders} resting orders"
    )
    print(f"{'measure':<34}{'loaded p50':>11}{'p95':>8}{'max':>8}{'idle p50':>10}{'ratio':>7}")
    for key, label, target in METRICS:
        loaded, idle = samples[f"loaded:{key}"], samples[f"idle:{key}"]
        r = results_row(
            "kill_ui",
            f"{key}@{args.markets}x{args.hz:g}Hz",
            loaded,
            "ms",
            comparison="same, feed paused",
            comparison_samples=idle,
            target=target,
        )
        rows.append(r)
        print(
            f"{label:<34}{r['median']:>11.2f}{r['p95']:>8.2f}{r['max']:>8.2f}"
            f"{r['comparison_median']:>10.2f}{r['ratio'] or 0:>7.2f}"
        )
    print(
        "orders were blocked inside the key's own handler (same event-loop turn) every time; "
        f"{samples['feed_writes'][0]:.0f} market-list writes"
    )
    params = {k: getattr(args, k) for k in ("markets", "rounds", "orders", "hz")}
    write_results(args.json, "kill_ui", {**params, "screen": SCREEN}, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
