"""The state store: immutable snapshots, change notification, health and the log tail."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kalshi_tui.domain.market import MarketSummary
from kalshi_tui.domain.models import BookLevel, OrderBook
from kalshi_tui.domain.store import LOG_CAPACITY, Snapshot, Store


def _market(ticker: str) -> MarketSummary:
    return MarketSummary(
        ticker=ticker,
        event_ticker="EV",
        series_ticker="S",
        title=f"Title {ticker}",
        status="active",
        yes_bid=Decimal("0.41"),
        yes_ask=Decimal("0.43"),
        last_price=Decimal("0.42"),
        previous_price=Decimal("0.40"),
        volume=Decimal(10),
        volume_24h=Decimal(5),
        open_interest=Decimal(3),
        close_time=datetime(2026, 12, 1, tzinfo=UTC),
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_update_replaces_the_snapshot_and_reports_changed_fields() -> None:
    store = Store()
    seen: list[tuple[Snapshot, frozenset[str]]] = []
    store.subscribe(lambda snap, changed: seen.append((snap, changed)))
    before = store.snapshot
    store.update(selected="A")
    assert store.snapshot is not before
    assert before.selected is None
    assert seen == [(store.snapshot, frozenset({"selected"}))]


def test_markets_update_builds_the_ticker_index() -> None:
    store = Store()
    store.update(markets=[_market("A"), _market("B")])
    assert isinstance(store.snapshot.markets, tuple)
    assert store.snapshot.market("B") is store.snapshot.markets[1]
    assert store.snapshot.market("C") is None


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(TypeError, match="no field"):
        Store().update(bogus=1)


def test_unsubscribe_stops_notifications() -> None:
    store = Store()
    calls: list[frozenset[str]] = []
    unsubscribe = store.subscribe(lambda _s, changed: calls.append(changed))
    unsubscribe()
    store.update(selected="A")
    assert calls == []


def test_health_tracks_success_failure_and_staleness() -> None:
    clock = FakeClock()
    store = Store(clock=clock)
    store.ensure_health("markets", interval=2.0, stale_after=10.0)
    health = store.snapshot.health["markets"]
    assert health.is_stale(clock.now), "never loaded counts as stale"
    store.record_success("markets", latency=0.05)
    assert not store.snapshot.health["markets"].is_stale(clock.now)
    clock.now += 11
    assert store.snapshot.health["markets"].is_stale(clock.now)
    failed = store.record_failure("markets", "boom")
    assert failed.errors == 1
    assert failed.consecutive_errors == 1
    assert failed.last_error == "boom"
    store.record_success("markets", latency=0.01)
    assert store.snapshot.health["markets"].consecutive_errors == 0
    assert store.snapshot.health["markets"].errors == 1


def test_log_is_sequenced_and_bounded() -> None:
    store = Store()
    first = store.log("hello")
    second = store.log("oops", level="error")
    assert [e.text for e in store.log_since(0)] == ["hello", "oops"]
    assert store.log_since(first.seq) == [second]
    assert store.log_since(second.seq) == []
    for i in range(LOG_CAPACITY + 10):
        store.log(f"line {i}")
    entries = store.log_since(0)
    assert len(entries) == LOG_CAPACITY
    assert entries[-1].text == f"line {LOG_CAPACITY + 9}"


def test_book_helpers_derive_asks_from_the_other_side() -> None:
    book = OrderBook(
        ticker="A",
        yes=(BookLevel(Decimal("0.39"), Decimal(500)), BookLevel(Decimal("0.41"), Decimal(250))),
        no=(BookLevel(Decimal("0.55"), Decimal(40)), BookLevel(Decimal("0.57"), Decimal(120))),
    )
    assert book.best_yes_bid == Decimal("0.41")
    assert book.best_yes_ask == Decimal("0.43")
    assert book.best_no_ask == Decimal("0.59")
    assert book.spread == Decimal("0.02")
    assert book.mid == Decimal("0.42")
    empty = OrderBook(ticker="A", yes=(), no=())
    assert empty.mid is None
    assert empty.best_yes_ask is None
