"""Loading the P&L book from a real journal file: one pass, in exchange-time order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from journal_helpers import START, make_fill

from kalshi_tui.domain.models import Settlement
from kalshi_tui.domain.pnl import PnlBook
from kalshi_tui.journal import Journal
from kalshi_tui.journal.pnl_source import load_pnl_book


def test_load_replays_fills_and_settlements_by_exchange_time(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    fills = [
        # Journaled out of order: the sell arrives before the buy it closes.
        make_fill("f2", action="sell", count="4", price="0.60", fee="0.07", at=START),
        make_fill("f1", count="10", price="0.40", fee="0.17", at=START - timedelta(hours=1)),
        make_fill("f3", ticker="OTHER", side="no", count="2", price="0.30", fee="0.03", at=START),
    ]
    settlement = Settlement(
        ticker="KXFED-26DEC-T4.00",
        result="yes",
        yes_count=Decimal(6),
        no_count=Decimal(0),
        revenue=Decimal(6),
        fee=Decimal(0),
        settled_time=START + timedelta(hours=2),
    )
    with Journal.open(path) as journal:
        journal.record_fills(fills)
        journal.record_settlements([settlement])
    with Journal.open(path, create=False) as journal:
        book = load_pnl_book(journal, day_start=START)
    direct = PnlBook(day_start=START)
    for fill in sorted(fills, key=lambda f: f.created_time):
        direct.apply_fill(fill)
    direct.apply_settlement(settlement)
    market = book.markets["KXFED-26DEC-T4.00"]
    # 4 × (0.60 − 0.40) then 6 × (1 − 0.40) at settlement
    assert market.realized == Decimal("0.80") + Decimal("3.60")
    assert market.fees == Decimal("0.24")
    assert market.contracts == 0
    assert market.day_realized == market.realized, "both events are at or after the day start"
    assert market.day_start_signed == 10
    other = book.markets["OTHER"]
    assert other.signed_contracts == -2
    assert other.cost == Decimal("0.60")
    for ticker, loaded in book.markets.items():
        expected = direct.markets[ticker]
        assert (loaded.realized, loaded.fees, loaded.cost, loaded.signed_contracts) == (
            expected.realized,
            expected.fees,
            expected.cost,
            expected.signed_contracts,
        )


def test_empty_journal_loads_an_empty_book(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "journal.sqlite3") as journal:
        book = load_pnl_book(journal)
    assert book.markets == {}
    assert book.events == 0
