"""Real processes around one account for the multi-process tests: a simulator in the test's
process, a config pointing at it, the app (`app_holder.py`) as a child process, and the
`kalshi-tui` commands a trader runs in another terminal."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from kalshi_tui.exchange.cli import write_config
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange

HOLDER = Path(__file__).with_name("app_holder.py")
CLI = [sys.executable, "-m", "kalshi_tui"]
KEY_ID = "6f0c7d52-8a9e-4b1e-9c55-2a7d3e1f0b42"
WAIT_S = 60.0
"""Generous bound for any condition a test waits on (never a timing assertion)."""

FAST_POLLING = """
[polling]
exchange_status_seconds = 0.5
markets_seconds = 1.0
orderbook_seconds = 0.25
portfolio_seconds = 0.5
fills_seconds = 0.5
settlements_seconds = 5.0
"""


@dataclass
class Account:
    exchange: RunningExchange
    config: Path
    data_dir: Path

    @property
    def journal(self) -> Path:
        return self.data_dir / "journal.sqlite3"


@contextlib.contextmanager
def sim_account(
    tmp_path: Path, *, markets: int = 20, faults: str | None = None
) -> Iterator[Account]:
    """A simulator (no agents, no rate limits) and a config for its account, with fast
    polling and the data directory in `tmp_path`."""
    private_pem, public_pem = generate_key_pair()
    key_path = tmp_path / "sim-key.pem"
    key_path.write_bytes(private_pem)
    key_path.chmod(0o600)
    exchange = start_exchange(
        seed=11,
        markets=markets,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public_pem)],
        faults=faults,
    )
    try:
        config = tmp_path / "sim.toml"
        write_config(config, exchange.base_url, KEY_ID, key_path, SimpleNamespace(rate_tier="off"))
        data_dir = tmp_path / "data"
        with config.open("a") as handle:
            handle.write(f'\n[storage]\ndata_dir = "{data_dir}"\n{FAST_POLLING}')
        yield Account(exchange, config, data_dir)
    finally:
        exchange.stop()


def run_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`kalshi-tui ARGS…` as a separate process (as typed in another terminal)."""
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


class Holder:
    """`app_holder.py` as a child process; its stdout lines are collected by a thread,
    its stderr goes to `log`."""

    def __init__(self, config: Path, log: Path, *extra: str) -> None:
        self.log = log
        with log.open("a") as errors:
            self.process = subprocess.Popen(
                [sys.executable, str(HOLDER), str(config), *extra],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        self.lines: list[str] = []
        self._ended = False
        self._new: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    def _drain(self, timeout: float) -> None:
        """Move arrived lines to `lines`, waiting up to `timeout` for the first."""
        try:
            item = self._new.get(timeout=timeout) if timeout else self._new.get_nowait()
            while True:
                if item is None:
                    self._ended = True
                    return
                self.lines.append(item)
                item = self._new.get_nowait()
        except queue.Empty:
            return

    def wait_line(self, accept: Callable[[str], bool], *, after: int = 0) -> str:
        """The first line at index ≥ `after` that `accept`s, waiting up to WAIT_S."""
        deadline = time.monotonic() + WAIT_S
        while True:
            for line in self.lines[after:]:
                if accept(line):
                    return line
            if self._ended:
                errors = self.log.read_text()[-3000:]
                raise AssertionError(f"holder ended: {self.lines[-20:]}\n{errors}")
            if time.monotonic() > deadline:
                raise AssertionError(f"holder never said it; it said {self.lines[-20:]}")
            self._drain(0.05)

    def wait_ready(self) -> int:
        """Wait for `ready PID`; returns the PID it reported."""
        return int(self.wait_line(lambda line: line.startswith("ready ")).split()[1])

    def send(self, command: str) -> int:
        """Send a command; returns the index its answer lines will start at."""
        self._drain(0)
        mark = len(self.lines)
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return mark

    def kill(self) -> None:
        """SIGKILL, as `kill -9` or a crash would; waits for the exit and its last lines."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=WAIT_S)
        self._reader.join(timeout=WAIT_S)
        self._drain(0)

    def stop(self) -> None:
        """Quit cleanly if still running (a test's clean-up)."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.send("quit")
                assert self.process.stdin is not None
                self.process.stdin.close()  # ends the child's stdin reader thread
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def journal_fds(pid: int) -> list[str]:
    """Targets of `pid`'s open descriptors on the journal's files (`… (deleted)` when
    the file was unlinked under it)."""
    targets = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if "journal.sqlite3" in target:
            targets.append(target)
    return targets
