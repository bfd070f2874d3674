"""The halt marker holds a halt the journal could not record, across restarts.

The journal's write failure is real: a child process opens the real journal file with its
file-size limit (RLIMIT_FSIZE) below the size of the WAL, so SQLite's append to the WAL
fails with an I/O error, exactly where a full disk fails it; the tiny marker still fits.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kalshi_tui.journal import Journal, halt_marker

resource = pytest.importorskip("resource")

# Run a snippet with writes beyond `limit` bytes of any file failing (SIGXFSZ ignored, so
# the write returns EFBIG instead of killing the process).
LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
from kalshi_tui.journal import Journal, HaltNotJournaled
journal = Journal.open(sys.argv[1], create=False)
try:
    journal.set_halt("daily_loss", "loss limit", value=None, threshold=None)
except HaltNotJournaled as exc:
    print("marker_holds" if exc.marker_holds else "marker_failed")
    print(exc)
else:
    print("journaled")
"""


def halt_in_child(path: Path, limit: int) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", LIMITED, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_a_halt_the_journal_cannot_write_is_held_by_the_marker_across_restarts(
    journal: Journal, journal_file: Path
) -> None:
    journal.record_event("warm_up", {"n": 1})  # the WAL is now far above the child's limit
    lines = halt_in_child(journal_file, 2048)
    assert lines[0] == "marker_holds", lines
    assert "could not be written to the journal" in lines[1]
    assert "halt.marker" in lines[1]
    assert "HALTED" in lines[1]
    marker = journal_file.with_name("halt.marker")
    assert marker.exists()
    # The journal itself never heard of the halt …
    assert not journal.halt_state(marker=False).halted
    # … but every reader of the halt (a restart included) sees it.
    with Journal.open(journal_file, create=False) as restarted:
        state = restarted.halt_state()
        assert state.halted
        assert state.trigger == "daily_loss"
        assert state.reason is not None
        assert "loss limit" in state.reason
        assert "halt.marker" in state.reason
        assert state.at is not None
        # A committed resume removes it.
        restarted.clear_halt("checked")
        assert not restarted.halt_state().halted
    assert not marker.exists()
    assert not journal.halt_state().halted


def test_when_the_journal_can_write_the_halt_lands_in_both(
    journal: Journal, journal_file: Path
) -> None:
    assert halt_in_child(journal_file, 100_000_000) == ["journaled"]
    assert journal.halt_state(marker=False).halted
    assert journal_file.with_name("halt.marker").exists()
    journal.clear_halt("fine")
    assert not journal_file.with_name("halt.marker").exists()
    assert not journal.halt_state().halted


def test_when_neither_can_be_written_the_error_says_so(
    journal: Journal, journal_file: Path
) -> None:
    journal.record_event("warm_up", {"n": 1})
    (journal_file.parent / halt_marker.RESERVE_NAME).unlink()
    lines = halt_in_child(journal_file, 0)  # not even a byte of a new file
    assert lines[0] == "marker_failed", lines
    assert "nor to the halt marker" in lines[1]
    assert "only until this process ends" in lines[1]
    assert not journal.halt_state().halted


def test_the_reserve_lets_a_marker_be_written_without_new_space(
    journal: Journal, journal_file: Path
) -> None:
    reserve = journal_file.parent / halt_marker.RESERVE_NAME
    assert reserve.stat().st_size == halt_marker.RESERVE_BYTES
    inode = reserve.stat().st_ino
    journal.set_halt("manual", "ctrl+k")
    marker = journal_file.with_name("halt.marker")
    # The marker is the reserve's blocks, renamed: no new file had to be allocated.
    assert marker.stat().st_ino == inode
    assert not reserve.exists()
    journal.clear_halt("ok")
    assert reserve.exists(), "the reserve is put back after a resume"


def test_an_unreadable_marker_still_means_halted(journal: Journal, journal_file: Path) -> None:
    journal_file.with_name("halt.marker").write_bytes(b"\x00garbage")
    state = journal.halt_state()
    assert state.halted
    assert state.reason is not None
    assert "unreadable" in state.reason


def test_a_resume_leaves_a_marker_written_after_it_read_the_old_one(
    journal: Journal, journal_file: Path
) -> None:
    from datetime import UTC, datetime

    journal.set_halt("manual", "first")
    seen = halt_marker.read(journal_file)
    assert seen is not None
    # Another process marks a new halt after this one read the marker.
    halt_marker.write(journal_file, halt_marker.encode("remote", "second", datetime.now(UTC)))
    assert not halt_marker.remove(journal_file, seen)
    assert journal.halt_state().halted
