"""The daily human-readable log: one file per UTC day, retention, redaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from journal_helpers import FakeClock

from kalshi_tui.journal.daily_log import DailyLogHandler, install_daily_log

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("kalshi_tui.test_daily_log")
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def test_one_file_per_utc_day(tmp_path: Path, logger: logging.Logger) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC))
    handler = DailyLogHandler(tmp_path, clock=clock)
    logger.addHandler(handler)
    logger.info("before midnight")
    clock.advance(2)
    logger.info("after midnight")
    first = (tmp_path / "kalshi-tui-2026-03-02.log").read_text()
    second = (tmp_path / "kalshi-tui-2026-03-03.log").read_text()
    assert "before midnight" in first
    assert "after midnight" not in first
    assert "after midnight" in second
    assert handler.current_path == tmp_path / "kalshi-tui-2026-03-03.log"
    assert (tmp_path / "kalshi-tui-2026-03-03.log").stat().st_mode & 0o077 == 0


def test_old_files_are_pruned(tmp_path: Path, logger: logging.Logger) -> None:
    tmp_path = tmp_path / "logs"
    tmp_path.mkdir()
    today = datetime(2026, 3, 10, 12, tzinfo=UTC)
    for days_ago in range(6):
        day = (today - timedelta(days=days_ago)).date()
        (tmp_path / f"kalshi-tui-{day.isoformat()}.log").write_text("old\n")
    (tmp_path / "notes.log").write_text("not ours\n")
    logger.addHandler(DailyLogHandler(tmp_path, retention_days=3, clock=FakeClock(today)))
    logger.info("today")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "kalshi-tui-2026-03-08.log",
        "kalshi-tui-2026-03-09.log",
        "kalshi-tui-2026-03-10.log",
        "notes.log",
    ]


def test_secrets_never_reach_the_file(tmp_path: Path, logger: logging.Logger) -> None:
    handler = DailyLogHandler(tmp_path, clock=FakeClock(datetime(2026, 3, 2, tzinfo=UTC)))
    logger.addHandler(handler)
    logger.info("loaded key %s", PEM)
    logger.info("headers KALSHI-ACCESS-SIGNATURE: %s", "dGhpcyBpcyBhIHNpZ25hdHVyZQ==")
    try:
        raise RuntimeError(f"signature={'A' * 40}")
    except RuntimeError:
        logger.exception("request failed")
    text = (tmp_path / "kalshi-tui-2026-03-02.log").read_text()
    assert "MIIEvQ" not in text
    assert "dGhpcyBpcyBhIHNpZ25hdHVyZQ==" not in text
    assert "A" * 40 not in text
    assert text.count("[redacted]") == 3
    assert "request failed" in text


def test_install_attaches_to_the_package_logger(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 8, tzinfo=UTC))
    handler = install_daily_log(tmp_path, retention_days=7, clock=clock)
    try:
        logging.getLogger("kalshi_tui.services.orders").info("order sent")
    finally:
        logging.getLogger("kalshi_tui").removeHandler(handler)
        handler.close()
    line = (tmp_path / "kalshi-tui-2026-03-02.log").read_text().strip()
    assert line.endswith("INFO    kalshi_tui.services.orders: order sent")
    assert line[:4].isdigit()
    assert "Z INFO" in line


def test_retention_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="retention_days"):
        DailyLogHandler(tmp_path, retention_days=0)
