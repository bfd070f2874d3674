"""Benchmark: the whole market list on screen at start-up, across a simulated network.

`kalshi-tui sim --markets N --faults latency_ms=L,jitter_ms=J` serves in its own process
at the Basic rate tier (the budget a new account has). The real app — `make_app` on the
config the simulator writes, as `kalshi-tui` builds it, with the journal, pollers and
every pane — runs headless (`run_test`, 180x50) in a separate child process, so its peak
resident set (`VmHWM` from /proc/self/status, read in that child) is the app's alone.
The child reports, from the moment it starts building the app:

* `first_rows`: the first frame that paints market rows;
* `full_list`: the first frame painted with every open market in the list (the count is
  read from the exchange beforehand), the figure the issue targets (under 10 s at 50,000);
* `store_full`: when the store first held every market (`full_list` minus this is the
  list's own share);
* `peak_rss`: the child's peak RSS, target under 300 MB;
* `cpu`: the child's CPU time to the full list (what the app itself spent);
* `refresh`, `peak_rss_after_refresh`: one full refresh of the list afterwards (the
  markets poller's, poked), and the peak RSS once it is done.

`--baseline REF` also runs the app of another commit (`git archive REF`, unpacked in a
temporary directory) against the same simulator in the same run, alternating with this
checkout, so before and after are measured side by side; its rows carry the comparison.

Run: `python -m bench.bench_market_load [--markets 50000] [--latency-ms 30] [--jitter-ms 10]
[--runs 1] [--baseline REF] [--json FILE] [--quick]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.results import row as results_row
from bench.results import write as write_results

ROOT = Path(__file__).resolve().parent.parent
SCREEN = (180, 50)
TIMEOUT_S = 600.0


# --- the child: the real app, measured from inside ------------------------------------


def vm_hwm_mib() -> float:
    """This process's peak resident set size (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


async def child(config: Path, expected: int, pause_s: float = 2.5) -> dict[str, Any]:
    """Build the app as the CLI does, run it headless until every market is painted."""
    from kalshi_tui.config.loader import load_settings
    from kalshi_tui.ui.app import make_app
    from kalshi_tui.ui.widgets.market_table import MarketTable

    start, cpu_start = time.perf_counter(), time.process_time()
    app = make_app(load_settings(config), demo=False)
    paints: list[tuple[float, int]] = []
    store_full: list[float] = []
    import kalshi_tui

    result: dict[str, Any] = {"expected": expected, "code": str(Path(kalshi_tui.__file__).parent)}
    async with app.run_test(size=SCREEN):
        table = app.query_one(MarketTable)
        original = table.render_lines

        def render_lines(crop: Any) -> Any:
            strips = original(crop)
            paints.append((time.perf_counter(), len(table.view.markets)))
            return strips

        table.render_lines = render_lines  # type: ignore[method-assign]

        def watch(snapshot: Any, changed: frozenset[str]) -> None:
            if "markets" in changed and len(snapshot.markets) >= expected and not store_full:
                store_full.append(time.perf_counter())

        app.session.store.subscribe(watch)
        deadline = start + TIMEOUT_S
        while not paints or paints[-1][1] < expected:
            if time.perf_counter() > deadline:
                shown = paints[-1][1] if paints else 0
                raise SystemExit(f"{shown:,} of {expected:,} markets on screen after {TIMEOUT_S} s")
            await asyncio.sleep(0.005)
        cpu = time.process_time() - cpu_start
        first = next(wall for wall, count in paints if count > 0)
        full = next(wall for wall, count in paints if count >= expected)
        result.update(
            first_rows_ms=(first - start) * 1000,
            full_list_ms=(full - start) * 1000,
            store_full_ms=((store_full[0] if store_full else full) - start) * 1000,
            cpu_ms=cpu * 1000,
            shown=paints[-1][1],
            peak_rss_mib=vm_hwm_mib(),
        )
        stats = app.session.client.stats
        result.update(
            requests=stats.requests, rate_limited=stats.rate_limited, retries=stats.retries
        )
        # One full refresh of the list (what the markets poller does every 30 s by
        # default): the old list stays on screen while the new one is fetched.
        refreshed: list[float] = []
        app.session.store.subscribe(
            lambda snapshot, changed: (
                refreshed.append(time.perf_counter())
                if "markets" in changed and len(snapshot.markets) >= expected
                else None
            )
        )
        await asyncio.sleep(pause_s)  # the read bucket refills
        poked = time.perf_counter()
        app.session.pollers["markets"].poke()
        while not refreshed:
            if time.perf_counter() > poked + TIMEOUT_S:
                raise SystemExit(f"no market refresh within {TIMEOUT_S} s")
            await asyncio.sleep(0.005)
        result.update(refresh_ms=(refreshed[0] - poked) * 1000, peak_rss_refresh_mib=vm_hwm_mib())
        result["warnings"] = [
            e.text for e in app.session.store.log_since(0) if e.level in ("warning", "error")
        ]
    return result


# --- the parent: simulator, market count, one child per run ---------------------------


async def count_open(exchange: dict[str, Any]) -> int:
    """How many open markets the exchange lists (what the app's list shows at start)."""
    from kalshi_tui import api

    key = api.load_private_key(Path(exchange["private_key_path"]))
    client = api.KalshiClient(exchange["base_url"], api.KalshiAuth(exchange["key_id"], key))
    try:
        return len(await client.get_all_markets(status="open", limit=1000))
    finally:
        await client.aclose()


def unpack(ref: str, into: Path) -> Path:
    """`git archive REF` of this repository, unpacked under `into`."""
    target = into / "baseline"
    target.mkdir()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {ref}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def run_child(
    config: Path, expected: int, code: Path, scratch: Path, pause_s: float
) -> dict[str, Any]:
    """One headless app in a fresh process, importing kalshi_tui from `code`."""
    home = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    env.pop("KALSHI_TUI_CONFIG", None)
    command = [sys.executable, "-c", CHILD, str(code), str(config), str(expected), str(pause_s)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S + 60, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"app run failed ({code}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


CHILD = (
    "import asyncio, json, sys\n"
    "from pathlib import Path\n"
    "from bench.bench_market_load import child\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "run = child(Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))\n"
    "print(json.dumps(asyncio.run(run)))\n"
)
"""The child's program: the measuring code from this checkout's `bench` (it imports only
the standard library and `bench.results` up front), then `kalshi_tui` from `code` (this
checkout or the baseline's), imported inside `child`."""


def measure(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    from bench.bench_client import start_sim

    faults = f"latency_ms={args.latency_ms:g},jitter_ms={args.jitter_ms:g}"
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="bench-market-load-") as tmp:
        scratch = Path(tmp)
        codes = {"ours": ROOT}
        if args.baseline:
            codes["baseline"] = unpack(args.baseline, scratch)
        process, exchange = start_sim(args.markets, scratch, faults=faults, rate_tier="basic")
        try:
            expected = asyncio.run(count_open(exchange))
            print(f"{expected:,} open markets of {args.markets:,}; faults {faults}", flush=True)
            for i in range(args.runs):
                order = ["ours", "baseline"] if i % 2 == 0 else ["baseline", "ours"]
                for who in order:
                    if who not in codes:
                        continue
                    time.sleep(args.pause_s)  # the read bucket refills between runs
                    result = run_child(
                        scratch / "config.toml", expected, codes[who], scratch, args.pause_s
                    )
                    runs[who].append(result)
                    print(f"  {who:<8} {_line(result)}", flush=True)
        finally:
            process.terminate()
            process.wait(timeout=15)
    return runs


def _line(r: dict[str, Any]) -> str:
    return (
        f"first rows {r['first_rows_ms']:8.0f} ms   full list {r['full_list_ms']:8.0f} ms   "
        f"store {r['store_full_ms']:8.0f} ms   cpu {r['cpu_ms']:8.0f} ms   "
        f"peak RSS {r['peak_rss_mib']:6.1f} MiB   refresh {r['refresh_ms']:6.0f} ms, "
        f"peak RSS then {r['peak_rss_refresh_mib']:6.1f} MiB   ({r['shown']:,} markets; "
        f"{r['requests']} requests, {r['rate_limited']} answered 429, {r['retries']} retried)"
        + "".join(f"\n             {text}" for text in r["warnings"])
    )


METRICS: tuple[tuple[str, str, str, str | None], ...] = (
    ("first_rows", "first_rows_ms", "ms", None),
    ("full_list", "full_list_ms", "ms", "max < 10000"),
    ("store_full", "store_full_ms", "ms", None),
    ("cpu_to_full_list", "cpu_ms", "ms", None),
    ("peak_rss", "peak_rss_mib", "MiB", "max < 300"),
    ("refresh", "refresh_ms", "ms", None),
    ("peak_rss_after_refresh", "peak_rss_refresh_mib", "MiB", "max < 300"),
)


def rows(runs: dict[str, list[dict[str, Any]]], markets: int, baseline: str | None) -> list[Any]:
    out = []
    for metric, field, unit, target in METRICS:
        before = [r[field] for r in runs["baseline"]]
        out.append(
            results_row(
                "market_load",
                f"{metric}@{markets}",
                [r[field] for r in runs["ours"]],
                unit,
                comparison=f"before ({baseline})" if before else None,
                comparison_samples=before or None,
                target=target,
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--markets", type=int, default=50_000, help="simulator --markets")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="added to each response")
    parser.add_argument("--jitter-ms", type=float, default=10.0, help="uniform 0..N on top")
    parser.add_argument("--runs", type=int, default=1, help="app runs per code version")
    parser.add_argument("--baseline", metavar="REF", help="also run the app of this commit")
    parser.add_argument("--json", help="write the figures as common rows (bench/results.py)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2,000 markets, 2 ms latency, one run"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.markets, args.latency_ms, args.jitter_ms, args.runs = 2000, 2.0, 1.0, 1
    args.pause_s = 0.0 if args.quick else 2.5
    runs = measure(args)
    params = {
        "markets": args.markets,
        "latency_ms": args.latency_ms,
        "jitter_ms": args.jitter_ms,
        "runs": args.runs,
        "baseline": args.baseline,
        "rate_tier": "basic",
    }
    write_results(args.json, "market_load", params, rows(runs, args.markets, args.baseline))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
