"""Benchmark: the whole terminal on a 10,000-market exchange.

Where `bench_market_list` measures the market list widget alone (and the stock
`DataTable` beside it), this runs the real `TerminalApp` with its session, pollers,
store bridge and every pane, against the embedded exchange over loopback HTTP,
headless at 180x50:

* first paint: app start until the first frame that paints market rows (the
  first page of markets is shown while the rest are fetched), and until the whole
  list is painted;
* keystroke: one key typed into the market filter until the list's repaint settles;
* full refresh: the markets poller is poked; "fetch" is poke to the store update,
  "paint" is store update to the settled repaint of the list;
* stall: worst lateness of a 5 ms asyncio heartbeat during each operation (the
  longest a key press would wait; target under 50 ms during a refresh), and the
  longest single event-loop step in CPU time, which machine load cannot inflate;
* memory: peak resident set size of the process (target under 300 MB).

`--exchange inprocess` is the demo as shipped (the exchange thread shares the
process, its memory and the GIL); `--exchange subprocess` serves the same exchange
from another process, as a remote exchange would be, so the UI's own cost shows.

Run: `python -m bench.bench_ui [--markets 10000] [--exchange inprocess|subprocess]`
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.bench_market_list import Heartbeat, PaintProbe, _send_key, settle
from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.launch import (
    DEMO_SEED,
    demo_session,
    load_or_create_demo_key,
)
from kalshi_tui.services.session import PollPlan, Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.market_table import MarketTable

SCREEN = (180, 50)
PLAN = PollPlan(
    exchange=(10.0, 30.0),
    markets=(3600.0, 7200.0),  # refreshed on demand by the bench
    orderbook=(1.0, 5.0),
    history=(30.0, 120.0),
    portfolio=(2.0, 10.0),
    settlements=(60.0, 300.0),
)
KEYS = ["e", "t", "h", "backspace", "backspace", "backspace"]


class LoopSteps:
    """The longest single event-loop step, in thread CPU time.

    The heartbeat's wall-clock stall also counts time the OS gave other processes
    (this machine's 2 cores are shared); CPU time spent inside one step is what the
    code itself blocks the loop for, whatever the load.
    """

    def __init__(self) -> None:
        self.worst = 0.0
        original = asyncio.events.Handle._run
        probe = self

        ui_thread = threading.get_ident()

        def run(handle: asyncio.events.Handle) -> None:
            if threading.get_ident() != ui_thread:
                # The in-process exchange runs its own event loop in another thread.
                original(handle)
                return
            started = time.thread_time()
            original(handle)
            probe.worst = max(probe.worst, time.thread_time() - started)

        asyncio.events.Handle._run = run  # type: ignore[method-assign]

    def reset(self) -> None:
        self.worst = 0.0


def _serve(directory: str, markets: int, pipe: Connection) -> None:
    """Child process: serve the exchange until the parent says stop."""
    from kalshi_tui.exchange.server import start_exchange

    key = load_or_create_demo_key(Path(directory))
    running = start_exchange(seed=DEMO_SEED, markets=markets, keys=[(key.key_id, key.public_pem())])
    pipe.send(running.base_url)
    pipe.recv()
    running.stop()


def remote_session(directory: Path, markets: int) -> tuple[Session, Connection]:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(str(directory), markets, child), daemon=True
    )
    process.start()
    base_url = parent.recv()
    key = load_or_create_demo_key(directory)
    client = api.KalshiClient(base_url, api.KalshiAuth(key.key_id, key.private_key))
    return Session(client, Store(Snapshot(environment="demo")), plan=PLAN), parent


async def measure(
    markets: int, mode: str, refreshes: int = 5, typed: Sequence[str] = KEYS
) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    stop_remote: Connection | None = None
    if mode == "inprocess":
        session = demo_session(directory=directory, markets=markets, plan=PLAN)
    else:
        session, stop_remote = remote_session(directory, markets)
    result: dict[str, Any] = {"markets": markets, "exchange": mode}
    heartbeat = Heartbeat()
    steps = LoopSteps()
    start = time.perf_counter()
    app = TerminalApp(session, settle_heap=True)  # as `make_app` builds it
    async with app.run_test(size=SCREEN):
        table = app.query_one(MarketTable)
        probe = PaintProbe(table, lambda: len(table.view.rows) > 0)
        heartbeat.start()
        heartbeat.reset()
        while not any(rows for _, _, rows, _ in probe.paints):  # noqa: ASYNC110 (polls a probe)
            await asyncio.sleep(0.005)
        result["first_paint_ms"] = (probe.first_with_rows_after(start) - start) * 1000
        result["first_paint_stall_ms"] = heartbeat.worst * 1000
        # The first page is painted while the rest is fetched; wait for all of it.
        while not any(e.text.startswith("loaded") for e in session.store.log_since(0)):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await settle(probe, start)
        result["full_load_ms"] = (probe.last - start) * 1000
        result["rows"] = len(session.snapshot.markets)

        fetch, paint, stall, step = [], [], [], []
        for _ in range(refreshes):
            await asyncio.sleep(0.5)
            updated: list[float] = []
            unsubscribe = session.store.subscribe(
                lambda _s, changed, u=updated: (
                    u.append(time.perf_counter()) if "markets" in changed else None
                )
            )
            heartbeat.reset()
            steps.reset()
            poked = time.perf_counter()
            session.pollers["markets"].poke()
            while not updated:  # noqa: ASYNC110 (polls a subscriber's list)
                await asyncio.sleep(0.002)
            await settle(probe, updated[0])
            unsubscribe()
            fetch.append((updated[0] - poked) * 1000)
            # The first frame showing what the list settles on: later frames that repaint
            # the same rows (layout, the 1 Hz staleness tick, other panes' polls) are not
            # the refresh's cost.
            paint.append((probe.settled_after(updated[0])[0] - updated[0]) * 1000)
            stall.append(heartbeat.worst * 1000)
            step.append(steps.worst * 1000)
        result["refresh_fetch_ms"] = fetch
        result["refresh_paint_ms"] = paint
        result["refresh_stall_ms"] = stall
        result["refresh_step_ms"] = step

        app.action_filter()
        await asyncio.sleep(0.3)
        keys, key_stall, key_step = [], [], []
        for key in typed:
            await asyncio.sleep(0.2)
            heartbeat.reset()
            steps.reset()
            pressed = time.perf_counter()
            _send_key(app, key)
            await settle(probe, pressed)
            keys.append((probe.settled_after(pressed)[0] - pressed) * 1000)
            key_stall.append(heartbeat.worst * 1000)
            key_step.append(steps.worst * 1000)
        result["key_ms"] = keys
        result["key_stall_ms"] = key_stall
        result["key_step_ms"] = key_step
        heartbeat.stop()
    result["rss_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if stop_remote is not None:
        stop_remote.send("stop")
    return result


def _stats(values: Sequence[float]) -> str:
    return f"median {statistics.median(values):7.1f}  max {max(values):7.1f}  (n={len(values)})"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--markets", type=int, default=10_000)
    parser.add_argument("--exchange", choices=("inprocess", "subprocess"), default="inprocess")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 500 markets, 1 refresh, 2 keys"
    )
    args = parser.parse_args(argv)
    refreshes, keys = (1, KEYS[:2]) if args.quick else (5, KEYS)
    if args.quick:
        args.markets = 500
    r = asyncio.run(measure(args.markets, args.exchange, refreshes, keys))
    load = os.getloadavg()[0]
    print(f"TerminalApp, {r['rows']:,} markets, exchange {r['exchange']}, {SCREEN[0]}x{SCREEN[1]}")
    print(f"  first paint of market rows  {r['first_paint_ms']:8.1f} ms")
    print(f"    worst stall meanwhile     {r['first_paint_stall_ms']:8.1f} ms")
    print(f"  every market painted        {r['full_load_ms']:8.1f} ms")
    print(f"  refresh: fetch + convert    {_stats(r['refresh_fetch_ms'])} ms")
    print(f"  refresh: store to repaint   {_stats(r['refresh_paint_ms'])} ms")
    print(f"  refresh: worst stall        {_stats(r['refresh_stall_ms'])} ms   target < 50")
    print(f"  refresh: longest loop step  {_stats(r['refresh_step_ms'])} ms CPU   target < 50")
    print(f"  filter keystroke to repaint {_stats(r['key_ms'])} ms")
    print(f"  filter keystroke stall      {_stats(r['key_stall_ms'])} ms")
    print(f"  filter keystroke loop step  {_stats(r['key_step_ms'])} ms CPU")
    print(f"  peak RSS                    {r['rss_peak_mib']:8.1f} MiB   target < 300")
    print(f"  load average {load:.2f} on {os.cpu_count()} CPUs (stalls include OS scheduling)")
    n = args.markets
    rows = [
        results_row("ui", f"{metric}@{n}", _listed(r[field]), unit, target=target)
        for metric, field, unit, target in (
            ("first_paint", "first_paint_ms", "ms", None),
            ("first_paint_stall", "first_paint_stall_ms", "ms", None),
            ("full_load", "full_load_ms", "ms", None),
            ("refresh_fetch", "refresh_fetch_ms", "ms", None),
            ("refresh_paint", "refresh_paint_ms", "ms", "p95 < 100"),
            ("refresh_stall", "refresh_stall_ms", "ms", "p95 < 50"),
            ("refresh_step_cpu", "refresh_step_ms", "ms", "p95 < 50"),
            ("keystroke_repaint", "key_ms", "ms", "p95 < 50"),
            ("keystroke_stall", "key_stall_ms", "ms", "p95 < 50"),
            ("peak_rss", "rss_peak_mib", "MiB", "max < 300"),
        )
    ]
    write_results(args.json, "ui", {"markets": n, "exchange": args.exchange}, rows)


def _listed(value: float | list[float]) -> list[float]:
    return value if isinstance(value, list) else [value]


if __name__ == "__main__":
    main()
