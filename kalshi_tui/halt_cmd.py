"""`kalshi-tui halt` and `kalshi-tui resume`: the kill switch from any terminal.

`halt` works whether or not the app is running. It writes the halt marker (an fsynced
file beside the journal, `journal.halt_marker`) and persists the halt in the account's
journal (the demo account's when no config file exists) first — a running app picks it
up within a second and starts HALTED next time — then cancels every resting order itself
and re-lists until the exchange shows none. It exits 0 only when the journal holds the
halt and zero resting orders are verified, and prints how many it cancelled and how long
it took. A halt the journal could not record (disk full) exits 1 and says whether the
marker holds it.

For the demo account the exchange runs inside the app: a running demo session publishes
its URL in the demo directory. With no demo running the halt is still persisted, but no
exchange is reachable, so nothing can be verified and the exit status is 1.

`resume --reason TEXT` re-arms, refused (exit 1) while any order intent's outcome is
unknown or a reconciliation finding is unacknowledged; the re-arm is journaled.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kalshi_tui.config import load_settings, resolve_config_path
from kalshi_tui.files import DEFAULT_FIX, FileProblem, check_data_dir

if TYPE_CHECKING:
    from kalshi_tui import api
    from kalshi_tui.config import Settings
    from kalshi_tui.services.halt_info import HaltReport

EXIT_OK = 0
EXIT_FAILURE = 1
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0
"""Longest `--timeout` accepted: an hour of re-listing is already far past any outage worth
waiting out in one command."""
TRIGGER = "remote"
"""The trigger recorded for a halt from the command line."""


@dataclass(frozen=True, slots=True)
class Account:
    """Where a command acts: the journal's directory and how to reach the exchange."""

    data_dir: Path
    label: str
    settings: Settings | None
    """None for the keyless demo account."""
    data_dir_fix: str = DEFAULT_FIX
    """How to choose another data directory (`Settings.data_dir_fix`)."""


def resolve_account(config: str | None) -> Account:
    """The configured account, or the demo account when no config file exists."""
    path, explicit = resolve_config_path(config)
    if not explicit and not path.exists():
        from kalshi_tui.services.launch import demo_dir

        return Account(demo_dir(), "the demo account: no config file", None)
    # The key is checked (and loaded, once: RSA loading is slow) by `_client`.
    settings = load_settings(path, check_key=False)
    env = settings.exchange.environment
    label = f"{env} account from {settings.source}"
    return Account(settings.data_dir, label, settings, settings.data_dir_fix())


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
    if not 0 < timeout <= MAX_TIMEOUT:  # also refuses nan
        print(
            f"kalshi-tui halt: --timeout {args.timeout} is out of range: it must be a positive "
            f"number of seconds up to {MAX_TIMEOUT:g}, e.g. --timeout 30",
            file=sys.stderr,
        )
        return 2
    account = resolve_account(getattr(args, "config", None))
    return asyncio.run(_halt(account, args.reason, timeout, stream))


async def _halt(account: Account, reason: str, give_up_after: float, out: TextIO) -> int:
    from kalshi_tui.config import ConfigError
    from kalshi_tui.domain.store import Snapshot, Store
    from kalshi_tui.journal import HaltNotJournaled, JournalError, journal_path
    from kalshi_tui.services.alerts import Alerts
    from kalshi_tui.services.halt_watch import HaltWatcher
    from kalshi_tui.services.killswitch import KillSwitch
    from kalshi_tui.services.launch import open_journal

    path = journal_path(account.data_dir)
    # The marker first: it holds the halt even if the journal cannot be opened or written.
    marker_error = _write_marker(path, reason)
    try:
        journal = open_journal(account.data_dir, verify=False, fix=account.data_dir_fix)
    except (JournalError, FileProblem) as exc:
        print(f"NOT PERSISTED in the journal: cannot open it ({account.label}): {exc}", file=out)
        print(_not_durable(path, marker_error), file=out)
        return EXIT_FAILURE
    try:
        # Durable first, before the key is even loaded: whatever fails next, the halt holds.
        durable = True
        try:
            if not journal.halt_state(marker=False).halted:
                journal.set_halt(TRIGGER, reason)
            print(f"halt persisted in {journal.path} ({account.label}).", file=out, flush=True)
        except Exception as exc:
            durable = False
            if isinstance(exc, HaltNotJournaled):
                marker_error = None if exc.marker_holds else marker_error
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
            if not durable:
                print(_not_durable(path, marker_error), file=out)
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
            # Follow the journal while cleaning up, as the app does: once the halt is
            # resumed (the app's re-arm, `kalshi-tui resume`), stop cancelling, or this
            # command would trigger the group the resumed app has just reset.
            # Only a halt the journal (or its marker) holds can be resumed elsewhere.
            watcher = HaltWatcher(journal, switch, store)
            watching = asyncio.create_task(watcher.run() if durable else asyncio.sleep(0))
            report: HaltReport | None
            try:
                report = await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not task.cancelled() or (current is not None and current.cancelling()):
                    raise  # this command itself is being cancelled (ctrl-c)
                report = None  # the re-arm cancelled the clean-up
            finally:
                watching.cancel()
        await alerts.flush(within=3.0)
        sender.cancel()
        if report is None:
            print(
                "STOPPED: the halt was resumed from elsewhere (the app or `kalshi-tui "
                "resume`) before the cancels were verified; nothing more was cancelled.",
                file=out,
            )
            return EXIT_FAILURE
        status = _print_report(report, where, give_up_after, out)
        if not durable:
            print(_not_durable(path, marker_error), file=out)
            return EXIT_FAILURE
        return status
    finally:
        journal.close()


def _write_marker(journal: Path, reason: str) -> OSError | None:
    """Write the halt marker beside the journal; the error, or None when it holds."""
    from datetime import UTC, datetime

    from kalshi_tui.journal import halt_marker
    from kalshi_tui.paths import ensure_private_dir

    try:
        ensure_private_dir(journal.parent)
        halt_marker.write(journal, halt_marker.encode(TRIGGER, reason, datetime.now(UTC)))
    except OSError as exc:
        return exc
    return None


def _not_durable(journal: Path, marker_error: OSError | None) -> str:
    """The closing verdict of a halt the journal does not hold."""
    from kalshi_tui.journal import halt_marker

    marker = halt_marker.marker_path(journal)
    if marker_error is None:
        return (
            f"NOT DURABLE in the journal: the halt is held only by the halt marker {marker}; "
            "the app, doctor and resume treat the account as HALTED while it exists. Fix the "
            "journal (free disk space, `kalshi-tui doctor`), then run `kalshi-tui halt` again "
            "so the journal records it."
        )
    return (
        f"NOT DURABLE: neither the journal {journal} nor the halt marker {marker} could "
        f"record the halt ({marker_error.strerror or marker_error}); a restart will not know "
        "about it. Free disk space and run `kalshi-tui halt` again."
    )


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


def run_resume(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Carry out `kalshi-tui resume --reason TEXT`."""
    from kalshi_tui.journal import Journal, JournalError, halt_marker, journal_path
    from kalshi_tui.services.halt_info import describe_halt, halt_time, resume_problems
    from kalshi_tui.services.reconcile import unacknowledged_findings

    stream = out if out is not None else sys.stdout
    reason = args.reason.strip()
    if not reason:
        print("kalshi-tui resume: --reason must say why trading is safe again", file=sys.stderr)
        return 2
    account = resolve_account(getattr(args, "config", None))
    try:
        check_data_dir(account.data_dir, write=True, fix=account.data_dir_fix)
    except FileProblem as unusable:
        print(f"kalshi-tui resume: {unusable}", file=sys.stderr)
        return EXIT_FAILURE
    path = journal_path(account.data_dir)
    marked = halt_marker.read(path) is not None
    if not path.exists() and not marked:
        print(f"not halted: {account.label} has no journal yet; nothing to resume.", file=stream)
        return EXIT_OK
    try:
        # A halt marker without a journal (a halt before the first start) is cleared by
        # journaling the resume in a new journal.
        journal = Journal.open(path, create=marked, verify=True)
    except JournalError as exc:
        print(f"kalshi-tui resume: cannot open the journal: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    with journal:
        state = journal.halt_state()
        if not state.halted:
            print(f"not halted ({account.label}); nothing to resume.", file=stream)
            return EXIT_OK
        # The same findings the app's reconciler holds: the journal has them all.
        findings = unacknowledged_findings(journal)
        problems = resume_problems(journal, len(findings))
        if problems:
            journal.record_event("resume_refused", {"reason": reason, "problems": problems})
            print(f"resume refused ({account.label}):", file=stream)
            for problem in problems:
                print(f"  - {problem}", file=stream)
            for finding in findings[:5]:
                print(f"      {finding}", file=stream)
            if findings:
                print(
                    "Acknowledge them in kalshi-tui (press r for the reconciliation "
                    "screen, then a on each; if it is not running, start it: it reconciles "
                    "again), then run resume again.",
                    file=stream,
                )
            else:
                print("Start kalshi-tui to reconcile, then run resume again.", file=stream)
            return EXIT_FAILURE
        try:
            journal.clear_halt(reason)
        except (JournalError, sqlite3.Error) as exc:
            print(f"kalshi-tui resume: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        print(
            f"resumed ({account.label}): was halted since {halt_time(state)} — "
            f"{describe_halt(state)}. Reason for resuming: {reason}",
            file=stream,
        )
    return EXIT_OK
