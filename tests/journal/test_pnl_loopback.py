"""Loopback: random trading against the embedded exchange over HTTP, then the P&L rebuilt
from the journal equals the exchange's positions, realized P&L and fees to the cent.

The full path of the real thing: orders signed and sent by `api.KalshiClient`, fills and
settlements fetched over HTTP, converted by `services.convert`, journaled in a real SQLite
file, the journal closed and reopened, and the book loaded in one streaming pass. The
counterparty trades through the engine directly (it is the scenery, not the subject).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_tui import api
from kalshi_tui.domain.pnl_report import cross_check, totals, value_book
from kalshi_tui.exchange.engine import PRICE_SCALE, OrderInput
from kalshi_tui.exchange.http.ratelimit import RateLimitConfig
from kalshi_tui.exchange.keygen import generate_key_pair
from kalshi_tui.exchange.server import RunningExchange, start_exchange
from kalshi_tui.journal import Journal
from kalshi_tui.journal.pnl_source import load_pnl_book
from kalshi_tui.services import convert

KEY_ID = "pnl-loopback-key"
THEM = "counterparty"
OPENING_BALANCE = 100_000


@pytest.fixture
async def venue() -> AsyncIterator[tuple[RunningExchange, api.KalshiClient]]:
    private_pem, public_pem = generate_key_pair()
    running = start_exchange(
        seed=5,
        markets=30,
        agents=False,
        tick_s=3600.0,
        rate_limits=RateLimitConfig(enabled=False),
        keys=[(KEY_ID, public_pem)],
        balance_dollars=OPENING_BALANCE,
    )
    running.ensure_account(THEM, 1_000_000)
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    client = api.KalshiClient(running.base_url, api.KalshiAuth(KEY_ID, key))
    try:
        yield running, client
    finally:
        await client.aclose()
        running.stop()


def _cent_markets(running: RunningExchange, n: int) -> list[str]:
    with running.engine() as ex:
        tickers = [
            m.ticker
            for m in ex.list_markets(status="open")
            if m.price_level_structure == "linear_cent"
        ]
    return tickers[:n]


async def _trade_randomly(
    running: RunningExchange, client: api.KalshiClient, tickers: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        ticker = rng.choice(tickers)
        side = rng.choice(("yes", "no"))
        action = rng.choice(("buy", "sell"))
        own_cents = rng.randint(1, 99)
        count = rng.choice((Decimal(rng.randint(1, 25)), Decimal(rng.randint(1, 900)) / 100))
        yes_cents = own_cents if side == "yes" else 100 - own_cents
        their_side = "no" if side == "yes" else "yes"
        we_take = rng.random() < 0.6
        theirs = OrderInput(
            ticker, their_side, action, yes_cents * PRICE_SCALE // 100, int(count * 100)
        )
        mine = api.OrderRequest(
            ticker=ticker,
            side=side,
            action=action,
            count=count,
            price=Decimal(own_cents) / 100,
            client_order_id=str(uuid4()),
            time_in_force="immediate_or_cancel" if we_take else "good_till_canceled",
        )
        if we_take:
            with running.engine() as ex:
                ex.create_order(THEM, theirs, running.now_ms())
            await client.create_order(mine)
            with running.engine() as ex:
                ex.cancel_all(THEM, running.now_ms())
        else:
            await client.create_order(mine)
            with running.engine() as ex:
                ex.create_order(
                    THEM,
                    OrderInput(
                        theirs.ticker,
                        theirs.side,
                        theirs.action,
                        theirs.price,
                        theirs.count,
                        time_in_force="immediate_or_cancel",
                    ),
                    running.now_ms(),
                )


async def _journal_everything(client: api.KalshiClient, path: Path) -> int:
    fills = [convert.fill(item) for item in await client.get_all_fills()]
    settlements = [convert.settlement(item) for item in await client.get_all_settlements()]
    with Journal.open(path) as journal:
        # The exchange lists newest first; journal in the order they happened so fills
        # sharing a timestamp replay in exchange order.
        new = journal.record_fills(reversed(fills))
        assert journal.record_fills(fills) == [], "a repeated poll adds nothing"
        journal.record_settlements(settlements)
    return len(new)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_journal_pnl_equals_the_exchange(
    venue: tuple[RunningExchange, api.KalshiClient], tmp_path: Path, seed: int
) -> None:
    running, client = venue
    tickers = _cent_markets(running, 3)
    await _trade_randomly(running, client, tickers, seed)
    # Settle one market (a random result) with the position still open.
    result = random.Random(seed).choice(("yes", "no", "void"))
    with running.engine() as ex:
        now = running.now_ms()
        ex.close_market(tickers[0], now)
        ex.determine_market(tickers[0], result, now)  # type: ignore[arg-type]
        ex.settle_market(tickers[0], now)
    path = tmp_path / "journal.sqlite3"
    journaled = await _journal_everything(client, path)
    assert journaled >= 40, "every step traded"

    with Journal.open(path, create=False) as journal:
        book = load_pnl_book(journal, day_start=datetime(2000, 1, 1, tzinfo=UTC))
    page = await client.get_all_positions()
    positions = [convert.position(item) for item in page.market_positions]
    assert {p.ticker for p in positions} <= set(tickers)
    assert cross_check(book, positions) == []
    # And the portfolio sums agree with the exchange's.
    values = value_book(book, {})
    summed = totals(values)
    assert summed.fees == sum((p.fees_paid for p in positions), Decimal(0))
    assert sum((m.exchange_realized for m in book), Decimal(0)) == sum(
        (p.realized_pnl for p in positions), Decimal(0)
    )
    assert book.markets[tickers[0]].contracts == 0, "settled"
    # The cash the exchange moved is what the journal says was made and spent (every
    # order of ours was filled completely or canceled, so nothing is locked).
    balance = await client.get_balance()
    open_cost = sum((m.cost for m in book), Decimal(0))
    assert balance.balance == OPENING_BALANCE + summed.net_realized - open_cost
