"""Kalshi's error envelope and the exception the routes raise to produce it.

Every error leaves the simulator as `{"error": {"code", "message", "details"}}` (docs/WIRE.md),
except the rate-limit reply, whose body Kalshi sends as a bare string, and the errors Kalshi
sends flat (`{"code", "message", "details"}` at the top level: a body its JSON decoder refuses,
such as a number where a fixed-point string belongs).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

TOO_MANY_REQUESTS_BODY = b'{"error":"too many requests"}'


class ApiError(Exception):
    """A request the simulator refuses; rendered with the nested error envelope."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str | None = None,
        *,
        flat: bool = False,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.flat = flat
        """Rendered without the `error` wrapper, as Kalshi sends some errors."""

    def body(self) -> dict[str, object]:
        """The inner error object, also used for per-item errors in batch replies."""
        inner: dict[str, object] = {"code": self.code, "message": self.message}
        if self.details is not None:
            inner["details"] = self.details
        return inner


def error_response(error: ApiError) -> Response:
    """The full HTTP response for an error."""
    body = error.body() if error.flat else {"error": error.body()}
    return JSONResponse(body, status_code=error.status)


def too_many_requests() -> Response:
    """Kalshi's 429: a bare-string body and no Retry-After or X-RateLimit headers."""
    return Response(TOO_MANY_REQUESTS_BODY, status_code=429, media_type="application/json")


CURRENT_CODES = {"insufficient_balance": "available_balance_too_low"}
"""Engine error codes Kalshi's 2026 docs name differently (the changelog of 2026-01-26:
`available_balance_too_low` replaced the generic refusal for a balance that does not cover
the order); the `current` profile sends these, `compat` and `legacy` the older names."""


def current_code(code: str) -> str:
    return CURRENT_CODES.get(code, code)


def invalid_parameters(message: str, details: str | None = None) -> ApiError:
    """400 for a bad query or body value."""
    return ApiError(400, "invalid_parameters", message, details)


def fixed_point_expected(name: str, value: object) -> ApiError:
    """400 `bad_request`, flat, for a JSON number where Kalshi's schema has a fixed-point
    string (its decoder refuses the whole body)."""
    return ApiError(
        400,
        "bad_request",
        f'{name} must be a fixed-point string such as "0.5600" or "10.00", not a number',
        f"json: cannot unmarshal number {value!r} into field {name} of type string",
        flat=True,
    )


def missing_parameters(name: str) -> ApiError:
    """400 for a required field that is absent."""
    return ApiError(400, "missing_parameters", f"missing required parameter: {name}", name)


def not_found(what: str, ident: str) -> ApiError:
    """404 for an unknown market, order, event, series or order group."""
    return ApiError(404, "not_found", f"{what} not found", ident)


class RouteMissing(Exception):
    """A path (or method) the venue does not serve at all: the router answers, not the API,
    so the reply carries no Kalshi error code (clients tell it from `not_found` for an
    unknown order or market, e.g. to fall back from V2 to V1 order routes)."""

    def __init__(self, status: int = 404) -> None:
        super().__init__(status)
        self.status = status


def route_missing_response(status: int) -> Response:
    """`404 page not found` / `405 method not allowed` as plain text, as a bare router says."""
    text = "404 page not found" if status == 404 else f"{status} method not allowed"
    return Response(text, status_code=status, media_type="text/plain")


class RateLimited(Exception):
    """A token bucket is empty; rendered as Kalshi's bare 429."""
