"""The `kalshi-tui` command line: argparse parser, subcommand registry and dispatch.

`kalshi-tui` alone starts the terminal UI; subcommands do everything else. Adding a
subcommand is one registration function appended to `SUBCOMMANDS`:

    def register_halt(subparsers: Subparsers) -> None:
        parser = add_command(subparsers, "halt", "Halt trading ...", _run_halt)
        parser.add_argument(...)

    def _run_halt(args: argparse.Namespace) -> int:
        from kalshi_tui.services.halt import main   # lazy: keep --help fast
        return main(args)

Everything heavy (pydantic, httpx, cryptography, textual) is imported inside the command
functions, so `kalshi-tui --help` costs little more than starting Python. Exit status: 0
success, 1 a command failed, 2 unusable configuration or bad usage (argparse's own code).
A `ConfigError` is printed as a list of problems, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from kalshi_tui import __version__

if TYPE_CHECKING:
    from kalshi_tui.config import Settings

    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

PROG = "kalshi-tui"
UI_MODULE = "kalshi_tui.ui.app"
"""Module providing `run(settings: Settings | None, demo: bool) -> int` for the TUI."""

EXCHANGE_CLI_MODULE = "kalshi_tui.exchange.cli"
"""Module providing `configure_parser(parser)` and `run(args) -> int` for `sim`."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2

Handler: TypeAlias = Callable[[argparse.Namespace], int]


def add_config_option(parser: argparse.ArgumentParser, *, on_subcommand: bool) -> None:
    """Add `--config PATH`.

    On subcommands the default is SUPPRESS, so `kalshi-tui --config A doctor` keeps A
    while `kalshi-tui doctor --config B` overrides it: both spellings work.
    """
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS if on_subcommand else None,
        help="config file (default: $KALSHI_TUI_CONFIG, else "
        "$XDG_CONFIG_HOME/kalshi-tui/config.toml)",
    )


def add_command(
    subparsers: Subparsers,
    name: str,
    summary: str,
    handler: Handler,
    *,
    description: str | None = None,
    conflict_handler: str = "error",
) -> argparse.ArgumentParser:
    """Register subcommand `name` running `handler(args)`; returns its parser for
    command-specific arguments. Every subcommand accepts `--config`."""
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=description or summary,
        conflict_handler=conflict_handler,
    )
    add_config_option(parser, on_subcommand=True)
    parser.set_defaults(handler=handler)
    return parser


# --- init -------------------------------------------------------------------------------


def register_init(subparsers: Subparsers) -> None:
    """`kalshi-tui init`: write a config file."""
    parser = add_command(
        subparsers,
        "init",
        "write a config file (asks for missing values on a terminal)",
        _run_init,
        description="Write a kalshi-tui config file with the given values, validate it and "
        "print the next step. Prompts for missing values when run on a terminal; pass "
        "--non-interactive (or give every value as a flag) for scripts. An existing file is "
        "never replaced without --force.",
    )
    parser.add_argument(
        "--environment",
        choices=("demo", "prod"),
        help='exchange: "demo" (paper money, default) or "prod" (real money)',
    )
    parser.add_argument("--key-id", metavar="ID", help="Kalshi API key id")
    parser.add_argument(
        "--private-key", metavar="PATH", help="RSA private key file (PEM, chmod 600)"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="REST base URL overriding the environment's"
    )
    parser.add_argument("--data-dir", metavar="DIR", help="directory for journal and logs")
    parser.add_argument("--force", action="store_true", help="replace an existing config file")
    parser.add_argument(
        "--non-interactive", action="store_true", help="never prompt; use only the flags"
    )


def _run_init(args: argparse.Namespace) -> int:
    from kalshi_tui import init_cmd

    return init_cmd.run(args)


# --- doctor -----------------------------------------------------------------------------


def register_doctor(subparsers: Subparsers) -> None:
    """`kalshi-tui doctor`: check config, key, connectivity, auth, clock and halt state."""
    add_command(
        subparsers,
        "doctor",
        "check the config, key, exchange connection, login and clock",
        _run_doctor,
        description="Check that kalshi-tui can trade: config valid, key file safe, exchange "
        "reachable and open, authentication, clock skew and halt state. Exits 0 only when "
        "every check passes; otherwise prints the fix for the first failure.",
    )


def _run_doctor(args: argparse.Namespace) -> int:
    from kalshi_tui import doctor

    return doctor.run(args)


# --- halt and resume -------------------------------------------------------------------


def register_halt(subparsers: Subparsers) -> None:
    """`kalshi-tui halt`: the kill switch from any terminal."""
    parser = add_command(
        subparsers,
        "halt",
        "halt trading: persist the halt, cancel every resting order, verify",
        _run_halt,
        description="Halt trading on the account (whether or not the app is running): "
        "persist the halt in the account's journal (a running app picks it up within a "
        "second), cancel every resting order and re-list until the exchange shows none. "
        "Exits 0 only when zero resting orders are verified.",
    )
    parser.add_argument("--reason", default="halted from the command line", help="why (journaled)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="give up verifying after S seconds (default 30; the halt itself stays)",
    )


MAX_HALT_TIMEOUT = 3600.0


def _halt_timeout(text: str) -> float:
    """`--timeout S`: a finite number of seconds in (0, MAX_HALT_TIMEOUT]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= MAX_HALT_TIMEOUT:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"{text} is out of range: give seconds from above 0 to {MAX_HALT_TIMEOUT:g}, "
            "e.g. --timeout 30"
        )
    return value


def _run_halt(args: argparse.Namespace) -> int:
    from kalshi_tui import halt_cmd

    return halt_cmd.run_halt(args)


def register_resume(subparsers: Subparsers) -> None:
    """`kalshi-tui resume --reason TEXT`: re-arm after a halt."""
    parser = add_command(
        subparsers,
        "resume",
        "re-arm trading after a halt (refused while an order is unresolved)",
        _run_resume,
        description="Clear the account's halt. Refused while any order intent's outcome is "
        "unknown or a reconciliation finding is unacknowledged. The resume and its reason "
        "are journaled.",
    )
    parser.add_argument("--reason", required=True, help="why trading is safe again (journaled)")


def _run_resume(args: argparse.Namespace) -> int:
    from kalshi_tui import halt_cmd

    return halt_cmd.run_resume(args)


def register_journal(subparsers: Subparsers) -> None:
    """`kalshi-tui journal --accept | --new`: past a journal kalshi-tui refuses to open."""
    from kalshi_tui import journal_cmd  # standard library only at import time

    parser = add_command(
        subparsers,
        "journal",
        "accept a journal kalshi-tui refuses, or keep it aside and start anew",
        _run_journal,
        description="kalshi-tui refuses a journal that is missing, empty, replaced, has "
        "lost committed writes or has damaged pages. After restoring it from a backup, "
        "`journal --accept` adopts the journal in place as the account's. `journal --new` "
        "renames the refused journal (and its -wal/-shm) aside and starts a new, empty one.",
    )
    journal_cmd.configure_parser(parser)


def _run_journal(args: argparse.Namespace) -> int:
    from kalshi_tui import journal_cmd

    return journal_cmd.run(args)


# --- sim (owned by kalshi_tui.exchange) -------------------------------------------------


def register_sim(subparsers: Subparsers) -> None:
    """`kalshi-tui sim`: the embedded exchange, served standalone.

    The exchange package owns the arguments and behaviour through
    `kalshi_tui.exchange.cli`, which is kept import-light so registering it here does not
    slow `--help`. In a build without it, `sim` is simply not offered.
    """
    try:
        exchange_cli = importlib.import_module(EXCHANGE_CLI_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and EXCHANGE_CLI_MODULE.startswith(exc.name):
            return
        raise
    # "resolve": if the exchange's parser defines --config itself, its definition wins
    # instead of argparse refusing the duplicate.
    parser = add_command(
        subparsers,
        "sim",
        "run the simulated Kalshi exchange on a local port",
        exchange_cli.run,
        conflict_handler="resolve",
    )
    exchange_cli.configure_parser(parser)


# --- export -----------------------------------------------------------------------------


def register_export(subparsers: Subparsers) -> None:
    """`kalshi-tui export`: the journal as CSV."""
    from kalshi_tui import export  # standard library only at import time

    parser = add_command(
        subparsers,
        "export",
        "write the journal's fills, orders, settlements or events to a CSV file",
        _run_export,
        description="Export the account's journal as CSV: UTC ISO-8601 times, money as exact "
        "decimals, a header row. The file is written atomically (temporary file, then "
        "rename). Without a config file, the demo account's journal is used.",
    )
    export.configure_parser(parser)


def _run_export(args: argparse.Namespace) -> int:
    from kalshi_tui import export

    return export.run(args)


# --- bench ------------------------------------------------------------------------------


def register_bench(subparsers: Subparsers) -> None:
    """`kalshi-tui bench`: the benchmark suite of a source checkout (`python -m bench`)."""
    from kalshi_tui import bench_cmd  # standard library only at import time

    parser = add_command(
        subparsers,
        "bench",
        "run the benchmark suite (source checkout) and print one table",
        _run_bench,
        description="Run every benchmark in the checkout's bench/ directory against the "
        "embedded exchange, each in its own process, and print one table: median, p95 and max "
        "of each figure next to its comparison measured in the same run. Writes a JSON file "
        "for comparing commits (--compare). The same as `python -m bench`.",
    )
    bench_cmd.configure_parser(parser)


def _run_bench(args: argparse.Namespace) -> int:
    from kalshi_tui import bench_cmd

    return bench_cmd.run(args)


# --- transfer --------------------------------------------------------------------------


def register_transfer(subparsers: Subparsers) -> None:
    """`kalshi-tui transfer --from A --to B --amount DOLLARS`: collateral between shards."""
    from kalshi_tui import transfer_cmd

    parser = add_command(
        subparsers,
        "transfer",
        "move collateral between the account's exchange shards (journaled)",
        _run_transfer,
        description="Move free balance from one exchange shard to another (Kalshi checks "
        "collateral per shard: an order on the crypto shard 2 needs money on shard 2). "
        "The transfer is journaled before it is sent and its outcome after. Exits 0 when "
        "the exchange accepted it, 1 when it refused it, 2 for a bad request.",
    )
    transfer_cmd.configure_parser(parser)


def _run_transfer(args: argparse.Namespace) -> int:
    from kalshi_tui import transfer_cmd

    return transfer_cmd.run(args)


SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    register_init,
    register_doctor,
    register_export,
    register_halt,
    register_resume,
    register_transfer,
    register_journal,
    register_sim,
    register_bench,
)
"""Registration functions, in the order `--help` lists the subcommands."""


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options plus every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A keyboard-driven terminal for trading on Kalshi. Without a "
        "subcommand, starts the terminal UI.",
        epilog="Run `kalshi-tui init` to create a config, then `kalshi-tui doctor`.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    add_config_option(parser, on_subcommand=False)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start a demo session against the embedded simulated exchange",
    )
    subparsers = parser.add_subparsers(title="commands", dest="command", metavar="COMMAND")
    for register in SUBCOMMANDS:
        register(subparsers)
    return parser


def run_app(args: argparse.Namespace) -> int:
    """Start the terminal UI: `kalshi_tui.ui.app.run(settings, demo)`.

    The UI module is imported here, not at the top, so that the other subcommands never
    pay for Textual. `settings` is None when no config file was named and the default one
    does not exist (the UI then offers the keyless demo session).
    """
    try:
        app_module = importlib.import_module(UI_MODULE)
    except ModuleNotFoundError as exc:
        # Only a missing UI module means "not in this build"; a missing dependency
        # inside a present UI is a real error and keeps its traceback.
        if exc.name is not None and UI_MODULE.startswith(exc.name):
            print(f"{PROG}: the terminal UI is not installed in this build", file=sys.stderr)
            return EXIT_FAILURE
        raise
    run: Callable[[Settings | None, bool], int] = app_module.run
    return int(run(_settings_for_app(args.config), bool(args.demo)))


def _settings_for_app(config: str | None) -> Settings | None:
    from kalshi_tui.config import load_settings, resolve_config_path

    path, explicit = resolve_config_path(config)
    if not explicit and not path.exists():
        return None
    return load_settings(path)


def _print_config_error(error: BaseException) -> None:
    # Reached only when a ConfigError was raised, so kalshi_tui.config is loaded already.
    from kalshi_tui.config import ConfigError

    assert isinstance(error, ConfigError)
    print(f"{PROG}: {error.report()}", file=sys.stderr)


def _is_config_error(error: BaseException) -> bool:
    # Look the class up in sys.modules instead of importing it: if the config package was
    # never imported, this cannot be a ConfigError, and importing pydantic just to find
    # that out would slow every failure path.
    problems = sys.modules.get("kalshi_tui.config.problems")
    return problems is not None and isinstance(error, problems.ConfigError)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kalshi-tui` script and `python -m kalshi_tui`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = getattr(args, "handler", run_app)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as error:
        if _is_config_error(error):
            _print_config_error(error)
            return EXIT_CONFIG
        from kalshi_tui.files import FileProblem  # standard library only

        if isinstance(error, FileProblem):
            # A file or directory the user named cannot be used: one line, with the fix.
            print(f"{PROG}: {error}", file=sys.stderr)
            return EXIT_FAILURE
        raise
