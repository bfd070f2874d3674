"""The request machinery under `KalshiClient`: send, retry, classify, measure.

Everything that touches the network goes through `_send`, which (1) applies the clock
skew guard (below), (2) waits for rate-limit tokens, (3) sends on the one long-lived
`httpx.AsyncClient` — httpx's own transport, so proxies from the environment
(`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`; never for loopback hosts), TLS verification
(`verify`, or `SSL_CERT_FILE`) and connection pooling are httpx's; its
`KalshiAuth.auth_flow` signs every attempt afresh — and (4) records latency, counters
and the server's `Date`.

The clock skew guard. Every response's `Date` (public endpoints and errors included)
refreshes the estimate of exchange time minus local time. Once it is beyond
`max_skew_seconds`, signatures carry the exchange's time as measured (local time plus
the skew) instead of our wrong clock, and only writes that can add exposure (new
orders, amends, decreases, order-group create/reset: priority "normal") are refused
with ClockSkewError. Reads and cancels (priority "cancel") always go out: the kill
switch must be able to cancel and verify under any skew, and the requests it keeps
sending keep the estimate fresh, so the guard lifts as soon as the clocks agree again.

Reads and writes differ only in what happens when the outcome is unclear:

* Reads are idempotent: retried on 5xx, 429, timeouts and dropped connections with
  jittered exponential backoff.
* Writes are never blindly retried. If the request may have reached the exchange
  (timeout, reset after sending, 5xx, or a 2xx body we cannot read) the caller gets
  `AmbiguousWriteError` carrying the `client_order_id` and must reconcile. Two cases
  are known not to have been applied and *are* retried (at most
  `MAX_WRITE_RETRIES` times): a failure to connect (nothing was sent) and a 429
  (Kalshi rejects over-budget requests before applying them). Retries reuse the same
  body, so the same `client_order_id`: if our reading were ever wrong, the exchange
  answers 409 `order_already_exists` instead of placing a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from ._auth import KalshiAuth
from ._errors import (
    CLOCK_FIX_HINT,
    AmbiguousWriteError,
    AuthenticationError,
    ClockSkewError,
    KalshiError,
    MalformedResponse,
    PaginationError,
    TransportError,
    classify,
    describe_skew,
    hide_key_id,
)
from ._numbers import decode_json
from ._ratelimit import (
    Bucket,
    EndpointCosts,
    Priority,
    RateHeadroom,
    RateLimiter,
    RateLimits,
)
from ._wire import WIRE_CONTEXT

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")

BACKOFF_START = 0.25
BACKOFF_CAP = 4.0
MAX_WRITE_RETRIES = 2
SKEW_SMOOTHING = 0.2
"""Weight of a new `Date` sample in the skew estimate (Date has 1 s resolution)."""
SKEW_STEP_SECONDS = 2.0
"""A sample this far from the estimate is a clock step, not Date rounding: it replaces
the estimate at once (smoothing a 120 s step would take a dozen responses)."""
DEFAULT_MAX_PAGES = 10_000
PREFETCH_SEND_WAIT_S = 0.02
"""How long paging waits for the next page's request to be written before it validates
the current page (it normally is within a millisecond; a request held back by the rate
limiter or a new connection is not waited for longer)."""
_SENT: contextvars.ContextVar[asyncio.Event | None] = contextvars.ContextVar(
    "kalshi_tui_request_sent", default=None
)
"""Set in a prefetch task's context: the event its request sets once it is written."""
LOOPBACK_PATTERNS = ("all://127.0.0.1", "all://localhost", "all://[::1]")
"""Hosts never reached through a proxy from the environment: an exchange on this machine
(the demo's, `kalshi-tui sim`) is not behind the proxy meant for the internet."""

# Failures during connection set-up: the request never left this machine.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures worth retrying on an idempotent read.
_RETRYABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Counters for the health display."""

    requests: int
    """Requests sent (every attempt counts)."""
    errors: int
    """Attempts that failed: transport errors, non-2xx, unreadable bodies."""
    rate_limited: int
    """429 responses received."""
    retries: int
    last_latency_seconds: float | None
    last_status: int | None


def query_params(params: Mapping[str, object]) -> dict[str, str]:
    """Drop None, join sequences with commas, spell booleans the way Kalshi expects."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            out[key] = ",".join(str(item) for item in value)
        else:
            out[key] = str(value)
    return out


def _describe_transport(exc: httpx.RequestError) -> str:
    detail = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {detail}"


class BaseClient:
    """Connection, signing, limits, retries and bookkeeping; no endpoints."""

    def __init__(
        self,
        base_url: str,
        auth: KalshiAuth | None = None,
        *,
        rate_limits: RateLimits,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
        verify: ssl.SSLContext | str | Path | bool,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
        max_read_retries: int,
        max_skew_seconds: float,
    ) -> None:
        base_url = base_url.rstrip("/")
        if not base_url.endswith("/trade-api/v2"):
            raise ValueError(f"base_url must end with /trade-api/v2, got {base_url!r}")
        self.base_url = base_url
        self.auth = auth
        if isinstance(verify, (str, Path)):
            verify = ssl.create_default_context(cafile=str(verify))
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            verify=verify,
            transport=transport,  # None: httpx's own, with the environment's proxies
            mounts=dict.fromkeys(LOOPBACK_PATTERNS),
            headers={"Accept": "application/json"},
        )
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._limiter = RateLimiter(rate_limits, clock=monotonic, sleep=sleep)
        self._costs = EndpointCosts()
        self._max_read_retries = max_read_retries
        self._max_skew = max_skew_seconds
        self._jitter = random.Random()
        # Exchange time minus our monotonic clock: immune to wall-clock jumps, so once
        # the user fixes their clock the skew check sees it without a new request.
        self._server_minus_monotonic: float | None = None
        self._last_date: tuple[str, float] = ("", 0.0)
        self._requests = 0
        self._errors = 0
        self._rate_limited = 0
        self._retries = 0
        self._last_latency: float | None = None
        self._last_status: int | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ---- observability -------------------------------------------------------------

    @property
    def stats(self) -> ClientStats:
        return ClientStats(
            requests=self._requests,
            errors=self._errors,
            rate_limited=self._rate_limited,
            retries=self._retries,
            last_latency_seconds=self._last_latency,
            last_status=self._last_status,
        )

    @property
    def rate_headroom(self) -> RateHeadroom:
        return self._limiter.headroom

    @property
    def clock_skew_seconds(self) -> float | None:
        """Exchange time minus local time (positive: we are behind); None until measured."""
        if self._server_minus_monotonic is None:
            return None
        return self._server_minus_monotonic + self._monotonic() - self._clock()

    def _observe_date(self, response: httpx.Response, sent_at: float) -> None:
        header = response.headers.get("date")
        if not header:
            return
        if header == self._last_date[0]:
            server = self._last_date[1]  # Date changes once a second; parsing costs ~15 µs
        else:
            try:
                server = parsedate_to_datetime(header).timestamp()
            except (TypeError, ValueError, IndexError):
                return
            self._last_date = (header, server)
        # Date is truncated to the second, so the true server time is on average
        # half a second later; the midpoint of the exchange best matches its stamp.
        midpoint = (sent_at + self._monotonic()) / 2
        sample = server + 0.5 - midpoint
        previous = self._server_minus_monotonic
        if previous is None or abs(sample - previous) > SKEW_STEP_SECONDS:
            self._server_minus_monotonic = sample
        else:
            self._server_minus_monotonic = previous + SKEW_SMOOTHING * (sample - previous)

    def _check_skew(self, method: str, path: str, priority: Priority) -> None:
        """Stamp signatures with the exchange's time when our clock is off; refuse only
        writes that can add exposure (see the module docstring)."""
        if self.auth is None:
            return
        skew = self.clock_skew_seconds
        if skew is None or abs(skew) <= self._max_skew:
            self.auth.offset_seconds = 0.0
            return
        self.auth.offset_seconds = skew
        if method == "GET" or priority == "cancel":
            return
        raise ClockSkewError(
            f"not sending {method} {path}: {describe_skew(skew)} (measured from the "
            f"exchange's Date header; limit {self._max_skew:.0f} s). {CLOCK_FIX_HINT}",
            skew_seconds=skew,
        )

    # ---- sending -------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None,
        body: object,
        bucket: Bucket,
        cost: float,
        priority: Priority,
        auth_required: bool,
    ) -> httpx.Response:
        if auth_required and self.auth is None:
            raise AuthenticationError(f"{method} {path} needs an API key; none is configured")
        self._check_skew(method, path, priority)
        await self._limiter.acquire(bucket, cost, priority)
        sent_at = self._monotonic()
        self._requests += 1
        try:
            response = await self._http.request(
                method,
                path,
                params=query_params(params or {}),
                json=body,
                extensions=None if _SENT.get() is None else _TRACE_SENT,
            )
        except httpx.RequestError:
            self._errors += 1
            self._last_latency = self._monotonic() - sent_at
            self._last_status = None
            raise
        self._last_latency = self._monotonic() - sent_at
        self._last_status = response.status_code
        self._observe_date(response, sent_at)
        if response.status_code == 429:
            self._rate_limited += 1
        if not response.is_success:
            self._errors += 1
        return response

    def _http_error(self, method: str, path: str, response: httpx.Response) -> KalshiError:
        error = classify(
            response.status_code,
            response.content,
            method=method,
            path=path,
            content_type=response.headers.get("content-type", ""),
            skew_seconds=self.clock_skew_seconds,
        )
        return error if self.auth is None else hide_key_id(error, self.auth.key_id)

    def _decode(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            return decode_json(response.content)
        except (UnicodeDecodeError, ValueError, RecursionError):
            # RecursionError: nesting deeper than the decoder's recursion limit.
            self._errors += 1
            kind = response.headers.get("content-type", "unknown content type")
            raise MalformedResponse(
                f"{method} {path} → HTTP {response.status_code} with an unreadable body "
                f"({kind}, {len(response.content)} bytes)",
                status=response.status_code,
            ) from None

    def _backoff(self, attempt: int) -> float:
        """Jittered exponential delay for retry number `attempt` (1-based)."""
        ceiling: float = min(BACKOFF_CAP, BACKOFF_START * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self._jitter.random())

    async def _read(
        self,
        path: str,
        params: Mapping[str, object] | None = None,
        *,
        cost: float | None = None,
        auth_required: bool = False,
    ) -> Any:
        """GET with retries; returns the decoded JSON body. `cost` defaults to the
        endpoint's cost in the plan (`EndpointCosts`)."""
        if cost is None:
            cost = self._costs.cost("GET", path)
        attempt = 0
        while True:
            error: KalshiError
            try:
                response = await self._send(
                    "GET",
                    path,
                    params=params,
                    body=None,
                    bucket="read",
                    cost=cost,
                    priority="normal",
                    auth_required=auth_required,
                )
            except httpx.RequestError as exc:
                error = TransportError(f"GET {path}: {_describe_transport(exc)}")
                error.__cause__ = exc
                retryable = isinstance(exc, _RETRYABLE)
            else:
                if response.is_success:
                    return self._decode("GET", path, response)
                error = self._http_error("GET", path, response)
                retryable = response.status_code == 429 or response.status_code >= 500
            if not retryable or attempt >= self._max_read_retries:
                raise error
            attempt += 1
            self._retries += 1
            await self._sleep(self._backoff(attempt))

    async def _write(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        operation: str,
        body: object = None,
        params: Mapping[str, object] | None = None,
        cost: float | None = None,
        priority: Priority = "normal",
        client_order_id: str | None = None,
        order_id: str | None = None,
    ) -> T:
        """Send a write once (see the module docstring for the two safe retries).

        `parse` turns the decoded body into the result; if it fails the write is
        ambiguous, because the exchange said yes but we cannot tell to what. `cost`
        defaults to the endpoint's cost in the plan.
        """
        if cost is None:
            cost = self._costs.cost(method, path)
        attempt = 0

        def ambiguous(reason: str, cause: BaseException, status: int | None = None) -> Exception:
            ids = ", ".join(
                f"{name}={value}"
                for name, value in (("client_order_id", client_order_id), ("order_id", order_id))
                if value
            )
            return AmbiguousWriteError(
                f"{operation} outcome unknown ({reason}){': ' + ids if ids else ''}; "
                "look the order up before retrying",
                operation=operation,
                client_order_id=client_order_id,
                order_id=order_id,
                cause=cause,
                status=status,
            )

        while True:
            error: KalshiError
            try:
                response = await self._send(
                    method,
                    path,
                    params=params,
                    body=body,
                    bucket="write",
                    cost=cost,
                    priority=priority,
                    auth_required=True,
                )
            except _NOT_SENT as exc:
                error = TransportError(f"{method} {path}: {_describe_transport(exc)} (not sent)")
                error.__cause__ = exc
            except httpx.RequestError as exc:
                raise ambiguous(_describe_transport(exc), exc) from exc
            else:
                if response.is_success:
                    try:
                        # Some writes answer 204 or an empty body; parse sees {}.
                        data = (
                            self._decode(method, path, response) if response.content.strip() else {}
                        )
                        return parse(data)
                    except MalformedResponse as exc:
                        raise ambiguous(exc.message, exc, response.status_code) from exc
                error = self._http_error(method, path, response)
                if response.status_code >= 500:
                    raise ambiguous(error.message, error, response.status_code) from error
                if response.status_code != 429:
                    raise error
            if attempt >= MAX_WRITE_RETRIES:
                raise error
            attempt += 1
            self._retries += 1
            await self._sleep(self._backoff(attempt))

    # ---- parsing -------------------------------------------------------------------

    def _parse(self, model: type[ModelT], data: object, where: str) -> ModelT:
        """Validate `data` as `model`, turning validation failures into MalformedResponse."""
        try:
            return model.model_validate(data, context=WIRE_CONTEXT)
        except ValidationError as exc:
            self._errors += 1
            problems = "; ".join(
                f"{'.'.join(str(part) for part in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors(include_input=False)[:5]
            )
            raise MalformedResponse(
                f"{where}: response is not a valid {model.__name__}: {problems}"
            ) from None

    def _field(self, data: object, key: str, where: str) -> Any:
        """`data[key]`, or MalformedResponse if the body is not an object holding it."""
        if not isinstance(data, dict) or data.get(key) is None:
            self._errors += 1
            raise MalformedResponse(f"{where}: response has no `{key}`")
        return data[key]

    async def _paginate(
        self,
        fetch: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]],
        *,
        where: str,
        cursor: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncIterator[T]:
        """Yield items across cursor pages; error on a repeated cursor or too many pages."""
        seen: set[str] = set()
        if cursor:
            seen.add(cursor)
        pages = 0
        while True:
            items, next_cursor = await fetch(cursor)
            pages += 1
            for item in items:
                yield item
            if not next_cursor:
                return
            if next_cursor in seen:
                raise PaginationError(
                    f"{where}: the exchange returned cursor {next_cursor[:40]!r} twice; "
                    "stopping instead of looping"
                )
            if pages >= max_pages:
                raise PaginationError(f"{where}: more than {max_pages} pages; stopping")
            seen.add(next_cursor)
            cursor = next_cursor

    async def _pages_ahead(
        self,
        fetch: Callable[[str | None], Awaitable[object]],
        parse: Callable[[object], tuple[Sequence[T], str | None]],
        *,
        where: str,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AsyncIterator[Sequence[T]]:
        """Pages like `_paginate`, but the next page is requested as soon as this one's
        cursor is read from the decoded body, before this page is validated: the exchange
        builds page k+1 while we validate page k (a 1,000-market page takes ~15 ms to
        validate). Same checks, same requests; if validation fails or the caller stops
        early, the request in flight is cancelled.
        """
        seen: set[str] = set()
        pages = 0
        data = await fetch(None)
        pending: asyncio.Future[object] | None = None
        try:
            while True:
                pages += 1
                ahead = data.get("cursor") if isinstance(data, dict) else None
                if isinstance(ahead, str) and ahead and ahead not in seen and pages < max_pages:
                    sent = asyncio.Event()
                    token = _SENT.set(sent)
                    try:
                        pending = asyncio.ensure_future(fetch(ahead))
                    finally:
                        _SENT.reset(token)
                    # Let it reach the wire before we spend CPU validating: httpx takes
                    # several event-loop steps to write a request, and a prefetch still
                    # queued behind the validation overlapped nothing.
                    await _until_sent(pending, sent)
                else:
                    ahead = None
                items, next_cursor = parse(data)
                yield items
                if not next_cursor:
                    return
                if next_cursor in seen:
                    raise PaginationError(
                        f"{where}: the exchange returned cursor {next_cursor[:40]!r} twice; "
                        "stopping instead of looping"
                    )
                if pages >= max_pages:
                    raise PaginationError(f"{where}: more than {max_pages} pages; stopping")
                seen.add(next_cursor)
                if pending is None or next_cursor != ahead:
                    _discard(pending)
                    pending = asyncio.ensure_future(fetch(next_cursor))
                data, pending = await pending, None
        finally:
            _discard(pending)


async def _request_sent(name: str, _info: Mapping[str, Any]) -> None:
    """httpcore's trace hook: the request's body (and so all of it) has been written."""
    if name.endswith("send_request_body.complete"):
        sent = _SENT.get()
        if sent is not None:
            sent.set()


_TRACE_SENT = {"trace": _request_sent}


async def _until_sent(pending: asyncio.Future[object], sent: asyncio.Event) -> None:
    """Return once `pending`'s request is written, or after a short wait (a request held
    back by the rate limiter, or one that failed before it was written)."""
    if pending.done():
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PREFETCH_SEND_WAIT_S):
            await sent.wait()


def _discard(pending: asyncio.Future[object] | None) -> None:
    """Cancel a prefetch nobody will await, without an unretrieved-exception warning."""
    if pending is None:
        return
    pending.cancel()
    pending.add_done_callback(lambda future: future.cancelled() or future.exception())
