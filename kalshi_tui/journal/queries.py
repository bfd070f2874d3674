"""Reading the journal: row decoders and streaming SELECTs.

Every multi-row query is a generator over a live SQLite cursor, so a caller walking a
million fills holds one row at a time, never the whole table. Time filters are `since`
inclusive and `until` exclusive, on the row's exchange time (fills: `created_time`,
settlements: `settled_time`, events: when they were journaled, orders: when first seen).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, cast

from kalshi_tui.domain.models import Action, Fill, Order, Settlement, Side
from kalshi_tui.journal._codec import (
    decode_decimal,
    decode_optional_decimal,
    decode_optional_time,
    decode_payload,
    decode_time,
    encode_time,
)
from kalshi_tui.journal.records import (
    EventRecord,
    HaltState,
    IntentRecord,
    IntentState,
    OrderRecord,
)

ExportKind = Literal["fills", "orders", "settlements", "events"]

INTENT_COLUMNS = (
    "client_order_id, ticker, side, action, price, count, tif, flags, created_us, updated_us, "
    "state, order_id, reject_code, reject_message, unknown_reason, resolution"
)
ORDER_COLUMNS = (
    "order_id, client_order_id, ticker, side, action, price, initial_count, fill_count, "
    "remaining_count, status, fees, created_us, adopted, intent_id, updated_us"
)
FILL_COLUMNS = "fill_id, order_id, ticker, side, action, count, price, is_taker, fee, created_us"
SETTLEMENT_COLUMNS = "ticker, result, yes_count, no_count, revenue, fee, settled_us"
EVENT_COLUMNS = "seq, kind, at_us, client_order_id, order_id, payload"


def intent_from_row(row: Sequence[Any]) -> IntentRecord:
    return IntentRecord(
        client_order_id=row[0],
        ticker=row[1],
        side=cast(Side, row[2]),
        action=cast(Action, row[3]),
        price=decode_decimal(row[4]),
        count=decode_decimal(row[5]),
        tif=row[6],
        flags=decode_payload(row[7]),
        created_at=decode_time(row[8]),
        updated_at=decode_time(row[9]),
        state=IntentState(row[10]),
        order_id=row[11],
        reject_code=row[12],
        reject_message=row[13],
        unknown_reason=row[14],
        resolution=row[15],
    )


def order_from_row(row: Sequence[Any]) -> OrderRecord:
    order = Order(
        order_id=row[0],
        client_order_id=row[1] or "",
        ticker=row[2],
        side=cast(Side, row[3]),
        action=cast(Action, row[4]),
        price=decode_decimal(row[5]),
        initial_count=decode_decimal(row[6]),
        fill_count=decode_decimal(row[7]),
        remaining_count=decode_decimal(row[8]),
        status=row[9],
        fees=decode_decimal(row[10]),
        created_time=decode_optional_time(row[11]),
    )
    return OrderRecord(
        order=order, adopted=bool(row[12]), intent_id=row[13], updated_at=decode_time(row[14])
    )


def fill_from_row(row: Sequence[Any]) -> Fill:
    return Fill(
        fill_id=row[0],
        order_id=row[1],
        ticker=row[2],
        side=cast(Side, row[3]),
        action=cast(Action, row[4]),
        count=decode_decimal(row[5]),
        price=decode_decimal(row[6]),
        is_taker=bool(row[7]),
        fee=decode_decimal(row[8]),
        created_time=decode_time(row[9]),
    )


def settlement_from_row(row: Sequence[Any]) -> Settlement:
    return Settlement(
        ticker=row[0],
        result=row[1],
        yes_count=decode_decimal(row[2]),
        no_count=decode_decimal(row[3]),
        revenue=decode_decimal(row[4]),
        fee=decode_decimal(row[5]),
        settled_time=decode_time(row[6]),
    )


def event_from_row(row: Sequence[Any]) -> EventRecord:
    return EventRecord(
        seq=row[0],
        kind=row[1],
        at=decode_time(row[2]),
        client_order_id=row[3],
        order_id=row[4],
        payload=decode_payload(row[5]),
    )


def halt_from_row(row: Sequence[Any]) -> HaltState:
    return HaltState(
        halted=bool(row[0]),
        trigger=row[1],
        value=decode_optional_decimal(row[2]),
        threshold=decode_optional_decimal(row[3]),
        reason=row[4],
        at=decode_optional_time(row[5]),
    )


class Filter:
    """A WHERE clause assembled from optional conditions, with its parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> Filter:
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def time_range(self, column: str, since: datetime | None, until: datetime | None) -> Filter:
        if since is not None:
            self.add(f"{column} >= ?", encode_time(since))
        if until is not None:
            self.add(f"{column} < ?", encode_time(until))
        return self

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def stream(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    """Yield rows one at a time from a cursor (SQLite steps the statement lazily)."""
    cursor = conn.execute(sql, params)
    try:
        yield from cursor
    finally:
        cursor.close()


def fill_filter(since: datetime | None, until: datetime | None, ticker: str | None) -> Filter:
    where = Filter().time_range("created_us", since, until)
    if ticker is not None:
        where.add("ticker = ?", ticker)
    return where


def settlement_filter(since: datetime | None, until: datetime | None, ticker: str | None) -> Filter:
    where = Filter().time_range("settled_us", since, until)
    if ticker is not None:
        where.add("ticker = ?", ticker)
    return where


def event_filter(
    since: datetime | None,
    until: datetime | None,
    kind: str | None,
    client_order_id: str | None,
    order_id: str | None,
) -> Filter:
    where = Filter().time_range("at_us", since, until)
    if kind is not None:
        where.add("kind = ?", kind)
    if client_order_id is not None:
        where.add("client_order_id = ?", client_order_id)
    if order_id is not None:
        where.add("order_id = ?", order_id)
    return where


# Raw rows for loading P&L (`JournalReads.pnl_rows`), each in exchange-time order, up to
# a row id (the mark a tail continues from, `JournalReads.pnl_marks`).
PNL_FILL_ROWS = (
    "SELECT created_us, 0, ticker, side, action, count, price, fee FROM fills "
    "WHERE rowid <= ? ORDER BY created_us, rowid"
)
PNL_SETTLEMENT_ROWS = (
    "SELECT settled_us, 1, ticker, result, NULL, NULL, revenue, NULL FROM settlements "
    "WHERE rowid <= ? ORDER BY settled_us, ticker"
)


# --- export rows --------------------------------------------------------------------------
#
# Export reads stored text as it is (the journal only ever writes exact positional decimal
# strings), so a million-row export never parses a Decimal. Column 0 of the `time_columns`
# positions are microsecond integers the exporter turns into ISO-8601 UTC.

# One row per order history entry: every intent (with its exchange order, when there is
# one) plus every adopted order, which has no intent. Price and count are the order's
# current ones (after any amend or decrease, which update the order row), the intent's
# until the exchange has the order.
_ORDER_HISTORY = """
SELECT i.created_us, i.client_order_id, i.order_id, i.ticker, i.side, i.action,
       coalesce(o.price, i.price), coalesce(o.initial_count, i.count), i.tif, i.state,
       o.status, o.fill_count, o.remaining_count, o.fees, 0,
       i.reject_code, i.reject_message, i.resolution
FROM intents AS i LEFT JOIN orders AS o ON o.intent_id = i.client_order_id
{intent_where}
UNION ALL
SELECT o.first_seen_us, o.client_order_id, o.order_id, o.ticker, o.side, o.action, o.price,
       o.initial_count, NULL, NULL, o.status, o.fill_count, o.remaining_count, o.fees, 1,
       NULL, NULL, NULL
FROM orders AS o
{order_where}
ORDER BY 1, 2
"""

EXPORT_HEADERS: dict[ExportKind, tuple[str, ...]] = {
    "fills": (
        "created_time",
        "fill_id",
        "order_id",
        "ticker",
        "side",
        "action",
        "count",
        "price",
        "is_taker",
        "fee",
    ),
    "orders": (
        "created_time",
        "client_order_id",
        "order_id",
        "ticker",
        "side",
        "action",
        "price",
        "count",
        "time_in_force",
        "intent_state",
        "order_status",
        "fill_count",
        "remaining_count",
        "fees",
        "adopted",
        "reject_code",
        "reject_message",
        "resolution",
    ),
    "settlements": (
        "settled_time",
        "ticker",
        "result",
        "yes_count",
        "no_count",
        "revenue",
        "trading_fees",
    ),
    "events": ("time", "seq", "kind", "client_order_id", "order_id", "payload"),
}


def export_query(
    kind: ExportKind, since: datetime | None, until: datetime | None
) -> tuple[str, list[Any], str, list[Any]]:
    """SQL and parameters for the rows of an export, and for counting them."""
    if kind == "fills":
        where = fill_filter(since, until, None)
        select = (
            "SELECT created_us, fill_id, order_id, ticker, side, action, count, price, "
            f"is_taker, fee FROM fills{where.sql()} ORDER BY created_us, rowid"
        )
        return select, where.params, f"SELECT count(*) FROM fills{where.sql()}", where.params
    if kind == "settlements":
        where = settlement_filter(since, until, None)
        select = (
            "SELECT settled_us, ticker, result, yes_count, no_count, revenue, fee "
            f"FROM settlements{where.sql()} ORDER BY settled_us, ticker"
        )
        count = f"SELECT count(*) FROM settlements{where.sql()}"
        return select, where.params, count, where.params
    if kind == "events":
        where = event_filter(since, until, None, None, None)
        select = (
            "SELECT at_us, seq, kind, client_order_id, order_id, payload "
            f"FROM events{where.sql()} ORDER BY seq"
        )
        return select, where.params, f"SELECT count(*) FROM events{where.sql()}", where.params
    if kind == "orders":
        intents = Filter().time_range("i.created_us", since, until)
        orders = Filter().time_range("o.first_seen_us", since, until).add("o.adopted = 1")
        select = _ORDER_HISTORY.format(intent_where=intents.sql(), order_where=orders.sql())
        params = intents.params + orders.params
        count = (
            f"SELECT (SELECT count(*) FROM intents AS i{intents.sql()}) + "
            f"(SELECT count(*) FROM orders AS o{orders.sql()})"
        )
        return select, params, count, params
    raise ValueError(f"unknown export kind {kind!r}: expected one of {sorted(EXPORT_HEADERS)}")
