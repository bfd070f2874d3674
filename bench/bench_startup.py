"""Benchmark: start-up costs a user feels.

* `kalshi-tui --help`: wall time of the whole command (Python start, imports, argparse)
  against a bare `python -c pass`, median of N runs. The CLI keeps Textual, httpx,
  pydantic and cryptography out of this path (target: under 300 ms).
* `kalshi-tui --demo` to first screen with live data: the real command in a
  pseudo-terminal (180x50), from spawn until the terminal output contains a price
  ("¢" only appears once market rows from the embedded exchange are painted)
  (target: under 2 s). Then ctrl+q, and the time to a clean exit is reported too.
  Each run uses fresh XDG directories, so the first run generates the demo key
  and later runs restore nothing; `--warm` reuses one directory (a returning user).

Run: `python -m bench.bench_startup [--runs 5] [--warm]`
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from pathlib import Path

from bench.results import row as results_row
from bench.results import write as write_results

SCRIPT = Path(sys.executable).with_name("kalshi-tui")
COLUMNS, LINES = 180, 50


def time_command(argv: Sequence[str], runs: int) -> list[float]:
    """Wall-clock ms of `argv` (output discarded), one value per run."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def first_screen(xdg: Path, timeout: float = 30.0) -> tuple[float, float]:
    """(ms from spawn to the first painted price, ms from ctrl+q to exit) for one run."""
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        XDG_DATA_HOME=str(xdg / "data"),
        XDG_CONFIG_HOME=str(xdg / "config"),
        XDG_STATE_HOME=str(xdg / "state"),
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(
        [str(SCRIPT), "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    seen = b""
    painted: float | None = None
    try:
        while painted is None:
            if time.perf_counter() - start > timeout:
                raise RuntimeError("no live data on screen within the timeout")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                seen = (seen + os.read(master, 65536))[-4096:]
                if "¢".encode() in seen:
                    painted = (time.perf_counter() - start) * 1000
        quit_start = time.perf_counter()
        os.write(master, b"\x11")  # ctrl+q
        while process.poll() is None:
            if time.perf_counter() - quit_start > timeout:
                raise RuntimeError("ctrl+q did not exit within the timeout")
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        process.wait(timeout)
        return painted, (time.perf_counter() - quit_start) * 1000
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def _stats(values: Sequence[float]) -> str:
    return (
        f"median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   "
        f"max {max(values):7.1f}   (n={len(values)})"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warm", action="store_true", help="reuse one demo data directory")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument("--quick", action="store_true", help="smoke run: one run of each")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    if not SCRIPT.exists():
        raise SystemExit(f"{SCRIPT} not found: install the package in this environment")

    baseline = time_command([sys.executable, "-c", "pass"], args.runs)
    help_times = time_command([str(SCRIPT), "--help"], args.runs)
    print(f"python -c pass        {_stats(baseline)}")
    print(f"kalshi-tui --help     {_stats(help_times)}   target < 300 ms")

    painted: list[float] = []
    quits: list[float] = []
    shared = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        for n in range(args.runs):
            xdg = shared if args.warm else shared / f"run{n}"
            first, quit_ms = first_screen(xdg)
            painted.append(first)
            quits.append(quit_ms)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    kind = "warm" if args.warm else "cold"
    print(f"--demo first prices   {_stats(painted)}   target < 2000 ms ({kind}, {COLUMNS}x{LINES})")
    print(f"ctrl+q to exit        {_stats(quits)}")
    rows = [
        results_row(
            "startup",
            "help",
            help_times,
            "ms",
            comparison="python -c pass",
            comparison_samples=baseline,
            target="median < 300",
        ),
        results_row(
            "startup",
            f"demo_first_prices_{kind}",
            painted,
            "ms",
            comparison="kalshi-tui --help",
            comparison_samples=help_times,
            target="median < 2000",
        ),
        results_row("startup", "quit_to_exit", quits, "ms"),
    ]
    params = {"runs": args.runs, "warm": args.warm, "terminal": [COLUMNS, LINES]}
    write_results(args.json, "startup", params, rows)
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
