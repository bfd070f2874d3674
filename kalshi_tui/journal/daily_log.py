"""The human-readable daily log beside the journal: `kalshi-tui-YYYY-MM-DD.log` (UTC dates).

The journal is the machine record; this file is what a person reads with `less` after a
bad day. It receives the package's log records: every journal event as it commits
(`kalshi_tui.journal`, described by `describe_event`) and the session's log tail
(`kalshi_tui.session`, forwarded by `services.daily_log`).

Each UTC day gets its own file (named by date rather than renamed on rotation, so
a day's file never changes name while someone has it open), files older than the retention
are deleted, and every line passes through the same redaction as journal payloads: a
private key or request signature that reaches a log call is replaced by `[redacted]`.

    handler = install_daily_log(settings.data_dir, retention_days=30)
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from kalshi_tui.journal._codec import (
    encode_decimal,
    encode_time,
    iso_utc,
    json_default,
    redact,
    redact_text,
)

LOG_PREFIX = "kalshi-tui-"
LOG_SUFFIX = ".log"
DEFAULT_RETENTION_DAYS = 30
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_LOG_NAME = re.compile(r"^kalshi-tui-(\d{4}-\d{2}-\d{2})\.log$")

Clock = Callable[[], datetime]


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return encode_decimal(value)
    if isinstance(value, datetime):
        return iso_utc(encode_time(value))
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(redact(value), default=json_default, separators=(",", ":"))
    text = redact_text(str(value))
    return json.dumps(text) if not text or any(c.isspace() for c in text) else text


def describe_event(
    kind: str,
    payload: Mapping[str, Any] | None,
    client_order_id: str | None = None,
    order_id: str | None = None,
) -> str:
    """One readable line for a journal event: `cancel order_id=… reason="user"`.

    Empty values are left out; secrets are redacted as in the journal itself.
    """
    parts = [str(kind)]
    if client_order_id:
        parts.append(f"client_order_id={client_order_id}")
    if order_id:
        parts.append(f"order_id={order_id}")
    for key, value in sorted(redact(dict(payload or {})).items()):
        if value is None or value == {} or value == [] or value == "":
            continue
        parts.append(f"{key}={_text(value)}")
    return " ".join(parts)


def describe_fill(kind: str, values: tuple[Any, ...]) -> str:
    """A fill row (`fills._fill_values`) as `fill TICKER buy yes 4 @ 0.43 fee 0.07 …`."""
    return (
        f"{kind} {values[2]} {values[4]} {values[3]} {values[5]} @ {values[6]} fee {values[8]} "
        f"{'taker' if values[7] else 'maker'} fill_id={values[0]} order_id={values[1]}"
    )


def log_file_name(day: date) -> str:
    return f"{LOG_PREFIX}{day.isoformat()}{LOG_SUFFIX}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class UtcFormatter(logging.Formatter):
    """ISO-8601 UTC timestamps with milliseconds, e.g. `2026-03-02T14:03:11.482Z`."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        # Redact the fully rendered line: secrets can hide in args, exceptions or stacks.
        return redact_text(super().format(record))


class DailyLogHandler(logging.Handler):
    """Writes records to `<directory>/kalshi-tui-<UTC date>.log`, one file per day.

    The file for a day is opened on the first record of that day (append mode, owner-only
    permissions); at that point files older than `retention_days` days are deleted. The
    clock is injectable so tests can cross midnight without waiting for it.
    """

    def __init__(
        self,
        directory: Path,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Clock | None = None,
        level: int = logging.INFO,
    ) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        super().__init__(level)
        self.directory = directory
        self.retention_days = retention_days
        self._clock = clock or _utc_now
        self._day: date | None = None
        self._stream: TextIO | None = None
        self.setFormatter(UtcFormatter(LOG_FORMAT))

    @property
    def current_path(self) -> Path | None:
        """The file being written, or None before the first record."""
        return None if self._day is None else self.directory / log_file_name(self._day)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            stream = self._stream_for(self._clock().astimezone(UTC).date())
            stream.write(line + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)

    def _stream_for(self, day: date) -> TextIO:
        if self._stream is not None and day == self._day:
            return self._stream
        self._close_stream()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / log_file_name(day)
        # os.open so the file is created 0600: logs name markets, sizes and order ids.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._stream = os.fdopen(fd, "a", encoding="utf-8")
        self._day = day
        self.prune(day)
        return self._stream

    def prune(self, today: date | None = None) -> list[Path]:
        """Delete log files dated more than `retention_days` before `today`; returns them.

        Only files named exactly like this handler's are touched.
        """
        today = today or self._clock().astimezone(UTC).date()
        oldest_kept = today - timedelta(days=self.retention_days - 1)
        removed: list[Path] = []
        if not self.directory.is_dir():
            return removed
        for path in self.directory.iterdir():
            match = _LOG_NAME.match(path.name)
            if match is None:
                continue
            try:
                day = date.fromisoformat(match.group(1))
            except ValueError:
                continue
            if day < oldest_kept:
                path.unlink(missing_ok=True)
                removed.append(path)
        return sorted(removed)

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def close(self) -> None:
        self.acquire()
        try:
            self._close_stream()
        finally:
            self.release()
        super().close()


def install_daily_log(
    directory: Path,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    level: int = logging.INFO,
    logger_name: str = "kalshi_tui",
    clock: Clock | None = None,
) -> DailyLogHandler:
    """Attach a `DailyLogHandler` to the package logger and return it (remove it with
    `logging.getLogger(logger_name).removeHandler(handler)` and `handler.close()`)."""
    handler = DailyLogHandler(directory, retention_days=retention_days, clock=clock, level=level)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    return handler
