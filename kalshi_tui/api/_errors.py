"""The client's exception tree, and the one place HTTP failures are mapped onto it.

The tree is grouped by *cause* (httpx's `_exceptions.py` is the model), so callers
can branch on what to do next rather than on status codes:

    KalshiError
    ├── TransportError            connect/reset/timeout: nothing usable came back
    ├── AuthenticationError       401/403 and missing credentials
    │   ├── ClockSkewError        local clock too far from the exchange's
    │   └── PermissionDenied      403: key lacks a scope
    ├── RateLimited               429
    ├── NotFound                  404 / `not_found`
    ├── RequestRejected           the exchange refused the request (4xx)
    │   └── OrderRejected         ... an order operation specifically
    │       ├── OrderAlreadyExists, TradingPaused, MarketInactive,
    │       └── InvalidPrice, InsufficientBalance
    ├── ExchangeUnavailable       5xx
    ├── MalformedResponse         body unreadable or not the documented shape
    │   └── PaginationError       a cursor that repeats or never ends
    ├── DeprecatedEndpoint        410 `deprecated_v1_order_endpoint`
    └── AmbiguousWriteError       a write whose outcome is unknown

Kalshi's error `code` is authoritative (409 means both "order exists" and "trading
paused"), so `classify` matches the code first, by case-insensitive prefix because
codes sometimes embed ids (`user_not_found:_<uuid>`), and falls back to the status.
Messages are built from the response body and the request line only, never from
request headers, so signatures and key material cannot leak into logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class KalshiError(Exception):
    """Base of every error raised by `kalshi_tui.api`.

    `status`, `code`, `message` and `details` are filled in when the error came from an
    HTTP response; they are None otherwise.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: object = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details


class TransportError(KalshiError):
    """The request failed below HTTP: connect error, reset, timeout."""


class AuthenticationError(KalshiError):
    """The exchange did not accept our credentials (or none were configured)."""


class ClockSkewError(AuthenticationError):
    """The local clock is too far from the exchange's for signatures to be accepted.

    `skew_seconds` is exchange time minus local time when it could be measured
    (positive: the local clock is behind).
    """

    def __init__(
        self,
        message: str,
        *,
        skew_seconds: float | None = None,
        status: int | None = None,
        code: str | None = None,
        details: object = None,
    ) -> None:
        super().__init__(message, status=status, code=code, details=details)
        self.skew_seconds = skew_seconds


class PermissionDenied(AuthenticationError):
    """403: the key is valid but lacks the scope (or subaccount) for this call."""


class RateLimited(KalshiError):
    """429: the exchange's token bucket for this key is empty."""


class NotFound(KalshiError):
    """Unknown market, order, event, series or order group (or a vanished route)."""


class RequestRejected(KalshiError):
    """The exchange understood the request and refused it; do not retry unchanged."""


class OrderRejected(RequestRejected):
    """An order create/amend/decrease/cancel was refused; nothing was changed."""


class OrderAlreadyExists(OrderRejected):
    """409 `order_already_exists`: the `client_order_id` is taken (no side effect)."""


class TradingPaused(OrderRejected):
    """409 `trading_is_paused`: the exchange is not accepting order operations."""


class MarketInactive(OrderRejected):
    """400 `market_inactive`: the market is paused, closed or settled."""


class InvalidPrice(OrderRejected):
    """400 `invalid_price`: off the market's price grid, or not strictly inside (0, 1)."""


class InsufficientBalance(OrderRejected):
    """400 `available_balance_too_low` (Kalshi's documented code since 2026-01-26) or the older
    `insufficient_balance`: cost plus fees exceeds the available cash, on a sharded exchange
    the cash of the order's own shard (the message names it)."""


class ExchangeUnavailable(KalshiError):
    """5xx: the exchange failed or is in maintenance."""


class MalformedResponse(KalshiError):
    """The body was unreadable, or valid JSON that is not the documented shape."""


class PaginationError(MalformedResponse):
    """Cursor pagination did not terminate (repeated cursor or too many pages)."""


class DeprecatedEndpoint(KalshiError):
    """410 `deprecated_v1_order_endpoint`: the exchange retired this route."""


class AmbiguousWriteError(KalshiError):
    """A write may or may not have been applied; the caller must reconcile.

    Raised instead of retrying when a write timed out, the connection dropped after
    the request was sent, the exchange answered 5xx, or the success body could not be
    read. Resolve it by looking the order up (list orders and match
    `client_order_id`; REST lags the engine, so retry the lookup for a few seconds).
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        client_order_id: str | None = None,
        order_id: str | None = None,
        cause: BaseException | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.operation = operation
        self.client_order_id = client_order_id
        self.order_id = order_id
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The readable parts of an error body, in whichever envelope it came."""

    code: str | None
    message: str
    details: object = None


def parse_error_body(content: bytes, content_type: str = "") -> ErrorInfo:
    """Extract code/message/details from any error body Kalshi is known to send.

    Handles the nested envelope `{"error": {...}}`, a string error
    (`{"error": "too many requests"}`), flat `{"code", "message", "details"}`, bare
    `{"msg": ...}` (a string, or an object with its own code and msg), and
    HTML or other garbage (summarised, never echoed at length).
    """
    try:
        body: Any = json.loads(content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deep nesting
        return ErrorInfo(code=None, message=_summarise_garbage(content, content_type))
    return error_info_from_object(body)


def error_info_from_object(body: object) -> ErrorInfo:
    """Read an already-decoded error object (also used for per-item batch errors)."""
    if not isinstance(body, dict):
        return ErrorInfo(code=None, message=_short(repr(body)))
    inner = body.get("error", body)
    if isinstance(inner, str):
        # `{"error": "too many requests"}`: the string is both message and code;
        # normalise it into code form so prefix matching treats it like any other.
        return ErrorInfo(code=inner.strip().lower().replace(" ", "_"), message=inner)
    if not isinstance(inner, dict):
        inner = body
    if isinstance(inner.get("msg"), dict) and "code" not in inner:
        inner = inner["msg"]  # `{"msg": {"code", "msg"}}`, as the websocket nests it
    code = inner.get("code")
    message = inner.get("message", inner.get("msg"))
    if message is None:
        message = body.get("message", body.get("msg"))
    return ErrorInfo(
        code=str(code) if code is not None and code != "" else None,
        message=str(message) if message is not None else "",
        details=inner.get("details"),
    )


def _summarise_garbage(content: bytes, content_type: str) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    kind = content_type.split(";")[0].strip() or "unknown content type"
    if not text:
        return f"empty body ({kind})"
    return f"unreadable body ({kind}, {len(content)} bytes): {_short(text)}"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Code prefixes, most specific first. The status is consulted only when no prefix matches.
_CODE_TABLE: tuple[tuple[str, type[KalshiError]], ...] = (
    ("header_timestamp_expired", ClockSkewError),
    ("authentication_error", AuthenticationError),
    ("order_already_exists", OrderAlreadyExists),
    ("trading_is_paused", TradingPaused),
    ("trading_paused", TradingPaused),
    ("exchange_paused", TradingPaused),
    ("deprecated_v1_order_endpoint", DeprecatedEndpoint),
    ("market_inactive", MarketInactive),
    ("invalid_price", InvalidPrice),
    ("insufficient_balance", InsufficientBalance),
    ("available_balance_too_low", InsufficientBalance),
    ("invalid_order", OrderRejected),
    ("max_open_orders_exceeded", OrderRejected),
    ("order_group_limit_reached", OrderRejected),
    ("post_only", OrderRejected),
    ("too_many_requests", RateLimited),
    ("rate_limit", RateLimited),
    ("not_found", NotFound),
    ("internal_server_error", ExchangeUnavailable),
    ("service_unavailable", ExchangeUnavailable),
)


def error_class_for(status: int, code: str | None) -> type[KalshiError]:
    """Pick the exception class for an HTTP error: code first, then status."""
    lowered = (code or "").lower()
    if status == 401:
        # Any 401 is an authentication failure, including `NOT_FOUND` for an unknown
        # key id: that code must not become a NotFound for the resource requested.
        if lowered.startswith("header_timestamp_expired"):
            return ClockSkewError
        return AuthenticationError
    for prefix, cls in _CODE_TABLE:
        if lowered.startswith(prefix):
            return cls
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status == 410:
        return DeprecatedEndpoint
    if status == 429:
        return RateLimited
    if status >= 500:
        return ExchangeUnavailable
    return RequestRejected


CLOCK_FIX_HINT = (
    "Kalshi rejects signatures whose timestamp is more than a few seconds off. "
    "Sync the system clock with NTP (e.g. `sudo timedatectl set-ntp true` on Linux, "
    "or enable 'Set time automatically' on macOS/Windows) and retry."
)


def short_key_id(key_id: str) -> str:
    """Enough of an API key id to tell keys apart, never the whole id: the first eight
    characters (at most half of a short id) and an ellipsis."""
    return key_id[: min(8, len(key_id) // 2)] + "…"


def hide_key_id(error: KalshiError, key_id: str) -> KalshiError:
    """Replace our API key id, which an exchange may echo back (e.g. `api key not
    found`), with its short form in the error's text, so logs never carry it whole."""
    if not key_id:
        return error
    short = short_key_id(key_id)
    if key_id in error.message:
        error.message = error.message.replace(key_id, short)
        error.args = (error.message, *error.args[1:])
    if isinstance(error.details, str):
        error.details = error.details.replace(key_id, short)
    return error


def describe_skew(skew_seconds: float) -> str:
    """Say in words how far off the local clock is."""
    direction = "behind" if skew_seconds > 0 else "ahead of"
    return f"the local clock is {abs(skew_seconds):.1f} s {direction} the exchange's clock"


def classify(
    status: int,
    content: bytes,
    *,
    method: str,
    path: str,
    content_type: str = "",
    skew_seconds: float | None = None,
) -> KalshiError:
    """Build the exception for a non-success HTTP response."""
    info = parse_error_body(content, content_type)
    cls = error_class_for(status, info.code)
    summary = f"{method} {path} → HTTP {status}"
    if info.code:
        summary += f" {info.code}"
    if info.message and info.message != info.code:
        summary += f": {info.message}"
    if isinstance(info.details, str) and info.details:
        summary += f" ({_short(info.details)})"
    if cls is ClockSkewError:
        measured = (
            describe_skew(skew_seconds)
            if skew_seconds is not None
            else "the exchange says the request timestamp is outside its window"
        )
        return ClockSkewError(
            f"{summary}. Clock skew: {measured}. {CLOCK_FIX_HINT}",
            skew_seconds=skew_seconds,
            status=status,
            code=info.code,
            details=info.details,
        )
    return cls(summary, status=status, code=info.code, details=info.details)
