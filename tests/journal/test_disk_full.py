"""A really full disk: `kalshi-tui halt` beside a running journal, on a 1 MiB tmpfs.

The test runs a driver in a private mount namespace (`unshare`) that mounts a small
tmpfs, opens the demo account's journal there as the app would (and keeps it open),
fills the file system to the last byte, and runs `kalshi-tui halt` as a separate process.
SQLite's WAL append fails with "database or disk is full"; the halt marker, written into
its pre-allocated reserve, still holds the halt, and a restart comes up HALTED. Without
the reserve the marker cannot be written either, and `halt` says so. Skipped where
unprivileged mount namespaces are not available.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = r"""
import json, os, subprocess, sys
from pathlib import Path
from kalshi_tui.journal import Journal, journal_path
from kalshi_tui.journal import halt_marker
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.halt_info import apply_persisted_halt

mount, keep_reserve = Path(sys.argv[1]), sys.argv[2] == "1"
os.environ["XDG_DATA_HOME"] = str(mount / "data")
from kalshi_tui import paths
path = journal_path(paths.default_data_dir("demo", None))
app = Journal.open(path)  # the running app's journal
app.record_event("app_started", {"pid": os.getpid()})
if not keep_reserve:
    (path.parent / halt_marker.RESERVE_NAME).unlink()
filler = mount / "filler"
fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the file system to the last byte
for size in (65536, 4096, 1):
    try:
        while os.write(fd, b"\0" * size):
            pass
    except OSError:
        pass
os.close(fd)
halt = subprocess.run(
    [sys.executable, "-m", "kalshi_tui", "halt", "--reason", "disk full test", "--timeout", "1"],
    capture_output=True, text=True, timeout=120, env=dict(os.environ),
)
journal_halted = app.halt_state(marker=False).halted
app.close()
filler.unlink()  # space again: what does a restart see?
store = Store(Snapshot(environment="demo"))
with Journal.open(path, create=False) as restarted:
    state = apply_persisted_halt(restarted, store)
print(json.dumps({
    "code": halt.returncode,
    "output": halt.stdout + halt.stderr,
    "journal_halted": journal_halted,
    "restart_halted": state.halted,
    "mode": str(store.snapshot.trading.mode),
}))
"""


def run_full_disk(tmp_path: Path, keep_reserve: bool) -> dict[str, object]:
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs unshare(1) on Linux")
    mount = tmp_path / "mnt"
    mount.mkdir()
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    script = (
        f"mount -t tmpfs -o size=1m tmpfs {mount} && "
        f"exec {sys.executable} {driver} {mount} {int(keep_reserve)}"
    )
    env = dict(os.environ)
    env.pop("KALSHI_TUI_CONFIG", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "no-config")
    result = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    if result.returncode != 0 and (
        "Operation not permitted" in result.stderr or "mount:" in result.stderr
    ):
        pytest.skip(f"no private mount namespace here: {result.stderr.strip()[:200]}")
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_a_halt_on_a_full_disk_is_held_by_the_marker(tmp_path: Path) -> None:
    report = run_full_disk(tmp_path, keep_reserve=True)
    output = str(report["output"])
    assert report["code"] == 1, output
    assert "halt NOT persisted" in output
    assert "full" in output  # SQLite's own words: database or disk is full
    assert "NOT DURABLE in the journal: the halt is held only by the halt marker" in output
    assert "nor to the halt marker" not in output, "a marker already written still holds"
    assert "Traceback" not in output
    assert report["journal_halted"] is False
    assert report["restart_halted"] is True
    assert report["mode"] == "TradingMode.HALTED"


def test_without_the_reserve_a_full_disk_loses_the_marker_too_and_halt_says_so(
    tmp_path: Path,
) -> None:
    report = run_full_disk(tmp_path, keep_reserve=False)
    output = str(report["output"])
    assert report["code"] == 1, output
    assert "NOT DURABLE: neither the journal" in output
    assert "a restart will not know" in output
    assert "Traceback" not in output
    assert report["restart_halted"] is False
