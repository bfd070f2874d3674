"""The journal's records: intents and their lifecycle, orders, fills, settlements, halt."""

from __future__ import annotations

import sqlite3
import tracemalloc
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from journal_helpers import START, FakeClock, make_fill

from kalshi_tui.domain.models import Order, Settlement
from kalshi_tui.journal import EventKind, IntentState, Journal, JournalError


def place(journal: Journal, client_order_id: str = "coid-1", **overrides: object) -> None:
    fields: dict[str, object] = {
        "ticker": "KXFED-26DEC-T4.00",
        "side": "yes",
        "action": "buy",
        "price": Decimal("0.43"),
        "count": Decimal("10"),
    }
    fields.update(overrides)
    journal.record_intent(client_order_id, **fields)  # type: ignore[arg-type]


def exchange_order(status: str = "resting", **overrides: object) -> Order:
    fields: dict[str, object] = {
        "order_id": "order-1",
        "client_order_id": "coid-1",
        "ticker": "KXFED-26DEC-T4.00",
        "side": "yes",
        "action": "buy",
        "price": Decimal("0.43"),
        "initial_count": Decimal("10"),
        "fill_count": Decimal("0"),
        "remaining_count": Decimal("10"),
        "status": status,
        "fees": Decimal("0"),
        "created_time": START,
    }
    fields.update(overrides)
    return Order(**fields)  # type: ignore[arg-type]


def test_intent_is_durable_and_found_after_reopen(journal_file: Path, clock: FakeClock) -> None:
    with Journal.open(journal_file, clock=clock) as journal:
        place(journal, flags={"post_only": True})
    # A second, independent connection sees it: the commit reached the file.
    with sqlite3.connect(journal_file) as raw:
        assert raw.execute("SELECT state FROM intents").fetchall() == [("pending",)]
    with Journal.open(journal_file, clock=clock) as journal:
        intent = journal.intent("coid-1")
        assert intent is not None
        assert intent.state is IntentState.PENDING
        assert intent.price == Decimal("0.43")
        assert intent.count == Decimal("10")
        assert intent.flags == {"post_only": True}
        assert intent.created_at == START
        assert [i.client_order_id for i in journal.unresolved_intents()] == ["coid-1"]


def test_duplicate_client_order_id_is_refused(journal: Journal) -> None:
    place(journal)
    with pytest.raises(JournalError, match="already journaled"):
        place(journal, price=Decimal("0.50"))
    intent = journal.intent("coid-1")
    assert intent is not None
    assert intent.price == Decimal("0.43")
    assert journal.counts()["intents"] == 1
    assert [e.kind for e in journal.events()] == ["intent"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", Decimal("1")), ("price", Decimal("0")), ("count", Decimal("0")), ("side", "up")],
)
def test_impossible_intents_are_refused(journal: Journal, field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        place(journal, **{field: value})
    assert journal.counts()["intents"] == 0


def test_float_money_is_refused(journal: Journal) -> None:
    with pytest.raises(TypeError, match="expected Decimal"):
        place(journal, price=0.43)


def test_lifecycle_sent_acked_filled(journal: Journal, clock: FakeClock) -> None:
    place(journal)
    clock.advance(1)
    assert journal.mark_sent("coid-1", {"path": "/portfolio/events/orders"}).state == "sent"
    acked = journal.record_ack("coid-1", "order-1", "resting", response={"order_id": "order-1"})
    assert acked.state is IntentState.ACKED
    assert acked.order_id == "order-1"
    [open_order] = journal.open_orders()
    assert open_order.adopted is False
    assert open_order.intent_id == "coid-1"
    assert open_order.order.remaining_count == Decimal("10")
    executed = exchange_order(
        "executed", fill_count=Decimal("10"), remaining_count=Decimal("0"), fees=Decimal("0.18")
    )
    assert journal.record_order(executed) is True
    assert journal.record_order(executed) is False  # unchanged: no write, no event
    intent = journal.intent("coid-1")
    assert intent is not None
    assert intent.state is IntentState.FILLED
    assert journal.open_orders() == []
    kinds = [e.kind for e in journal.events(client_order_id="coid-1")]
    assert kinds == ["intent", "request", "ack", "order"]


def test_reject_is_terminal(journal: Journal) -> None:
    place(journal)
    journal.mark_sent("coid-1")
    rejected = journal.record_reject("coid-1", "insufficient_balance", "not enough money")
    assert rejected.state is IntentState.REJECTED
    assert (rejected.reject_code, rejected.reject_message) == (
        "insufficient_balance",
        "not enough money",
    )
    with pytest.raises(JournalError, match="cannot go from rejected to acked"):
        journal.record_ack("coid-1", "order-9")


def test_unknown_resolved_by_lookup(journal: Journal) -> None:
    place(journal)
    journal.mark_sent("coid-1")
    journal.mark_unknown("coid-1", "timeout", detail={"signature": "c2VjcmV0c2lnbmF0dXJl"})
    assert [i.client_order_id for i in journal.unknown_intents()] == ["coid-1"]
    resolved = journal.resolve_unknown(
        "coid-1", order=exchange_order(), resolution="found by client_order_id"
    )
    assert resolved.state is IntentState.ACKED
    assert resolved.order_id == "order-1"
    assert resolved.resolution == "found by client_order_id"
    assert journal.unknown_intents() == []
    # The signature in the payload never reached the file.
    [unknown_event] = journal.events(kind=EventKind.UNKNOWN)
    assert unknown_event.payload["detail"] == {"signature": "[redacted]"}


def test_unknown_resolved_as_not_placed(journal: Journal) -> None:
    place(journal)
    journal.mark_unknown("coid-1", "connection reset")
    resolved = journal.resolve_unknown("coid-1", order=None, resolution="no such order")
    assert resolved.state is IntentState.NOT_PLACED
    with pytest.raises(JournalError, match="nothing to resolve"):
        journal.resolve_unknown("coid-1", order=None, resolution="again")


def test_cancel_and_amend(journal: Journal) -> None:
    place(journal)
    journal.record_ack("coid-1", "order-1")
    journal.record_amend(
        "order-1", price=Decimal("0.45"), count=Decimal("6"), updated_client_order_id="coid-2"
    )
    record = journal.order("order-1")
    assert record is not None
    assert (record.order.price, record.order.initial_count) == (Decimal("0.45"), Decimal("6"))
    assert record.order.remaining_count == Decimal("6")
    assert record.order.client_order_id == "coid-2"
    journal.record_cancel("order-1", reduced_by=Decimal("6"), reason="user")
    record = journal.order("order-1")
    assert record is not None
    assert record.order.status == "canceled"
    intent = journal.intent("coid-1")
    assert intent is not None
    assert intent.state is IntentState.CANCELED
    [amend] = journal.events(kind="amend")
    assert (amend.payload["old_price"], amend.payload["price"]) == ("0.43", "0.45")


def test_unknown_order_must_be_adopted_explicitly(journal: Journal) -> None:
    orphan = exchange_order(order_id="orphan-1", client_order_id="someone-else")
    with pytest.raises(JournalError, match="adopt it explicitly"):
        journal.record_order(orphan)
    assert journal.adopt_order(orphan) is True
    [record] = journal.open_orders()
    assert record.adopted is True
    assert record.intent_id is None
    assert [e.kind for e in journal.events(order_id="orphan-1")] == ["adopted"]


def test_fills_deduplicated_by_fill_id(journal: Journal) -> None:
    first = make_fill("fill-1")
    assert journal.record_fill(first) is True
    assert journal.record_fill(first) is False
    batch = [first, make_fill("fill-2", count="2.50"), make_fill("fill-2", count="2.50")]
    assert [f.fill_id for f in journal.record_fills(batch)] == ["fill-2"]
    assert journal.fill_ids() == {"fill-1", "fill-2"}
    assert list(journal.fills()) == [first, make_fill("fill-2", count="2.50")]
    assert journal.counts()["fills"] == 2


def test_fill_with_same_id_but_different_contents_is_flagged(journal: Journal) -> None:
    journal.record_fill(make_fill("fill-1"))
    assert journal.record_fill(make_fill("fill-1", count="5")) is False
    [stored] = journal.fills()
    assert stored.count == Decimal("4")
    [conflict] = journal.events(kind=EventKind.FILL_CONFLICT)
    assert conflict.payload["count"] == "5"


def test_fills_are_stored_exactly(journal: Journal) -> None:
    fill = make_fill("fill-1", count="0.01", price="0.0001", fee="0.000001")
    journal.record_fill(fill)
    [stored] = journal.fills()
    assert stored == fill
    with sqlite3.connect(journal.path) as raw:
        row = raw.execute("SELECT count, price, fee, typeof(price) FROM fills").fetchone()
    assert row == ("0.01", "0.0001", "0.000001", "text")


def test_fill_queries_filter_by_time_and_ticker(journal: Journal) -> None:
    for minute in range(5):
        journal.record_fill(
            make_fill(
                f"fill-{minute}",
                ticker="A" if minute % 2 else "B",
                at=START + timedelta(minutes=minute),
            )
        )
    window = journal.fills(START + timedelta(minutes=1), START + timedelta(minutes=4))
    assert [f.fill_id for f in window] == ["fill-1", "fill-2", "fill-3"]
    assert [f.fill_id for f in journal.fills(ticker="A")] == ["fill-1", "fill-3"]
    assert journal.count_fills(since=START + timedelta(minutes=3)) == 2


def test_settlements_unique_per_ticker_and_time(journal: Journal) -> None:
    settlement = Settlement(
        ticker="KXFED-26DEC-T4.00",
        result="yes",
        yes_count=Decimal("4"),
        no_count=Decimal("0"),
        revenue=Decimal("4.00"),
        fee=Decimal("0.07"),
        settled_time=START,
    )
    assert journal.record_settlement(settlement) is True
    assert journal.record_settlement(settlement) is False
    assert list(journal.settlements()) == [settlement]


def test_halt_persists_across_reopen(journal_file: Path, clock: FakeClock) -> None:
    with Journal.open(journal_file, clock=clock) as journal:
        assert journal.halt_state().halted is False
        journal.set_halt(
            "daily_loss", "loss limit hit", value=Decimal("-250.00"), threshold=Decimal("-200")
        )
    with Journal.open(journal_file, clock=clock) as journal:
        state = journal.halt_state()
        assert state.halted is True
        assert (state.trigger, state.value, state.threshold) == (
            "daily_loss",
            Decimal("-250.00"),
            Decimal("-200"),
        )
        assert state.at == START
        clock.advance(60)
        cleared = journal.clear_halt("re-armed by user")
        assert cleared.halted is False
        assert cleared.reason == "re-armed by user"
        assert [e.kind for e in journal.events()] == ["halt", "resume"]


def test_record_event_round_trip(journal: Journal) -> None:
    seq = journal.record_event(
        EventKind.RISK_DENIAL,
        {"limit": "max_order_contracts", "value": Decimal("500"), "at": START},
        client_order_id="coid-9",
    )
    [event] = journal.events(kind="risk_denial")
    assert event.seq == seq
    assert event.payload == {
        "at": "2026-03-02T14:00:00.000000Z",
        "limit": "max_order_contracts",
        "value": "500",
    }
    assert event.client_order_id == "coid-9"


def test_wal_mode_and_integrity(journal: Journal) -> None:
    place(journal)
    assert journal.pragma("journal_mode") == "wal"
    assert journal.pragma("foreign_keys") == 1
    assert journal.integrity_check() == []


def test_intent_write_is_fsynced(journal: Journal) -> None:
    journal.record_fill(make_fill("fill-1"))  # a non-durable write first
    place(journal)
    assert journal.pragma("synchronous") == 2  # FULL


def test_journal_file_is_private(journal: Journal) -> None:
    assert journal.path.stat().st_mode & 0o077 == 0


def _insert_raw_fills(path: Path, count: int) -> None:
    """Bulk-load fills straight into the table (fast), for the streaming test."""
    start_us = 1_772_460_000_000_000
    rows = (
        (
            f"fill-{i:07d}",
            "order-1",
            f"M-{i % 50}",
            "yes",
            "buy",
            "4",
            "0.43",
            1,
            "0.07",
            start_us + i * 1000,
            start_us,
        )
        for i in range(count)
    )
    with sqlite3.connect(path) as raw:
        raw.executemany("INSERT INTO fills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_streaming_100k_fills_in_bounded_memory(journal: Journal) -> None:
    _insert_raw_fills(journal.path, 100_000)
    stream = journal.fills()
    assert iter(stream) is stream  # an iterator, not a list
    assert sum(1 for _ in stream) == 100_000
    # Reading the first 10,000 rows under tracemalloc: a query that loaded the whole
    # table on the first next() would allocate tens of MB here; a stream keeps a few rows.
    tracemalloc.start()
    try:
        for index, fill in enumerate(journal.fills()):
            assert fill.count == Decimal("4")
            if index == 10_000:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak
