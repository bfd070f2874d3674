"""Opening journal files: migration forward, refusal of newer, foreign and corrupt files."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from journal_helpers import FakeClock, make_fill

from kalshi_tui.journal import LATEST_VERSION, Journal, JournalError, schema


def make_v1_file(path: Path) -> None:
    """A journal exactly as code that knew only schema v1 would have left it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        schema.migrate(conn, 0, target=1)
        conn.execute(
            "INSERT INTO fills VALUES ('fill-1', 'order-1', 'T', 'yes', 'buy', '4', '0.43', 1, "
            "'0.07', 1772460191482000, 1772460191482000)"
        )
    finally:
        conn.close()


def index_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
    return {row[0] for row in rows}


def test_new_journal_is_at_latest_version(journal: Journal) -> None:
    assert LATEST_VERSION >= 2
    assert journal.schema_version == LATEST_VERSION


def test_v1_file_is_migrated_forward_keeping_its_data(tmp_path: Path, clock: FakeClock) -> None:
    path = tmp_path / "journal.sqlite3"
    make_v1_file(path)
    assert "fills_by_order_id" not in index_names(path)
    with Journal.open(path, clock=clock) as journal:
        assert journal.schema_version == LATEST_VERSION
        [fill] = journal.fills()
        assert (fill.fill_id, fill.price, fill.fee) == ("fill-1", Decimal("0.43"), Decimal("0.07"))
        [migration] = journal.events(kind="migration")
        assert migration.payload == {"from_version": 1, "to_version": LATEST_VERSION}
        assert journal.integrity_check() == []
    assert "fills_by_order_id" in index_names(path)
    # The pre-migration file was kept beside the journal, still at v1.
    backup = tmp_path / "journal.sqlite3.schema-v1.bak"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM fills").fetchone()[0] == 1


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path) as journal:
        journal.record_fill(make_fill("fill-1"))
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    before = path.read_bytes()
    with pytest.raises(JournalError, match="newer kalshi-tui") as error:
        Journal.open(path)
    assert str(path) in str(error.value)
    assert "Upgrade kalshi-tui" in str(error.value)
    assert path.read_bytes() == before


def test_garbage_file_is_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    directory = tmp_path / "account"
    directory.mkdir()
    path = directory / "journal.sqlite3"
    garbage = bytes(range(256)) * 64
    path.write_bytes(garbage)
    with pytest.raises(JournalError, match="not a SQLite database") as error:
        Journal.open(path)
    assert str(path) in str(error.value)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in directory.iterdir()) == ["journal.sqlite3"]


def test_truncated_sqlite_file_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal.open(path) as journal:
        journal.record_fills(make_fill(f"fill-{i}") for i in range(2000))
    damaged = path.read_bytes()[:100] + b"\xff" * 4000
    path.write_bytes(damaged)
    with pytest.raises(JournalError, match=r"unreadable|not a kalshi-tui journal"):
        Journal.open(path)
    assert path.read_bytes() == damaged


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(JournalError, match="not a kalshi-tui journal"):
        Journal.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_missing_file_is_not_created_when_create_is_false(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with pytest.raises(JournalError, match="no journal at"):
        Journal.open(path, create=False)
    assert not path.exists()


def test_migration_failure_leaves_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    make_v1_file(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # Sabotage v2: an index of that name already exists, so CREATE INDEX fails.
        conn.execute("CREATE INDEX fills_by_order_id ON fills (ticker)")
        with pytest.raises(sqlite3.OperationalError):
            schema.migrate(conn, 1)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "events_by_kind_time" not in index_names(path)
    finally:
        conn.close()
