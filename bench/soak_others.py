"""Other processes beside the soak's app (issue 11, Proof): what a trader runs in a second
terminal while the app trades, and what happens to the app's own process.

- `Others.spawn` starts `python -m kalshi_tui export | halt | resume | doctor` against the
  app's journal (a config naming the soak's exchange and data directory) at a random
  moment, without waiting for it; some are SIGKILLed after a random delay. Each is reaped
  at a later step: a traceback, or an exit status the command does not document, is a
  failure; an export's fills must all be in the journal.
- `deleted_journal_fds` is the "no journal file of the app was unlinked" invariant: the
  app's descriptors of the journal, its WAL and SHM, as `/proc/<pid>/fd` shows them.
- `crash_app` runs the app in a child process (`tests/reliability/crash_child.py churn`:
  placing and cancelling against the same exchange and journal) and SIGKILLs it at a random
  moment; the soak's app, closed meanwhile, then restarts on what the killed one left.

Everything random is drawn from the driver's seeded RNG; the processes' timing is not
seeded, so a run of this mode is not replayable exactly (like `--concurrent`).
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kalshi_tui.journal import Journal

ROOT = Path(__file__).resolve().parents[1]
CRASH_CHILD = ROOT / "tests" / "reliability" / "crash_child.py"

COMMANDS: dict[str, int] = {"export": 3, "halt": 2, "resume": 3, "doctor": 2}
"""Which command a second terminal runs, by weight."""
DOCUMENTED_EXITS: dict[str, frozenset[int]] = {
    "export": frozenset({0}),
    "halt": frozenset({0, 1}),  # 1: not verified (faults) or not durable
    "resume": frozenset({0, 1}),  # 1: refused (an order unresolved, a finding open)
    "doctor": frozenset({0, 1}),  # 1: a check failed (faults)
}
KILL_SHARE = 0.3
"""Share of the other processes that are SIGKILLed mid-run."""
MAX_RUNNING = 2
REAP_TIMEOUT_S = 120.0
"""A command still running this long after it started is a hang."""
CHILD_TIMEOUT_S = 60.0


def write_cli_config(directory: Path, base_url: str, key_id: str, private_pem: bytes) -> Path:
    """A config for `kalshi-tui` commands: the soak's exchange, key and data directory."""
    key = directory / "soak-key.pem"
    key.write_bytes(private_pem)
    key.chmod(0o600)
    config = directory / "soak-config.toml"
    config.write_text(
        "[exchange]\n"
        f'base_url = "{base_url}"\n'
        f'key_id = "{key_id}"\n'
        f'private_key_path = "{key}"\n'
        "request_timeout_seconds = 2\n"
        "[storage]\n"
        f'data_dir = "{directory / "data"}"\n',
        encoding="utf-8",
    )
    return config


def deleted_journal_fds(journal: Path, pid: int | str = "self") -> list[str]:
    """The process's descriptors of `journal`, its -wal or -shm that point at unlinked
    files (`... (deleted)`); empty when none was unlinked under it."""
    name = journal.name
    found = []
    fd_dir = Path(f"/proc/{pid}/fd")
    for entry in os.listdir(fd_dir):
        try:
            target = os.readlink(fd_dir / entry)
        except OSError:  # closed meanwhile
            continue
        if name in target and target.endswith("(deleted)"):
            found.append(target)
    return found


@dataclass
class Running:
    number: int
    command: str
    process: asyncio.subprocess.Process
    started: float
    kill_at: float | None
    out: Path | None


@dataclass
class Others:
    """The second terminal: commands started at random moments, reaped later."""

    config: Path
    journal: Path
    workdir: Path
    rng: random.Random
    running: list[Running] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    spawned: int = 0

    async def spawn(self, step: int) -> None:
        """Start one command (the driver's `external` action)."""
        if len(self.running) >= MAX_RUNNING:
            self.outcomes["external:busy"] += 1
            return
        names, weights = list(COMMANDS), list(COMMANDS.values())
        command = self.rng.choices(names, weights)[0]
        self.spawned += 1
        out: Path | None = None
        args = ["--config", str(self.config)]
        if command == "export":
            out = self.workdir / f"export-{self.spawned}.csv"
            args += ["--out", str(out), "--kind", "fills"]
        elif command == "halt":
            args += ["--reason", f"second terminal, step {step}", "--timeout", "10"]
        elif command == "resume":
            args += ["--reason", f"second terminal, step {step}"]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kalshi_tui",
            command,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        now = time.monotonic()
        kill_at = now + self.rng.uniform(0.05, 1.5) if self.rng.random() < KILL_SHARE else None
        self.running.append(Running(self.spawned, command, process, now, kill_at, out))

    async def reap(self, *, wait: bool = False) -> list[str]:
        """Kill the ones whose moment came and collect the finished ones (with `wait`: all,
        killing those still due a kill); the problems found."""
        problems: list[str] = []
        still: list[Running] = []
        for run in self.running:
            process = run.process
            age = time.monotonic() - run.started
            due = run.kill_at is not None and (wait or time.monotonic() >= run.kill_at)
            if process.returncode is None and due:
                process.send_signal(signal.SIGKILL)
            elif process.returncode is None and not wait and age <= REAP_TIMEOUT_S:
                still.append(run)
                continue
            try:
                out, err = await asyncio.wait_for(
                    process.communicate(), max(REAP_TIMEOUT_S - age, 5.0)
                )
            except TimeoutError:
                process.kill()
                await process.communicate()
                problems.append(f"{run.command} #{run.number} hung ({REAP_TIMEOUT_S:g}s)")
                continue
            problems += self._judge(run, out.decode(errors="replace"), err.decode(errors="replace"))
        self.running = still
        return problems

    def _judge(self, run: Running, out: str, err: str) -> list[str]:
        code = run.process.returncode
        if code == -signal.SIGKILL:
            self.outcomes[f"external:{run.command}:killed"] += 1
            return []
        self.outcomes[f"external:{run.command}:exit{code}"] += 1
        label = f"{run.command} #{run.number}"
        if "Traceback" in out + err:
            return [f"{label} printed a traceback:\n{err[-2000:]}"]
        if code not in DOCUMENTED_EXITS[run.command]:
            return [f"{label} exited {code}: {(out + err)[-800:]}"]
        if run.command == "export" and run.out is not None:
            return self._export_in_journal(label, run.out)
        return []

    def _export_in_journal(self, label: str, out: Path) -> list[str]:
        """Every fill the export wrote is in the journal (fills are never removed)."""
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        with Journal.open(self.journal, create=False) as journal:
            known = journal.fill_ids()
        missing = [row["fill_id"] for row in rows if row["fill_id"] not in known]
        self.outcomes["external:export_rows"] += len(rows)
        out.unlink()
        if missing:
            return [f"{label} exported fills the journal does not hold: {missing[:5]}"]
        return []


async def crash_app(
    base_url: str, key_file: Path, key_id: str, journal: Path, rng: random.Random
) -> str:
    """Run the app in a child (order churn on `journal`) and SIGKILL it after a random
    0.5–2.5 s; returns how it ended ("" when it died of our SIGKILL, as intended)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOAK_KILL_AT": ""}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CRASH_CHILD),
        base_url,
        str(key_file),
        key_id,
        str(journal),
        "churn",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(rng.uniform(0.5, 2.5))
    if child.returncode is None:
        child.send_signal(signal.SIGKILL)
    out, err = await asyncio.wait_for(child.communicate(), CHILD_TIMEOUT_S)
    if child.returncode == -signal.SIGKILL:
        return ""
    return f"the app child ended {child.returncode} before the kill: {(out + err).decode()[-800:]}"
