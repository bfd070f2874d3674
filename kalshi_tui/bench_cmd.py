"""`kalshi-tui bench`: the benchmark suite of a source checkout (`python -m bench`).

The suite lives in the repository's `bench/` directory, next to this package, not in the
installed package (it needs the test rig and Kalshi's SDK). This module only defines the
command's options (shared with `python -m bench`) and hands over to `bench.__main__`;
it imports nothing but the standard library, so `kalshi-tui --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

DEFAULT_JSON = "bench-results.json"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bench` and `kalshi-tui bench`."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: small sizes, one repetition (figures are not meaningful)",
    )
    parser.add_argument(
        "--only", metavar="NAMES", help="comma-separated benchmarks to run (default: all)"
    )
    parser.add_argument("--skip", metavar="NAMES", help="comma-separated benchmarks to leave out")
    parser.add_argument(
        "--json",
        metavar="PATH",
        default=DEFAULT_JSON,
        help=f"combined results file (default: {DEFAULT_JSON})",
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar=("OLD", "NEW"),
        help="print the change per metric from OLD to NEW (default NEW: the --json file) "
        "and run nothing",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        metavar="S",
        help="give up on one benchmark after S seconds (default 1800)",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="also print each benchmark's own output"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")


def checkout_root() -> Path | None:
    """The source checkout holding `bench/`, or None for an installed package."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "bench" / "__main__.py").is_file() else None


def run(args: argparse.Namespace) -> int:
    """Entry point of `kalshi-tui bench`."""
    root = checkout_root()
    if root is None:
        print(
            "kalshi-tui bench: the benchmark suite is not installed with the package; run it "
            "from a source checkout (`pip install -e '.[test]'`, then `kalshi-tui bench` or "
            "`python -m bench`)",
            file=sys.stderr,
        )
        return 1
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    suite = importlib.import_module("bench.__main__")
    return int(suite.run(args))
