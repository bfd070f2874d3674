"""Deterministic fault injection: what a flaky exchange does to a client, on demand.

A fault SPEC is a comma-separated list of `key=value` items and bare flags, for example

    write_error=0.2,read_error=0.05,latency_ms=20,drop_response=0.05,reset=0.02,paused

Rates are probabilities in [0, 1] per request. Requests fall in two route classes: `write`
(order create/amend/decrease/cancel and order-group mutations) and `read` (everything else).
A bare key (`error`, `rate_limit`, `reset`, `latency_ms`) applies to both classes; a `read_` or
`write_` prefix sets one class and wins over the bare key.

    error=R           answer 5xx before doing anything (status from error_status)
    error_status=S    503 by default; several as 500/502/503 (chosen by the seeded draw)
    rate_limit=R      answer 429 {"error":"too many requests"}
    reset=R           drop the connection without a response, before doing anything
    drop_response=R   writes only: apply the write, then drop the connection (the client
                      cannot tell whether its order exists)
    latency_ms=N      add N ms to every response; jitter_ms=N adds a uniform 0..N on top
    lag_ms=N          hide orders younger than N ms from GET /portfolio/orders listings
                      (REST read-after-write lag)
    paused            trading paused: /exchange/status says trading_active=false and order
                      create/amend/decrease answer 409 trading_is_paused (`paused=false` undoes)
    clock_shift_s=S   shift the server clock by S seconds (Date header, signature window)
    seed=N            seed of the fault draws (default: the exchange seed)

The WebSocket stream (`/trade-api/ws/v2`) has its own, drawn per message sent:

    ws_drop_delta=R      an orderbook delta is not sent, its seq spent (the client sees a gap)
    ws_duplicate_delta=R an orderbook delta is sent twice (same seq)
    ws_latency_ms=N      every stream message waits N ms before it is sent
    ws_disconnect=R      the connection is dropped (TCP abort, no close frame)
    ws_overflow=R        the message's subscription overflows: error 25 for its sid, and the
                         subscription ends (terminal, as Kalshi's docs say)
    ws_frozen            the stream goes silent: no messages, no replies, no pings, no pongs,
                         the connection left open (`ws_frozen=false` undoes)

Determinism: each route class has its own seeded generator and every request draws the same
number of values from it, so the n-th write meets the same fault whatever the reads in between
and whatever the configured rates.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

RouteClass = Literal["read", "write"]
Action = Literal["error", "rate_limit", "reset", "drop_response"]

_CLASS_KEYS = ("error", "rate_limit", "reset", "latency_ms")
_STREAM_RATES = ("ws_drop_delta", "ws_duplicate_delta", "ws_disconnect", "ws_overflow")
_ALLOWED_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class ClassFaults:
    """Fault rates for one route class."""

    error: float = 0.0
    rate_limit: float = 0.0
    reset: float = 0.0
    latency_ms: float = 0.0


@dataclass(frozen=True)
class FaultConfig:
    """Everything a SPEC can say; the default injects nothing."""

    read: ClassFaults = field(default_factory=ClassFaults)
    write: ClassFaults = field(default_factory=ClassFaults)
    error_status: tuple[int, ...] = (503,)
    drop_response: float = 0.0
    jitter_ms: float = 0.0
    lag_ms: float = 0.0
    paused: bool = False
    clock_shift_s: float = 0.0
    seed: int | None = None
    ws_drop_delta: float = 0.0
    ws_duplicate_delta: float = 0.0
    ws_latency_ms: float = 0.0
    ws_disconnect: float = 0.0
    ws_overflow: float = 0.0
    ws_frozen: bool = False


StreamAction = Literal["drop", "duplicate", "disconnect", "overflow"]


@dataclass(frozen=True)
class StreamDecision:
    """What to do to one stream message."""

    latency_s: float
    action: StreamAction | None


@dataclass(frozen=True)
class Decision:
    """What to do to one request."""

    latency_s: float
    action: Action | None
    status: int = 503


def _rate(key: str, text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"fault rate {key}={text} is not between 0 and 1")
    return value


def _non_negative(key: str, text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(f"{key}={text} must not be negative")
    return value


def parse_spec(spec: str, base: FaultConfig | None = None) -> FaultConfig:
    """Parse a SPEC (see the module docstring) on top of `base`; ValueError when malformed."""
    config = base or FaultConfig()
    shared: dict[str, float] = {}
    per_class: dict[RouteClass, dict[str, float]] = {"read": {}, "write": {}}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if not sep:
            if key not in ("paused", "ws_frozen"):
                raise ValueError(f"fault {key!r} needs a value (key=value)")
            on: dict[str, Any] = {key: True}
            config = replace(config, **on)
            continue
        try:
            config, handled = _parse_item(config, key, value, shared, per_class)
        except ValueError as exc:
            raise ValueError(f"bad fault item {item!r}: {exc}") from None
        if not handled:
            raise ValueError(f"unknown fault {key!r}")
    return replace(
        config,
        read=replace(config.read, **{**shared, **per_class["read"]}),
        write=replace(config.write, **{**shared, **per_class["write"]}),
    )


def _parse_item(
    config: FaultConfig,
    key: str,
    value: str,
    shared: dict[str, float],
    per_class: dict[RouteClass, dict[str, float]],
) -> tuple[FaultConfig, bool]:
    route_class: RouteClass
    for route_class in ("read", "write"):
        name = key.removeprefix(route_class + "_")
        if name != key and name in _CLASS_KEYS:
            parse = _non_negative if name == "latency_ms" else _rate
            per_class[route_class][name] = parse(key, value)
            return config, True
    if key in _CLASS_KEYS:
        parse = _non_negative if key == "latency_ms" else _rate
        shared[key] = parse(key, value)
        return config, True
    if key == "error_status":
        statuses = tuple(int(part) for part in value.split("/"))
        if not statuses or any(status not in _ALLOWED_STATUSES for status in statuses):
            raise ValueError("error_status must be 500, 502 or 503 (several joined by /)")
        return replace(config, error_status=statuses), True
    if key == "drop_response":
        return replace(config, drop_response=_rate(key, value)), True
    if key == "jitter_ms":
        return replace(config, jitter_ms=_non_negative(key, value)), True
    if key == "lag_ms":
        return replace(config, lag_ms=_non_negative(key, value)), True
    if key in ("paused", "ws_frozen"):
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{key} takes true or false")
        flag: dict[str, Any] = {key: value.lower() in ("true", "1", "yes")}
        return replace(config, **flag), True
    if key in _STREAM_RATES:
        rate: dict[str, Any] = {key: _rate(key, value)}
        return replace(config, **rate), True
    if key == "ws_latency_ms":
        return replace(config, ws_latency_ms=_non_negative(key, value)), True
    if key == "clock_shift_s":
        return replace(config, clock_shift_s=float(value)), True
    if key == "seed":
        return replace(config, seed=int(value)), True
    return config, False


def describe(config: FaultConfig) -> str:
    """A SPEC that parses back to `config` (for logs and the sim banner)."""
    items: list[str] = []
    for name in ("read", "write"):
        faults: ClassFaults = getattr(config, name)
        for item in fields(faults):
            value = getattr(faults, item.name)
            if value:
                items.append(f"{name}_{item.name}={value:g}")
    if config.error_status != (503,):
        items.append("error_status=" + "/".join(str(s) for s in config.error_status))
    for key in ("drop_response", "jitter_ms", "lag_ms", "clock_shift_s", *_STREAM_RATES):
        value = getattr(config, key)
        if value:
            items.append(f"{key}={value:g}")
    if config.ws_latency_ms:
        items.append(f"ws_latency_ms={config.ws_latency_ms:g}")
    if config.paused:
        items.append("paused")
    if config.ws_frozen:
        items.append("ws_frozen")
    if config.seed is not None:
        items.append(f"seed={config.seed}")
    return ",".join(items)


class FaultInjector:
    """The live fault switchboard; tests change it while the exchange serves."""

    def __init__(self, config: FaultConfig | None = None, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._default_seed = seed
        self._config = config or FaultConfig()
        self._rngs = self._make_rngs(self._config)
        self.injected: Counter[str] = Counter()
        """Faults injected so far, by `<class>_<action>` (e.g. `write_drop_response`) and
        `<class>_latency` for delayed requests; never reset (soak and bench reports)."""
        self.requests: Counter[str] = Counter()
        """Requests seen, by route class (`read`, `write`); the denominators of `injected`."""

    def _make_rngs(
        self, config: FaultConfig
    ) -> dict[RouteClass | Literal["stream"], random.Random]:
        seed = config.seed if config.seed is not None else self._default_seed
        return {
            "read": random.Random(f"{seed}:read"),
            "write": random.Random(f"{seed}:write"),
            "stream": random.Random(f"{seed}:stream"),
        }

    @property
    def config(self) -> FaultConfig:
        """The faults in force."""
        with self._lock:
            return self._config

    def configure(self, spec: str = "", **overrides: object) -> FaultConfig:
        """Replace the faults with `spec` (parsed from scratch) plus dataclass overrides.

        The draws restart from the seed, so a test that configures faults gets the same
        sequence every run. `configure()` with no arguments clears every fault.
        """
        config = replace(parse_spec(spec), **overrides)  # type: ignore[arg-type]
        with self._lock:
            self._config = config
            self._rngs = self._make_rngs(config)
        return config

    def adjust(self, **overrides: object) -> FaultConfig:
        """Change fields of the faults in force (e.g. `write=ClassFaults(...)`) without
        restarting the draws, so a seeded run stays one reproducible sequence."""
        with self._lock:
            self._config = replace(self._config, **overrides)  # type: ignore[arg-type]
            return self._config

    def set_paused(self, paused: bool) -> None:
        """Pause or resume trading without disturbing the other faults or the draws."""
        with self._lock:
            self._config = replace(self._config, paused=paused)

    def decide(self, route_class: RouteClass) -> Decision:
        """Draw the fault for one request of `route_class`."""
        with self._lock:
            config = self._config
            draws = [self._rngs[route_class].random() for _ in range(6)]
        rates: ClassFaults = getattr(config, route_class)
        latency_s = (rates.latency_ms + draws[4] * config.jitter_ms) / 1000.0
        status = config.error_status[int(draws[5] * len(config.error_status))]
        decision = Decision(latency_s, None)
        if draws[0] < rates.reset:
            decision = Decision(latency_s, "reset")
        elif draws[1] < rates.error:
            decision = Decision(latency_s, "error", status)
        elif draws[2] < rates.rate_limit:
            decision = Decision(latency_s, "rate_limit", 429)
        elif route_class == "write" and draws[3] < config.drop_response:
            decision = Decision(latency_s, "drop_response")
        with self._lock:
            self.requests[route_class] += 1
            if decision.action is not None:
                self.injected[f"{route_class}_{decision.action}"] += 1
            if latency_s > 0:
                self.injected[f"{route_class}_latency"] += 1
        return decision

    def decide_stream(self, is_delta: bool) -> StreamDecision:
        """Draw the fault for one stream message (every message draws four values, so the
        n-th message meets the same fault whatever the rates)."""
        with self._lock:
            config = self._config
            draws = [self._rngs["stream"].random() for _ in range(4)]
        latency_s = config.ws_latency_ms / 1000.0
        action: StreamAction | None = None
        if draws[0] < config.ws_disconnect:
            action = "disconnect"
        elif draws[1] < config.ws_overflow:
            action = "overflow"
        elif is_delta and draws[2] < config.ws_drop_delta:
            action = "drop"
        elif is_delta and draws[3] < config.ws_duplicate_delta:
            action = "duplicate"
        with self._lock:
            self.requests["stream"] += 1
            if action is not None:
                self.injected[f"stream_{action}"] += 1
        return StreamDecision(latency_s, action)

    def note(self, what: str) -> None:
        """Count a fault applied outside `decide*` (e.g. a command a frozen stream ignored)."""
        with self._lock:
            self.injected[what] += 1
