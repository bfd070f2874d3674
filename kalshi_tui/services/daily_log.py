"""Start the human-readable daily log for a running session.

`start_daily_log` attaches the rotating `kalshi-tui-YYYY-MM-DD.log` file in the account's
data directory (beside the journal) to the package logger, so it receives the journal's
events as they commit (`kalshi_tui.journal`), and forwards the session's log tail — what
the user sees at the bottom of the screen — to it as `kalshi_tui.session` lines.

    stop = start_daily_log(data_dir, session.store, retention_days=30)
    try:
        app.run()
    finally:
        stop()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal.daily_log import DEFAULT_RETENTION_DAYS, install_daily_log

session_log = logging.getLogger("kalshi_tui.session")

_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def forward_store_log(store: Store) -> Callable[[], None]:
    """Copy every new log-tail entry of `store` to the `kalshi_tui.session` logger; returns
    the function that stops it."""
    last = [0]
    entries = store.log_since(0)
    if entries:
        last[0] = entries[-1].seq
        for entry in entries:
            session_log.log(_LEVELS.get(entry.level, logging.INFO), "%s", entry.text)

    def on_change(_snapshot: Snapshot, changed: frozenset[str]) -> None:
        if "log" not in changed:
            return
        for entry in store.log_since(last[0]):
            last[0] = entry.seq
            session_log.log(_LEVELS.get(entry.level, logging.INFO), "%s", entry.text)

    return store.subscribe(on_change)


def start_daily_log(
    data_dir: Path, store: Store, *, retention_days: int = DEFAULT_RETENTION_DAYS
) -> Callable[[], None]:
    """Install the daily log file in `data_dir` and forward `store`'s log tail to it;
    returns the function that detaches both (and closes the file)."""
    from kalshi_tui.paths import ensure_private_dir

    ensure_private_dir(data_dir)
    package_log = logging.getLogger("kalshi_tui")
    level = package_log.level
    handler = install_daily_log(data_dir, retention_days=retention_days)
    unsubscribe = forward_store_log(store)

    def stop() -> None:
        unsubscribe()
        package_log.removeHandler(handler)
        package_log.setLevel(level)
        handler.close()

    return stop
