"""Loading the P&L book from the journal: fills and settlements in one streaming pass.

    book = load_pnl_book(journal, day_start=local_day_start(datetime.now(UTC)))
    ...
    for fill in journal.record_fills(new_fills):   # only the new ones
        book.apply_fill(fill)

The two tables are read with one cursor each, in exchange-time order, and merged; rows go
straight from the stored decimal text into the book without building `Fill` objects, so a
million fills load in a few seconds with memory bounded by the open lots, not the history.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kalshi_tui.domain.pnl import PnlBook
from kalshi_tui.journal.reads import JournalReads


def load_pnl_book(
    journal: JournalReads,
    day_start: datetime | None = None,
    *,
    upto: tuple[int, int] | None = None,
) -> PnlBook:
    """A `PnlBook` holding every fill and settlement the journal has (up to the row ids
    `upto`, from `journal.pnl_marks()`, when given)."""
    book = PnlBook(day_start)
    trade = book.apply_trade
    settle = book.apply_settlement_values
    # A history repeats the same few hundred price, count and fee texts; parsing each once
    # saves about a tenth of the load time. Bounded, in case every amount differs.
    parsed: dict[str, Decimal] = {}

    def number(text: str) -> Decimal:
        value = parsed.get(text)
        if value is None:
            if len(parsed) > _CACHE_LIMIT:
                parsed.clear()
            value = parsed[text] = Decimal(text)
        return value

    for at_us, kind, ticker, side, action, count, price, fee in journal.pnl_rows(upto):
        if kind == 0:
            trade(ticker, side, action, number(count), number(price), number(fee), at_us)
        else:
            settle(ticker, Decimal(price), at_us)
    return book


_CACHE_LIMIT = 100_000
