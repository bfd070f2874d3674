"""Picks up a halt (or resume) written to the journal by another process.

`kalshi-tui halt` in a second terminal writes the halt into the account's journal (WAL
mode lets two processes share the file). A running session reads the halt row every
`interval` seconds (a single-row SELECT, microseconds) and, on a change, halts locally
too — running the same cancel procedure — or re-arms after a `kalshi-tui resume`.
With the default 0.25 s, a halt from elsewhere is acted on within half a second.
"""

from __future__ import annotations

import asyncio

from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
from kalshi_tui.services.killswitch import KillSwitch
from kalshi_tui.services.poller import describe_error

DEFAULT_INTERVAL = 0.25


class HaltWatcher:
    """Polls the journal's halt state and keeps the kill switch in step with it."""

    def __init__(
        self,
        journal: Journal,
        killswitch: KillSwitch,
        store: Store,
        *,
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        if not 0 < interval <= 0.5:
            raise ValueError(f"interval must be in (0, 0.5] seconds, not {interval}")
        self._journal = journal
        self._killswitch = killswitch
        self._store = store
        self.interval = interval
        self._failing = False

    def check(self) -> None:
        """One look at the journal (synchronous; called by `run`)."""
        self._killswitch.sync_from_journal(self._journal.halt_state())

    async def run(self) -> None:
        """Check every `interval` seconds until cancelled; errors are logged, not fatal."""
        while True:
            try:
                self.check()
            except Exception as exc:
                if not self._failing:
                    self._store.log(f"cannot read the halt state: {describe_error(exc)}", "error")
                self._failing = True
            else:
                self._failing = False
            await asyncio.sleep(self.interval)
