"""`kalshi-tui halt` and `kalshi-tui resume`: the kill switch from any terminal.

`halt` works whether or not the app is running. It opens the account's journal (the
demo account's when no config file exists), persists the halt there first — a running
app picks it up within a second and starts HALTED next time — then cancels every
resting order itself and re-lists until the exchange shows none. It exits 0 only when
zero resting orders are verified, and prints how many it cancelled and how long it took.

For the demo account the exchange runs inside the app: a running demo session publishes
its URL in the demo directory. With no demo running the halt is still persisted, but no
exchange is reachable, so nothing can be verified and the exit status is 1.

`resume --reason TEXT` re-arms, refused (exit 1) while any order intent's outcome is
unknown or a reconciliation finding is unacknowledged; the re-arm is journaled.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kalshi_tui.config import load_settings, resolve_config_path

if TYPE_CHECKING:
    from kalshi_tui import api
    from kalshi_tui.config import Settings
    from kalshi_tui.journal import Journal
    from kalshi_tui.services.halt_info import HaltReport

EXIT_OK = 0
EXIT_FAILURE = 1
DEFAULT_TIMEOUT = 30.0
TRIGGER = "remote"
"""The trigger recorded for a halt from the command line."""


@dataclass(frozen=True, slots=True)
class Account:
    """Where a command acts: the journal's directory and how to reach the exchange."""

    data_dir: Path
    label: str
    settings: Settings | None
    """None for the keyless demo account."""


def resolve_account(config: str | None) -> Account:
    """The configured account, or the demo account when no config file exists."""
    path, explicit = resolve_config_path(config)
    if not explicit and not path.exists():
        from kalshi_tui.services.launch import demo_dir

        return Account(demo_dir(), "the demo account: no config file", None)
    # The key is checked (and loaded, once: RSA loading is slow) by `_client`.
    settings = load_settings(path, check_key=False)
    env = settings.exchange.environment
    return Account(settings.data_dir, f"{env} account from {settings.source}", settings)


def _client(account: Account) -> tuple[api.KalshiClient | None, str]:
    """A signed client for the account, or None and why there is none."""
    from kalshi_tui import api

    settings = account.settings
    if settings is None:
        from kalshi_tui.services.launch import load_or_create_demo_key, running_demo_url

        url = running_demo_url(account.data_dir)
        if url is None:
            return None, "no demo session is running, so its embedded exchange is not up"
        key = load_or_create_demo_key(account.data_dir)
        auth = api.KalshiAuth(key.key_id, key.private_key)
        return api.KalshiClient(url, auth, rate_limits=api.RateLimits.unlimited()), url
    exchange = settings.exchange
    if exchange.key_id is None or exchange.private_key_path is None:
        return None, "no API key is configured (exchange.key_id / private_key_path)"
    from kalshi_tui.keys import load_private_key

    private_key = load_private_key(exchange.private_key_path, config_file=settings.source)
    auth = api.KalshiAuth(exchange.key_id, private_key)
    client = api.KalshiClient(
        settings.base_url,
        auth,
        rate_limits=api.RateLimits.for_tier(exchange.rate_tier),
        timeout=exchange.request_timeout_seconds,
        verify=exchange.tls_verify,
        order_api=exchange.order_api,
    )
    return client, settings.base_url


def run_halt(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Carry out `kalshi-tui halt`."""
    stream = out if out is not None else sys.stdout
    timeout = float(args.timeout)
    if timeout <= 0:
        print("kalshi-tui halt: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    account = resolve_account(getattr(args, "config", None))
    return asyncio.run(_halt(account, args.reason, timeout, stream))


async def _halt(account: Account, reason: str, give_up_after: float, out: TextIO) -> int:
    from kalshi_tui.config import ConfigError
    from kalshi_tui.domain.store import Snapshot, Store
    from kalshi_tui.journal import JournalError
    from kalshi_tui.services.alerts import Alerts
    from kalshi_tui.services.killswitch import KillSwitch
    from kalshi_tui.services.launch import open_journal

    try:
        journal = open_journal(account.data_dir)
    except JournalError as exc:
        print(f"NOT PERSISTED: cannot open the journal ({account.label}): {exc}", file=out)
        return EXIT_FAILURE
    try:
        # Durable first, before the key is even loaded: whatever fails next, the halt holds.
        try:
            if not journal.halt_state().halted:
                journal.set_halt(TRIGGER, reason)
            print(f"halt persisted in {journal.path} ({account.label}).", file=out, flush=True)
        except Exception as exc:
            print(f"halt NOT persisted in {journal.path}: {exc}", file=out, flush=True)
        try:
            client, where = _client(account)
        except ConfigError as error:
            client, where = None, "the API key cannot be used:\n" + error.report()
        if client is None:
            print(
                f"NOT VERIFIED: {where}\nNo exchange was reachable, so no order could be "
                "cancelled or checked.",
                file=out,
            )
            return EXIT_FAILURE
        store = Store(Snapshot())
        settings = account.settings
        alerts = Alerts(
            settings.alerts.webhook_url if settings else None,
            store=store,
            min_severity=settings.alerts.min_severity if settings else "warning",
        )
        sender = asyncio.create_task(alerts.run())
        async with client:
            switch = KillSwitch(client, journal, store, alerts=alerts, attempt_timeout=5.0)
            task = switch.trigger(TRIGGER, reason, give_up_after=give_up_after, persist=False)
            report = await task
        await alerts.flush(within=3.0)
        sender.cancel()
        return _print_report(report, where, give_up_after, out)
    finally:
        journal.close()


def _print_report(report: HaltReport, where: str, timeout: float, out: TextIO) -> int:
    if report.verified:
        print(
            f"VERIFIED: zero resting orders at {where}. Cancelled {report.cancelled} "
            f"order(s) in {report.elapsed:.3f} s.",
            file=out,
        )
        if report.fills_recorded:
            print(f"{report.fills_recorded} fill(s) that raced the cancels journaled.", file=out)
        return EXIT_OK
    if report.resting is None:
        print(
            f"NOT VERIFIED: no exchange was reachable at {where} within {timeout:g} s, so "
            f"nothing could be verified (last error: {report.last_error or 'none'}).",
            file=out,
        )
    else:
        print(
            f"NOT VERIFIED: {report.resting} order(s) still resting at {where} after "
            f"{report.elapsed:.1f} s; cancelled {report.cancelled}. Last error: "
            f"{report.last_error or 'none'}. Run `kalshi-tui halt` again.",
            file=out,
        )
    return EXIT_FAILURE


def run_resume(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    findings: Callable[[Journal], int] = lambda _journal: 0,
) -> int:
    """Carry out `kalshi-tui resume --reason TEXT`."""
    from kalshi_tui.journal import Journal, JournalError, journal_path
    from kalshi_tui.services.halt_info import describe_halt, halt_time, resume_problems

    stream = out if out is not None else sys.stdout
    reason = args.reason.strip()
    if not reason:
        print("kalshi-tui resume: --reason must say why trading is safe again", file=sys.stderr)
        return 2
    account = resolve_account(getattr(args, "config", None))
    path = journal_path(account.data_dir)
    if not path.exists():
        print(f"not halted: {account.label} has no journal yet; nothing to resume.", file=stream)
        return EXIT_OK
    try:
        journal = Journal.open(path, create=False)
    except JournalError as exc:
        print(f"kalshi-tui resume: cannot open the journal: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    with journal:
        state = journal.halt_state()
        if not state.halted:
            print(f"not halted ({account.label}); nothing to resume.", file=stream)
            return EXIT_OK
        problems = resume_problems(journal, findings(journal))
        if problems:
            journal.record_event("resume_refused", {"reason": reason, "problems": problems})
            print(f"resume refused ({account.label}):", file=stream)
            for problem in problems:
                print(f"  - {problem}", file=stream)
            print("Start kalshi-tui to reconcile, then run resume again.", file=stream)
            return EXIT_FAILURE
        journal.clear_halt(reason)
        print(
            f"resumed ({account.label}): was halted since {halt_time(state)} — "
            f"{describe_halt(state)}. Reason for resuming: {reason}",
            file=stream,
        )
    return EXIT_OK
