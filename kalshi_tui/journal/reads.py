"""Reading the journal: intents, orders, fills, settlements, events and counts.

Multi-row queries stream from a live cursor (see `queries.stream`), so walking a million
fills keeps one row in memory at a time.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from kalshi_tui.domain.models import Fill, Settlement
from kalshi_tui.journal import queries
from kalshi_tui.journal._codec import decode_time
from kalshi_tui.journal.core import JournalCore
from kalshi_tui.journal.records import (
    UNRESOLVED_STATES,
    EventRecord,
    IntentRecord,
    IntentState,
    OrderRecord,
)


class JournalReads(JournalCore):
    """Queries over an open journal."""

    def intents(
        self, state: IntentState | str | Iterable[IntentState | str] | None = None
    ) -> list[IntentRecord]:
        """Intents in `state` (one state or several), oldest first; all when None."""
        where = queries.Filter()
        if state is not None:
            states = [str(state)] if isinstance(state, str) else [str(s) for s in state]
            where.add(f"state IN ({', '.join('?' * len(states))})", *states)
        sql = f"SELECT {queries.INTENT_COLUMNS} FROM intents{where.sql()} ORDER BY created_us"
        return [queries.intent_from_row(row) for row in self._conn.execute(sql, where.params)]

    def unknown_intents(self) -> list[IntentRecord]:
        """Intents whose outcome was ambiguous and has not been resolved yet."""
        return self.intents(IntentState.UNKNOWN)

    def unresolved_intents(self) -> list[IntentRecord]:
        """`unknown` plus `pending`/`sent` (which, after a restart, are just as uncertain)."""
        return self.intents(UNRESOLVED_STATES)

    def order(self, order_id: str) -> OrderRecord | None:
        row = self._conn.execute(
            f"SELECT {queries.ORDER_COLUMNS} FROM orders WHERE order_id = ?", (order_id,)
        ).fetchone()
        return None if row is None else queries.order_from_row(row)

    def open_orders(self) -> list[OrderRecord]:
        """Orders last known to be resting on the book, ours and adopted."""
        sql = (
            f"SELECT {queries.ORDER_COLUMNS} FROM orders WHERE status = 'resting' "
            "ORDER BY first_seen_us"
        )
        return [queries.order_from_row(row) for row in self._conn.execute(sql)]

    def orders(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[OrderRecord]:
        """Every known order, by when the journal first saw it (streaming)."""
        where = queries.Filter().time_range("first_seen_us", since, until)
        sql = f"SELECT {queries.ORDER_COLUMNS} FROM orders{where.sql()} ORDER BY first_seen_us"
        return map(queries.order_from_row, queries.stream(self._conn, sql, where.params))

    def fills(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        ticker: str | None = None,
    ) -> Iterator[Fill]:
        """Fills by exchange time, then arrival order (streaming; memory stays flat).

        This is the order P&L replays them in (FIFO lots).
        """
        where = queries.fill_filter(since, until, ticker)
        sql = f"SELECT {queries.FILL_COLUMNS} FROM fills{where.sql()} ORDER BY created_us, rowid"
        return map(queries.fill_from_row, queries.stream(self._conn, sql, where.params))

    def newest_fill_time(self) -> datetime | None:
        """Exchange time of the most recent journaled fill (the fill poll's watermark)."""
        row = self._conn.execute("SELECT max(created_us) FROM fills").fetchone()
        return None if row is None or row[0] is None else decode_time(row[0])

    def recent_fills(self, limit: int) -> list[Fill]:
        """The newest `limit` fills, newest first (cheap on any journal size)."""
        sql = (
            f"SELECT {queries.FILL_COLUMNS} FROM fills ORDER BY created_us DESC, rowid DESC LIMIT ?"
        )
        return [queries.fill_from_row(row) for row in self._conn.execute(sql, (limit,))]

    def recent_settlements(self, limit: int) -> list[Settlement]:
        """The newest `limit` settlements, newest first."""
        sql = (
            f"SELECT {queries.SETTLEMENT_COLUMNS} FROM settlements "
            "ORDER BY settled_us DESC, ticker LIMIT ?"
        )
        return [queries.settlement_from_row(row) for row in self._conn.execute(sql, (limit,))]

    def fill_ids(self) -> set[str]:
        """Every journaled fill_id (about 100 bytes each in memory)."""
        return {row[0] for row in self._conn.execute("SELECT fill_id FROM fills")}

    def has_fill(self, fill_id: str) -> bool:
        sql = "SELECT 1 FROM fills WHERE fill_id = ?"
        return self._conn.execute(sql, (fill_id,)).fetchone() is not None

    def settlements(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        ticker: str | None = None,
    ) -> Iterator[Settlement]:
        where = queries.settlement_filter(since, until, ticker)
        sql = (
            f"SELECT {queries.SETTLEMENT_COLUMNS} FROM settlements{where.sql()} "
            "ORDER BY settled_us, ticker"
        )
        return map(queries.settlement_from_row, queries.stream(self._conn, sql, where.params))

    def events(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        kind: str | None = None,
        client_order_id: str | None = None,
        order_id: str | None = None,
    ) -> Iterator[EventRecord]:
        """The event log in the order it was written (streaming)."""
        where = queries.event_filter(since, until, kind, client_order_id, order_id)
        sql = f"SELECT {queries.EVENT_COLUMNS} FROM events{where.sql()} ORDER BY seq"
        return map(queries.event_from_row, queries.stream(self._conn, sql, where.params))

    def count_fills(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        ticker: str | None = None,
    ) -> int:
        where = queries.fill_filter(since, until, ticker)
        sql = f"SELECT count(*) FROM fills{where.sql()}"
        return int(self._conn.execute(sql, where.params).fetchone()[0])

    def counts(self) -> dict[str, int]:
        """Row count of every table, e.g. `{"fills": 1000000, "events": …}`."""
        tables = ("intents", "orders", "fills", "settlements", "events")
        return {
            table: int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in tables
        }

    def pnl_rows(self, upto: tuple[int, int] | None = None) -> Iterator[tuple[Any, ...]]:
        """Fills and settlements as stored, merged by exchange time, for loading P&L (a
        fill before a settlement at the same microsecond). Fill rows are `(created_us, 0,
        ticker, side, action, count, price, fee)`, settlement rows `(settled_us, 1, ticker,
        result, None, None, revenue, None)`; amounts are exact decimal text.

        `upto` (`pnl_marks()` read before) stops at those row ids, so a reader that then
        tails from the same marks (`fills_after`, `settlements_after`) sees every row
        exactly once, whatever other connections journal meanwhile."""
        fill_mark, settlement_mark = upto if upto is not None else (_NO_LIMIT, _NO_LIMIT)
        fills = queries.stream(self._conn, queries.PNL_FILL_ROWS, (fill_mark,))
        settlements = queries.stream(self._conn, queries.PNL_SETTLEMENT_ROWS, (settlement_mark,))
        return heapq.merge(fills, settlements, key=_time_and_kind)

    def pnl_marks(self) -> tuple[int, int]:
        """The newest row ids of the fills and of the settlements (0 when none).

        Row ids only grow (rows are never deleted, and writers take turns), so a row
        committed later, by this connection or any other process, has a larger id."""
        fills = self._conn.execute("SELECT coalesce(max(rowid), 0) FROM fills").fetchone()
        settled = self._conn.execute("SELECT coalesce(max(rowid), 0) FROM settlements").fetchone()
        return int(fills[0]), int(settled[0])

    def fills_after(self, rowid: int) -> list[tuple[int, Fill]]:
        """`(row id, fill)` of every fill journaled after row `rowid`, whoever journaled it
        (the app's fill poll, the kill switch, `kalshi-tui halt`), in journal order."""
        sql = f"SELECT rowid, {queries.FILL_COLUMNS} FROM fills WHERE rowid > ? ORDER BY rowid"
        return [
            (int(row[0]), queries.fill_from_row(row[1:]))
            for row in self._conn.execute(sql, (rowid,))
        ]

    def settlements_after(self, rowid: int) -> list[tuple[int, Settlement]]:
        """`(row id, settlement)` of every settlement journaled after row `rowid`."""
        sql = (
            f"SELECT rowid, {queries.SETTLEMENT_COLUMNS} FROM settlements WHERE rowid > ? "
            "ORDER BY rowid"
        )
        return [
            (int(row[0]), queries.settlement_from_row(row[1:]))
            for row in self._conn.execute(sql, (rowid,))
        ]

    def count_fills_upto(self, rowid: int) -> int:
        """Fills with a row id up to `rowid` (the fills a book loaded to that mark holds)."""
        sql = "SELECT count(*) FROM fills WHERE rowid <= ?"
        return int(self._conn.execute(sql, (rowid,)).fetchone()[0])

    def export_rows(
        self, kind: queries.ExportKind, since: datetime | None, until: datetime | None
    ) -> tuple[int, Iterator[tuple[Any, ...]]]:
        """(row count, streaming rows) for `kalshi_tui.export`, as stored: column 0 is
        microseconds since the epoch, money and counts are exact decimal text."""
        select, params, count_sql, count_params = queries.export_query(kind, since, until)
        total = int(self._conn.execute(count_sql, count_params).fetchone()[0])
        return total, queries.stream(self._conn, select, params)


_NO_LIMIT = 2**63 - 1
"""The largest SQLite row id: no upper bound."""


def _time_and_kind(row: tuple[Any, ...]) -> tuple[int, int]:
    return row[0], row[1]
