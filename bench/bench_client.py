"""Benchmark: kalshi-tui's client against Kalshi's official Python SDK, same exchange, same run.

Run: `python -m bench.bench_client [--markets N] [--repeat N] [--json FILE]`

The exchange is `kalshi-tui sim` in its own process (so the server does not share the
benchmark's interpreter lock), compat profile (the SDK 3.2.0 needs the legacy fields),
rate limits off (we measure the clients, not the token buckets), loopback only. Three
workloads, each timed for both clients in alternating order, `--repeat` times:

* **all markets**: every market, following the cursor (1,000 per page);
* **portfolio refresh**: balance, positions, resting orders and the newest fills — what
  the terminal's portfolio poller does every couple of seconds (our client issues the
  four requests concurrently on one connection pool; the SDK is synchronous);
* **order create → ack**: one signed limit order that rests (then cancelled, untimed).

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

from kalshi_tui import api


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sim(markets: int, directory: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """`kalshi-tui sim` in a child process; returns it and the config it wrote."""
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
        "off",
        "--write-config",
        str(config_path),
    ]
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


async def timed_async(call: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


def timed_sync(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


async def run(markets: int, repeat: int, creates: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        process, exchange = start_sim(markets, Path(tmp))
        try:
            return await measure(exchange, repeat, creates)
        finally:
            process.terminate()
            process.wait(timeout=15)


async def measure(exchange: dict[str, Any], repeat: int, creates: int) -> dict[str, Any]:
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
    results: dict[str, dict[str, list[float]]] = {
        "all markets": {"ours": [], "sdk": []},
        "portfolio refresh": {"ours": [], "sdk": []},
        "order create → ack": {"ours": [], "sdk": []},
    }
    for i in range(repeat):
        order = ["ours", "sdk"] if i % 2 == 0 else ["sdk", "ours"]
        for who in order:
            if who == "ours":
                results["all markets"]["ours"].append(await timed_async(ours.all_markets))
                for _ in range(5):
                    results["portfolio refresh"]["ours"].append(await timed_async(ours.portfolio))
                for _ in range(creates):
                    start = time.perf_counter()
                    order_id = await ours.create(ticker)
                    results["order create → ack"]["ours"].append(time.perf_counter() - start)
                    await ours.cancel(order_id)
            elif official is not None:
                results["all markets"]["sdk"].append(timed_sync(official.all_markets))
                for _ in range(5):
                    results["portfolio refresh"]["sdk"].append(timed_sync(official.portfolio))
                for _ in range(creates):
                    start = time.perf_counter()
                    order_id = official.create(ticker)
                    results["order create → ack"]["sdk"].append(time.perf_counter() - start)
                    official.cancel(order_id)
    await ours.close()
    return {
        name: {who: times for who, times in pair.items() if times} for name, pair in results.items()
    }


def summarise(results: dict[str, Any], markets: int) -> list[dict[str, Any]]:
    rows = []
    for name, pair in results.items():
        ours = statistics.median(pair["ours"])
        sdk = statistics.median(pair["sdk"]) if "sdk" in pair else None
        rows.append(
            {
                "workload": name,
                "ours_ms": ours * 1000,
                "ours_p95_ms": _p95(pair["ours"]) * 1000,
                "sdk_ms": None if sdk is None else sdk * 1000,
                "sdk_p95_ms": None if sdk is None else _p95(pair["sdk"]) * 1000,
                "speedup": None if sdk is None else sdk / ours,
                "samples": len(pair["ours"]),
                "markets": markets,
            }
        )
    return rows


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def print_table(rows: list[dict[str, Any]]) -> None:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.1f}"

    print(
        f"{'workload':<22}{'ours p50':>10}{'ours p95':>10}"
        f"{'SDK p50':>10}{'SDK p95':>10}{'ours ×':>8}"
    )
    for row in rows:
        speed = "—" if row["speedup"] is None else f"{row['speedup']:.2f}"
        print(
            f"{row['workload']:<22}{ms(row['ours_ms']):>10}{ms(row['ours_p95_ms']):>10}"
            f"{ms(row['sdk_ms']):>10}{ms(row['sdk_p95_ms']):>10}{speed:>8}"
        )
    print("times in ms; 'ours ×' = SDK median ÷ our median (higher is better for us)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markets", type=int, default=2000, help="markets in the exchange")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per client")
    parser.add_argument("--creates", type=int, default=10, help="orders per round")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.markets, args.repeat, args.creates))
    rows = summarise(results, args.markets)
    print(f"client throughput, {args.markets} markets, loopback, one run")
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
