"""Benchmark: kalshi-tui's client against Kalshi's official Python SDK, same exchange, same run,
across a simulated network.

Run: `python -m bench.bench_client [--markets N] [--latency-ms 30] [--jitter-ms 10]
[--repeat N] [--json FILE]`

The exchange is `kalshi-tui sim` in its own process (so the server does not share the
benchmark's interpreter lock), compat profile (the SDK 3.2.0 needs the legacy fields),
rate limits off (we measure the clients, not the token buckets), with every response
held back `--latency-ms` plus a uniform `0..--jitter-ms` (`--faults latency_ms=..,
jitter_ms=..`): what a trader's requests meet across the internet, where a request
costs tens of milliseconds and the client's own CPU hardly counts. Three workloads, each
timed for both clients in alternating order, `--repeat` times:

* **all markets**: every market, following the cursor (1,000 per page, the documented
  maximum, for both);
* **portfolio refresh**: balance, positions, resting orders and the newest fills — what
  the terminal's portfolio poller does every couple of seconds (ours sends the four
  requests at once, as `Feeds.portfolio` does; the SDK is synchronous, one after another);
* **order create → ack**: one signed limit order that rests (then cancelled, untimed).

Every figure is wall time per operation; none depends on CPU saved on loopback.
The SDK is not a project dependency: `pip install kalshi-python-sync==3.2.0` first
(the bench says so and measures only our client when it is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sim(
    markets: int, directory: Path, *, faults: str = "", rate_tier: str = "off"
) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """`kalshi-tui sim` in a child process; returns it and the config it wrote
    (`directory/config.toml`, with the key beside it)."""
    config_path = directory / "config.toml"
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "kalshi_tui",
        "sim",
        "--port",
        str(port),
        "--markets",
        str(markets),
        "--rate-tier",
        rate_tier,
        "--write-config",
        str(config_path),
    ]
    if faults:
        command += ["--faults", faults]
    env = dict(os.environ, XDG_DATA_HOME=str(directory), XDG_CONFIG_HOME=str(directory))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"sim exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        if config_path.exists():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                pass
        time.sleep(0.05)
    else:
        process.kill()
        raise SystemExit("sim did not start within 60 s")
    config = tomllib.loads(config_path.read_text())
    return process, config["exchange"]


# --- our client ------------------------------------------------------------------------


class Ours:
    def __init__(self, exchange: dict[str, Any]) -> None:
        key = api.load_private_key(Path(exchange["private_key_path"]))
        self.client = api.KalshiClient(
            exchange["base_url"],
            api.KalshiAuth(exchange["key_id"], key),
            rate_limits=api.RateLimits.unlimited(),
        )

    async def all_markets(self) -> int:
        return len(await self.client.get_all_markets(limit=1000))

    async def portfolio(self) -> int:
        _balance, positions, orders, fills = await asyncio.gather(
            self.client.get_balance(),
            self.client.get_positions(),
            self.client.get_orders(status="resting"),
            self.client.get_fills(limit=100),
        )
        return 1 + len(positions.market_positions) + len(orders.orders) + len(fills.fills)

    async def create(self, ticker: str) -> str:
        ack = await self.client.create_order(
            api.OrderRequest(
                ticker=ticker,
                side="yes",
                action="buy",
                count=Decimal(1),
                price=Decimal("0.02"),
                client_order_id=str(uuid.uuid4()),
            )
        )
        return ack.order_id

    async def cancel(self, order_id: str) -> None:
        await self.client.cancel_order(order_id)

    async def close(self) -> None:
        await self.client.aclose()


# --- the official SDK ------------------------------------------------------------------


class Official:
    def __init__(self, exchange: dict[str, Any]) -> None:
        import kalshi_python_sync as sdk

        configuration = sdk.Configuration(host=exchange["base_url"])
        configuration.api_key_id = exchange["key_id"]
        configuration.private_key_pem = Path(exchange["private_key_path"]).read_text()
        self.client = sdk.KalshiClient(configuration)

    def all_markets(self) -> int:
        total, cursor = 0, None
        while True:
            page = self.client.get_markets(limit=1000, cursor=cursor)
            total += len(page.markets)
            cursor = page.cursor
            if not cursor:
                return total

    def portfolio(self) -> int:
        self.client.get_balance()
        positions = self.client.get_positions()
        orders = self.client.get_orders(status="resting")
        fills = self.client.get_fills(limit=100)
        return (
            1
            + len(positions.market_positions or [])
            + len(orders.orders or [])
            + len(fills.fills or [])
        )

    def create(self, ticker: str) -> str:
        order = self.client.create_order(
            ticker=ticker,
            side="yes",
            action="buy",
            count=1,
            yes_price=2,
            client_order_id=str(uuid.uuid4()),
        ).order
        return str(order.order_id)

    def cancel(self, order_id: str) -> None:
        self.client.cancel_order(order_id)


# --- timing ----------------------------------------------------------------------------


Sample = tuple[float, float]
"""(wall seconds, this process's CPU seconds) for one operation."""


async def timed_async(call: Callable[[], Awaitable[object]]) -> Sample:
    start, cpu = time.perf_counter(), time.process_time()
    await call()
    return time.perf_counter() - start, time.process_time() - cpu


def timed_sync(call: Callable[[], object]) -> Sample:
    start, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - start, time.process_time() - cpu


async def run(
    markets: int, repeat: int, creates: int, faults: str
) -> dict[str, dict[str, list[Sample]]]:
    with tempfile.TemporaryDirectory() as tmp:
        process, exchange = start_sim(markets, Path(tmp), faults=faults)
        try:
            return await measure(exchange, repeat, creates)
        finally:
            process.terminate()
            process.wait(timeout=15)


async def measure(
    exchange: dict[str, Any], repeat: int, creates: int
) -> dict[str, dict[str, list[Sample]]]:
    ours = Ours(exchange)
    try:
        official: Official | None = Official(exchange)
    except ImportError:
        official = None
        print("kalshi_python_sync not installed: measuring our client only", file=sys.stderr)
    ticker = (await ours.client.get_markets(limit=1, status="open")).markets[0].ticker
    # Warm both clients (connections, imports, first-call caches).
    await ours.all_markets()
    await ours.portfolio()
    if official is not None:
        official.all_markets()
        official.portfolio()
    results: dict[str, dict[str, list[Sample]]] = {
        workload_id: {"ours": [], "sdk": []} for workload_id, _, _ in WORKLOADS
    }
    created: list[str] = []  # the order just created, cancelled untimed

    async def create_ours() -> None:
        created.append(await ours.create(ticker))

    def create_sdk() -> None:
        assert official is not None
        created.append(official.create(ticker))

    for i in range(repeat):
        order = ["ours", "sdk"] if i % 2 == 0 else ["sdk", "ours"]
        for who in order:
            if who == "ours":
                results["all_markets"]["ours"].append(await timed_async(ours.all_markets))
                for _ in range(5):
                    results["portfolio_refresh"]["ours"].append(await timed_async(ours.portfolio))
                for _ in range(creates):
                    results["order_create_ack"]["ours"].append(await timed_async(create_ours))
                    await ours.cancel(created.pop())
            elif official is not None:
                results["all_markets"]["sdk"].append(timed_sync(official.all_markets))
                for _ in range(5):
                    results["portfolio_refresh"]["sdk"].append(timed_sync(official.portfolio))
                for _ in range(creates):
                    results["order_create_ack"]["sdk"].append(timed_sync(create_sdk))
                    official.cancel(created.pop())
    await ours.close()
    return results


# Stable identifiers, labels and targets (issue 7 §3): the JSON keys never change, so
# runs from different commits can be compared and aggregated by `python -m bench`.
WORKLOADS: tuple[tuple[str, str, float], ...] = (
    ("all_markets", "all markets", 1.0),
    ("portfolio_refresh", "portfolio refresh", 2.0),
    ("order_create_ack", "order create → ack", 1.0),
)
"""(id, label, target): the target is the least acceptable SDK-median ÷ our-median."""
SCHEMA = 1


def stats_ms(samples: list[Sample]) -> dict[str, float | int]:
    """Wall p50 / p95 / max and client-CPU p50 in milliseconds, and the sample count."""
    ordered = sorted(wall for wall, _ in samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 3),
        "p95": round(p95 * 1000, 3),
        "max": round(ordered[-1] * 1000, 3),
        "cpu_p50": round(statistics.median(cpu for _, cpu in samples) * 1000, 3),
        "n": len(ordered),
    }


def summarise(results: dict[str, dict[str, list[Sample]]]) -> list[dict[str, Any]]:
    """One row per workload, in `WORKLOADS` order, with the same keys whatever ran."""
    rows = []
    for workload_id, label, target in WORKLOADS:
        pair = results[workload_id]
        ours = stats_ms(pair["ours"])
        sdk = stats_ms(pair["sdk"]) if pair.get("sdk") else None
        ratio = cpu_ratio = None
        if sdk is not None:
            ratio = round(float(sdk["p50"]) / float(ours["p50"]), 3)
            cpu_ratio = round(float(sdk["cpu_p50"]) / max(float(ours["cpu_p50"]), 1e-3), 3)
        rows.append(
            {
                "id": workload_id,
                "workload": label,
                "unit": "ms",
                "ours": ours,
                "sdk": sdk,
                "ratio": ratio,
                "cpu_ratio": cpu_ratio,
                "target": target,
                "met": None if ratio is None else ratio >= target,
            }
        )
    return rows


def common_rows(results: dict[str, dict[str, list[Sample]]]) -> list[dict[str, Any]]:
    """The rows of `python -m bench` (bench/results.py): ours ÷ SDK of the wall time.

    The target "at least 2x the SDK's throughput on the refresh, never slower on the
    rest" reads, as ours ÷ SDK of the median time, ratio <= 0.5 and ratio <= 1. Client
    CPU is printed, not reported: across a network it is not what a trader waits for.
    """
    out = []
    for workload_id, _label, target in WORKLOADS:
        pair = results[workload_id]
        ours = [wall * 1000 for wall, _ in pair["ours"]]
        sdk = [wall * 1000 for wall, _ in pair["sdk"]]
        out.append(
            results_row(
                "client",
                workload_id,
                ours,
                "ms",
                comparison="kalshi_python_sync" if sdk else None,
                comparison_samples=sdk or None,
                target=f"ratio <= {1 / target:g}" if sdk else None,
            )
        )
    return out


def report(rows: list[dict[str, Any]], args: argparse.Namespace, sdk: str | None) -> dict[str, Any]:
    """The JSON document: schema version, how it was run, and the rows."""
    return {
        "bench": "client",
        "schema": SCHEMA,
        "command": "python -m bench.bench_client "
        f"--markets {args.markets} --latency-ms {args.latency_ms:g} "
        f"--jitter-ms {args.jitter_ms:g} --repeat {args.repeat} --creates {args.creates}",
        "params": _params(args),
        "sdk": sdk,
        "ratio": "SDK p50 / our p50 (higher is better for us)",
        "cpu_ratio": "SDK client-CPU p50 / ours (for information: not what a trader waits for)",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "rows": rows,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    def ms(stats: dict[str, Any] | None, key: str) -> str:
        return "—" if stats is None else f"{stats[key]:,.1f}"

    print(
        f"{'workload':<20}{'ours p50':>9}{'p95':>8}{'max':>8}"
        f"{'SDK p50':>9}{'p95':>8}{'max':>8}{'ratio':>7}{'target':>8}  met"
        f"{'cpu ours':>10}{'cpu SDK':>9}{'cpu ×':>7}"
    )
    for row in rows:
        ours, sdk = row["ours"], row["sdk"]
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}"
        met = "—" if row["met"] is None else ("yes" if row["met"] else "NO")
        cpu = "—" if row["cpu_ratio"] is None else f"{row['cpu_ratio']:.2f}"
        print(
            f"{row['workload']:<20}{ms(ours, 'p50'):>9}{ms(ours, 'p95'):>8}{ms(ours, 'max'):>8}"
            f"{ms(sdk, 'p50'):>9}{ms(sdk, 'p95'):>8}{ms(sdk, 'max'):>8}{ratio:>7}"
            f"{'≥' + format(row['target'], '.1f'):>8}  {met:<3}"
            f"{ms(ours, 'cpu_p50'):>10}{ms(sdk, 'cpu_p50'):>9}{cpu:>7}"
        )
    print(
        "times in ms (wall); ratio = SDK p50 ÷ our p50 (higher is better for us); "
        "cpu = client-process CPU per operation (p50), the server being shared"
    )
    print(
        f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )


def _sdk_version() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return f"kalshi-python-sync {version('kalshi-python-sync')}"
    except PackageNotFoundError:
        return None


def _params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "markets": args.markets,
        "latency_ms": args.latency_ms,
        "jitter_ms": args.jitter_ms,
        "repeat": args.repeat,
        "creates": args.creates,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markets", type=int, default=5000, help="markets in the exchange")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="added to each response")
    parser.add_argument("--jitter-ms", type=float, default=10.0, help="uniform 0..N on top")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per client")
    parser.add_argument("--creates", type=int, default=10, help="orders per round")
    parser.add_argument("--json", type=Path, help="write the figures as common rows (bench/)")
    parser.add_argument("--raw-json", type=Path, help="write the per-client summary as JSON")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 200 markets, 2 ms latency, one round, two creates",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.markets, args.repeat, args.creates = 200, 1, 2
        args.latency_ms, args.jitter_ms = 2.0, 1.0
    faults = f"latency_ms={args.latency_ms:g},jitter_ms={args.jitter_ms:g}"
    results = asyncio.run(run(args.markets, args.repeat, args.creates, faults))
    rows = summarise(results)
    print(f"client, {args.markets} markets, simulated network ({faults}), one run")
    print_table(rows)
    if args.raw_json:
        document = report(rows, args, _sdk_version())
        args.raw_json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    params = {**_params(args), "sdk": _sdk_version()}
    write_results(args.json, "client", params, common_rows(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
