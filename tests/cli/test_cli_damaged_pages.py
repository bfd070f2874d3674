"""A journal with a damaged page is refused at start-up and named by `doctor`.

The damage is real: garbage bytes written over a page in the middle of a closed journal
file, as a failing disk or a stray writer leaves it. Before, the app started on such a
file and start-up reconciliation failed forever with "database disk image is malformed",
while `doctor` noticed nothing.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui.domain.models import Fill
from kalshi_tui.journal import Journal, JournalDamaged, journal_path

PAGE = 4096


def fills(count: int) -> list[Fill]:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    return [
        Fill(
            fill_id=f"fill-{i:06d}",
            order_id=f"order-{i // 3}",
            ticker=f"KXT-{i % 40}",
            side="yes",
            action="buy",
            count=Decimal(1 + i % 4),
            price=Decimal(1 + i % 98) / 100,
            is_taker=True,
            fee=Decimal("0.01"),
            created_time=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]


def damage_a_middle_page(path: Path) -> bytes:
    """Overwrite one page in the middle of the (closed) file with garbage; the result."""
    data = bytearray(path.read_bytes())
    pages = len(data) // PAGE
    assert pages > 10
    start = (pages // 2) * PAGE
    data[start : start + PAGE] = random.Random(11).randbytes(PAGE)
    path.write_bytes(bytes(data))
    return bytes(data)


@pytest.fixture
def damaged(tmp_path: Path) -> tuple[Path, bytes]:
    path = journal_path(tmp_path / "data")
    with Journal.open(path) as journal:
        journal.record_fills(fills(5000))
    assert not path.with_name(path.name + "-wal").exists(), "closed: all in the file"
    return path, damage_a_middle_page(path)


def test_open_for_trading_refuses_a_damaged_page_and_leaves_the_file(
    damaged: tuple[Path, bytes],
) -> None:
    path, data = damaged
    with pytest.raises(JournalDamaged) as error:
        Journal.open(path, verify=True)
    message = str(error.value)
    assert str(path) in message
    assert "quick_check found" in message
    assert "kalshi-tui journal --new" in message
    assert "backup" in message
    assert path.read_bytes() == data
    # The failure it prevents: without the check the file opens, and reading it fails.
    with Journal.open(path) as journal, pytest.raises(sqlite3.DatabaseError, match="malformed"):
        list(journal.export_rows("events", None, None)[1])


def test_the_app_and_doctor_say_so_as_processes(
    damaged: tuple[Path, bytes],
    tmp_path: Path,
    closed_port: int,
    write_config: Callable[[str], Path],
) -> None:
    path, data = damaged
    config = write_config(
        "[exchange]\n"
        f'base_url = "http://127.0.0.1:{closed_port}/trade-api/v2"\n'
        "[storage]\n"
        f'data_dir = "{path.parent}"\n'
    )
    doctor = subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "doctor", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert doctor.returncode == 1
    line = next(ln for ln in doctor.stdout.splitlines() if "journal intact" in ln)
    assert line.startswith("✗")
    assert "is damaged: SQLite's quick_check found" in line
    assert "kalshi-tui journal --new" in doctor.stdout
    app = subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert app.returncode == 1
    assert "could not start the session" in app.stderr
    assert "is damaged" in app.stderr
    assert "Traceback" not in app.stderr + doctor.stdout + doctor.stderr
    assert path.read_bytes() == data

    # The way forward: keep it aside and start anew; doctor is then satisfied.
    started = subprocess.run(
        [sys.executable, "-m", "kalshi_tui", "journal", "--new", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    aside = list(path.parent.glob("journal.sqlite3.aside-*"))
    assert [p.read_bytes() == data for p in aside] == [True]
    with Journal.open(path, create=False, verify=True) as journal:
        assert journal.last_seq() == 1


def test_doctor_passes_a_sound_journal_with_the_check(tmp_path: Path) -> None:
    from kalshi_tui.journal.health import journal_health

    path = journal_path(tmp_path / "data")
    assert journal_health(path).ok  # none yet: created on first start
    with Journal.open(path) as journal:
        journal.record_fills(fills(50))
    health = journal_health(path)
    assert health.ok
    assert "quick_check ok" in health.detail
