"""Exact P&L from the journal, kept current and published to the store.

At start-up the FIFO book (`domain/pnl.py`) is loaded from the journal in one streaming
pass on a worker thread (its own read-only connection, so a large journal never stalls
the event loop), before trading starts, up to the fills' and settlements' row ids read
first (`Journal.pnl_marks`). From those marks the tracker then tails the journal
(`catch_up`: the rows journaled since, by row id): the app's fill confirmation, the kill
switch, `kalshi-tui halt` or any other process may have journaled them, and each row is
applied exactly once, whoever wrote it (the journal itself keeps each fill once). The
session calls `catch_up` after every fill poll and every `TAIL_INTERVAL` seconds
(`run`), so a fill or a settlement journaled elsewhere reaches the book within one poll.
After any change of fills, settlements, marks or the exchange's positions the book is
valued at the current marks and cross-checked against the exchange's `realized_pnl`,
`fees_paid` and position per market; the result is `Snapshot.pnl`, which the positions
pane and the header render.

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

from kalshi_tui.domain.models import Fill, Settlement
from kalshi_tui.domain.pnl import PnlBook, to_micros
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

TAIL_INTERVAL = 0.5
"""Seconds between two reads of the journal's new fills and settlements (`run`)."""

Event = tuple[int, int, Fill | Settlement]
"""(exchange time µs, 0 for a fill / 1 for a settlement, the row): the order of `pnl_rows`."""


class PnlTracker:
    """Loads, tails and publishes the FIFO P&L book."""

    def __init__(
        self,
        journal: Journal,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._journal = journal
        self._store = store
        self._clock = clock
        self.book: PnlBook | None = None
        self._marks: tuple[int, int] = (0, 0)
        """Row ids of the last fill and settlement in the book."""
        self._fills = 0
        self._day_start: datetime | None = None
        self._day_marks: dict[str, Decimal] = {}
        self._unsubscribe: Callable[[], None] = lambda: None
        self.on_fills: Callable[[list[Fill]], None] | None = None
        """Called with the fills `run` found (the session keeps its recent-fills list)."""

    async def load(self) -> None:
        """Load the book on a worker thread, then catch up with what was journaled since."""
        self._day_start = local_day_start(datetime.fromtimestamp(self._clock(), UTC))
        started = time.monotonic()
        book, marks, count = await asyncio.to_thread(
            self._load, self._journal.path, self._day_start
        )
        self.book = book
        self._marks = marks
        self._fills = count
        self.catch_up(publish=False)
        seconds = time.monotonic() - started
        if seconds > 1:
            self._store.log(f"P&L loaded from {count:,} journaled fills in {seconds:.1f}s")
        self._unsubscribe = self._store.subscribe(self._changed)
        self.publish()

    @staticmethod
    def _load(path: Path, day_start: datetime) -> tuple[PnlBook, tuple[int, int], int]:
        journal = Journal.open(path, create=False)
        try:
            marks = journal.pnl_marks()
            book = load_pnl_book(journal, day_start, upto=marks)
            return book, marks, journal.count_fills_upto(marks[0])
        finally:
            journal.close()

    def catch_up(self, *, publish: bool = True) -> list[Fill]:
        """Apply every fill and settlement journaled since the last call (by anyone), in
        exchange-time order within the batch; returns the new fills. Before `load` has
        finished this does nothing (the load reads them)."""
        if self.book is None:
            return []
        fill_mark, settlement_mark = self._marks
        fills = self._journal.fills_after(fill_mark)
        settlements = self._journal.settlements_after(settlement_mark)
        if not fills and not settlements:
            return []
        events: list[Event] = [(to_micros(f.created_time), 0, f) for _, f in fills]
        events.extend((to_micros(s.settled_time), 1, s) for _, s in settlements)
        events.sort(key=lambda event: (event[0], event[1]))
        for _, _, row in events:
            if isinstance(row, Fill):
                self.book.apply_fill(row)
                self._fills += 1
            else:
                self.book.apply_settlement(row)
        self._marks = (
            fills[-1][0] if fills else fill_mark,
            settlements[-1][0] if settlements else settlement_mark,
        )
        if publish:
            self.publish()
        return [fill for _, fill in fills]

    async def run(self, interval: float = TAIL_INTERVAL) -> None:
        """Tail the journal every `interval` seconds until cancelled (fills and settlements
        journaled by the kill switch or another process); `on_fills` gets the new fills."""
        while True:
            await asyncio.sleep(interval)
            try:
                new = self.catch_up()
            except Exception as exc:  # shown, not traded on: log and keep tailing
                self._store.log(f"could not read new fills for P&L: {exc}", level="error")
                continue
            if new and self.on_fills is not None:
                self.on_fills(new)

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
