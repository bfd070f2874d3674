"""Exact P&L from the journal, kept current and published to the store.

At start-up the FIFO book (`domain/pnl.py`) is loaded from the journal in one streaming
pass on a worker thread (its own read-only connection, so a large journal never stalls
the event loop), before trading starts; then every fill the fill confirmation journals is
applied as it arrives (amortised O(1)). After any change of fills, marks or the
exchange's positions the book is valued at the current marks and cross-checked against
the exchange's `realized_pnl`, `fees_paid` and position per market; the result is
`Snapshot.pnl`, which the positions pane and the header render.

Day P&L is since local midnight (`pnl_report.day_pnl`). A position carried into the day
needs its mark at midnight; the terminal keeps the first mark it sees each local day
(session start or the midnight roll-over) as that reference, so for a session started
mid-day the day figure of positions held since before the start counts from the start.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from kalshi_tui.domain.models import Fill
from kalshi_tui.domain.pnl import PnlBook
from kalshi_tui.domain.pnl_report import (
    Difference,
    cross_check,
    local_day_start,
    totals,
    value_book,
)
from kalshi_tui.domain.pnl_view import PnlView
from kalshi_tui.domain.portfolio import market_yes_mark
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import Journal
from kalshi_tui.journal.pnl_source import load_pnl_book

WATCHED = frozenset({"markets", "positions", "settlements"})
"""Snapshot fields whose change revalues the book."""


class PnlTracker:
    """Loads, updates and publishes the FIFO P&L book."""

    def __init__(
        self,
        journal_path: Path,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._journal_path = journal_path
        self._store = store
        self._clock = clock
        self.book: PnlBook | None = None
        self._pending: list[Fill] = []
        self._fills = 0
        self._day_start: datetime | None = None
        self._day_marks: dict[str, Decimal] = {}
        self._unsubscribe: Callable[[], None] = lambda: None

    async def load(self) -> None:
        """Load the book on a worker thread; fills that arrive meanwhile are applied after."""
        self._day_start = local_day_start(datetime.fromtimestamp(self._clock(), UTC))
        started = time.monotonic()
        book, count = await asyncio.to_thread(self._load, self._journal_path, self._day_start)
        self.book = book
        self._fills = count
        pending, self._pending = self._pending, []
        for fill in pending:
            self._apply(fill)
        seconds = time.monotonic() - started
        if seconds > 1:
            self._store.log(f"P&L loaded from {count:,} journaled fills in {seconds:.1f}s")
        self._unsubscribe = self._store.subscribe(self._changed)
        self.publish()

    @staticmethod
    def _load(path: Path, day_start: datetime) -> tuple[PnlBook, int]:
        journal = Journal.open(path, create=False)
        try:
            return load_pnl_book(journal, day_start), journal.count_fills()
        finally:
            journal.close()

    def add_fills(self, fills: list[Fill]) -> None:
        """New fills from the fill confirmation (oldest first)."""
        if self.book is None:
            self._pending.extend(fills)
            return
        for fill in fills:
            self._apply(fill)
        self.publish()

    def _apply(self, fill: Fill) -> None:
        assert self.book is not None
        self.book.apply_fill(fill)
        self._fills += 1

    def _changed(self, _snapshot: Snapshot, changed: frozenset[str]) -> None:
        if changed & WATCHED:
            self.publish()

    def publish(self) -> None:
        """Value the book at the current marks and cross-check it; store the result."""
        book = self.book
        if book is None:
            return
        now = self._clock()
        self._roll_day(book, now)
        snapshot = self._store.snapshot
        marks: dict[str, Decimal | None] = {}
        for ticker in book.markets:
            mark = market_yes_mark(snapshot.market(ticker))
            marks[ticker] = mark
            if mark is not None:
                self._day_marks.setdefault(ticker, mark)
        values = value_book(book, marks, self._day_marks)
        # The portfolio poller keeps only open positions, so a market closed on both sides
        # is absent there: compare the markets either side holds contracts in.
        held = {p.ticker for p in snapshot.positions}
        held.update(v.ticker for v in values if v.contracts)
        loaded = snapshot.health.get("portfolio")
        differences: tuple[Difference, ...] = ()
        if (loaded is not None and loaded.last_success is not None) or snapshot.positions:
            differences = tuple(
                d for d in cross_check(book, snapshot.positions) if d.ticker in held
            )
        view = PnlView(
            positions=tuple(values),
            totals=totals(values),
            differences=differences,
            fills=self._fills,
            as_of=now,
            by_ticker={v.ticker: v for v in values},
        )
        self._store.update(pnl=view)

    def _roll_day(self, book: PnlBook, now: float) -> None:
        day_start = local_day_start(datetime.fromtimestamp(now, UTC))
        if day_start != self._day_start:
            self._day_start = day_start
            book.start_day(day_start)
            self._day_marks.clear()

    def close(self) -> None:
        self._unsubscribe()
