"""Small helpers the route modules share: JSON replies, bodies, time filters."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from kalshi_tui.exchange.http.errors import invalid_parameters
from kalshi_tui.exchange.http.params import int_param


def reply(data: Mapping[str, Any], status: int = 200) -> JSONResponse:
    """A JSON response."""
    return JSONResponse(dict(data), status_code=status)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; an empty body reads as `{}` (bodiless POSTs send none)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise invalid_parameters("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise invalid_parameters("request body must be a JSON object")
    return data


def seconds_to_ms(query: Mapping[str, str], name: str) -> int | None:
    """A Unix-seconds query filter as epoch milliseconds."""
    value = int_param(query, name)
    return None if value is None else value * 1000
