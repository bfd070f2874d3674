"""A refused journal, as a trader meets it: every command refuses it plainly, and
`kalshi-tui journal --accept | --new` is the explicit way forward. All commands run as real
processes on the demo account's journal (no config file)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from kalshi_tui import paths
from kalshi_tui.journal import Journal, identity, journal_path
from kalshi_tui.journal.health import journal_health


def demo_journal() -> Path:
    return journal_path(paths.default_data_dir("demo", None))


def kalshi_tui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kalshi_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def make_journal(path: Path, intents: int) -> None:
    with Journal.open(path) as journal:
        for i in range(intents):
            journal.record_intent(
                f"intent-{i}",
                ticker="KXT-1",
                side="yes",
                action="buy",
                price=Decimal("0.40"),
                count=Decimal(1),
            )
        journal.set_halt("manual", "end of day")


def test_an_emptied_journal_is_refused_everywhere_then_started_anew(tmp_path: Path) -> None:
    path = demo_journal()
    make_journal(path, 3)
    path.write_bytes(b"")
    app = kalshi_tui()  # the terminal UI on the demo account refuses before it draws
    assert app.returncode == 1
    assert "could not start the session" in app.stderr
    assert "is empty" in app.stderr
    assert "Traceback" not in app.stderr
    export = kalshi_tui("export", "--out", str(tmp_path / "fills.csv"))
    assert export.returncode == 1
    assert "is empty" in export.stderr
    assert "kalshi-tui journal --" in export.stderr
    assert "Traceback" not in export.stderr + export.stdout
    health = journal_health(path)  # doctor's "journal intact" line
    assert not health.ok
    assert "is empty" in health.detail
    assert health.fix is not None
    assert "kalshi-tui journal --new" in health.fix
    resume = kalshi_tui("resume", "--reason", "looks fine")
    assert resume.returncode == 1
    assert "is empty" in resume.stderr
    assert path.read_bytes() == b""

    started = kalshi_tui("journal", "--new")
    assert started.returncode == 0, started.stderr
    aside = list(path.parent.glob("journal.sqlite3.aside-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == b"", "the damaged file is kept aside as it was"
    assert list(path.parent.glob("journal.identity.*.old"))
    # The account was halted: the marker keeps it so until an explicit resume.
    assert "still HALTED" in started.stdout
    with Journal.open(path, create=False) as journal:
        assert journal.halt_state().halted
        assert [e.kind for e in journal.events()] == ["journal_started_anew"]
    assert kalshi_tui("resume", "--reason", "new journal checked").returncode == 0


def test_a_journal_restored_from_an_older_backup_is_accepted_explicitly(tmp_path: Path) -> None:
    path = demo_journal()
    make_journal(path, 2)
    backup = tmp_path / "backup.sqlite3"
    with Journal.open(path) as journal, sqlite3.connect(backup) as copy:
        journal._conn.backup(copy)  # the trader's backup: SQLite's online backup
        journal.record_intent(
            "after-backup",
            ticker="KXT-1",
            side="yes",
            action="buy",
            price=Decimal("0.40"),
            count=Decimal(1),
        )
    path.write_bytes(backup.read_bytes())  # restored, with the app not running
    refused = kalshi_tui("export", "--out", str(tmp_path / "fills.csv"))
    assert refused.returncode == 1
    assert "lost committed writes" in refused.stderr

    accepted = kalshi_tui("journal", "--accept")
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted" in accepted.stdout
    with Journal.open(path, create=False) as journal:
        assert journal.intent("intent-1") is not None
        assert journal.intent("after-backup") is None
        kinds = [e.kind for e in journal.events()]
        assert kinds[-1] == "journal_accepted"
    assert kalshi_tui("journal", "--accept").stdout.endswith("nothing to accept.\n")
    refused = kalshi_tui("journal", "--new")
    assert refused.returncode == 1, "--new never throws a sound journal away"
    assert "opens as the account's journal" in refused.stderr


def test_starting_anew_is_refused_while_a_process_has_the_journal_open() -> None:
    path = demo_journal()
    make_journal(path, 1)
    path.write_bytes(b"")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('select 1');"
            "print('ready', flush=True); sys.stdin.readline()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        if not Path(f"/proc/{holder.pid}/fd").exists():
            return
        refused = kalshi_tui("journal", "--new")
        assert refused.returncode == 1
        assert str(holder.pid) in refused.stderr
        assert path.exists()
        assert not list(path.parent.glob("journal.sqlite3.aside-*"))
    finally:
        holder.communicate(input="\n", timeout=30)
    assert identity.read(path) is not None
    assert os.path.getsize(path) == 0


def test_starting_anew_is_refused_while_an_app_holds_the_data_directory() -> None:
    path = demo_journal()
    make_journal(path, 1)
    path.write_bytes(b"")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from kalshi_tui.services.app_lock import "
            "AppLock; lock = AppLock.acquire(Path(sys.argv[1])); print('ready', flush=True); "
            "sys.stdin.readline()",
            str(path.parent),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        refused = kalshi_tui("journal", "--new")
        assert refused.returncode == 1
        assert f"PID {holder.pid}" in refused.stderr
        assert not list(path.parent.glob("journal.sqlite3.aside-*"))
    finally:
        holder.communicate(input="\n", timeout=30)
    assert kalshi_tui("journal", "--new").returncode == 0
