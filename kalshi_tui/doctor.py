"""`kalshi-tui doctor`: can this machine trade? One line per check, ✓ or ✗.

Checks, in order, each depending on the ones before it:

    config valid         the file parses and validates (key file aside)
    key file safe        key configured, owner-only, unencrypted RSA PEM
    exchange reachable   GET /exchange/status gets an HTTP answer
    exchange status      exchange_active and trading_active
    authentication       GET /portfolio/balance with the signed headers
    clock skew           local clock vs the exchange's `Date` header, within
                         `risk.max_clock_skew_seconds`
    journal intact       the journal opens as at start-up: its identity matches
                         `journal.identity` and `PRAGMA quick_check` finds no damage
    account not halted   the kill switch's persisted halt (the journal, or the halt
                         marker beside it)

With no config file, the checks run against what `kalshi-tui` then runs: the embedded demo
exchange, never Kalshi's demo host: the running demo app's own exchange when one runs, else
a private copy started as the app starts it (`diagnose_demo`).

A check that cannot run because an earlier one failed is shown as skipped. The exit status
is 0 only when every check passes; otherwise the first failure's fix is printed. The HTTP
calls go through the project's own `KalshiClient` (no second client here).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, TextIO

from kalshi_tui.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

HALT_STATE_MODULE = "kalshi_tui.services.halt_state"
"""Module providing `halt_status(settings) -> str | None` (None: not halted)."""

CHECK_NAMES = (
    "config valid",
    "key file safe",
    "exchange reachable",
    "exchange status",
    "authentication",
    "clock skew",
    "journal intact",
    "account not halted",
)

DOCTOR_READ_RETRIES = 1
"""Retries per read: one absorbs a blip; more would make a dead host take a minute."""

DOCTOR_CLIENT_MAX_SKEW = 24 * 3600.0
"""The client refuses to sign when its measured skew exceeds its limit. Doctor raises that
limit out of the way so the authentication line shows the exchange's own verdict and the
clock skew line compares against the configured threshold."""


class Outcome(Enum):
    """How one check ended."""

    PASS = "✓"
    FAIL = "✗"
    SKIP = "·"


@dataclass(frozen=True, slots=True)
class Check:
    """The result of one doctor check."""

    name: str
    outcome: Outcome
    detail: str
    fix: str | None = None

    def line(self, width: int) -> str:
        """`✓ name   detail`, names padded to `width`."""
        return f"{self.outcome.value} {self.name:<{width}}  {self.detail}"


def passed(name: str, detail: str) -> Check:
    return Check(name, Outcome.PASS, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, Outcome.FAIL, detail, fix)


def skipped(name: str, reason: str) -> Check:
    return Check(name, Outcome.SKIP, f"skipped ({reason})")


def run(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Carry out `kalshi-tui doctor`; returns 0 when every check passes.

    An invalid config prints every problem and exits 2, like every other command.
    """
    stream = out if out is not None else sys.stdout
    config = getattr(args, "config", None)
    checks = diagnose(config)
    width = max(len(name) for name in CHECK_NAMES)
    for check in checks:
        print(check.line(width), file=stream)
    if _no_config(config):
        print(DEMO_NOTE, file=stream)
    failure = next((check for check in checks if check.outcome is Outcome.FAIL), None)
    if failure is None:
        print("All checks passed.", file=stream)
        return 0
    print(f"\nFirst failure: {failure.name}\n  fix: {failure.fix}", file=stream)
    return 2 if failure.name == "config valid" else 1


def diagnose(config: str | None) -> list[Check]:
    """Run every check and return one result per name in `CHECK_NAMES`."""
    if _no_config(config):
        return diagnose_demo()
    checks: list[Check] = []
    try:
        settings = load_settings(config, check_key=False)
    except ConfigError as error:
        checks.append(
            failed(
                "config valid",
                f"{len(error.problems)} problem(s):\n" + _indent(error.report()),
                error.problems[0].fix,
            )
        )
        return checks + [skipped(name, "config invalid") for name in CHECK_NAMES[1:]]

    source = str(settings.source) if settings.source else "no config file, defaults"
    checks.append(
        passed(
            "config valid",
            f"{source} ({settings.exchange.environment}, {settings.base_url})",
        )
    )
    key_check, private_key = _check_key(settings)
    checks.append(key_check)
    checks.extend(asyncio.run(_exchange_checks(settings, private_key)))
    checks.extend(_journal_checks(settings))
    return checks


def _check_journal(settings: Settings) -> Check:
    from kalshi_tui.journal import journal_path
    from kalshi_tui.journal.health import journal_health

    health = journal_health(journal_path(settings.data_dir))
    if health.ok:
        return passed("journal intact", health.detail)
    return failed("journal intact", health.detail, health.fix or "")


def _journal_checks(settings: Settings) -> list[Check]:
    """The journal and halt lines. A data directory that cannot serve fails both: the app
    could not journal there, and the halt state is then unknown."""
    from kalshi_tui.files import data_dir_problem

    problem = data_dir_problem(settings.data_dir, write=True, fix=settings.data_dir_fix())
    if problem is None:
        return [_check_journal(settings), _check_halt(settings)]
    return [
        failed("journal intact", problem.message, problem.fix),
        failed("account not halted", f"cannot tell: {problem.message}", problem.fix),
    ]


def _no_config(config: str | None) -> bool:
    """True when no config file is named or present: `kalshi-tui` then runs the demo."""
    from kalshi_tui.config import resolve_config_path

    path, explicit = resolve_config_path(config)
    return not explicit and not path.exists()


def diagnose_demo() -> list[Check]:
    """The checks for the keyless demo, which is what `kalshi-tui` runs without a config.

    While a demo app runs (`launch.running_demo_app`: a live holder of the demo account's
    app lock and its published exchange URL), the checks run against THAT exchange, the
    one the trader is using, and say so. Otherwise the embedded exchange is started here
    exactly as the app starts it (same catalogue, the demo account's key and saved state),
    but private to this check: nothing is saved back and no URL is published. No network
    is used either way."""
    from kalshi_tui.api import PrivateKeyError
    from kalshi_tui.config import ExchangeSettings, StorageSettings
    from kalshi_tui.exchange.server import RunningExchange
    from kalshi_tui.files import FileProblem
    from kalshi_tui.keys import permission_problem
    from kalshi_tui.services.launch import (
        KEY_FILE,
        demo_dir,
        load_or_create_demo_key,
        running_demo_app,
        start_demo_exchange,
    )

    directory = demo_dir()
    app = running_demo_app(directory) if directory.is_dir() else None
    if app is None:
        what = (
            "no config file: kalshi-tui runs the embedded demo exchange (simulated, paper "
            "money, in-process on 127.0.0.1); no demo app is running, so checking a private "
            "copy started from its saved state"
        )
    else:
        what = (
            f"no config file: a demo app is running (PID {app[1]}); checking the embedded "
            f"demo exchange it trades on, {app[0]} (simulated, paper money)"
        )
    checks = [passed("config valid", what)]
    name = "key file safe"
    key_path = directory / KEY_FILE
    running: RunningExchange | None = None
    try:
        if app is None:
            running, key = start_demo_exchange(directory, publish=False)
            base_url = running.base_url
        else:
            key, base_url = load_or_create_demo_key(directory), app[0]
    except FileProblem as problem:
        checks.append(failed(name, problem.message, problem.fix))
        return checks + [skipped(n, "no demo data directory") for n in CHECK_NAMES[2:]]
    except PrivateKeyError as exc:
        checks.append(
            failed(name, f"demo key: {exc}", f"delete {key_path}; the demo makes a new one")
        )
        return checks + [skipped(n, "no usable demo key") for n in CHECK_NAMES[2:]]
    except (OSError, RuntimeError) as exc:
        checks.append(passed(name, f"demo key {key_path}"))
        checks.append(
            failed(
                "exchange reachable",
                f"the embedded demo exchange did not start: {exc}",
                f"run doctor again; if it persists, move {directory} aside to start afresh",
            )
        )
        return checks + [skipped(n, "embedded exchange not started") for n in CHECK_NAMES[3:]]
    try:
        unsafe = permission_problem(key_path)
        if unsafe is not None:
            checks.append(failed(name, unsafe.message, unsafe.fix))
        else:
            size = key.private_key.key_size
            checks.append(passed(name, f"demo key {key_path} (RSA {size}-bit, owner-only)"))
        settings = Settings(
            exchange=ExchangeSettings(
                base_url=base_url, key_id=key.key_id, private_key_path=key_path
            ),
            storage=StorageSettings(data_dir=directory),
        )
        checks.extend(asyncio.run(_exchange_checks(settings, key.private_key)))
        checks.extend(_journal_checks(settings))
    finally:
        if running is not None:
            running.stop()
    return checks


DEMO_NOTE = (
    "These checks ran against the embedded demo exchange (no config file, no network). To "
    "check a Kalshi account, write a config with `kalshi-tui init` and run doctor again."
)


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.splitlines())


def _check_key(settings: Settings) -> tuple[Check, RSAPrivateKey | None]:
    from kalshi_tui.keys import load_private_key

    name = "key file safe"
    path = settings.exchange.private_key_path
    if settings.exchange.key_id is None or path is None:
        where = f" in {settings.source}" if settings.source else ""
        return failed(
            name,
            "no API key configured",
            f"set exchange.key_id and exchange.private_key_path{where}, e.g. "
            "`kalshi-tui init --force --key-id ID --private-key PATH`",
        ), None
    try:
        key = load_private_key(path, config_file=settings.source)
    except ConfigError as error:
        detail = "; ".join(problem.message for problem in error.problems)
        return failed(name, detail, error.problems[0].fix), None
    return passed(name, f"{path} (RSA {key.key_size}-bit, mode owner-only)"), key


async def _exchange_checks(settings: Settings, private_key: RSAPrivateKey | None) -> list[Check]:
    """exchange reachable, exchange status, authentication, clock skew."""
    from kalshi_tui.api import (
        AuthenticationError,
        ClockSkewError,
        ExchangeUnavailable,
        KalshiAuth,
        KalshiClient,
        KalshiError,
        TransportError,
        short_key_id,
    )

    url = settings.base_url
    auth = None
    if private_key is not None and settings.exchange.key_id is not None:
        auth = KalshiAuth(settings.exchange.key_id, private_key)
    checks: list[Check] = []
    remaining = list(CHECK_NAMES[2:6])

    def skip_rest(reason: str) -> list[Check]:
        done = {check.name for check in checks}
        return checks + [skipped(name, reason) for name in remaining if name not in done]

    async with KalshiClient(
        url,
        auth,
        timeout=settings.exchange.request_timeout_seconds,
        verify=settings.exchange.tls_verify,
        max_read_retries=DOCTOR_READ_RETRIES,
        order_api=settings.exchange.order_api,
        max_skew_seconds=DOCTOR_CLIENT_MAX_SKEW,
    ) as client:
        try:
            status = await client.get_exchange_status()
        except TransportError as exc:
            checks.append(
                failed(
                    "exchange reachable",
                    f"cannot reach {url}: {exc}",
                    _unreachable_fix(settings),
                )
            )
            return skip_rest("exchange not reachable")
        except ExchangeUnavailable as exc:
            checks.append(passed("exchange reachable", f"{url} answered"))
            checks.append(
                failed(
                    "exchange status",
                    f"exchange unavailable: {exc}",
                    "wait for Kalshi's maintenance to end (status: https://status.kalshi.com)"
                    " and run doctor again",
                )
            )
        except KalshiError as exc:
            checks.append(passed("exchange reachable", f"{url} answered"))
            checks.append(
                failed(
                    "exchange status",
                    f"unexpected answer from GET /exchange/status: {exc}",
                    f"check that exchange.base_url ({url}) is a Kalshi Trade API v2 base URL",
                )
            )
        else:
            checks.append(passed("exchange reachable", f"{url} answered"))
            if status.exchange_active and status.trading_active:
                checks.append(passed("exchange status", "exchange active, trading active"))
            else:
                resume = status.exchange_estimated_resume_time
                checks.append(
                    failed(
                        "exchange status",
                        f"exchange_active={status.exchange_active}, "
                        f"trading_active={status.trading_active}"
                        + (f", expected back {resume.isoformat()}" if resume else ""),
                        "trading is paused by the exchange; wait until it reopens "
                        "(orders are refused meanwhile)",
                    )
                )

        if auth is None:
            checks.append(skipped("authentication", "no usable API key"))
        else:
            try:
                balance = await client.get_balance()
            except ClockSkewError as exc:
                checks.append(
                    failed(
                        "authentication",
                        f"rejected because of the clock: {exc}",
                        _clock_fix(),
                    )
                )
            except AuthenticationError as exc:
                unknown = exc.details == "NOT_FOUND"  # Kalshi's answer to an unknown key id
                checks.append(
                    failed(
                        "authentication",
                        f"api key not found: the exchange does not know exchange.key_id ({exc})"
                        if unknown
                        else f"rejected: {exc}",
                        "check that exchange.key_id belongs to the private key file and to "
                        f"the {settings.exchange.environment} environment (demo and "
                        "production keys are separate)",
                    )
                )
            except TransportError as exc:
                checks.append(
                    failed("authentication", f"connection lost: {exc}", _unreachable_fix(settings))
                )
            except KalshiError as exc:
                checks.append(
                    failed(
                        "authentication",
                        f"GET /portfolio/balance failed: {exc}",
                        "run doctor again; if it persists, check the exchange status page",
                    )
                )
            else:
                checks.append(
                    passed(
                        "authentication",
                        f"key {short_key_id(auth.key_id)}: balance ${balance.balance:,.2f}",
                    )
                )

        checks.append(_check_skew(client.clock_skew_seconds, settings))
    return checks


def _check_skew(skew: float | None, settings: Settings) -> Check:
    name = "clock skew"
    limit = settings.risk.max_clock_skew_seconds
    if skew is None:
        return failed(
            name,
            "the exchange sent no usable Date header, so the skew cannot be measured",
            _clock_fix(),
        )
    if abs(skew) < 0.05:
        detail = f"local clock matches the exchange (limit {limit:g} s)"
    else:
        direction = "behind" if skew > 0 else "ahead of"
        detail = f"local clock {abs(skew):.1f} s {direction} the exchange (limit {limit:g} s)"
    if abs(skew) > limit:
        return failed(name, detail, _clock_fix())
    return passed(name, detail)


def _check_halt(settings: Settings) -> Check:
    name = "account not halted"
    try:
        module = importlib.import_module(HALT_STATE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name is not None and HALT_STATE_MODULE.startswith(exc.name):
            return passed(name, "not available in this build (no kill switch installed)")
        raise
    halt_status: Callable[[Settings], str | None] = module.halt_status
    reason = halt_status(settings)
    if reason is None:
        return passed(name, "not halted")
    config = f" --config {settings.source}" if settings.source else ""
    return failed(
        name,
        f"trading is halted: {reason}",
        "find out why it halted (log pane / journal), then re-arm with "
        f'`kalshi-tui resume{config} --reason "..."`',
    )


def _unreachable_fix(settings: Settings) -> str:
    if settings.exchange.base_url is not None:
        return (
            f"check exchange.base_url ({settings.base_url}); for a local exchange, start it "
            "with `kalshi-tui sim` first"
        )
    return "check your internet connection, proxy and firewall (HTTPS to the Kalshi API host)"


def _clock_fix() -> str:
    return (
        "synchronise the system clock (e.g. `sudo timedatectl set-ntp true`, or "
        "`sudo chronyc makestep`) and run doctor again"
    )
