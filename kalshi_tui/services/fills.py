"""Fill confirmation: pull the account's fills into the journal, exactly once each.

Each poll asks for fills since the newest journaled one minus an overlap (fills can appear
in the REST view a little after their exchange time, and no fill may fall between two
polls), so most fills arrive more than once; the journal keeps each `fill_id` once and
says which were new. A fill is joined to its order by `order_id` and written in the
order's terms (see `trade_terms`); every new fill goes to the log tail, and the orders
they touched are re-read from the exchange so an order becomes "filled" only when the
exchange's own fill count says so. Settlements are pulled the same way.

`FillTally` keeps the journal-derived net position per market and filled count per order
for the reconciler, built once from the journal and then fed each new fill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Fill, Order
from kalshi_tui.domain.store import Store
from kalshi_tui.journal import Journal
from kalshi_tui.services import convert
from kalshi_tui.services.trade_terms import fill_as, signed_contracts

ZERO = Decimal(0)
OVERLAP_SECONDS = 120
"""How far before the newest journaled fill each poll starts again."""
PAGE_LIMIT = 200

Refresh = Callable[[str], Awaitable[Order | None]]


class FillTally:
    """Journal-derived net YES position per market and filled contracts per order."""

    def __init__(self) -> None:
        self.positions: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.filled: dict[str, Decimal] = defaultdict(lambda: ZERO)
        self.settled: set[str] = set()
        """Markets with a journaled settlement: their position is closed."""
        self.counted = 0
        """Fills added; when the journal holds more, someone else journaled fills."""

    @classmethod
    def from_journal(cls, journal: Journal) -> FillTally:
        tally = cls()
        tally.add(journal.fills())
        tally.settled.update(s.ticker for s in journal.settlements())
        return tally

    def add(self, fills: Iterable[Fill]) -> None:
        for fill in fills:
            self.positions[fill.ticker] += signed_contracts(fill.side, fill.action, fill.count)
            self.filled[fill.order_id] += fill.count
            self.counted += 1

    def position(self, ticker: str) -> Decimal:
        return ZERO if ticker in self.settled else self.positions.get(ticker, ZERO)


def describe_fill(fill: Fill) -> str:
    """ "FILL buy 5 YES @ 43¢ KXFED-26DEC-T4.00 (maker, fee $0.01)" """
    role = "taker" if fill.is_taker else "maker"
    return (
        f"FILL {fill.action} {fmt.count(fill.count)} {fill.side.upper()} @ "
        f"{fmt.cents(fill.price)} {fill.ticker} ({role}, fee {fmt.exact_dollars(fill.fee)})"
    )


def in_order_terms(journal: Journal, wire: api.Fill) -> Fill:
    """A wire fill in its order's terms ("buy NO @ 40¢", not the book's "sell YES @ 60¢"),
    as every fill must be journaled, whoever pulls it (this module, the kill switch)."""
    fill = convert.fill(wire)
    record = journal.order(fill.order_id)
    if record is not None:
        return fill_as(fill, record.order.side, record.order.action)
    intent = journal.intent(wire.client_order_id) if wire.client_order_id else None
    if intent is not None:
        return fill_as(fill, intent.side, intent.action)
    return fill


class FillConfirmation:
    """One poll at a time (`poll()`), from a `Poller` or the reconciler."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        store: Store,
        refresh: Refresh,
        *,
        overlap_seconds: int = OVERLAP_SECONDS,
    ) -> None:
        self._client = client
        self._journal = journal
        self._store = store
        self._refresh = refresh
        self._overlap = overlap_seconds
        newest = journal.newest_fill_time()
        self._watermark: int | None = None if newest is None else int(newest.timestamp())
        self._settlement_watermark: int | None = None
        self.tally = FillTally.from_journal(journal)
        self.on_fills: Callable[[list[Fill]], None] | None = None
        """Called with each batch of new fills (alerts)."""

    def rebuild_tally(self) -> None:
        """Recount from the whole journal (start-up: another process may have written)."""
        self.tally = FillTally.from_journal(self._journal)

    def refresh_tally(self) -> None:
        """Recount if fills reached the journal other than through `poll` — the kill
        switch journals the fills that raced its cancels, `kalshi-tui halt` in another
        process too — so the reconciler never compares the exchange with a stale count."""
        if self._journal.count_fills() != self.tally.counted:
            self.rebuild_tally()

    async def poll(self) -> list[Fill]:
        """Journal new fills and settlements; returns the fills that were new."""
        if self._watermark is None:
            wires = await self._client.get_all_fills(limit=PAGE_LIMIT)
        else:
            since = self._watermark - self._overlap
            wires = await self._client.get_all_fills(limit=PAGE_LIMIT, min_ts=since)
        # The exchange lists newest first; the journal (and FIFO P&L) replay oldest first,
        # so same-second fills keep the exchange's order.
        fills = [self._in_order_terms(wire) for wire in reversed(wires)]
        new = self._journal.record_fills(fills)
        if fills:
            newest = max(int(f.created_time.timestamp()) for f in fills)
            self._watermark = max(newest, self._watermark or newest)
        self.tally.add(new)
        for fill in sorted(new, key=lambda f: f.created_time):
            self._store.log(describe_fill(fill))
        if new and self.on_fills is not None:
            self.on_fills(new)
        for order_id in dict.fromkeys(f.order_id for f in new):
            if self._journal.order(order_id) is not None:
                await self._refresh(order_id)
        await self._poll_settlements()
        return new

    def _in_order_terms(self, wire: api.Fill) -> Fill:
        return in_order_terms(self._journal, wire)

    async def _poll_settlements(self) -> None:
        if self._settlement_watermark is None:
            wires = await self._client.get_all_settlements(limit=PAGE_LIMIT)
        else:
            since = self._settlement_watermark - self._overlap
            wires = await self._client.get_all_settlements(limit=PAGE_LIMIT, min_ts=since)
        settlements = [convert.settlement(wire) for wire in wires]
        new = self._journal.record_settlements(settlements)
        self.tally.settled.update(s.ticker for s in new)
        if settlements:
            newest = max(int(s.settled_time.timestamp()) for s in settlements)
            self._settlement_watermark = max(newest, self._settlement_watermark or newest)
