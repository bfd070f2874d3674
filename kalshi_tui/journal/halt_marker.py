"""The halt marker: a tiny fsynced file beside the journal that holds a halt outside SQLite.

A halt must survive even when the journal cannot record it (disk full, I/O error, a
journal that cannot be opened at all). So every halt first writes `halt.marker` in the
journal's directory — written atomically: the bytes go to a temporary file, which is
fsynced, renamed over the marker, and the directory fsynced — and only then the journal.
Whoever reads the halt (`JournalCore.halt_state`: the app at start-up and its halt
watcher, `doctor`, `halt`, `resume`) treats the account as HALTED while the marker exists,
whatever the journal says. The marker is removed only after a resume has been committed
to the journal.

A full disk cannot stop the marker either: `halt.marker.reserve`, a block-sized file
written (and fsynced) whenever the journal is opened, is claimed by renaming it and
overwritten in place, which needs no new disk blocks. Without a reserve (a second halt
before the next open) a fresh temporary file is used.

These are files of their own: nothing here opens the journal, its -wal or -shm file.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from kalshi_tui.journal._codec import (
    decode_optional_decimal,
    decode_optional_time,
    encode_optional_decimal,
    encode_time,
)
from kalshi_tui.journal.records import HaltState

MARKER_NAME = "halt.marker"
RESERVE_NAME = "halt.marker.reserve"
RESERVE_BYTES = 4096
MAX_REASON_CHARS = 1000
"""A reason is cut to this length in the marker (the journal keeps it whole)."""
MAX_READ_BYTES = 64 * 1024


def marker_path(journal: Path) -> Path:
    """`halt.marker` beside the journal file."""
    return journal.with_name(MARKER_NAME)


@dataclass(frozen=True, slots=True)
class Marker:
    """What a marker file holds; `raw` is its exact bytes (to remove only this one)."""

    state: HaltState
    raw: bytes


def encode(
    trigger: str,
    reason: str,
    at: datetime,
    value: Decimal | None = None,
    threshold: Decimal | None = None,
) -> bytes:
    payload = {
        "halted": True,
        "trigger": trigger,
        "reason": reason[:MAX_REASON_CHARS],
        "value": encode_optional_decimal(value),
        "threshold": encode_optional_decimal(threshold),
        "at_us": encode_time(at),
        "pid": os.getpid(),
    }
    return (json.dumps(payload, sort_keys=True) + "\n").encode()


def decode(raw: bytes, path: Path) -> HaltState:
    """The halt a marker holds; an unreadable marker still means HALTED."""
    try:
        data = json.loads(raw.decode())
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return HaltState(
            halted=True,
            trigger=str(data.get("trigger") or "halt"),
            value=decode_optional_decimal(data.get("value")),
            threshold=decode_optional_decimal(data.get("threshold")),
            reason=f"{data.get('reason') or 'no reason given'} (held by the halt marker {path})",
            at=decode_optional_time(data.get("at_us")),
        )
    except (ValueError, TypeError, ArithmeticError) as exc:
        return HaltState(
            halted=True,
            trigger="halt",
            value=None,
            threshold=None,
            reason=f"the halt marker {path} is unreadable ({exc}); treated as halted",
            at=None,
        )


def read(journal: Path) -> Marker | None:
    """The marker beside `journal`, or None when there is none.

    A marker that exists but cannot be read counts as a halt (fail closed).
    """
    path = marker_path(journal)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_READ_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        state = HaltState(
            True, "halt", None, None, f"the halt marker {path} cannot be read ({exc})", None
        )
        return Marker(state, b"")
    return Marker(decode(raw, path), raw)


def write(journal: Path, data: bytes) -> None:
    """Atomically replace the marker with `data`, durably (raises OSError)."""
    directory = journal.parent
    target = marker_path(journal)
    temporary = directory / f"{MARKER_NAME}.{os.getpid()}.tmp"
    claimed = True
    try:
        os.replace(directory / RESERVE_NAME, temporary)
    except OSError:
        claimed = False
    flags = os.O_WRONLY if claimed else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(temporary, flags, 0o600)
        try:
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)


def remove(journal: Path, expected: Marker) -> bool:
    """Delete the marker if it still holds `expected` (a newer halt's marker stays);
    True when it is gone. Raises OSError if it cannot be deleted."""
    current = read(journal)
    if current is None:
        return True
    if current.raw != expected.raw:
        return False
    os.unlink(marker_path(journal))
    fsync_directory(journal.parent)
    return True


def ensure_reserve(directory: Path) -> None:
    """Best effort: keep a block-sized reserve so a halt on a full disk can still be
    marked. A stat when it exists."""
    reserve = directory / RESERVE_NAME
    if reserve.exists():
        return
    temporary = directory / f"{RESERVE_NAME}.{os.getpid()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, b"\n" * RESERVE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, reserve)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in `directory` durable."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
