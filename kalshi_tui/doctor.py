"""`kalshi-tui doctor`: can this machine trade? One line per check, ✓ or ✗.

Checks, in order, each depending on the ones before it:

    config valid         the file parses and validates (key file aside)
    key file safe        key configured, owner-only, unencrypted RSA PEM
    exchange reachable   GET /exchange/status gets an HTTP answer
    exchange status      exchange_active and trading_active
    authentication       GET /portfolio/balance with the signed headers
    clock skew           local clock vs the exchange's `Date` header, within
                         `risk.max_clock_skew_seconds`
    account not halted   the kill switch's persisted halt (the journal)

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
    checks = diagnose(getattr(args, "config", None))
    width = max(len(name) for name in CHECK_NAMES)
    for check in checks:
        print(check.line(width), file=stream)
    failure = next((check for check in checks if check.outcome is Outcome.FAIL), None)
    if failure is None:
        print("All checks passed.", file=stream)
        return 0
    print(f"\nFirst failure: {failure.name}\n  fix: {failure.fix}", file=stream)
    return 2 if failure.name == "config valid" else 1


def diagnose(config: str | None) -> list[Check]:
    """Run every check and return one result per name in `CHECK_NAMES`."""
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
    checks.append(_check_halt(settings))
    return checks


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
                checks.append(
                    failed(
                        "authentication",
                        f"rejected: {exc}",
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
