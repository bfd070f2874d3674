"""Kalshi's token-bucket rate limits: a read and a write bucket per account.

Every request costs tokens (10 by default; exceptions in `ENDPOINT_COSTS`). Bucket capacity as
Kalshi's rate-limit guide documents it: Basic and Advanced read buckets hold two seconds of refill,
higher tiers one; Basic write buckets hold one second, higher tiers two. An empty bucket answers 429
with the bare-string body and no headers. Requests without credentials (public market data) are
charged to a bucket per client address.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Bucket = Literal["read", "write"]

TIERS: dict[str, tuple[int, int]] = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "expert": (600, 600),
    "premier": (1000, 1000),
    "paragon": (2000, 2000),
    "prime": (4000, 4000),
    "prestige": (10000, 8000),
}
"""Refill per second (read, write) for each usage tier (Kalshi's rate-limit guide)."""


def tier_bursts(tier: str) -> tuple[float, float]:
    """Seconds of refill the (read, write) buckets hold in `tier`, as documented."""
    read = 2.0 if tier in ("basic", "advanced") else 1.0
    write = 1.0 if tier == "basic" else 2.0
    return read, write


DEFAULT_COST = 10
BATCH_CREATE_COST_PER_ORDER = 10
BATCH_CANCEL_COST_PER_ORDER = 2

_WRITE_PATH = re.compile(r"^/portfolio/(events/)?orders(/|$)|^/portfolio/order_groups(/|$)")
_BATCH_PATH = re.compile(r"^/portfolio/(events/)?orders/batched$")

ENDPOINT_COSTS: list[tuple[str, str, int]] = [
    ("GET", "/portfolio/orders/{order_id}", 2),
    ("DELETE", "/portfolio/events/orders/{order_id}", 2),
]
"""Non-default costs, as `GET /account/endpoint_costs` lists them."""

_COST_PATTERNS = [
    (method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), cost)
    for method, path, cost in ENDPOINT_COSTS
]


def classify(method: str, path: str) -> tuple[Bucket, int]:
    """The bucket and token cost of a request; `path` is relative to `/trade-api/v2`."""
    bucket: Bucket = "write" if method != "GET" and _WRITE_PATH.match(path) else "read"
    # The batched routes share a prefix with the per-order patterns.
    if _BATCH_PATH.match(path):
        return bucket, DEFAULT_COST
    for cost_method, pattern, cost in _COST_PATTERNS:
        if method == cost_method and pattern.match(path):
            return bucket, cost
    return bucket, DEFAULT_COST


def is_batch(method: str, path: str) -> bool:
    """Batch routes are charged per item by the route itself, once the body is parsed."""
    return method in ("POST", "DELETE") and _BATCH_PATH.match(path) is not None


@dataclass
class RateLimitConfig:
    """Rate limits for every account (one tier for all, as a simulator needs)."""

    tier: str = "basic"
    """Usage tier name; sets the refill rates unless overridden."""
    read_per_s: float | None = None
    """Read tokens per second; None = the tier's rate."""
    write_per_s: float | None = None
    """Write tokens per second; None = the tier's rate."""
    read_burst_s: float | None = None
    """Read bucket capacity in seconds of refill; None = the tier's (`tier_bursts`)."""
    write_burst_s: float | None = None
    """Write bucket capacity in seconds of refill; None = the tier's (`tier_bursts`)."""
    enabled: bool = True
    """False serves every request regardless of budget."""

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"unknown rate-limit tier {self.tier!r}; one of {', '.join(TIERS)}")

    def rate(self, bucket: Bucket) -> float:
        """Tokens per second for a bucket."""
        read, write = TIERS[self.tier]
        if bucket == "read":
            return self.read_per_s if self.read_per_s is not None else float(read)
        return self.write_per_s if self.write_per_s is not None else float(write)

    def capacity(self, bucket: Bucket) -> float:
        """Bucket size in tokens."""
        read, write = tier_bursts(self.tier)
        if bucket == "read":
            burst = self.read_burst_s if self.read_burst_s is not None else read
        else:
            burst = self.write_burst_s if self.write_burst_s is not None else write
        return self.rate(bucket) * burst


@dataclass
class _TokenBucket:
    capacity: float
    rate: float
    tokens: float
    updated: float

    def take(self, cost: float, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


@dataclass
class RateLimiter:
    """Buckets per (account, bucket kind); `config` may be replaced while serving."""

    config: RateLimitConfig = field(default_factory=RateLimitConfig)
    monotonic: Callable[[], float] = time.monotonic
    _buckets: dict[tuple[str, Bucket], _TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, account: str, bucket: Bucket, cost: float) -> bool:
        """Spend `cost` tokens; False when the bucket cannot cover it (nothing is spent)."""
        if not self.config.enabled:
            return True
        now = self.monotonic()
        capacity = self.config.capacity(bucket)
        rate = self.config.rate(bucket)
        with self._lock:
            state = self._buckets.get((account, bucket))
            if state is None or state.capacity != capacity or state.rate != rate:
                state = _TokenBucket(capacity, rate, capacity, now)
                self._buckets[(account, bucket)] = state
            return state.take(cost, now)
