"""One app per journal: a second `kalshi-tui` on the same data directory refuses to start,
naming the PID that holds it; the lock dies with its holder (SIGKILL included); the
commands meant for another terminal (`export`, `resume`) keep working beside the app.

The holder is a real process building the app with the app's own factory
(`app_holder.py --build`); the second app is the real command line, `kalshi-tui` with no
subcommand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_processes import Holder, run_cli, sim_account

from kalshi_tui.services.app_lock import LOCK_FILE
from kalshi_tui.services.launch import demo_dir

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")


def assert_refused(result_stderr: str, returncode: int, pid: int, data_dir: Path) -> None:
    assert returncode == 1, result_stderr
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    assert f"PID {pid}" in lines[0]
    assert "already running" in lines[0]
    assert str(data_dir) in lines[0]


def test_a_second_app_on_a_configured_account_is_refused_until_the_first_dies(
    tmp_path: Path,
) -> None:
    with sim_account(tmp_path) as account:
        first = Holder(account.config, tmp_path / "first.log", "--build")
        try:
            pid = first.wait_ready()
            assert pid == first.pid
            second = run_cli("--config", str(account.config))
            assert_refused(second.stderr, second.returncode, pid, account.data_dir)
            assert second.stdout == ""
            # What the other terminal is for still works beside the app.
            export = run_cli(
                "export", "--config", str(account.config), "--out", str(tmp_path / "f.csv")
            )
            assert export.returncode == 0, export.stdout + export.stderr
            resume = run_cli("resume", "--config", str(account.config), "--reason", "check")
            assert resume.returncode == 0, resume.stdout + resume.stderr
            assert "not halted" in resume.stdout
            # kill -9: the kernel drops the lock with the process; the stale PID in the
            # file does not block the next start.
            first.kill()
        finally:
            first.stop()
        assert (account.data_dir / LOCK_FILE).read_text().strip() == str(pid)
        third = Holder(account.config, tmp_path / "third.log", "--build")
        try:
            assert third.wait_ready() == third.pid
            assert (account.data_dir / LOCK_FILE).read_text().strip() == str(third.pid)
        finally:
            third.stop()
        # A clean exit leaves no PID behind.
        assert (account.data_dir / LOCK_FILE).read_text() == ""


def test_a_second_demo_app_is_refused(tmp_path: Path) -> None:
    first = Holder(Path("-"), tmp_path / "demo.log", "--build")
    try:
        pid = first.wait_ready()
        second = run_cli()
        assert_refused(second.stderr, second.returncode, pid, demo_dir())
        second = run_cli("--demo")
        assert_refused(second.stderr, second.returncode, pid, demo_dir())
    finally:
        first.stop()
