"""Another kalshi-tui process beside a running one must never unlink its WAL.

Closing any descriptor of a file drops every POSIX lock the process holds on it, so a
plain `open()`/`close()` of the journal beside a live SQLite connection let the next
process think it was the last user, checkpoint and delete `-wal`/`-shm` under the
running app. Here a real holder process keeps the journal open twice (as the app does:
its session and its P&L loader), and `export` and `doctor` run beside it as the trader
would run them in another terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from app_processes import journal_fds

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")

HOLDER = """
import sys, time
from kalshi_tui.journal.journal import Journal
path = sys.argv[1]
first = Journal.open(path)
second = Journal.open(path)
print("ready", flush=True)
sys.stdin.readline()
"""


def test_export_and_doctor_beside_a_holder_never_delete_its_wal(tmp_path: Path) -> None:
    env = dict(os.environ)
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[name] = str(tmp_path / name.lower())
    env.pop("KALSHI_TUI_CONFIG", None)
    data_dir = tmp_path / "xdg_data_home" / "kalshi-tui" / "demo-local"
    data_dir.mkdir(parents=True)
    journal = data_dir / "journal.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(journal)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        before = journal_fds(holder.pid)
        assert any(target.endswith("-wal") for target in before), before
        cli = [sys.executable, "-m", "kalshi_tui"]
        runs = [["export", "--out", str(tmp_path / "fills.csv")], ["doctor"]] * 3
        for args in runs:
            subprocess.run(cli + args, env=env, capture_output=True, timeout=120, check=False)
            deleted = [target for target in journal_fds(holder.pid) if "(deleted)" in target]
            assert deleted == [], (args, deleted)
        assert (data_dir / "journal.sqlite3-wal").exists()
    finally:
        try:
            holder.communicate(input="\n", timeout=30)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.communicate()
