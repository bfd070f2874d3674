"""Benchmark: 429s drawn by the client's rate limiter against an exchange at the same tier.

The client meters requests when it sends them, the exchange when they arrive; jitter
bunches arrivals. For each planning margin (the share of the tier's budget the client
spends, `RateLimits.for_tier(tier, margin=...)`), this starts the embedded exchange with
rate limits on at `--tier`, fires `--requests` concurrent reads from one client and counts
the 429s the exchange answered (each then retried by the client), over `--runs` fresh
exchanges. It prints, per margin, the 429s per run and the wall time of a burst.

Run: `python -m bench.bench_rate_margin` (add `--help` for options).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.results import row as results_row
from bench.results import write as write_results
from kalshi_tui.api import KalshiAuth, KalshiClient, RateLimits
from kalshi_tui.api._ratelimit import Tier
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import start_exchange

KEY_ID = "bench-rate-margin"


async def burst(
    base_url: str, key: rsa.RSAPrivateKey, tier: Tier, margin: float, requests: int
) -> tuple[int, float]:
    """(429s answered, seconds) for `requests` concurrent reads."""
    limits = RateLimits.for_tier(tier, margin=margin)
    async with KalshiClient(base_url, KalshiAuth(KEY_ID, key), rate_limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(client.get_exchange_status() for _ in range(requests)))
        return client.stats.rate_limited, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tier", default="basic", choices=["basic", "advanced", "premier"])
    parser.add_argument("--requests", type=int, default=100, help="reads per burst")
    parser.add_argument("--runs", type=int, default=5, help="fresh exchanges per margin")
    parser.add_argument(
        "--margins", default="1.0,0.95,0.9", help="comma-separated planning margins"
    )
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one exchange per margin")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.requests = 1, 20
    figures = []
    baseline: list[float] | None = None
    private_pem, public_pem = generate_key_pair()
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    tier: Tier = args.tier
    print(f"{args.requests} concurrent reads, {args.tier} tier on both sides, {args.runs} runs")
    for margin in (float(m) for m in args.margins.split(",")):
        hits: list[int] = []
        seconds: list[float] = []
        for _ in range(args.runs):
            exchange = start_exchange(
                seed=1,
                markets=20,
                agents=False,
                tick_s=3600.0,
                keys=[(KEY_ID, public_pem)],
                rate_limits=RateLimitConfig(tier=args.tier),
            )
            try:
                count, elapsed = asyncio.run(
                    burst(exchange.base_url, key, tier, margin, args.requests)
                )
            finally:
                exchange.stop()
            hits.append(count)
            seconds.append(elapsed)
        # The first margin is the comparison (by default 1.0: the tier's full budget).
        if baseline is None:
            baseline = [float(h) for h in hits]
        figures.append(
            results_row(
                "rate_margin",
                f"429s_per_burst@{margin:.2f}",
                [float(h) for h in hits],
                "429s",
                comparison=f"margin {args.margins.split(',')[0]}",
                comparison_samples=baseline,
            )
        )
        figures.append(
            results_row("rate_margin", f"burst_wall@{margin:.2f}", [t * 1e3 for t in seconds], "ms")
        )
        print(
            f"margin {margin:.2f}: 429s per run {hits} (total {sum(hits)}), "
            f"burst median {statistics.median(seconds):.2f} s"
        )
    params = {"tier": args.tier, "requests": args.requests, "runs": args.runs}
    write_results(args.json, "rate_margin", {**params, "margins": args.margins}, figures)


if __name__ == "__main__":
    main()
