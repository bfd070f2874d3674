"""Client-side token buckets mirroring Kalshi's rate limits (API reference §6).

Kalshi meters each key with two buckets, Read and Write, refilled every second at a
tier-dependent rate; each request costs tokens (10 by default, less for a few
endpoints). Waiting locally for tokens is always better than sending into a 429: a
429 costs a round trip and, for writes, the exchange says nothing more.

A share of the write bucket is reserved for cancels. Ordinary writes may not drain
the bucket below the reserve; cancels may. When a strategy floods order entry, the
kill switch can still get its cancels out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

Bucket = Literal["read", "write"]
Priority = Literal["normal", "cancel"]
Tier = Literal["basic", "advanced", "premier", "paragon", "prime"]

# Token costs (API reference §6); everything not listed costs DEFAULT_COST.
DEFAULT_COST = 10
GET_ORDER_COST = 2
V2_CANCEL_COST = 2
BATCH_CREATE_COST_PER_ORDER = 10
BATCH_CANCEL_COST_PER_ORDER = 2

_TIERS: dict[Tier, tuple[float, float]] = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "premier": (1_000, 1_000),
    "paragon": (2_000, 2_000),
    "prime": (4_000, 4_000),
}


TIER_MARGIN = 0.9
"""Share of the tier's budget the client spends. The client and Kalshi meter the same
requests on two clocks: one at send time, one at arrival. Network jitter bunches
arrivals, so a client spending exactly the tier's rate is sometimes ahead of Kalshi's
bucket and gets a 429. At 90 % Kalshi's bucket refills faster than the client drains it,
which absorbs the jitter. `python -m bench.bench_rate_margin` measures it against the
simulator: 100 concurrent reads drew 1-3 429s per burst at 100 %, none at 90 %."""


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Refill rates (tokens per second) and bucket sizes for one account."""

    read_per_second: float
    write_per_second: float
    read_burst_seconds: float = 1.0
    """Read capacity in seconds of refill (inferred by the API reference)."""
    write_burst_seconds: float = 2.0
    """Write capacity: Kalshi documents 2 s of budget."""
    cancel_reserve: float = 0.2
    """Fraction of write capacity only cancels may use."""

    @classmethod
    def for_tier(cls, tier: Tier, *, margin: float = TIER_MARGIN) -> RateLimits:
        """The budget the client plans with for `tier`: the tier's rates × `margin`."""
        try:
            read, write = _TIERS[tier]
        except KeyError:
            raise ValueError(f"unknown tier {tier!r}; expected one of {sorted(_TIERS)}") from None
        if not 0 < margin <= 1:
            raise ValueError(f"margin must be in (0, 1], got {margin}")
        return cls(read_per_second=read * margin, write_per_second=write * margin)

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No local limiting (for a local simulator without limits)."""
        return cls(read_per_second=float("inf"), write_per_second=float("inf"))


_TOLERANCE = 1e-3
"""Tokens (a thousandth of the cheapest request) treated as rounding error."""


class TokenBucket:
    """A token bucket with an optional reserve that only priority callers may use.

    `clock` is monotonic seconds and `sleep` an async sleep; both are injectable so
    tests can run on virtual time. There is no lock: in asyncio the check-and-take
    below runs without an await in between, and a lock would make a cancel queue
    behind ordinary writes that are waiting on the reserve.
    """

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        reserve: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self.rate = rate
        self.capacity = capacity
        self.reserve = min(reserve, capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._updated = now
        if self.rate == float("inf"):
            self._tokens = self.capacity
        else:
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    @property
    def headroom(self) -> float:
        """Fraction of capacity available now, 0..1 (for the health display)."""
        if self.capacity == float("inf"):
            return 1.0
        return max(0.0, min(1.0, self.tokens / self.capacity))

    def try_acquire(self, cost: float, *, priority: Priority = "normal") -> float:
        """Take `cost` tokens if possible; else return the seconds to wait (> 0)."""
        self._refill()
        floor = 0.0 if priority == "cancel" else self.reserve
        # A cost larger than the usable bucket could never be paid in full; let it
        # through once the bucket is full and run a debt instead of waiting forever.
        needed = min(cost + floor, self.capacity)
        # The tolerance absorbs float rounding in `elapsed * rate`: without it a wait of
        # exactly the computed delay can come up a hair short, forever, on a clock whose
        # resolution is coarser than the remaining shortfall.
        if self._tokens + _TOLERANCE >= needed:
            self._tokens -= cost
            return 0.0
        return (needed - self._tokens) / self.rate

    async def acquire(self, cost: float, *, priority: Priority = "normal") -> float:
        """Wait until `cost` tokens are available and take them; returns seconds waited."""
        waited = 0.0
        while True:
            delay = self.try_acquire(cost, priority=priority)
            if delay <= 0:
                return waited
            waited += delay
            await self._sleep(delay)


@dataclass(frozen=True, slots=True)
class RateHeadroom:
    """Fraction of each bucket available now (1.0 = full)."""

    read: float
    write: float


class RateLimiter:
    """The read and write buckets for one API key."""

    def __init__(
        self,
        limits: RateLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.read = TokenBucket(
            limits.read_per_second,
            limits.read_per_second * limits.read_burst_seconds,
            clock=clock,
            sleep=sleep,
        )
        write_capacity = limits.write_per_second * limits.write_burst_seconds
        self.write = TokenBucket(
            limits.write_per_second,
            write_capacity,
            reserve=write_capacity * limits.cancel_reserve,
            clock=clock,
            sleep=sleep,
        )

    async def acquire(self, bucket: Bucket, cost: float, priority: Priority = "normal") -> float:
        target = self.read if bucket == "read" else self.write
        return await target.acquire(cost, priority=priority)

    @property
    def headroom(self) -> RateHeadroom:
        return RateHeadroom(read=self.read.headroom, write=self.write.headroom)
