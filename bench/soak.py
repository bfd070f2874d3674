"""The seeded fault soak (issue 8): many seeds × random actions under injected faults.

Run: `python -m bench.soak --seeds N [--actions 1000] [--seed-start S]`.

Each seed runs `bench.soak_driver.run_seed` in a fresh temporary directory: an embedded
exchange with agents and fault injection, 1,000 seeded random actions (place, cancel,
amend, cancel-all, halt, resume, restart), invariants after every step and in full at the
end. Prints one line per seed, the replay command of every failing seed, and totals: seeds,
actions, faults injected by kind, invariant checks, failures. Exit status 1 if any seed
failed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.soak_driver import FAULTS, SeedResult, replay_command, run_seed
from kalshi_tui.exchange.http.faults import parse_spec


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seeds", type=int, default=10, help="how many seeds (default 10)")
    parser.add_argument("--actions", type=int, default=1000, help="actions per seed")
    parser.add_argument("--seed-start", type=int, default=1, help="first seed")
    parser.add_argument(
        "--budget-s", type=float, default=None, help="stop starting seeds after this many s"
    )
    parser.add_argument(
        "--concurrent",
        action="store_true",
        help="run resolver, fills and reconciliation concurrently with each action, as the "
        "app's pollers do (not replayable exactly: the wire order depends on timing)",
    )
    parser.add_argument(
        "--others",
        action="store_true",
        help="other processes share the journal: kalshi-tui export/halt/resume/doctor at "
        "random moments (some SIGKILLed), a full disk for a few actions, the app SIGKILLed "
        "mid-trading (not replayable exactly: the processes' timing is not seeded)",
    )
    parser.add_argument(
        "--faults",
        default=FAULTS,
        help=f"fault SPEC (see `kalshi-tui sim --help`); default {FAULTS!r}",
    )
    args = parser.parse_args(argv)
    try:
        parse_spec(args.faults)
    except ValueError as exc:
        parser.error(f"--faults: {exc}")
    if args.seeds < 1 or args.actions < 1:
        parser.error("--seeds and --actions must be at least 1")
    started = time.monotonic()
    results: list[SeedResult] = []
    for seed in range(args.seed_start, args.seed_start + args.seeds):
        if args.budget_s is not None and time.monotonic() - started > args.budget_s:
            break
        with tempfile.TemporaryDirectory(prefix=f"soak-{seed}-") as directory:
            result = asyncio.run(
                run_seed(
                    seed,
                    args.actions,
                    Path(directory),
                    concurrent=args.concurrent,
                    faults=args.faults,
                    others=args.others,
                )
            )
        results.append(result)
        faults = sum(result.faults.values())
        state = "ok" if result.ok else "FAIL"
        print(
            f"seed {seed}: {state} {result.actions} actions, {faults} faults, "
            f"{result.checks} checks, {result.elapsed:.1f}s",
            flush=True,
        )
        for failure in result.failures[:5]:
            print(f"    {failure}")
        if not result.ok:
            flag = " --others" if args.others else ""
            print(f"    replay: {replay_command(seed, args.actions, args.faults)}{flag}")
    report(results, time.monotonic() - started)
    return 0 if all(r.ok for r in results) else 1


def report(results: list[SeedResult], elapsed: float) -> None:
    faults: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    requests: Counter[str] = Counter()
    for result in results:
        faults.update(result.faults)
        requests.update(result.requests)
        outcomes.update(result.outcomes)
    failed = [r.seed for r in results if not r.ok]
    print()
    print(f"seeds run:          {len(results)} in {elapsed:.0f}s")
    print(f"actions:            {sum(r.actions for r in results)}")
    print(f"faults injected:    {sum(faults.values())}")
    for kind in ("read", "write"):
        hit = sum(n for k, n in faults.items() if k.startswith(kind))
        share = hit / requests[kind] if requests[kind] else 0.0
        print(f"    {kind} requests {requests[kind]}, failed or delayed {hit} ({share:.1%})")
    for kind, count in sorted(faults.items()):
        print(f"    {kind:<22}{count}")
    print(f"invariant checks:   {sum(r.checks for r in results)}")
    print(f"restarts survived:  {outcomes['restart']}")
    if any(k.startswith("external") for k in outcomes):
        others = {k: n for k, n in outcomes.items() if k.startswith("external:")}
        killed = sum(n for k, n in others.items() if k.endswith(":killed"))
        finished = sum(n for k, n in others.items() if ":exit" in k)
        print(
            f"other processes:    {finished + killed} ({killed} SIGKILLed); app SIGKILLed "
            f"{outcomes['crash']}; disk full {outcomes['disk_full']} times"
        )
    print(
        f"halts:              {outcomes['halt:verified']} verified, "
        f"{outcomes['halt:unverified']} unverified"
    )
    print(f"failures:           {len(failed)}" + (f" (seeds {failed})" if failed else ""))
    print("outcomes:")
    for kind, count in sorted(outcomes.items()):
        print(f"    {kind:<40}{count}")


if __name__ == "__main__":
    sys.exit(main())
