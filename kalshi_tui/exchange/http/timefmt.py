"""Time on the wire: RFC 3339 UTC strings and the HTTP `Date` header."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate
from functools import lru_cache


def rfc3339(ts: float | None) -> str | None:
    """`2026-03-02T14:03:11.482Z` (milliseconds only when not whole seconds); None stays None."""
    if ts is None:
        return None
    moment = datetime.fromtimestamp(ts, tz=UTC)
    if moment.microsecond // 1000 == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@lru_cache(maxsize=65536)
def rfc3339_ms(ms: int) -> str:
    """`rfc3339` for epoch milliseconds, cached: market listings repeat the same few times."""
    text = rfc3339(ms / 1000.0)
    assert text is not None
    return text


def http_date(ts: float) -> str:
    """An RFC 9110 IMF-fixdate, e.g. `Sat, 21 Nov 2026 14:44:16 GMT`."""
    return formatdate(ts, usegmt=True)
