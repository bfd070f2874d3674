"""`kalshi-tui sim`: the simulated Kalshi exchange served standalone.

The project's CLI calls `configure_parser(parser)` while building `--help` and `run(args)` when
`sim` is chosen. This module imports only the standard library at the top so `kalshi-tui
--help` stays fast; Starlette, uvicorn and cryptography load inside `run`.

    kalshi-tui sim --port 8765 --seed 7 --markets 300 --write-config ~/.config/kalshi-tui/sim.toml

serves `http://127.0.0.1:8765/trade-api/v2` until SIGINT/SIGTERM; with `--write-config` it
also writes a kalshi-tui config with a fresh API key (RSA-2048, 0600) for a funded account.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import uuid
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kalshi_tui.exchange.server import RunningExchange

PROFILES = ("compat", "current", "legacy")
RATE_TIERS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige", "off")

FAULTS_HELP = """\
fault SPEC (--faults): comma-separated key=value items and flags, e.g.
  write_error=0.2,read_error=0.05,latency_ms=20,drop_response=0.05,reset=0.02,paused
rates are per-request probabilities; read_/write_ prefixes pick a route class
(write = order and order-group mutations, read = everything else):
  error=R           5xx before doing anything (error_status=503, or 500/502/503)
  rate_limit=R      429 {"error":"too many requests"}
  reset=R           drop the connection without a response
  drop_response=R   writes: apply, then drop the connection
  latency_ms=N      added delay (jitter_ms=N adds uniform 0..N)
  lag_ms=N          new orders stay out of GET /portfolio/orders for N ms
  paused            trading paused (409 trading_is_paused on order entry)
  clock_shift_s=S   shift the server clock (Date header, signature window)
  seed=N            seed of the fault draws (default: --seed)
the WebSocket stream (/trade-api/ws/v2), per message sent:
  ws_drop_delta=R       an orderbook delta not sent (a seq gap)
  ws_duplicate_delta=R  an orderbook delta sent twice
  ws_latency_ms=N       every stream message delayed
  ws_disconnect=R       the connection dropped (no close frame)
  ws_overflow=R         error 25: the message's subscription ends
  ws_frozen             a silent stream: no messages, replies, pings or pongs
"""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the `sim` options to the subcommand's parser."""
    parser.description = (
        "Serve a simulated Kalshi exchange (Trade API v2) on a local port until interrupted."
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = FAULTS_HELP
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8765, help="TCP port; 0 picks a free one (default 8765)"
    )
    parser.add_argument("--seed", type=int, default=0, help="catalogue and agent seed")
    parser.add_argument(
        "--markets",
        type=int,
        default=300,
        help="approximate number of markets (default 300, at most 50,000)",
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default="compat",
        help="wire generation: compat (both, default), current (2026), legacy (SDK 3.2.0)",
    )
    parser.add_argument("--faults", metavar="SPEC", default="", help="fault injection (below)")
    parser.add_argument(
        "--balance",
        type=int,
        default=10_000,
        metavar="DOLLARS",
        help="starting balance of the account (default 10000), on shard 0 unless "
        "--shard-balance moves part of it",
    )
    parser.add_argument(
        "--shard-balance",
        action="append",
        default=[],
        metavar="INDEX=DOLLARS",
        help="start DOLLARS of the balance on exchange shard INDEX (e.g. 2=1000 for the crypto "
        "shard; repeatable); without it every account's money starts on shard 0, as on Kalshi",
    )
    parser.add_argument(
        "--rate-tier",
        choices=RATE_TIERS,
        default="basic",
        help="rate-limit tier of every account, or off (default basic)",
    )
    parser.add_argument(
        "--write-config",
        metavar="PATH",
        type=Path,
        help="write a kalshi-tui config (and a 0600 RSA key beside it) for this exchange",
    )
    parser.add_argument(
        "--state",
        metavar="PATH",
        type=Path,
        help="restore the exchange from this file if present, save it there on exit",
    )


def write_config(path: Path, base_url: str, key_id: str, key_path: Path, args: object) -> None:
    """Write a complete `[exchange]` config pointing at the simulator."""
    import tomli_w

    profile = getattr(args, "profile", "compat")
    tier = getattr(args, "rate_tier", "basic")
    exchange: dict[str, str] = {
        "environment": "demo",
        "base_url": base_url,
        "key_id": key_id,
        "private_key_path": str(key_path.resolve()),
        "order_api": {"legacy": "v1", "current": "v2"}.get(profile, "auto"),
    }
    if tier != "off":
        exchange["rate_tier"] = tier
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps({"exchange": exchange}))


MAX_MARKETS = 50_000


def shard_split(values: list[str]) -> dict[int, int] | str:
    """The `--shard-balance INDEX=DOLLARS` options as {shard: dollars}, or what is wrong."""
    from kalshi_tui.exchange.engine.shards import SHARDS

    split: dict[int, int] = {}
    for value in values:
        index_text, sep, dollars_text = value.partition("=")
        try:
            index, dollars = int(index_text), int(dollars_text)
        except ValueError:
            return f"--shard-balance {value}: give INDEX=DOLLARS, e.g. 2=1000"
        if not sep or dollars < 0:
            return f"--shard-balance {value}: give INDEX=DOLLARS with whole dollars ≥ 0"
        if index == 0 or index not in SHARDS:
            others = ", ".join(str(i) for i in SHARDS if i)
            return (
                f"--shard-balance {value}: shard {index} is not one to move money to "
                f"(shards {others}; shard 0 holds the rest of --balance)"
            )
        split[index] = split.get(index, 0) + dollars
    return split


def _option_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the options (before anything starts), or None."""
    from kalshi_tui.files import describe_kind  # standard library only

    if not 0 <= args.port <= 65535:
        return f"--port {args.port}: a TCP port is 0–65535 (0 picks a free one)"
    if not 1 <= args.markets <= MAX_MARKETS:
        return f"--markets {args.markets}: must be between 1 and {MAX_MARKETS:,}"
    if args.balance < 0:
        return f"--balance {args.balance}: a starting balance cannot be negative"
    split = shard_split(args.shard_balance)
    if isinstance(split, str):
        return split
    if sum(split.values()) > args.balance:
        return (
            f"--shard-balance: {sum(split.values())} dollars on other shards exceed "
            f"--balance {args.balance}; raise --balance or move less"
        )
    config_path: Path | None = args.write_config
    if config_path is not None and config_path.expanduser().is_dir():
        return f"--write-config {config_path}: is a directory; give a file name such as sim.toml"
    for flag, given, example in (
        ("--write-config", config_path, "sim.toml"),
        ("--state", args.state, "sim-state.json"),
    ):
        # A FIFO or device there would block the write (or the read) forever.
        path = given.expanduser() if given is not None else None
        if path is not None and path.exists() and not path.is_file():
            kind = describe_kind(path.stat().st_mode)
            return (
                f"{flag} {given}: is {kind}, not a regular file; give a file name such as {example}"
            )
    return None


def _write_credentials(running: RunningExchange, args: argparse.Namespace) -> str:
    """Create an API key for the funded account and write the config; the message to print.
    OSError when the config or the key cannot be written."""
    from kalshi_tui.exchange.keygen import generate_key_pair, write_private_key

    config_path: Path = args.write_config.expanduser()
    key_id = str(uuid.uuid4())
    private_pem, public_pem = generate_key_pair()
    key_path = config_path.with_name(config_path.stem + "-sim-key.pem")
    write_private_key(key_path, private_pem)
    running.add_key(key_id, public_pem)
    write_config(config_path, running.base_url, key_id, key_path, args)
    return f"wrote {config_path} (key {key_id}, private key {key_path})"


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM; 0 on a clean stop, 2 on bad options, 1 when the exchange
    cannot listen or the config cannot be written."""
    from kalshi_tui.exchange.http.faults import parse_spec
    from kalshi_tui.exchange.http.ratelimit import RateLimitConfig

    try:
        faults = parse_spec(args.faults or "")
    except ValueError as exc:
        print(f"kalshi-tui sim: --faults: {exc}", file=sys.stderr)
        return 2
    problem = _option_error(args)
    if problem is not None:
        print(f"kalshi-tui sim: {problem}", file=sys.stderr)
        return 2
    split = shard_split(args.shard_balance)
    assert not isinstance(split, str)  # _option_error refused a bad one
    limits = (
        RateLimitConfig(enabled=False)
        if args.rate_tier == "off"
        else RateLimitConfig(tier=args.rate_tier)
    )

    from kalshi_tui.exchange.server import start_exchange

    try:
        running = start_exchange(
            seed=args.seed,
            markets=args.markets,
            profile=args.profile,
            state_path=args.state,
            balance_dollars=args.balance,
            shard_dollars=split,
            faults=faults,
            rate_limits=limits,
            host=args.host,
            port=args.port,
        )
    except OSError as exc:
        print(f"kalshi-tui sim: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if args.write_config is not None:
            try:
                print(_write_credentials(running, args), flush=True)
            except OSError as exc:
                print(
                    f"kalshi-tui sim: --write-config {args.write_config}: cannot write: {exc}",
                    file=sys.stderr,
                )
                return 1
        print(
            f"kalshi-tui sim: serving {running.base_url} "
            f"(stream {running.ws_url}, profile {args.profile}, seed {args.seed}); "
            "Ctrl-C to stop",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("kalshi-tui sim: stopped", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m kalshi_tui.exchange.cli` — the same as `kalshi-tui sim`."""
    parser = argparse.ArgumentParser(prog="kalshi-tui sim")
    configure_parser(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
