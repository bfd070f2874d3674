"""Hostile values the client accepts, all the way to the screen: the real app under
`run_test()` whose exchange answers every poll with data that is well-formed but strange —
prices of 0, 1 and 5, negative and zero counts, amounts just under the 10^15 bound, sizes
of a millionth, titles with Rich markup, escape codes, emoji, newlines and 500 characters,
tickers with brackets, unknown statuses — chosen afresh for every request from a seeded
random generator. The cursor walks the market list so every market reaches the book,
chart and ticket panes.

What must hold: the app never crashes (Textual re-raises any unhandled exception when
`run_test` exits), keeps polling, and never freezes: each step of the walk must finish in
seconds (a hostile fill count once froze it for half a minute).
"""

from __future__ import annotations

import collections
import copy
import random
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fuzz_kit import MARKET, READ_BODIES, client_for, encode, endpoint_of

from kalshi_tui.domain.store import Snapshot, Store
from kalshi_tui.services.session import PollPlan, Session
from kalshi_tui.ui.app import TerminalApp
from kalshi_tui.ui.widgets.orders import PROGRESS_CELLS, fill_progress

FAST = PollPlan(
    exchange=(0.1, 3.0),
    markets=(0.2, 5.0),
    orderbook=(0.1, 2.5),
    history=(0.3, 10.0),
    portfolio=(0.1, 3.0),
    settlements=(0.3, 30.0),
)
PRICES = ["0.0000", "1.0000", "5.0000", "-0.5000", "0.000001", "0.9999", "0.4300"]
AMOUNTS = ["0.00", "-999999999999999.99", "999999999999999.99", "0.000001", "-0.01", "12.34"]
COUNTS = ["0.00", "-5.00", "999999999999999.00", "0.01", "0.000001", "1000000.00"]
TEXTS = [
    "",
    "x" * 500,
    "[bold]markup[/bold] [/] [link=http://x]y[/link]",
    "\x1b[31mred\x1b[0m",
    "🙂" * 30,
    "line\nbreak\r\n",
    "$1,000 [0.43]",
]
TICKERS = ["KX[A]-1", "KX-2", "kx lower", "KX-" + "9" * 60, "KX/../3", "KX-5"]
STATUSES = ["active", "closed", "settled", "brand_new", ""]


def strange(body: Any, rng: random.Random, key: str = "") -> Any:
    """`body` with every leaf replaced, most of the time, by a strange accepted value."""
    if isinstance(body, dict):
        return {k: strange(v, rng, k) for k, v in body.items()}
    if isinstance(body, list):
        return [strange(item, rng, key) for item in body]
    if not isinstance(body, str) or rng.random() < 0.3 or key in ("start", "end", "step"):
        return body  # (a broken price grid is refused, tested elsewhere)
    if key.endswith("_fp") or key.endswith("count"):
        return rng.choice(COUNTS)
    if key.endswith(("price_dollars", "bid_dollars", "ask_dollars")) or key in ("open", "close"):
        return rng.choice(PRICES)
    if re.fullmatch(r"-?\d+\.\d+", body):
        return rng.choice(AMOUNTS + PRICES)
    if key in ("status", "market_result", "result"):
        return rng.choice(STATUSES)
    if key in ("title", "subtitle", "category", "yes_sub_title", "rules_primary"):
        return rng.choice(TEXTS)
    return body


class StrangeExchange:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        base = [{**MARKET, "ticker": ticker} for ticker in TICKERS]
        self.bodies = {**READ_BODIES, "markets": {"markets": base, "cursor": ""}}
        self.requests = 0
        self.served: collections.Counter[str] = collections.Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        name = endpoint_of(request)
        self.served[name] += 1
        body = copy.deepcopy(self.bodies.get(name, READ_BODIES.get(name)))
        if name == "market":
            ticker = request.url.path.rsplit("/", 1)[-1]
            body = {"market": {**MARKET, "ticker": ticker}}
        if name == "orderbook":
            levels = [[self.rng.choice(PRICES), self.rng.choice(COUNTS)] for _ in range(4)]
            body = {"orderbook_fp": {"yes_dollars": levels, "no_dollars": levels[:2]}}
        return httpx.Response(200, content=encode(strange(body, self.rng)))


@pytest.mark.parametrize("seed", [2])
async def test_strange_but_valid_data_never_crashes_the_app(
    rsa_key: rsa.RSAPrivateKey, tmp_path: Path, seed: int
) -> None:
    exchange = StrangeExchange(seed)
    session = Session(client_for(exchange, rsa_key), Store(Snapshot(environment="demo")), plan=FAST)
    app = TerminalApp(session, favourites_path=tmp_path / "favourites.json")
    async with app.run_test(size=(160, 45)) as pilot:
        for _ in range(10):
            started = time.monotonic()
            await pilot.pause(0.15)
            await pilot.press("down")
            assert time.monotonic() - started < 8, "the app froze"
        await pilot.pause(0.3)
        # The feeds keep polling through the strange answers (how fast depends on the
        # machine's load, so wait for it rather than count in a fixed time).
        deadline = time.monotonic() + 60
        while exchange.requests <= 30 and time.monotonic() < deadline:
            await pilot.pause(0.2)
        assert app.is_running
        health = {name: h.last_error for name, h in session.snapshot.health.items()}
        assert session.snapshot.markets, health
    assert exchange.requests > 30, exchange.served


def test_regression_a_negative_fill_draws_an_empty_bar() -> None:
    """Found by this fuzz: a resting order reported with fill -5 of 0.000001 contracts
    made `fill_progress` build a 25-million-cell bar, freezing the app for ~30 s while
    the orders table measured it."""
    bar = fill_progress(Decimal("-5"), Decimal("0.000001"))
    assert bar.endswith("░" * PROGRESS_CELLS)
    assert len(bar) < 40
    assert fill_progress(Decimal(50), Decimal(10)).endswith("█" * PROGRESS_CELLS)
