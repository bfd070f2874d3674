"""Benchmark: the kill switch against the embedded exchange on loopback.

Run: `python -m bench.bench_halt` (add `--help` for options).

In process, for 10 / 100 / 1,000 resting orders (placed before the clock starts, in an
order group recorded in the journal, as the app places them; `--no-group` without):

* blocked: from calling `KillSwitch.trigger()` until the store says HALTED — this
  happens inside the call (journal fsync included), so new orders are refused from the
  same event-loop turn;
* verified: from the trigger until the exchange has listed zero resting orders (the
  report's `elapsed`; the raced-fills pull and the journal's cancel records come after);
* a plain signed round trip (`GET /portfolio/balance`, median of 50) for scale, and the
  ratio verified ÷ round trip;
* then the 100-order case again with every exchange response delayed 20 ms (a network
  between app and exchange), where the round trips, not the exchange's work, dominate.

As a whole process: `kalshi-tui sim --port 0 --write-config` runs the exchange in a
child process (with its trading agents, so a few of the cheap bids may cross and fill on
entry: the "resting" column counts what actually rested), 100 orders are placed, and
`python -m kalshi_tui halt --config …` is timed from spawn to exit (interpreter start-up
and imports included), next to the time the command itself reports.

The in-process client uses no client-side rate limit (the exchange has none either);
the CLI uses the config's tier (basic unless set), which is what a user would run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api
from kalshi_tui.domain.store import Snapshot, Store, TradingMode
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.server import start_exchange
from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.services.killswitch import KillSwitch
from kalshi_tui.services.order_group import OrderGroupKeeper

KEY_ID = "bench-halt"


async def place(client: api.KalshiClient, count: int, group_id: str | None = None) -> None:
    page = await client.get_markets(status="open", limit=10)
    tickers = [m.ticker for m in page.markets]
    gate = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with gate:
            await client.create_order(
                api.OrderRequest(
                    ticker=tickers[i % len(tickers)],
                    side="yes",
                    action="buy",
                    count=Decimal(1),
                    price=Decimal("0.01") * (1 + i % 9),
                    client_order_id=str(uuid.uuid4()),
                    order_group_id=group_id,
                )
            )

    await asyncio.gather(*(one(i) for i in range(count)))


async def round_trips(client: api.KalshiClient, samples: int = 50) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        await client.get_balance()
        times.append(time.perf_counter() - start)
    return times


async def in_process(
    sizes: list[int],
    runs: int,
    workdir: Path,
    profile: str,
    figures: list[dict[str, Any]],
    group: bool = True,
    latency_ms: float = 0.0,
) -> list[str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    exchange = start_exchange(
        seed=9,
        markets=40,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, pem)],
        open_order_limit=1_000_000,
        profile=profile,  # type: ignore[arg-type]
        shard_dollars={2: 5_000},  # the orders go to crypto markets (shard 2) too
    )
    if latency_ms:
        # Every response delayed, as across a real network (the exchange's fault injection).
        exchange.faults.configure(f"latency_ms={latency_ms:g}")
    rows = []
    try:
        async with api.KalshiClient(
            exchange.base_url,
            api.KalshiAuth(KEY_ID, key),
            rate_limits=api.RateLimits.unlimited(),
            order_api="v1" if profile == "legacy" else "v2",
        ) as client:
            rtts = await round_trips(client)
            rtt = statistics.median(rtts)
            rtt_ms = [t * 1e3 for t in rtts]
            rows.append(
                f"exchange profile: {profile}; orders in an order group: {'yes' if group else 'no'}"
            )
            rows.append(f"signed round trip (GET /portfolio/balance), median: {rtt * 1e3:.2f} ms")
            rows.append("")
            rows.append(
                f"{'orders':>7} {'runs':>5} {'blocked µs':>11} {'verified ms':>12} "
                f"{'worst ms':>9} {'cancelled':>10} {'× round trip':>13}"
            )
            for size in sizes:
                blocked, verified, cancelled = [], [], set()
                for run in range(runs):
                    with Journal.open(journal_path(workdir / f"j-{size}-{run}")) as journal:
                        group_id = None
                        if group:  # as the app does: its orders sit in its order group
                            group_id = await OrderGroupKeeper(client, journal).ensure()
                        await place(client, size, group_id)
                        store = Store(Snapshot())
                        switch = KillSwitch(client, journal, store)
                        start = time.perf_counter()
                        task = switch.trigger("manual", "bench")
                        assert store.snapshot.trading.mode is TradingMode.HALTED
                        blocked.append(time.perf_counter() - start)
                        report = await task
                    assert report.verified, report.summary()
                    verified.append(report.elapsed)
                    cancelled.add(report.cancelled)
                median = statistics.median(verified)
                for metric, samples, target in (
                    ("blocked", blocked, None),
                    ("verified_flat", verified, "ratio <= 5" if size == 100 else None),
                ):
                    figures.append(
                        results_row(
                            "halt",
                            f"{metric}@{size}" + (f"+{latency_ms:g}ms" if latency_ms else ""),
                            [t * 1e3 for t in samples],
                            "ms",
                            comparison="signed round trip",
                            comparison_samples=rtt_ms,
                            target=target,
                        )
                    )
                rows.append(
                    f"{size:>7} {runs:>5} {statistics.median(blocked) * 1e6:>11.0f} "
                    f"{median * 1e3:>12.1f} {max(verified) * 1e3:>9.1f} "
                    f"{'/'.join(map(str, sorted(cancelled))):>10} {median / rtt:>12.1f}×"
                )
    finally:
        exchange.stop()
    return rows


def whole_process(
    orders: int, runs: int, workdir: Path, figures: list[dict[str, Any]]
) -> list[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(workdir / "data"), "PYTHONUNBUFFERED": "1"}
    env.pop("KALSHI_TUI_CONFIG", None)
    config = workdir / "sim.toml"
    sim = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kalshi_tui",
            "sim",
            "--port",
            "0",
            "--markets",
            "40",
            "--rate-tier",
            "off",
            "--write-config",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    rows = [
        "",
        f"`kalshi-tui halt` as a process ({orders} resting orders, exchange in another process)",
        f"{'run':>4} {'resting':>8} {'process ms':>11} {'reported ms':>12} {'cancelled':>10} "
        f"{'exit':>5}",
    ]
    try:
        assert sim.stdout is not None
        for line in sim.stdout:
            if "serving" in line:
                break
        from kalshi_tui.config import load_settings

        settings = load_settings(config)
        assert settings.exchange.key_id
        assert settings.exchange.private_key_path
        key = api.load_private_key(settings.exchange.private_key_path)
        walls = []
        for run in range(runs):

            async def setup() -> int:
                async with api.KalshiClient(
                    settings.base_url,
                    api.KalshiAuth(settings.exchange.key_id or "", key),
                    rate_limits=api.RateLimits.unlimited(),
                ) as client:
                    await place(client, orders)
                    return len(await client.get_all_orders(status="resting"))

            resting = asyncio.run(setup())
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "kalshi_tui", "halt", "--config", str(config)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            wall = time.perf_counter() - start
            walls.append(wall)
            found = re.search(r"Cancelled (\d+) order\(s\) in ([\d.]+) s", done.stdout)
            reported = f"{float(found.group(2)) * 1e3:.1f}" if found else "-"
            count = found.group(1) if found else "-"
            rows.append(
                f"{run + 1:>4} {resting:>8} {wall * 1e3:>11.1f} {reported:>12} {count:>10} "
                f"{done.returncode:>5}"
            )
        rows.append(f"median process time: {statistics.median(walls) * 1e3:.1f} ms")
        helps = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kalshi_tui", "--help"], capture_output=True)
            helps.append(time.perf_counter() - start)
        rows.append(f"(`kalshi-tui --help` alone: {statistics.median(helps) * 1e3:.1f} ms)")
        figures.append(
            results_row(
                "halt",
                f"cli_process@{orders}",
                [t * 1e3 for t in walls],
                "ms",
                comparison="kalshi-tui --help process",
                comparison_samples=[t * 1e3 for t in helps],
            )
        )
    finally:
        sim.terminate()
        sim.wait(10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--no-group",
        action="store_true",
        help="place the orders outside an order group (the app always uses one)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="delay every exchange response by this much (a network between app and exchange)",
    )
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 10 and 100 orders, one run each"
    )
    parser.add_argument("--sizes", default="10,100,1000", help="resting orders per case")
    parser.add_argument("--runs", type=int, default=5, help="runs per size (median reported)")
    parser.add_argument("--cli-runs", type=int, default=3, help="`kalshi-tui halt` processes")
    parser.add_argument(
        "--profile",
        choices=("compat", "legacy"),
        default="compat",
        help="legacy: V1 order routes only (batch and single cancels, as with compat)",
    )
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs, args.cli_runs = "10,100", 1, 1
    sizes = [int(part) for part in args.sizes.split(",")]
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        group = args.profile == "compat" and not args.no_group
        rows = asyncio.run(
            in_process(sizes, args.runs, workdir, args.profile, figures, group, args.latency_ms)
        )
        if not args.latency_ms and not args.quick:
            # The same at 100 orders across a 20 ms network, where round trips dominate.
            rows.append("")
            rows += asyncio.run(
                in_process([100], args.runs, workdir, args.profile, figures, group, 20.0)
            )
        if args.cli_runs:
            rows += whole_process(100, args.cli_runs, workdir, figures)
    print("\n".join(rows))
    params = {"sizes": sizes, "runs": args.runs, "cli_runs": args.cli_runs}
    params["order_group"] = args.profile == "compat" and not args.no_group
    params["latency_ms"] = args.latency_ms
    write_results(args.json, "halt", {**params, "profile": args.profile}, figures)


if __name__ == "__main__":
    main()
