"""A damaged journal is refused, never silently replaced by an empty or shorter one.

Each case damages a real journal file the way it happens in practice — a file emptied,
a `-wal` deleted or cut short after a process died holding it (so its commits were never
checkpointed into the database file), another account's journal copied over it — and
checks that opening refuses with the file's name and the way forward, without writing
to the file.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kalshi_tui.journal import Journal, identity

# Writes `count` durable order intents (and a halt), then dies by SIGKILL: nothing is
# checkpointed, so those commits live only in the -wal file.
WRITE_AND_DIE = """
import os, signal, sys
from decimal import Decimal
from kalshi_tui.journal import Journal
journal = Journal.open(sys.argv[1], create=False)
for i in range(int(sys.argv[2])):
    journal.record_intent(f"late-{i}", ticker="KXT-1", side="yes", action="buy",
                          price=Decimal("0.40"), count=Decimal(1))
journal.set_halt("manual", "before the crash")
print(journal.last_seq(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def make_journal(path: Path, intents: int = 3) -> int:
    """A journal with a few intents, closed cleanly (so checkpointed); its last seq."""
    with Journal.open(path) as journal:
        for i in range(intents):
            journal.record_intent(
                f"early-{i}",
                ticker="KXT-1",
                side="yes",
                action="buy",
                price=Decimal("0.40"),
                count=Decimal(1),
            )
        return journal.last_seq()


def write_and_die(path: Path, count: int) -> int:
    result = subprocess.run(
        [sys.executable, "-c", WRITE_AND_DIE, str(path), str(count)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    return int(result.stdout.strip())


def wal(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def test_the_identity_file_follows_durable_commits(journal_file: Path) -> None:
    with Journal.open(journal_file) as journal:
        journal.record_intent(
            "a", ticker="KXT-1", side="yes", action="buy", price=Decimal("0.4"), count=Decimal(1)
        )
        recorded = identity.read(journal_file)
        assert recorded is not None
        assert recorded.journal_id == journal.journal_id
        assert recorded.last_seq == journal.last_seq() > 0
    data = json.loads(journal_file.with_name("journal.identity").read_text())
    assert data["journal"] == "journal.sqlite3"
    # A sound journal reopens without complaint.
    Journal.open(journal_file, create=False).close()


def test_a_zero_byte_journal_is_refused_and_left_alone(journal_file: Path) -> None:
    make_journal(journal_file)
    journal_file.write_bytes(b"")
    with pytest.raises(identity.JournalDamaged) as error:
        Journal.open(journal_file)
    message = str(error.value)
    assert str(journal_file) in message
    assert "is empty" in message
    assert "kalshi-tui journal --" in message
    assert "backup" in message
    assert journal_file.read_bytes() == b""
    assert not wal(journal_file).exists()


def test_a_missing_journal_is_refused_not_recreated(journal_file: Path) -> None:
    make_journal(journal_file)
    journal_file.unlink()
    with pytest.raises(identity.JournalDamaged, match="is missing"):
        Journal.open(journal_file)
    assert not journal_file.exists()


def test_a_deleted_wal_loses_commits_and_is_refused(journal_file: Path) -> None:
    early = make_journal(journal_file)
    late = write_and_die(journal_file, 5)
    assert late > early
    assert wal(journal_file).stat().st_size > 0
    wal(journal_file).unlink()
    journal_file.with_name(journal_file.name + "-shm").unlink(missing_ok=True)
    size = journal_file.stat().st_size
    with pytest.raises(identity.JournalDamaged) as error:
        Journal.open(journal_file)
    message = str(error.value)
    assert "lost committed writes" in message
    assert f"#{early}" in message
    assert f"#{late}" in message
    assert journal_file.stat().st_size == size


def test_a_truncated_wal_loses_commits_and_is_refused(journal_file: Path) -> None:
    early = make_journal(journal_file)
    late = write_and_die(journal_file, 20)
    log = wal(journal_file)
    data = log.read_bytes()
    log.write_bytes(data[: len(data) // 3])
    with pytest.raises(identity.JournalDamaged, match="lost committed writes") as error:
        Journal.open(journal_file)
    assert f"#{late}" in str(error.value)
    # What survived is between what was checkpointed and what was committed.
    assert early <= late


def test_an_intact_wal_after_a_crash_opens_with_everything(journal_file: Path) -> None:
    make_journal(journal_file)
    late = write_and_die(journal_file, 5)
    with Journal.open(journal_file) as journal:
        assert journal.last_seq() == late
        assert journal.halt_state(marker=False).halted
        assert journal.intent("late-4") is not None


def test_a_journal_replaced_by_another_is_refused(tmp_path: Path) -> None:
    ours = tmp_path / "ours" / "journal.sqlite3"
    theirs = tmp_path / "theirs" / "journal.sqlite3"
    make_journal(ours)
    make_journal(theirs, intents=10)  # more events: only the identity tells them apart
    ours.write_bytes(theirs.read_bytes())
    with pytest.raises(identity.JournalDamaged, match="not the account's journal") as error:
        Journal.open(ours)
    assert str(ours) in str(error.value)


def test_adopting_records_the_journal_in_place(journal_file: Path) -> None:
    make_journal(journal_file)
    journal_file.write_bytes(b"")
    with Journal.open(journal_file, adopt=True) as journal:
        assert journal.last_seq() == 0
        adopted = journal.journal_id
    recorded = identity.read(journal_file)
    assert recorded is not None
    assert recorded.journal_id == adopted
    Journal.open(journal_file, create=False).close()
