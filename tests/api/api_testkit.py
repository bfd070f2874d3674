"""Helpers shared by the API client tests: a fake clock, a scripted transport, and
the API reference's JSON examples in legacy-only and current-only form."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from kalshi_tui.api import KalshiAuth, KalshiClient, RateLimits

BASE_URL = "https://demo-api.kalshi.co/trade-api/v2"
KEY_ID = "a952bcbe-ec3b-4b5b-b8f9-11dae589608c"
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
DATA = Path(__file__).parent / "data"

# Integer fields that stay integers in the current generation (not legacy money/counts).
_CURRENT_INTS = {
    "settlement_timer_seconds",
    "ts",
    "exchange_index",
    "revenue",
    "value",
    "risk_limit_cents",
    "floor_strike",
}


class FakeClock:
    """Virtual time: `sleep` advances the clock instantly and records the delay."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler answering from a queue (or a function) and recording
    every request it sees, with its auth headers."""

    def __init__(self, *responses: httpx.Response | Exception | Handler) -> None:
        self.queue = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.queue:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        item = self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]
        if isinstance(item, Exception):
            raise item
        if callable(item) and not isinstance(item, httpx.Response):
            return item(request)
        return item

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


def respond(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    """A JSON response (`body` is serialised; str/bytes are sent raw)."""
    if isinstance(body, (str, bytes)):
        content = body.encode() if isinstance(body, str) else body
        return httpx.Response(status, content=content, headers=headers)
    # Decimals (from example files, or deliberately planted) go out as JSON floats.
    content = json.dumps({} if body is None else body, default=float).encode()
    return httpx.Response(
        status, content=content, headers={"content-type": "application/json", **headers}
    )


def kalshi_error(status: int, code: str, message: str = "", details: str = "") -> httpx.Response:
    inner = {"code": code, "message": message or code.replace("_", " ")}
    if details:
        inner["details"] = details
    return respond(status, {"error": inner})


def make_client(
    script: Script,
    clock: FakeClock,
    key: Any = None,
    *,
    rate_limits: RateLimits | None = None,
    **kwargs: Any,
) -> KalshiClient:
    auth = KalshiAuth(KEY_ID, key, clock=clock) if key is not None else None
    return KalshiClient(
        BASE_URL,
        auth,
        transport=httpx.MockTransport(script),
        clock=clock,
        sleep=clock.sleep,
        rate_limits=rate_limits or RateLimits.unlimited(),
        **kwargs,
    )


def example(name: str) -> dict[str, Any]:
    """A JSON example from the API reference §9 (both generations' fields)."""
    result: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(), parse_float=Decimal)
    return result


def current_only(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop what the 2026 API removed: integer prices/counts, `*_fixed`, side/action."""
    out = {}
    for key, value in raw.items():
        is_number = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
        if is_number and key not in _CURRENT_INTS:
            continue
        if key.endswith("_fixed") or key in ("side", "action", "response_price_units"):
            continue
        out[key] = value
    return out


def legacy_only(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop what SDK 3.2.0 did not know: `_fp` counts, new fields, `_dollars` where an
    integer twin exists (the legacy reader must manage with cents)."""
    out = {}
    for key, value in raw.items():
        if key.endswith("_fp") or key in ("outcome_side", "book_side", "exchange_index"):
            continue
        if key.endswith("_dollars") and key.removesuffix("_dollars") in raw:
            continue
        out[key] = value
    return out
