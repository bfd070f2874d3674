"""How the journal writes values into SQLite and reads them back, exactly.

Money, prices and counts are stored as TEXT decimal strings in plain positional notation
(`format(value, "f")`): SQLite's REAL would turn $0.43 into 0.42999999999999999, and
scaled integers would fix a precision the exchange has already changed twice (cents,
then 4-decimal dollars, then 6-decimal money and 2-decimal fractional counts). Times are
INTEGER microseconds since the Unix epoch in UTC: exact, sortable and indexable.

Event payloads are JSON. Anything that looks like a private key or a request signature is
redacted before it is written, so the journal (and the daily log, which uses the same
helper) can be handed to someone debugging a problem without leaking the account.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

REDACTED = "[redacted]"

# Keys whose values are secrets wherever they appear in a payload (compared lower-case,
# with "-" and "_" ignored so `KALSHI-ACCESS-SIGNATURE` and `signature` both match).
_SECRET_KEY_PARTS = (
    "signature",
    "privatekey",
    "secret",
    "password",
    "authorization",
    "accesskey",
)

_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_SIGNATURE_TEXT = re.compile(
    r"(?i)((?:kalshi[-_]access[-_])?signature[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9+/=_-]{8,}"
)


def encode_decimal(value: Decimal) -> str:
    """The exact positional text of a finite Decimal (never scientific notation)."""
    if not isinstance(value, Decimal):
        # A float here would already have lost exactness; refuse it loudly.
        raise TypeError(f"expected Decimal, got {type(value).__name__}: {value!r}")
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    if value == 0:
        # Decimal("-0") formats as "-0" and Decimal("0.00") as "0.00"; store zero one way.
        return "0"
    return format(value, "f")


def encode_optional_decimal(value: Decimal | None) -> str | None:
    return None if value is None else encode_decimal(value)


def decode_decimal(text: str) -> Decimal:
    return Decimal(text)


def decode_optional_decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def encode_time(value: datetime) -> int:
    """Microseconds since the epoch for a timezone-aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive time is ambiguous (local? UTC?) and would be wrong by hours in a report.
        raise ValueError(f"naive datetime {value.isoformat()}: pass a timezone-aware time")
    return (value - EPOCH) // _MICROSECOND


def encode_optional_time(value: datetime | None) -> int | None:
    return None if value is None else encode_time(value)


def decode_time(micros: int) -> datetime:
    """The UTC datetime for microseconds since the epoch (integer arithmetic, no float)."""
    return EPOCH + timedelta(microseconds=micros)


def decode_optional_time(micros: int | None) -> datetime | None:
    return None if micros is None else decode_time(micros)


def iso_utc(micros: int) -> str:
    """ISO-8601 UTC text with microseconds and a `Z`, e.g. `2026-03-02T14:03:11.482000Z`."""
    return decode_time(micros).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=1024)
def _is_secret_key(key: str) -> bool:
    folded = key.lower().replace("-", "").replace("_", "")
    return any(part in folded for part in _SECRET_KEY_PARTS)


def redact_text(text: str) -> str:
    """Remove PEM private keys and signature values from free text."""
    if "PRIVATE KEY" in text:
        text = _PEM_BLOCK.sub(REDACTED, text)
    if "ignature" in text or "IGNATURE" in text:
        text = _SIGNATURE_TEXT.sub(lambda match: match.group(1) + REDACTED, text)
    return text


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with secret-named keys and secret-looking text removed."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if _is_secret_key(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return encode_decimal(value)
    if isinstance(value, datetime):
        return iso_utc(encode_time(value))
    if isinstance(value, bytes):
        # Raw bytes in a payload are a response body we could not decode; keep it legible.
        return value.decode("utf-8", errors="replace")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"cannot journal a {type(value).__name__}: {value!r}")


def encode_payload(payload: Mapping[str, Any] | None) -> str:
    """Compact JSON of a redacted payload; Decimals as strings, datetimes as ISO UTC."""
    if payload is None:
        return "{}"
    return json.dumps(redact(payload), default=json_default, separators=(",", ":"), sort_keys=True)


def encode_trusted_payload(payload: Mapping[str, str | bool | None]) -> str:
    """Compact JSON of a payload the journal built itself from plain values.

    Skips redaction and the generic encoder: fills are journaled by the hundred thousand
    and their fields are ids, enums and decimal text, never secrets.
    """
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def decode_payload(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}
