"""Client-side token buckets mirroring Kalshi's rate limits (getting_started/rate_limits).

Kalshi meters each key with two buckets, Read and Write, refilled continuously at a
tier-dependent rate up to a capacity; each request costs tokens (10 by default, other
amounts for the endpoints `GET /account/endpoint_costs` lists). Waiting locally for
tokens is always better than sending into a 429: a 429 costs a round trip and, for
writes, the exchange says nothing more.

The plan comes from the account itself at start-up (`KalshiClient.plan_rate_limits`:
`GET /account/limits` for both buckets' refill rate and capacity, `GET
/account/endpoint_costs` for the costs); until then, or when those cannot be read, from
the documented tier tables below (`RateLimits.for_tier`, `EndpointCosts()`).

A share of the write bucket is reserved for cancels. Ordinary writes may not drain
the bucket below the reserve; cancels may. When a strategy floods order entry, the
kill switch can still get its cancels out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Bucket = Literal["read", "write"]
Priority = Literal["normal", "cancel"]
Tier = Literal["basic", "advanced", "expert", "premier", "paragon", "prime", "prestige"]

# Token costs; everything not listed costs DEFAULT_COST.
DEFAULT_COST = 10

_TIERS: dict[Tier, tuple[float, float]] = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "expert": (600, 600),
    "premier": (1_000, 1_000),
    "paragon": (2_000, 2_000),
    "prime": (4_000, 4_000),
    "prestige": (10_000, 8_000),
}
"""Documented per-second budgets (read, write) of each tier."""

_TWO_SECOND_READ_TIERS = frozenset({"basic", "advanced"})
"""Read buckets that hold two seconds of budget; those above Advanced hold one. Write
buckets hold two seconds above Basic and one at Basic."""


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
    """Read capacity in seconds of refill (two at Basic and Advanced, one above)."""
    write_burst_seconds: float = 2.0
    """Write capacity in seconds of refill (one at Basic, two above)."""
    cancel_reserve: float = 0.2
    """Fraction of write capacity only cancels may use."""

    @classmethod
    def for_tier(cls, tier: Tier, *, margin: float = TIER_MARGIN) -> RateLimits:
        """The budget the client plans with for `tier` from the documented tables: the
        tier's rates × `margin`, with the documented bucket capacities."""
        try:
            read, write = _TIERS[tier]
        except KeyError:
            raise ValueError(f"unknown tier {tier!r}; expected one of {sorted(_TIERS)}") from None
        _check_margin(margin)
        return cls(
            read_per_second=read * margin,
            write_per_second=write * margin,
            read_burst_seconds=2.0 if tier in _TWO_SECOND_READ_TIERS else 1.0,
            write_burst_seconds=1.0 if tier == "basic" else 2.0,
        )

    @classmethod
    def from_account(cls, body: object, *, margin: float = TIER_MARGIN) -> RateLimits:
        """The plan from a `GET /account/limits` answer (`read` and `write`, each with
        `refill_rate` and `bucket_capacity`), rates × `margin`. ValueError names what is
        missing or wrong."""
        _check_margin(margin)
        read_rate, read_capacity = _bucket(body, "read")
        write_rate, write_capacity = _bucket(body, "write")
        return cls(
            read_per_second=read_rate * margin,
            write_per_second=write_rate * margin,
            read_burst_seconds=read_capacity / read_rate,
            write_burst_seconds=write_capacity / write_rate,
        )

    @classmethod
    def unlimited(cls) -> RateLimits:
        """No local limiting (for a local simulator without limits)."""
        return cls(read_per_second=float("inf"), write_per_second=float("inf"))

    def describe(self) -> str:
        """`read 180/s (burst 360), write 90/s (burst 90)`."""
        if self.read_per_second == float("inf"):
            return "unlimited"
        return (
            f"read {self.read_per_second:g}/s (burst {self.read_capacity:g}), "
            f"write {self.write_per_second:g}/s (burst {self.write_capacity:g})"
        )

    @property
    def read_capacity(self) -> float:
        return self.read_per_second * self.read_burst_seconds

    @property
    def write_capacity(self) -> float:
        return self.write_per_second * self.write_burst_seconds


def _check_margin(margin: float) -> None:
    if not 0 < margin <= 1:
        raise ValueError(f"margin must be in (0, 1], got {margin}")


MAX_TOKENS = 10**9
"""Larger rates, capacities or costs are not plausible answers (a broken body)."""


def _positive(value: object, where: str) -> float:
    """A token amount of at least one (Kalshi sends integers; a decimal is taken as it
    is). Below one a plan would stall every request; above `MAX_TOKENS` it is garbage."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"{where} must be a number, got {value!r}")
    if not 1 <= value <= MAX_TOKENS:  # also refuses NaN
        raise ValueError(f"{where} must be between 1 and {MAX_TOKENS}, got {value!r}")
    return float(value)


def _bucket(body: object, name: str) -> tuple[float, float]:
    bucket = body.get(name) if isinstance(body, Mapping) else None
    if not isinstance(bucket, Mapping):
        raise ValueError(f"no `{name}` bucket in the answer")
    rate = _positive(bucket.get("refill_rate"), f"{name}.refill_rate")
    capacity = _positive(bucket.get("bucket_capacity"), f"{name}.bucket_capacity")
    return rate, capacity


Route = tuple[str, tuple[str | None, ...]]
"""A method and a path split into segments, None where a path parameter goes."""

API_PREFIX = "/trade-api/v2"


def route_of(method: str, path: str) -> Route:
    """`("GET", ("portfolio", "orders", None))` for `GET /portfolio/orders/{order_id}`,
    with or without the `/trade-api/v2` prefix and the query string."""
    path = path.split("?", 1)[0]
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    segments = tuple(
        None if part.startswith(("{", ":")) else part for part in path.strip("/").split("/")
    )
    return method.upper(), segments


def _matches(route: Route, method: str, segments: tuple[str, ...]) -> bool:
    want_method, want = route
    return (
        want_method == method
        and len(want) == len(segments)
        and all(part is None or part == got for part, got in zip(want, segments, strict=True))
    )


_DOCUMENTED_COSTS: tuple[tuple[Route, int], ...] = (
    (route_of("GET", "/portfolio/orders/{order_id}"), 2),
    (route_of("DELETE", "/portfolio/events/orders/{order_id}"), 2),
)
"""The non-default costs the docs name (a batch cancel costs the single cancel's cost per
order); the account's own list replaces them at start-up."""


@dataclass(frozen=True, slots=True)
class EndpointCosts:
    """Token cost of each request: the default, and the endpoints that differ."""

    default: int = DEFAULT_COST
    exceptions: tuple[tuple[Route, int], ...] = _DOCUMENTED_COSTS

    @classmethod
    def from_wire(cls, body: object) -> EndpointCosts:
        """From a `GET /account/endpoint_costs` answer (`default_cost`, `endpoint_costs`
        of `{method, path, cost}`); ValueError names what is wrong."""
        if not isinstance(body, Mapping):
            raise ValueError("the answer is not an object")
        default = _positive(body.get("default_cost"), "default_cost")
        rows = body.get("endpoint_costs")
        if not isinstance(rows, list):
            raise ValueError("no `endpoint_costs` list in the answer")
        exceptions: list[tuple[Route, int]] = []
        for index, row in enumerate(rows):
            where = f"endpoint_costs[{index}]"
            if not isinstance(row, Mapping):
                raise ValueError(f"{where} is not an object")
            method, path = row.get("method"), row.get("path")
            if not isinstance(method, str) or not isinstance(path, str) or not path:
                raise ValueError(f"{where} needs a method and a path")
            cost = row.get("cost")
            if isinstance(cost, bool) or not isinstance(cost, (int, float, Decimal)):
                raise ValueError(f"{where}.cost must be a number, got {cost!r}")
            if not 0 <= cost <= MAX_TOKENS:  # also refuses NaN
                raise ValueError(f"{where}.cost must be between 0 and {MAX_TOKENS}, got {cost!r}")
            exceptions.append((route_of(method, path), int(cost)))
        return cls(default=int(default), exceptions=tuple(exceptions))

    def cost(self, method: str, path: str) -> int:
        """What a request to `path` (relative to `/trade-api/v2`, or not) costs; where
        several listed routes match, the one with the fewest parameters (a literal
        `/orders/batched` before `/orders/{order_id}`)."""
        method, segments = route_of(method, path)
        concrete = tuple(part or "" for part in segments)
        matches = [
            (route[1].count(None), cost)
            for route, cost in self.exceptions
            if _matches(route, method, concrete)
        ]
        return min(matches)[1] if matches else self.default

    def per_order(self, method: str, path: str, orders: int) -> int:
        """A batch's cost: every order billed as its single request would be."""
        return self.cost(method, path) * orders


MAX_WAIT_SECONDS = 10.0
"""The longest a single request waits for tokens (a bucket's refill, capped)."""
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

    def resize(self, rate: float, capacity: float, *, reserve: float = 0.0) -> None:
        """New rate and capacity; the balance carries over, at most the new capacity."""
        if rate <= 0 or capacity <= 0:
            raise ValueError("rate and capacity must be positive")
        self._refill()
        self.rate = rate
        self.capacity = capacity
        self.reserve = min(reserve, capacity)
        self._tokens = min(self._tokens, capacity)

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
        # And no request waits for more than `MAX_WAIT_SECONDS` of refill, whatever an
        # account's plan says (a hostile or broken plan must never stall the client).
        limit = self.capacity
        if self.rate != float("inf"):
            limit = min(limit, self.rate * MAX_WAIT_SECONDS)
        needed = min(cost + floor, limit)
        # The tolerance absorbs float rounding in `elapsed * rate`: without it a wait of
        # exactly the computed delay can come up a hair short, forever, on a clock whose
        # resolution is coarser than the remaining shortfall.
        if self._tokens + _TOLERANCE >= needed:
            self._tokens = max(self._tokens - cost, -limit)  # a debt of one wait at most
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
            limits.read_per_second, limits.read_capacity, clock=clock, sleep=sleep
        )
        self.write = TokenBucket(
            limits.write_per_second,
            limits.write_capacity,
            reserve=limits.write_capacity * limits.cancel_reserve,
            clock=clock,
            sleep=sleep,
        )

    def reconfigure(self, limits: RateLimits) -> None:
        """Plan with `limits` from now on; tokens already spent stay spent."""
        self.limits = limits
        self.read.resize(limits.read_per_second, limits.read_capacity)
        self.write.resize(
            limits.write_per_second,
            limits.write_capacity,
            reserve=limits.write_capacity * limits.cancel_reserve,
        )

    async def acquire(self, bucket: Bucket, cost: float, priority: Priority = "normal") -> float:
        target = self.read if bucket == "read" else self.write
        return await target.acquire(cost, priority=priority)

    @property
    def headroom(self) -> RateHeadroom:
        return RateHeadroom(read=self.read.headroom, write=self.write.headroom)
