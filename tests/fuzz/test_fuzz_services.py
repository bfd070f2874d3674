"""Hostile exchange responses one layer up: the order service and the pollers.

* `OrderService.submit`, with a real SQLite journal, whose create-order request is answered
  with fuzzed bytes: an answer the client cannot read after a 2xx, or any 5xx, leaves the
  intent UNKNOWN (to be looked up), never REJECTED or NOT_PLACED; an ack whose numbers
  cannot be true is not believed either.
* `Feeds` inside `Poller`s, each endpoint in turn answered with fuzzed bytes while the
  others answer normally: no poll raises, a failure shows in the store's health with a
  one-line message, and the data the last good poll put in the store stays there (a
  broken balance response never becomes a zero balance).
"""

from __future__ import annotations

import asyncio
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import (
    CONTENT_TYPES,
    OID,
    READ_BODIES,
    STATUSES,
    TICKER,
    WRITES,
    Canned,
    client_for,
    encode,
    endpoint_of,
    response_bodies,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kalshi_tui import api
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import IntentRecord, IntentState, Journal, journal_path
from kalshi_tui.services.feeds import Feeds
from kalshi_tui.services.orders import OrderService
from kalshi_tui.services.poller import Poller, make_error_handler

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DRAFT_COUNT = Decimal(5)


def allow_all(_draft: OrderDraft) -> Denial | None:
    return None


class FakeTime:
    """Clock and sleep for the order service's lookup loop: sleeping advances the clock."""

    def __init__(self) -> None:
        self.now = 1_772_460_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def submit_once(
    handler: Any, key: rsa.RSAPrivateKey, directory: Path, order_api: api.OrderApiMode
) -> IntentRecord:
    store = Store(Snapshot(environment="demo"))
    time = FakeTime()
    with Journal.open(journal_path(directory)) as journal:
        async with client_for(handler, key, order_api=order_api) as client:
            service = OrderService(
                client, journal, store, allow_all, lag_window=1.0, sleep=time.sleep, clock=time
            )
            service.enable()
            draft = OrderDraft(
                "c0a80101-7f3e-4e55-8d22-1b2c3d4e5f60",
                TICKER,
                "yes",
                "buy",
                Decimal("0.43"),
                DRAFT_COUNT,
            )
            result = await service.submit(draft)
    assert isinstance(result, IntentRecord), result
    return result


@FUZZ
@given(
    name=st.sampled_from(["create_v2", "create_v1"]),
    data=st.data(),
    status=STATUSES,
    content_type=CONTENT_TYPES,
)
def test_an_unreadable_create_answer_makes_the_order_unknown(
    rsa_key: rsa.RSAPrivateKey, name: str, data: st.DataObject, status: int, content_type: str
) -> None:
    write = WRITES[name]
    canned = Canned(status, data.draw(response_bodies(write.body)), content_type)
    with tempfile.TemporaryDirectory() as directory:
        intent = asyncio.run(submit_once(canned, rsa_key, Path(directory), write.api))
    event(f"HTTP {status // 100}xx → {intent.state}")
    if 200 <= status < 300 or status >= 500:
        assert intent.state not in (IntentState.REJECTED, IntentState.NOT_PLACED), intent
    if intent.state == IntentState.UNKNOWN:
        assert intent.unknown_reason
    if intent.state in (IntentState.ACKED, IntentState.FILLED, IntentState.CANCELED):
        assert 200 <= status < 300
        assert intent.order_id, "an acknowledged order has the exchange's id"


def test_regression_a_create_whose_409_lookup_fails_stays_unknown(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    """Found by the fuzz: 409 `order_already_exists`, then the order listing answered
    garbage, and `submit` raised MalformedResponse. Now the intent stays UNKNOWN (the
    resolver loop retries the lookup) and submit returns it."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = {"error": {"code": "order_already_exists", "message": "exists"}}
            return httpx.Response(409, content=encode(body))
        return httpx.Response(200, content=b"<html>oops</html>")

    with tempfile.TemporaryDirectory() as directory:
        intent = asyncio.run(submit_once(handler, rsa_key, Path(directory), "v2"))
    assert intent.state == IntentState.UNKNOWN
    assert (intent.unknown_reason or "").startswith("order_already_exists")


ABSURD_ACKS = [
    {"order_id": "", "fill_count": "0.00", "remaining_count": "5.00"},
    {"order_id": "  ", "fill_count": "0.00", "remaining_count": "5.00"},
    {"order_id": OID, "fill_count": "-1.00", "remaining_count": "6.00"},
    {"order_id": OID, "fill_count": "0.00", "remaining_count": "-5.00"},
    {"order_id": OID, "fill_count": "50.00", "remaining_count": "0.00"},
    {"order_id": OID, "fill_count": "3.00", "remaining_count": "3.00"},
]


def test_regression_an_ack_with_impossible_counts_is_not_believed(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    """Found by the fuzz: an ack saying -1 contracts filled (or more filled than ordered)
    was journaled as an acknowledged order with those counts; an ack with an empty
    `order_id` made the journal raise ValueError out of `submit`."""
    for body in ABSURD_ACKS:
        with tempfile.TemporaryDirectory() as directory:
            intent = asyncio.run(
                submit_once(Canned(201, encode(body)), rsa_key, Path(directory), "v2")
            )
        assert intent.state == IntentState.UNKNOWN, (body, intent)
        reason = intent.unknown_reason or ""
        assert "counts" in reason or "no order id" in reason, reason


# ---- the pollers --------------------------------------------------------------------

FEED_ENDPOINTS = [
    "exchange_status",
    "markets",
    "orderbook",
    "candlesticks",
    "balance",
    "positions",
    "orders",
    "fills",
    "settlements",
]


class Exchange:
    """Answers every endpoint normally, except `target`, which gets the fuzzed answer."""

    def __init__(self) -> None:
        self.target: str | None = None
        self.answer = Canned(200, b"")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = endpoint_of(request)
        if name == self.target:
            return self.answer(request)
        return httpx.Response(200, content=encode(READ_BODIES[name]))


async def poll_everything(
    exchange: Exchange, key: rsa.RSAPrivateKey
) -> tuple[Snapshot, Snapshot, dict[str, bool]]:
    store = Store(Snapshot(environment="demo"))
    handle = make_error_handler(store)
    async with client_for(exchange, key) as client:
        feeds = Feeds(client, store)
        pollers = [
            Poller(name, poll, interval=1.0, stale_after=5.0, store=store, on_error=handle)
            for name, poll in (
                ("exchange", feeds.exchange_status),
                ("markets", feeds.markets),
                ("orderbook", feeds.orderbook),
                ("history", feeds.history),
                ("portfolio", feeds.portfolio),
                ("settlements", feeds.settlements),
            )
        ]
        saved, exchange.target = exchange.target, None
        for poller in pollers:
            assert await poller.run_once(), store.snapshot.health[poller.name]
            if poller.name == "markets":
                store.update(selected=TICKER)
        good = store.snapshot
        exchange.target = saved
        outcomes = {poller.name: await poller.run_once() for poller in pollers}
    return good, store.snapshot, outcomes


@FUZZ
@given(
    target=st.sampled_from(FEED_ENDPOINTS),
    data=st.data(),
    status=STATUSES,
    content_type=CONTENT_TYPES,
)
def test_pollers_survive_fuzzed_answers_and_report_them(
    rsa_key: rsa.RSAPrivateKey, target: str, data: st.DataObject, status: int, content_type: str
) -> None:
    exchange = Exchange()
    exchange.target = target
    exchange.answer = Canned(status, data.draw(response_bodies(READ_BODIES[target])), content_type)
    good, after, outcomes = asyncio.run(poll_everything(exchange, rsa_key))
    for name, succeeded in outcomes.items():
        health = after.health[name]
        event(f"{target}: {name} {'ok' if succeeded else 'failed'}")
        if succeeded:
            assert health.consecutive_errors == 0
            continue
        assert health.consecutive_errors == 1
        assert health.errors == 1
        assert health.last_error
        assert "\n" not in health.last_error
        assert len(health.last_error) < 1000
    if not outcomes["portfolio"]:
        # The last good balance, positions and orders stay; nothing turns into zero.
        assert after.balance == good.balance
        assert after.positions == good.positions
        assert after.orders == good.orders
    if not outcomes["markets"]:
        assert after.markets == good.markets
    if not outcomes["orderbook"]:
        assert after.book == good.book
    if not 200 <= status < 300:
        affected = {
            "exchange_status": "exchange",
            "markets": "markets",
            "orderbook": "orderbook",
            "candlesticks": "history",
            "settlements": "settlements",
        }.get(target, "portfolio")
        assert not outcomes[affected], f"HTTP {status} on {target} counted as a success"
