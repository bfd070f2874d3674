"""Cursor pagination follows pages to the end and stops with an error on a cursor
that repeats or never ends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_testkit import FakeClock, Script, current_only, example, make_client, respond
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui.api import PaginationError


def market(ticker: str) -> dict[str, Any]:
    return current_only(example("market")) | {"ticker": ticker}


def pages(*batches: tuple[list[str], str | None]) -> Script:
    return Script(
        *[
            respond(200, {"markets": [market(t) for t in tickers], "cursor": cursor})
            for tickers, cursor in batches
        ]
    )


async def test_iter_markets_follows_cursors_and_keeps_filters(clock: FakeClock) -> None:
    script = pages((["A", "B"], "c1"), (["C"], "c2"), (["D"], ""))
    async with make_client(script, clock) as client:
        tickers = [
            m.ticker
            async for m in client.iter_markets(status="open", mve_filter="exclude", limit=2)
        ]
    assert tickers == ["A", "B", "C", "D"]
    params = [dict(r.url.params) for r in script.requests]
    assert params[0] == {"status": "open", "mve_filter": "exclude", "limit": "2"}
    assert params[1] == {"status": "open", "mve_filter": "exclude", "limit": "2", "cursor": "c1"}
    assert params[2]["cursor"] == "c2"


async def test_missing_cursor_ends_pagination(clock: FakeClock) -> None:
    script = Script(respond(200, {"markets": [market("A")]}))
    async with make_client(script, clock) as client:
        assert [m.ticker for m in await client.get_all_markets()] == ["A"]


async def test_repeated_cursor_is_an_error(clock: FakeClock) -> None:
    script = pages((["A"], "c1"), (["B"], "c2"), (["C"], "c1"))
    async with make_client(script, clock) as client:
        with pytest.raises(PaginationError, match="twice"):
            await client.get_all_markets()
    assert len(script.requests) == 3


async def test_never_ending_cursor_is_stopped_by_max_pages(clock: FakeClock) -> None:
    counter = iter(range(10_000))

    def endless(request: httpx.Request) -> httpx.Response:
        return respond(200, {"markets": [], "cursor": f"c{next(counter)}"})

    script = Script(endless)
    async with make_client(script, clock) as client:
        with pytest.raises(PaginationError, match="more than 5 pages"):
            await client.get_all_markets(max_pages=5)
    assert len(script.requests) == 5


async def test_market_list_filters_are_encoded(clock: FakeClock) -> None:
    script = Script(respond(200, {"markets": [], "cursor": ""}))
    async with make_client(script, clock) as client:
        page = await client.get_markets(
            event_ticker=["KXFED-26DEC", "KXFED-27JAN"], tickers=("A", "B"), min_close_ts=5
        )
    assert page.cursor is None
    assert dict(script.requests[0].url.params) == {
        "event_ticker": "KXFED-26DEC,KXFED-27JAN",
        "tickers": "A,B",
        "min_close_ts": "5",
    }


async def test_all_orders_fills_positions_and_settlements(
    rsa_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    order = current_only(example("order"))
    fill = current_only(example("fill"))
    position = current_only(example("position"))
    settlement = current_only(example("settlement"))
    event_position = {
        "event_ticker": "KXFED-26DEC",
        "total_cost_dollars": "1.7200",
        "total_cost_shares_fp": "4.00",
        "event_exposure_dollars": "1.7200",
        "realized_pnl_dollars": "0.0000",
        "fees_paid_dollars": "0.0700",
    }
    script = Script(
        respond(200, {"orders": [order], "cursor": "o2"}),
        respond(200, {"orders": [order | {"order_id": "second"}], "cursor": ""}),
        respond(200, {"fills": [fill], "cursor": "f2"}),
        respond(200, {"fills": [fill], "cursor": None}),
        respond(
            200,
            {"market_positions": [position], "event_positions": [event_position], "cursor": "p"},
        ),
        respond(200, {"market_positions": [position], "event_positions": [], "cursor": ""}),
        respond(200, {"settlements": [settlement], "cursor": ""}),
    )
    async with make_client(script, clock, rsa_key) as client:
        orders = await client.get_all_orders(status="resting")
        fills = await client.get_all_fills(min_ts=1772460000)
        positions = await client.get_all_positions(count_filter=["position"])
        settlements = await client.get_all_settlements()
    assert [o.order_id for o in orders] == [order["order_id"], "second"]
    assert len(fills) == 2
    assert dict(script.requests[2].url.params) == {"min_ts": "1772460000"}
    assert len(positions.market_positions) == 2
    assert positions.event_positions[0].total_cost_shares == 4
    assert settlements[0].revenue == 4
    assert dict(script.requests[4].url.params) == {"count_filter": "position"}


async def test_find_order_by_client_id(rsa_key: rsa.RSAPrivateKey, clock: FakeClock) -> None:
    order = current_only(example("order"))
    script = Script(
        respond(200, {"orders": [order | {"client_order_id": "other"}], "cursor": "x"}),
        respond(200, {"orders": [order], "cursor": ""}),
    )
    async with make_client(script, clock, rsa_key) as client:
        found = await client.find_order_by_client_id(order["client_order_id"], ticker="T")
        assert found is not None
        assert found.order_id == order["order_id"]
