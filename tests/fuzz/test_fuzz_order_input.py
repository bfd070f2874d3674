"""Hostile order input: nothing invalid ever reaches the network, everything refused says why.

Two layers, both fuzzed with Hypothesis:

* the ticket's parsers (`parse_price` on random price grids, `parse_count`) take any text
  and return either a valid value or a sentence; they never raise;
* the full path a ticket takes — typed text → parsers → `OrderDraft` → `OrderService.submit`
  with the production pre-trade gate (`risk_gate` over the store the pollers filled) and a
  real journal — and also drafts built from raw values that skip the parsers (NaN, 0, 1,
  off-grid, 30 decimals, a million contracts, unknown tickers). The exchange is a recording
  transport: every order request it receives is checked against the market's grid and
  the limits, and every refusal must be a `Denial` with a specific code and message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import MARKET, OID, READ_BODIES, TICKER, client_for, encode, endpoint_of
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kalshi_tui.config.models import RiskSettings
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.price_grid import PriceRange, is_on_grid
from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.journal import IntentRecord, Journal, journal_path
from kalshi_tui.services.feeds import Feeds
from kalshi_tui.services.launch import risk_gate
from kalshi_tui.services.orders import OrderService
from kalshi_tui.services.poller import Poller, make_error_handler
from kalshi_tui.ui.widgets.order_ticket import MAX_TICKET_COUNT, parse_count, parse_price

D = Decimal
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMITS = RiskSettings()

# ---- grids --------------------------------------------------------------------------

STEPS = [D("0.01"), D("0.001"), D("0.005"), D("0.02"), D("0.05"), D("0.0001")]


@st.composite
def grids(draw: st.DrawFn) -> tuple[PriceRange, ...]:
    """A price grid as Kalshi describes one: bands covering 0–1 with their own steps
    (linear_cent, tapered_deci_cent, or random cut points and steps)."""
    cuts = sorted(set(draw(st.lists(st.integers(1, 99), max_size=3))))
    edges = [D(0), *(D(c) / 100 for c in cuts), D(1)]
    return tuple(
        (start, end, draw(st.sampled_from(STEPS))) for start, end in itertools.pairwise(edges)
    )


def exactly_on_grid(price: Decimal, grid: tuple[PriceRange, ...]) -> bool:
    """The grid test in exact rational arithmetic (no Decimal context rounding)."""
    if not price.is_finite():
        return False
    p = Fraction(price)
    if not 0 < p < 1:
        return False
    for start, end, step in grid:
        s, e, k = Fraction(start), Fraction(end), Fraction(step)
        if s <= p <= e and ((p - s) / k).denominator == 1:
            return True
    return False


# ---- typed text ---------------------------------------------------------------------

PRICE_TEXTS = st.one_of(
    st.integers(1, 99).map(lambda c: f"0.{c:02d}"),
    st.decimals(D("-0.5"), D("1.5"), places=3, allow_nan=False).map(str),
    st.decimals(D(0), D(1), places=30, allow_nan=False).map(str),
    st.integers(0, 150).map(str),  # cents typed into a dollar box
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "-nan",
            "sNaN",
            "inf",
            "-Infinity",
            "1e30",
            "1e-30",
            "4.3e-1",
            "0.43000000000000000000000000000000000001",
            "0.1" + "0" * 40 + "1",
            "٠.٤٣",
            "0,43",
            "$0.43",
            "43¢",
            "0x1",
            "1_0",
            "\u200b0.43",
            "0.43\n",
        ]
    ),
    st.text(max_size=12),
)
COUNT_TEXTS = st.one_of(
    st.integers(1, 20).map(str),
    st.decimals(D("-5"), D("200"), places=3, allow_nan=False).map(str),
    st.integers(0, 10**40).map(str),
    st.sampled_from(
        ["", "0", "-0", "0.001", "1e30", "1e26", "9" * 29, "1E+2", "NaN", "Infinity", "5.", ".5"]
    ),
    st.text(max_size=10),
)


@settings(max_examples=1500, deadline=None)
@given(text=PRICE_TEXTS, grid=grids())
@example(
    text="0.1" + "0" * 40 + "1", grid=((D(0), D("0.1"), D("0.001")), (D("0.1"), D(1), D("0.01")))
)
@example(text="0.43000000000000000000000000000000000001", grid=((D(0), D(1), D("0.01")),))
def test_parse_price_returns_a_grid_price_or_a_reason(
    text: str, grid: tuple[PriceRange, ...]
) -> None:
    result = parse_price(text, grid)
    if isinstance(result, str):
        assert len(result) > 10, result
        return
    assert exactly_on_grid(result, grid), f"{text!r} → {result} is not on {grid}"
    assert is_on_grid(result, grid)


@settings(max_examples=1500, deadline=None)
@given(text=COUNT_TEXTS)
@example(text="1e30")
@example(text="9" * 29)
def test_parse_count_returns_a_count_or_a_reason(text: str) -> None:
    result = parse_count(text)
    if isinstance(result, str):
        assert len(result) > 10, result
        return
    assert result.is_finite()
    assert 0 < result <= MAX_TICKET_COUNT
    assert (Fraction(result) * 100).denominator == 1, result


def test_regression_huge_counts_are_refused_not_raised() -> None:
    """Found by the fuzz: `parse_count("1e30")` raised decimal.InvalidOperation (the
    two-decimals check divides beyond Decimal's 28 digits) out of the order ticket."""
    for text in ("1e30", "1e26", "9" * 29, "100000000000000000000000000000000"):
        result = parse_count(text)
        assert isinstance(result, str), result
        assert "at most" in result


def test_regression_a_price_with_38_decimals_is_not_on_the_grid() -> None:
    """Found by the fuzz: 0.43000…0001 (38 decimals) passed the whole-cent grid check,
    because `price - start` was rounded to Decimal's 28 digits before the step test; the
    ticket accepted it and only the wire formatting stopped it."""
    price = D("0.43000000000000000000000000000000000001")
    assert not is_on_grid(price)
    refused = parse_price(str(price), ((D(0), D(1), D("0.01")),))
    assert isinstance(refused, str)
    assert "off the market's grid" in refused


# ---- the full path --------------------------------------------------------------------


class RecordingExchange:
    """Serves the market (with `grid`) and the account; records every order request and
    acknowledges it as resting."""

    def __init__(self, grid: tuple[PriceRange, ...]) -> None:
        bands = [{"start": str(s), "end": str(e), "step": str(k)} for s, e, k in grid]
        market = {**MARKET, "price_ranges": bands}
        self.bodies: dict[str, Any] = {
            **READ_BODIES,
            "markets": {"markets": [market], "cursor": ""},
            "market": {"market": market},
        }
        self.orders: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            body = json.loads(request.content)
            self.orders.append(body)
            ack = {
                "order_id": OID,
                "client_order_id": body["client_order_id"],
                "fill_count": "0.00",
                "remaining_count": body["count"],
            }
            return httpx.Response(201, content=encode(ack))
        return httpx.Response(200, content=encode(self.bodies[endpoint_of(request)]))


async def submit_draft(
    draft: OrderDraft, exchange: RecordingExchange, key: rsa.RSAPrivateKey, directory: Path
) -> IntentRecord | Denial:
    store = Store(Snapshot(environment="demo"))
    handle = make_error_handler(store)
    async with client_for(exchange, key, order_api="v2") as client:
        feeds = Feeds(client, store)
        for name, poll in (
            ("exchange", feeds.exchange_status),
            ("markets", feeds.markets),
            ("portfolio", feeds.portfolio),
        ):
            assert await Poller(
                name, poll, interval=1, stale_after=60, store=store, on_error=handle
            ).run_once()
        store.update(selected=TICKER)
        assert await Poller(
            "orderbook", feeds.orderbook, interval=1, stale_after=60, store=store, on_error=handle
        ).run_once()
        with Journal.open(journal_path(directory)) as journal:
            service = OrderService(client, journal, store, risk_gate(LIMITS, store))
            service.enable()
            return await service.submit(draft)


TICKERS = st.sampled_from([TICKER, TICKER, TICKER, "", " ", "NOPE-1", TICKER.lower(), "../x"])
RAW_PRICES = st.one_of(
    st.integers(1, 99).map(lambda c: D(c) / 100),
    st.decimals(D("-0.5"), D("1.5"), places=4, allow_nan=False),
    st.decimals(D(0), D(1), places=30, allow_nan=False),
    st.sampled_from([D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D(0), D(1), D("1e30")]),
)
RAW_COUNTS = st.one_of(
    st.integers(1, 20).map(D),
    st.decimals(D("-2"), D("200"), places=3, allow_nan=False),
    st.sampled_from([D("NaN"), D("Infinity"), D(0), D("1e30"), D(10**6), D("0.001")]),
)


@st.composite
def drafts(draw: st.DrawFn) -> OrderDraft:
    """A draft the way the ticket builds one (typed text through its parsers), or from
    raw values that skip the parsers."""
    grid = draw(st.shared(grids(), key="grid"))
    if draw(st.booleans()):
        price: Any = parse_price(draw(PRICE_TEXTS), grid)
        count: Any = parse_count(draw(COUNT_TEXTS))
        if isinstance(price, str) or isinstance(count, str):
            # The ticket stops here and shows the reason; send a valid-looking stand-in
            # so the rest of the path still runs.
            price, count = D("0.41"), D(1)
        ticker = TICKER
    else:
        price, count, ticker = draw(RAW_PRICES), draw(RAW_COUNTS), draw(TICKERS)
    return OrderDraft(
        client_order_id=f"fuzz-{draw(st.integers(0, 10**9))}",
        ticker=ticker,
        side=draw(st.sampled_from(["yes", "no"])),
        action=draw(st.sampled_from(["buy", "sell"])),
        price=price,
        count=count,
        time_in_force=draw(
            st.sampled_from(["good_till_canceled", "immediate_or_cancel", "fill_or_kill"])
        ),
    )


@FUZZ
@given(draft=drafts(), grid=st.shared(grids(), key="grid"))
def test_nothing_invalid_reaches_the_network(
    rsa_key: rsa.RSAPrivateKey, draft: OrderDraft, grid: tuple[PriceRange, ...]
) -> None:
    exchange = RecordingExchange(grid)
    with tempfile.TemporaryDirectory() as directory:
        result = asyncio.run(submit_draft(draft, exchange, rsa_key, Path(directory)))
    if isinstance(result, Denial):
        event(f"refused: {result.code}")
        assert not exchange.orders, "a refused order was sent"
        assert result.code not in ("risk_error", "gate_error"), result
        assert len(result.message) > 15, result
        return
    event("sent")
    assert len(exchange.orders) == 1, exchange.orders
    sent = exchange.orders[0]
    assert sent["ticker"] == TICKER
    yes_price, count = D(sent["price"]), D(sent["count"])
    assert exactly_on_grid(yes_price, grid), (sent, grid)
    assert 0 < count <= LIMITS.max_order_contracts
    assert (Fraction(count) * 100).denominator == 1
    # What went out is exactly what the trader asked for.
    assert count == draft.count
    assert yes_price == draft.yes_price
    assert sent["side"] == ("bid" if draft.is_yes_bid else "ask")


def test_regression_a_no_price_is_checked_as_the_yes_price_it_becomes(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    """Found by the fuzz: on a grid whose bands are not symmetric (0.01–1 in steps of
    0.05), buy NO @ 0.01 passed the gate — 0.01 is on the grid — and went out as a YES
    bid... at 0.99, which is not. The gate now checks the YES price that is sent."""
    grid = ((D(0), D("0.01"), D("0.01")), (D("0.01"), D(1), D("0.05")))
    exchange = RecordingExchange(grid)
    draft = OrderDraft("fuzz-no", TICKER, "no", "buy", D("0.01"), D(1))
    with tempfile.TemporaryDirectory() as directory:
        result = asyncio.run(submit_draft(draft, exchange, rsa_key, Path(directory)))
    assert isinstance(result, Denial), result
    assert result.code == "off_grid"
    assert "YES 99¢" in result.message  # issue 15: messages speak cents
    assert not exchange.orders


def test_regression_a_refused_nan_count_is_journaled_not_raised(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    """Found by the fuzz: the gate refused a NaN count, and journaling the refusal (value
    NaN) raised ValueError out of `submit` instead of returning the Denial."""
    for count in (D("NaN"), D("Infinity"), D("sNaN")):
        exchange = RecordingExchange(((D(0), D(1), D("0.01")),))
        draft = OrderDraft(f"fuzz-{count}", TICKER, "yes", "buy", D("0.41"), count)
        with tempfile.TemporaryDirectory() as directory:
            result = asyncio.run(submit_draft(draft, exchange, rsa_key, Path(directory)))
        assert isinstance(result, Denial), result
        assert result.code == "invalid_count"
        assert not exchange.orders
