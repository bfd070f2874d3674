"""Opaque cursor pagination with Kalshi's conventions.

A cursor is base64 of the key of the last item served; the next page starts after that item, so
items added at the head of a newest-first list do not shift later pages. The last page carries
`"cursor": ""`. Keep every other filter identical across pages, as Kalshi requires. A cursor the
simulator never issued is answered as Kalshi does: 200 with an empty page (and `"cursor": ""`).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def encode_cursor(key: str, offset: int) -> str:
    """The cursor that resumes after the item `key`, found at `offset`."""
    raw = json.dumps({"k": key, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int] | None:
    """The (key, offset) a cursor carries; None for one the simulator never issued."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key, offset = data["k"], data["o"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if not isinstance(key, str) or not isinstance(offset, int) or offset < 0:
        return None
    return key, offset


def paginate(
    items: Sequence[T], limit: int, cursor: str | None, key: Callable[[T], str]
) -> tuple[list[T], str]:
    """One page of `items` (already filtered and ordered) and the cursor for the next."""
    start = 0
    if cursor:
        decoded = _decode_cursor(cursor)
        if decoded is None:
            return [], ""
        last_key, offset = decoded
        # The last served item is normally still where it was (one check, so paging a
        # 50,000-market list is linear, not quadratic); else look for it, and fall back
        # to the offset when it has vanished (it never does for the append-only lists
        # the simulator keeps).
        start = min(offset + 1, len(items))
        if not (offset < len(items) and key(items[offset]) == last_key):
            for index in range(len(items)):
                if key(items[index]) == last_key:
                    start = index + 1
                    break
    page = list(items[start : start + limit])
    end = start + len(page)
    next_cursor = encode_cursor(key(page[-1]), end - 1) if page and end < len(items) else ""
    return page, next_cursor
