"""Writing fills and settlements: deduplicated by the exchange's ids, batched per poll.

A poll of `GET /portfolio/fills` overlaps the previous one on purpose (no fill may fall
between two pages), so most fills arrive more than once; the primary key on `fill_id`
(and on ticker + settled time for settlements) makes the repeat a no-op, and the caller
learns which fills were new so only those reach the P&L book.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from kalshi_tui.domain.models import Action, Fill, Settlement, Side
from kalshi_tui.journal import queries
from kalshi_tui.journal._codec import (
    encode_decimal,
    encode_time,
)
from kalshi_tui.journal.core import event_log
from kalshi_tui.journal.daily_log import describe_fill
from kalshi_tui.journal.reads import JournalReads
from kalshi_tui.journal.records import EventKind

ZERO = Decimal(0)


def check_direction(side: Side, action: Action) -> None:
    if side not in ("yes", "no"):
        raise ValueError(f"side must be 'yes' or 'no', not {side!r}")
    if action not in ("buy", "sell"):
        raise ValueError(f"action must be 'buy' or 'sell', not {action!r}")


def _check_fill(fill: Fill) -> None:
    # A fill with a missing id or an impossible amount is a parsing bug upstream; storing
    # it would poison every P&L figure computed from the journal afterwards.
    if not fill.fill_id:
        raise ValueError("fill without a fill_id")
    check_direction(fill.side, fill.action)
    if fill.count <= 0:
        raise ValueError(f"fill {fill.fill_id}: count must be positive, not {fill.count}")
    if not ZERO <= fill.price <= 1:
        raise ValueError(f"fill {fill.fill_id}: price {fill.price} outside 0..1")
    if fill.fee < 0:
        raise ValueError(f"fill {fill.fill_id}: negative fee {fill.fee}")


def _fill_values(fill: Fill, recorded_us: int) -> tuple[Any, ...]:
    return (
        fill.fill_id,
        fill.order_id,
        fill.ticker,
        fill.side,
        fill.action,
        encode_decimal(fill.count),
        encode_decimal(fill.price),
        int(fill.is_taker),
        encode_decimal(fill.fee),
        encode_time(fill.created_time),
        recorded_us,
    )


_quote = json.encoder.encode_basestring_ascii  # the C string encoder json.dumps uses


def _fill_payload(values: tuple[Any, ...]) -> str:
    """The event payload of a fill, from the values of its row.

    Written by hand (every field is an id, an enum or decimal text we produced) because
    a large fill import journals hundreds of thousands of these; the full fill is in the
    `fills` table, the event says what happened and when.
    """
    return (
        f'{{"fill_id":{_quote(values[0])},"ticker":{_quote(values[2])},'
        f'"side":"{values[3]}","action":"{values[4]}","count":"{values[5]}",'
        f'"price":"{values[6]}","fee":"{values[8]}"}}'
    )


_INSERT_FILL = (
    "INSERT INTO fills (fill_id, order_id, ticker, side, action, count, price, is_taker, fee, "
    "created_us, recorded_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class JournalFillWrites(JournalReads):
    """Fill and settlement writes of an open journal."""

    # --- fills and settlements ------------------------------------------------------------

    def record_fill(self, fill: Fill) -> bool:
        """Store a fill unless its fill_id is already journaled; True when it was new.

        A repeated fill_id whose contents differ is kept as it was first recorded and a
        `fill_conflict` event is written for the reconciler to report.
        """
        return bool(self.record_fills((fill,)))

    def record_fills(self, fills: Iterable[Fill]) -> list[Fill]:
        """Store a batch of fills in one transaction; returns the ones that were new.

        The batch is held in memory (a poll's page, or a chunk of an import).
        """
        batch = list(fills)
        for fill in batch:
            _check_fill(fill)
        at_us = self._now_us()
        new: list[Fill] = []
        rows: list[tuple[Any, ...]] = []
        conflicts: list[tuple[Any, ...]] = []
        with self._transaction(durable=False) as conn:
            # Look the ids up first, then insert the new rows in two executemany calls:
            # several times faster than one INSERT … ON CONFLICT per fill.
            known = self._stored_fills([fill.fill_id for fill in batch])
            for fill in batch:
                prior = known.get(fill.fill_id)
                values = _fill_values(fill, at_us)
                if prior is None:
                    known[fill.fill_id] = fill
                    new.append(fill)
                    rows.append(values)
                elif prior != fill:
                    conflicts.append(values)
            conn.executemany(_INSERT_FILL, rows)
            events = [
                (EventKind.FILL.value, at_us, None, values[1], _fill_payload(values))
                for values in rows
            ]
            events.extend(
                (EventKind.FILL_CONFLICT.value, at_us, None, values[1], _fill_payload(values))
                for values in conflicts
            )
            conn.executemany(
                "INSERT INTO events (kind, at_us, client_order_id, order_id, payload) "
                "VALUES (?, ?, ?, ?, ?)",
                events,
            )
            if event_log.isEnabledFor(logging.INFO):
                self._log_lines.extend(describe_fill("fill", values) for values in rows)
                self._log_lines.extend(
                    describe_fill("fill_conflict", values) for values in conflicts
                )
        return new

    def _stored_fills(self, fill_ids: list[str]) -> dict[str, Fill]:
        found: dict[str, Fill] = {}
        unique = list(dict.fromkeys(fill_ids))
        # 500 ids per query stays under every SQLite build's bound-parameter limit.
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            sql = (
                f"SELECT {queries.FILL_COLUMNS} FROM fills "
                f"WHERE fill_id IN ({', '.join('?' * len(chunk))})"
            )
            for row in self._conn.execute(sql, chunk):
                found[row[0]] = queries.fill_from_row(row)
        return found

    def record_settlement(self, settlement: Settlement) -> bool:
        """Store a settlement unless one for the same ticker and time exists; True if new."""
        return bool(self.record_settlements((settlement,)))

    def record_settlements(self, settlements: Iterable[Settlement]) -> list[Settlement]:
        at_us = self._now_us()
        new: list[Settlement] = []
        with self._transaction(durable=False) as conn:
            for item in settlements:
                cursor = conn.execute(
                    "INSERT INTO settlements (ticker, settled_us, result, yes_count, no_count, "
                    "revenue, fee, recorded_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (ticker, settled_us) DO NOTHING",
                    (
                        item.ticker,
                        encode_time(item.settled_time),
                        item.result,
                        encode_decimal(item.yes_count),
                        encode_decimal(item.no_count),
                        encode_decimal(item.revenue),
                        encode_decimal(item.fee),
                        at_us,
                    ),
                )
                if cursor.rowcount != 1:
                    continue
                new.append(item)
                payload = {
                    "ticker": item.ticker,
                    "result": item.result,
                    "yes_count": item.yes_count,
                    "no_count": item.no_count,
                    "revenue": item.revenue,
                    "fee": item.fee,
                    "settled_time": item.settled_time,
                }
                self._append_event(EventKind.SETTLEMENT, at_us, payload)
        return new
