"""`python -m bench` (also `kalshi-tui bench`): every benchmark, one table, one JSON file.

Each `bench/bench_*.py` script runs in its own subprocess with `--json FILE` (and `--quick`
when asked), writing rows of the common shape in `bench/results.py`. This collects them,
prints one table — median, p95 and max over each figure's repeated samples, next to its
comparison measured in the same run, as a ratio — and writes everything, with the machine,
its load and the commit, to one JSON file (default `bench-results.json`).
`python -m bench --compare OLD.json [NEW.json]` prints the change per metric between two
such files and runs nothing.

Not part of the test suite: tests/bench/test_bench_suite.py only runs `--quick` and checks
that the JSON is well formed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import compare_lines, table_lines
from bench.results import KEYS, SCHEMA
from kalshi_tui.bench_cmd import configure_parser

ROOT = Path(__file__).resolve().parent.parent

SUITE: tuple[tuple[str, str], ...] = (
    ("startup", "start-up: first live screen, --help import cost (§6)"),
    ("market_list", "market list at 1k/10k/20k vs a stock DataTable, growth (§1, §2)"),
    ("ui", "the app's UI at 10,000 markets"),
    ("chart", "price chart repaint (axes, volume, last mark) vs a stock Sparkline"),
    ("kill_ui", "ctrl+k in the real app while 10,000 markets update at 10 Hz (§4)"),
    ("halt", "kill switch: blocked, verified flat at 10/100/1,000, the CLI process (§4)"),
    ("client", "our client vs Kalshi's SDK across a 30 ms simulated network (§3)"),
    ("market_load", "the real app: all 50,000 markets on screen across 30 ms, peak RSS"),
    ("journal", "journal at 1,000,000 fills: start-up, incremental P&L, export (§5)"),
    ("journal_guards", "journal identity file, halt marker, quick_check at open (issue 11)"),
    ("orders", "order service round trips"),
    ("exchange", "the simulator: engine orders/s, loopback round trips, 20k catalogue"),
    ("risk_gate", "pre-trade gate and halt triggers"),
    ("rate_margin", "429s drawn at each rate-limit planning margin"),
)
"""(name, what it measures), in the order they run: module `bench.bench_<name>`."""


def available() -> list[tuple[str, str]]:
    """The suite's benchmarks present in this checkout, then any other `bench_*.py`."""
    present = {p.stem.removeprefix("bench_") for p in (ROOT / "bench").glob("bench_*.py")}
    known = [(name, about) for name, about in SUITE if name in present]
    extra = sorted(present - {name for name, _ in SUITE})
    return known + [(name, "(not described in bench/__main__.py)") for name in extra]


def machine() -> dict[str, Any]:
    """What the figures ran on."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next((ln.split(":", 1)[1].strip() for ln in info if "model name" in ln), "")
    except OSError:
        pass
    memory_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages / 2**30, 1)
    except (OSError, ValueError):
        pass
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": model,
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib,
    }


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--short"))}


def run_one(name: str, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Run `bench.bench_<name>` in a subprocess; its document plus how the run went."""
    out = scratch / f"{name}.json"
    command = [sys.executable, "-m", f"bench.bench_{name}", "--json", str(out)]
    if args.quick:
        command.append("--quick")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.timeout,
            check=False,
        )
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        returncode, stdout = -1, str(expired.stdout or "")
        stderr = f"timed out after {args.timeout:.0f} s"
    seconds = time.perf_counter() - began
    entry: dict[str, Any] = {
        "command": " ".join(["python", *command[1:]]).replace(str(out), "FILE"),
        "returncode": returncode,
        "seconds": round(seconds, 1),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "rows": [],
    }
    if args.verbose and stdout:
        print(stdout, file=sys.stderr)
    if returncode == 0 and out.is_file():
        document = json.loads(out.read_text(encoding="utf-8"))
        entry["params"] = document.get("params", {})
        entry["rows"] = document["rows"]
    else:
        tail = (stderr or stdout).strip().splitlines()[-15:]
        entry["error"] = "\n".join(tail) or f"exit {returncode}, no JSON written"
    return entry


def run_suite(args: argparse.Namespace) -> dict[str, Any]:
    names = [name for name, _ in available()]
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            raise SystemExit(
                f"bench: unknown benchmark(s) {', '.join(unknown)}; "
                f"choose from {', '.join(names)} (see --list)"
            )
        names = [n for n in names if n in wanted]
    if args.skip:
        skipped = {n.strip() for n in args.skip.split(",")}
        names = [n for n in names if n not in skipped]
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench" + (" --quick" if args.quick else ""),
        "quick": bool(args.quick),
        "machine": machine(),
        **git_state(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "benches": {},
        "rows": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            print(f"# {name} ...", file=sys.stderr, end="", flush=True)
            entry = run_one(name, args, Path(tmp))
            status = "ok" if "error" not in entry else "FAILED"
            print(
                f" {status} in {entry['seconds']:.0f} s, {len(entry['rows'])} rows "
                f"(load {entry['load_before']:.2f} -> {entry['load_after']:.2f})",
                file=sys.stderr,
                flush=True,
            )
            results["benches"][name] = {k: v for k, v in entry.items() if k != "rows"}
            results["rows"].extend(entry["rows"])
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def validate(results: dict[str, Any]) -> None:
    """Raise ValueError if the combined document is not well formed."""
    for r in results["rows"]:
        if tuple(sorted(r)) != tuple(sorted(KEYS)):
            raise ValueError(f"row {r.get('benchmark')}/{r.get('metric')} has keys {sorted(r)}")


def load(path: str) -> dict[str, Any]:
    try:
        document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SystemExit(f"bench: {path} does not exist (run `python -m bench` first)") from None
    except json.JSONDecodeError as error:
        raise SystemExit(f"bench: {path} is not JSON ({error})") from None
    if not isinstance(document, dict) or "rows" not in document:
        raise SystemExit(f"bench: {path} is not a `python -m bench` results file")
    return document


def run(args: argparse.Namespace) -> int:
    """Run the suite (or compare two result files) as the parsed options say."""
    if args.list:
        for name, about in available():
            print(f"{name:<12} {about}")
        return 0
    if args.compare:
        if len(args.compare) > 2:
            raise SystemExit("bench: --compare takes OLD.json and optionally NEW.json")
        old = load(args.compare[0])
        new = load(args.compare[1] if len(args.compare) == 2 else args.json)
        print("\n".join(compare_lines(old, new)))
        return 0
    results = run_suite(args)
    validate(results)
    Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print("\n".join(table_lines(results)))
    print(f"\nwritten: {args.json}")
    failed = [name for name, entry in results["benches"].items() if "error" in entry]
    for name in failed:
        print(f"\n{name} FAILED:\n{results['benches'][name]['error']}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").split("\n\n")[0]
    )
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
