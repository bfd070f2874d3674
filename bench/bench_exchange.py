"""Benchmark: the embedded exchange's matching engine, its loopback HTTP round trip, and its
catalogue at 20,000 markets, all measured in one run.

Run: `python -m bench.bench_exchange` (add `--help` for options; the default run takes about
15 s on a 2-core machine).

* engine: a seeded stream of limit orders (GTC and IOC, buy YES / buy NO around 50¢, so about
  half of them cross and trade) from 20 accounts across 10 markets, fed straight to
  `Exchange.create_order` (no HTTP, no agents). Orders per second, the median of several runs,
  each on a fresh exchange built outside the timed region. Then the same with the WebSocket
  stream publishing to 21 in-process subscribers (`engine_orders_per_s_streaming`).
* HTTP: the exchange served by uvicorn on 127.0.0.1 as demo sessions and tests run it, driven
  by one keep-alive httpx client signing every request with RSA-PSS (`kalshi_tui.api`), the
  signature included in the time. Round-trip p50/p99 of a signed V2 order create
  (`POST /portfolio/events/orders`, resting orders) next to a signed GET
  (`/portfolio/balance`) and a public GET (`/markets/{ticker}`), then the order create again
  with a stream connection subscribed to everything an order touches, read in a thread
  (`signed_order_create_streaming`). Rate limits off, no faults.
* scale: building `Exchange(market_count=20000)` (time, and memory traced by tracemalloc), one
  lifecycle/agent tick on it, the server's start, and paging through every market over HTTP at
  limit=1000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import statistics
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui import api
from kalshi_tui.exchange.engine import (
    COUNT_SCALE,
    MONEY_SCALE,
    PRICE_SCALE,
    Exchange,
    ExchangeError,
    OrderInput,
)
from kalshi_tui.exchange.http.auth import KeyRegistry
from kalshi_tui.exchange.http.context import SimContext
from kalshi_tui.exchange.http.faults import FaultInjector
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig, RateLimiter
from kalshi_tui.exchange.server import start_exchange
from kalshi_tui.exchange.ws.hub import StreamHub
from kalshi_tui.exchange.ws.session import StreamSession, encode

T0 = 1_795_000_000_000
ACCOUNTS = [f"bench-{n}" for n in range(20)]


# ---- engine ------------------------------------------------------------------------------


def order_stream(tickers: list[str], count: int, seed: int) -> list[tuple[str, OrderInput]]:
    """Seeded orders: 85 % GTC, 15 % IOC; YES bids 0.40–0.55 and NO bids 0.45–0.60."""
    rng = random.Random(seed)
    stream = []
    for _ in range(count):
        buy_yes = rng.random() < 0.5
        cents = rng.randint(40, 55) if buy_yes else 100 - rng.randint(40, 55)
        stream.append(
            (
                rng.choice(ACCOUNTS),
                OrderInput(
                    ticker=rng.choice(tickers),
                    side="yes" if buy_yes else "no",
                    action="buy",
                    price=cents * PRICE_SCALE // 100,
                    count=rng.randint(1, 20) * COUNT_SCALE,
                    time_in_force="immediate_or_cancel"
                    if rng.random() < 0.15
                    else "good_till_canceled",
                    self_trade_prevention_type="maker",
                ),
            )
        )
    return stream


def engine_run(orders: int, seed: int, streaming: bool = False) -> tuple[float, int, int]:
    """One timed run: (orders/s, trades, rejections). ``streaming``: every order goes
    through the venue lock with the stream hub publishing, every account subscribed to its
    fills, orders and positions and one more connection to the 10 books, tickers and trades;
    the messages are JSON-encoded as the sender would (all inside the timed region)."""
    exchange = Exchange(seed=seed, now=T0, market_count=60, agents=False)
    for account in ACCOUNTS:
        exchange.create_user(account, balance=10_000_000 * MONEY_SCALE)
        # The stream trades crypto markets too, whose collateral is on shard 2.
        exchange.deposit(account, 10_000_000 * MONEY_SCALE, shard=2)
    tickers = [m.ticker for m in exchange.list_markets(status="open")][:10]
    stream = order_stream(tickers, orders, seed)
    rejected = 0
    streamer = _Streamer(exchange, tickers) if streaming else None
    gc.collect()
    started = time.perf_counter()
    for n, (account, order) in enumerate(stream):
        try:
            if streamer is None:
                exchange.create_order(account, order, T0 + n)
            else:
                with streamer.context.lock:
                    exchange.create_order(account, order, T0 + n)
                if n % 100 == 99:
                    streamer.drain()
        except ExchangeError:
            rejected += 1
    if streamer is not None:
        streamer.drain()
    elapsed = time.perf_counter() - started
    trades = len(exchange.list_trades())
    if streamer is not None:
        streamer.close()
        STREAMED.append(streamer.messages)
    return orders / elapsed, trades, rejected


STREAMED: list[int] = []
"""Messages each streaming run produced."""


class _Streamer:
    """The stream hub over a bare engine, with in-process subscribers (no sockets)."""

    def __init__(self, exchange: Exchange, tickers: list[str]) -> None:
        self.loop = asyncio.new_event_loop()
        self.context = SimContext(
            engine=exchange,
            clock=lambda: T0 / 1000,
            profile="current",
            faults=FaultInjector(),
            limiter=RateLimiter(RateLimitConfig(enabled=False)),
            keys=KeyRegistry(),
        )
        self.hub = StreamHub(self.context)
        self.sessions = [StreamSession(account, self.loop) for account in ACCOUNTS]
        market = StreamSession(ACCOUNTS[0], self.loop)
        private = ["fill", "user_orders", "market_positions"]
        for session in self.sessions:
            self.hub.attach(session)
            self.hub.handle(session, _command(1, private))
        self.hub.attach(market)
        self.hub.handle(market, _command(1, ["orderbook_delta", "ticker", "trade"], tickers))
        self.sessions.append(market)
        self.messages = 0
        self.drain()
        self.messages = 0

    def drain(self) -> None:
        for session in self.sessions:
            while session.outbox:
                encode(session.outbox.popleft().message)
                self.messages += 1

    def close(self) -> None:
        for session in self.sessions:
            self.hub.detach(session)
        self.loop.close()


def _command(ident: int, channels: list[str], tickers: list[str] | None = None) -> str:
    params: dict[str, Any] = {"channels": channels}
    if tickers is not None:
        params["market_tickers"] = tickers
    return json.dumps({"id": ident, "cmd": "subscribe", "params": params})


FIGURES: list[dict[str, Any]] = []
"""Common rows (bench/results.py) gathered as the sections run."""


def bench_engine(orders: int, runs: int) -> None:
    results = [engine_run(orders, seed) for seed in range(1, runs + 1)]
    streamed = [engine_run(orders, seed, streaming=True) for seed in range(1, runs + 1)]
    FIGURES.append(
        results_row(
            "exchange",
            "engine_orders_per_s",
            [r for r, _, _ in results],
            "orders/s",
            better="higher",
        )
    )
    rates = sorted(rate for rate, _, _ in results)
    trades = statistics.median(t for _, t, _ in results)
    rejected = statistics.median(r for _, _, r in results)
    print(f"engine: {orders:,} orders × {runs} runs, 10 markets, 20 accounts, no agents")
    print(
        f"  throughput  median {statistics.median(rates):>9,.0f} orders/s"
        f"   (min {rates[0]:,.0f}, max {rates[-1]:,.0f})"
    )
    print(f"  per run     median {trades:,.0f} trades, {rejected:,.0f} rejections")
    FIGURES.append(
        results_row(
            "exchange",
            "engine_orders_per_s_streaming",
            [r for r, _, _ in streamed],
            "orders/s",
            better="higher",
        )
    )
    stream_rates = sorted(rate for rate, _, _ in streamed)
    print(
        f"  streaming   median {statistics.median(stream_rates):>9,.0f} orders/s"
        f"   (min {stream_rates[0]:,.0f}, max {stream_rates[-1]:,.0f}); 21 subscribers,"
        f" median {statistics.median(STREAMED):,.0f} messages per run"
    )


# ---- HTTP --------------------------------------------------------------------------------


def _percentiles(samples_s: list[float]) -> str:
    ordered = sorted(samples_s)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] * 1000
    mean = statistics.fmean(ordered) * 1000
    return f"p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   mean {mean:6.2f} ms"


def _time_requests(send: Callable[[int], httpx.Response], count: int) -> list[float]:
    samples = []
    for n in range(count):
        started = time.perf_counter()
        response = send(n)
        samples.append(time.perf_counter() - started)
        if response.status_code >= 300:
            raise SystemExit(f"unexpected {response.status_code}: {response.text}")
    return samples


def bench_http(requests: int) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_id = str(uuid.uuid4())
    with start_exchange(
        seed=1,
        markets=60,
        agents=False,
        keys=[(key_id, public_pem)],
        rate_limits=RateLimitConfig(enabled=False),
        balance_dollars=1_000_000,
    ) as exchange:
        auth = api.KalshiAuth(key_id, key)
        with httpx.Client(base_url=exchange.base_url, auth=auth) as client:
            ticker = client.get("/markets", params={"status": "open"}).json()["markets"][0][
                "ticker"
            ]

            def create(n: int) -> httpx.Response:
                return client.post(
                    "/portfolio/events/orders",
                    json={
                        "ticker": ticker,
                        "client_order_id": f"bench-{n}-{uuid.uuid4()}",
                        "side": "bid" if n % 2 else "ask",
                        "count": "1.00",
                        "price": "0.0500" if n % 2 else "0.9500",  # rests, never crosses
                        "time_in_force": "good_till_canceled",
                        "self_trade_prevention_type": "taker_at_cross",
                    },
                )

            def balance(n: int) -> httpx.Response:
                return client.get("/portfolio/balance")

            def market(n: int) -> httpx.Response:
                return client.get(f"/markets/{ticker}")

            for send in (create, balance, market):  # warm up connection, caches, JIT-free paths
                _time_requests(send, 30)
            created = _time_requests(create, requests)
            signed_get = _time_requests(balance, requests)
            public_get = _time_requests(market, requests)
            with _Listener(exchange.ws_url, auth, ticker) as listener:
                streamed = _time_requests(create, requests)
            heard = listener.messages
    public_ms = [t * 1e3 for t in public_get]
    for metric, samples in (("signed_order_create", created), ("signed_get_balance", signed_get)):
        FIGURES.append(
            results_row(
                "exchange",
                metric,
                [t * 1e3 for t in samples],
                "ms",
                comparison="public GET /markets/{ticker}",
                comparison_samples=public_ms,
            )
        )
    print(f"HTTP loopback (uvicorn, keep-alive httpx, RSA-2048 PSS signing), {requests} each")
    print(f"  signed POST /portfolio/events/orders  {_percentiles(created)}")
    print(f"  signed GET  /portfolio/balance        {_percentiles(signed_get)}")
    print(f"  public GET  /markets/{{ticker}}         {_percentiles(public_get)}")
    print(f"  signed POST, a stream subscriber on    {_percentiles(streamed)}")
    print(f"    (book, ticker, trade, fill, user_orders, market_positions: {heard:,} messages)")
    FIGURES.append(
        results_row(
            "exchange",
            "signed_order_create_streaming",
            [t * 1e3 for t in streamed],
            "ms",
            comparison="signed order create, nobody streaming",
            comparison_samples=[t * 1e3 for t in created],
        )
    )


class _Listener:
    """A stream connection in a thread (the `websockets` sync client) subscribed to every
    channel an order touches, reading everything while the REST orders run."""

    CHANNELS = ("orderbook_delta", "ticker", "trade", "fill", "user_orders", "market_positions")

    def __init__(self, url: str, auth: api.KalshiAuth, ticker: str) -> None:
        self.messages = 0
        self._ws = ws_connect(url, additional_headers=auth.headers_for("GET", "/trade-api/ws/v2"))
        params = {"channels": list(self.CHANNELS), "market_ticker": ticker}
        self._ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": params}))
        for _ in self.CHANNELS:
            while json.loads(self._ws.recv(timeout=10))["type"] != "subscribed":
                pass
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for _ in self._ws:
                self.messages += 1

    def __enter__(self) -> _Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self._ws.close()
        self._thread.join(10)


# ---- scale -------------------------------------------------------------------------------


def bench_scale(markets: int) -> None:
    now_ms = int(time.time() * 1000)  # the wall clock, as start_exchange uses
    gc.collect()
    started = time.perf_counter()
    exchange = Exchange(seed=1, now=now_ms, market_count=markets)
    built_s = time.perf_counter() - started
    real = len(exchange.market_tickers())
    ticks = 50
    started = time.perf_counter()
    for n in range(ticks):  # what the server's lifecycle/agent ticker does every 250 ms
        exchange.advance(now_ms + 250 * (n + 1))
    tick_ms = (time.perf_counter() - started) / ticks * 1000
    del exchange
    gc.collect()
    tracemalloc.start()
    traced = Exchange(seed=1, now=now_ms, market_count=markets)
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    started = time.perf_counter()
    with start_exchange(seed=1, markets=markets, agents=False) as running:
        served_s = time.perf_counter() - started
        with httpx.Client(base_url=running.base_url, timeout=60) as client:
            started = time.perf_counter()
            seen, pages, cursor = 0, 0, ""
            while True:
                params: dict[str, str | int] = {"limit": 1000}
                if cursor:
                    params["cursor"] = cursor
                body = client.get("/markets", params=params).json()
                seen += len(body["markets"])
                pages += 1
                cursor = body["cursor"]
                if not cursor:
                    break
            paged_s = time.perf_counter() - started
    for metric, value, unit in (
        (f"catalogue_build@{markets}", built_s * 1e3, "ms"),
        (f"catalogue_memory@{markets}", current / 2**20, "MiB"),
        (f"agent_tick@{markets}", tick_ms, "ms"),
        (f"all_markets_over_http@{markets}", paged_s * 1e3, "ms"),
    ):
        FIGURES.append(results_row("exchange", metric, [value], unit))
    print(f"scale: {real:,} markets (asked for {markets:,})")
    print(f"  Exchange(market_count={markets}) built in {built_s:.2f} s, {current / 2**20:.1f} MiB")
    print(f"  advance() with agents: {tick_ms:.2f} ms per 250 ms tick ({ticks} ticks)")
    print(f"  start_exchange (build + serve) {served_s:.2f} s")
    print(f"  GET /markets limit=1000: {seen:,} markets in {pages} pages, {paged_s:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000, help="orders per engine run")
    parser.add_argument("--runs", type=int, default=5, help="engine runs (median reported)")
    parser.add_argument("--requests", type=int, default=1000, help="HTTP requests per kind")
    parser.add_argument("--markets", type=int, default=20_000, help="markets for the scale run")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small sizes, one run")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.runs, args.requests, args.markets = 2_000, 1, 30, 1_000
    began = time.perf_counter()
    bench_engine(args.orders, args.runs)
    bench_http(args.requests)
    bench_scale(args.markets)
    print(f"total {time.perf_counter() - began:.1f} s")
    params = {k: getattr(args, k) for k in ("orders", "runs", "requests", "markets")}
    write_results(args.json, "exchange", params, FIGURES)


if __name__ == "__main__":
    main()
