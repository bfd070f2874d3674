"""Reconciliation: prove the journal equals the exchange, and say so when it does not.

At start-up (before trading is enabled) and then periodically the reconciler compares the
journal with the exchange's orders, fills and positions:

- an order the exchange has and the journal lacks (placed elsewhere, or lost) is adopted
  into the journal and flagged;
- an open journal order the exchange no longer lists is flagged only after `miss_limit`
  consecutive misses (listings lag the engine), and only if asking for it by id also
  fails;
- an order appearing for an intent already settled as not placed or rejected is flagged;
- the net position per market from the journal's fills, and the filled count per order,
  are compared with the exchange's; a difference is flagged.

Positions and fill counts are compared only on a stable read: fills are pulled before and
after the orders and positions are listed, and if the second pull found new fills the
read is repeated (a fill landing between two requests is not a mismatch).

Findings are immutable values in the store (`Snapshot.reconciliation`) and lines in the
log; each is journaled as a `reconciliation` event. An unacknowledged blocking finding
stops new orders (the order service refuses with code `reconciliation`) until the user
calls `acknowledge(finding_id)`, which is journaled too and survives a restart. Each
reconciler's start-up is journaled first (`{"started": true}`), so another process can
tell the findings that stand now from those of an earlier run: `unacknowledged_findings`
reads them from the journal for `kalshi-tui resume`, which refuses exactly as the app does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from kalshi_tui import api
from kalshi_tui.domain import format as fmt
from kalshi_tui.domain.models import Order
from kalshi_tui.domain.store import Store, TradingMode
from kalshi_tui.domain.trading import Finding, Reconciliation
from kalshi_tui.journal import EventKind, IntentState, Journal
from kalshi_tui.services import convert
from kalshi_tui.services.fills import FillConfirmation
from kalshi_tui.services.orders import OrderService
from kalshi_tui.services.trade_terms import order_as

ZERO = Decimal(0)
DEFAULT_MISS_LIMIT = 3
STABLE_READ_ATTEMPTS = 3
MAX_FINDINGS = 500
"""Findings kept in memory (acknowledged ones are dropped first); the journal keeps all."""

_NEVER_PLACED = frozenset({IntentState.NOT_PLACED, IntentState.REJECTED, IntentState.WITHDRAWN})
STARTED = "started"
"""Payload key of the `reconciliation` event a reconciler journals at start-up."""


def unacknowledged_findings(journal: Journal) -> list[str]:
    """The blocking findings of the latest reconciler (since its start-up mark) that were
    never acknowledged, as their messages, oldest first: what blocks new orders in the
    app, read from the journal by another process."""
    standing: dict[str, str] = {}
    acknowledged: set[str] = set()
    for event in journal.events(kind=EventKind.RECONCILIATION):
        payload = event.payload
        if payload.get(STARTED):
            standing.clear()
        elif payload.get("acknowledged"):
            acknowledged.add(str(payload["acknowledged"]))
        elif payload.get("finding") and payload.get("blocking", True):
            standing[str(payload["finding"])] = str(payload.get("message", ""))
    return [message for key, message in standing.items() if key not in acknowledged]


class Reconciler:
    """Compares the journal with the exchange; `startup()` once, then `run()` periodically."""

    def __init__(
        self,
        client: api.KalshiClient,
        journal: Journal,
        store: Store,
        service: OrderService,
        fills: FillConfirmation,
        *,
        miss_limit: int = DEFAULT_MISS_LIMIT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if miss_limit < 1:
            raise ValueError(f"miss_limit must be at least 1, not {miss_limit}")
        self._client = client
        self._journal = journal
        self._store = store
        self._service = service
        self._fills = fills
        self.miss_limit = miss_limit
        self._clock = clock
        self._misses: dict[str, int] = {}
        self._findings: dict[str, Finding] = {}
        self._runs = 0
        self._last_run: float | None = None
        self._acknowledged = {
            str(event.payload["acknowledged"])
            for event in journal.events(kind=EventKind.RECONCILIATION)
            if event.payload.get("acknowledged")
        }
        self._started = False

    @property
    def state(self) -> Reconciliation:
        return Reconciliation(
            findings=tuple(self._findings.values()), last_run=self._last_run, runs=self._runs
        )

    async def startup(self) -> Reconciliation:
        """Resolve what a previous run left unresolved, reconcile, then enable trading."""
        if not self._started:
            # Findings journaled before this mark are an earlier run's: this run flags
            # again whatever still stands.
            self._journal.record_event(EventKind.RECONCILIATION, {STARTED: True})
            self._started = True
        counts = self._journal.counts()
        fresh = counts["intents"] == 0 and counts["orders"] == 0 and counts["fills"] == 0
        await self._service.resolve_all()
        self._fills.rebuild_tally()
        state = await self.run(baseline=fresh)
        self._service.enable()
        blocking = len(state.blocking)
        suffix = f"; {blocking} finding(s) to acknowledge" if blocking else ""
        trading = self._store.snapshot.trading
        if trading.mode is TradingMode.HALTED:
            why = f" ({trading.reason})" if trading.reason else ""
            self._store.log(f"reconciled with the exchange; trading stays HALTED{why}{suffix}")
        else:
            self._store.log(f"reconciled with the exchange: trading enabled{suffix}")
        return state

    async def run(self, *, baseline: bool = False) -> Reconciliation:
        """One comparison. `baseline` (a brand-new journal) adopts finished historical
        orders without flagging them; resting ones are always flagged."""
        orders: list[Order] = []
        positions: dict[str, api.MarketPosition] = {}
        stable = False
        for _attempt in range(STABLE_READ_ATTEMPTS):
            await self._fills.poll()
            orders = [convert.order(o) for o in await self._client.get_all_orders(limit=200)]
            page = await self._client.get_all_positions(limit=1000)
            positions = {p.ticker: p for p in page.market_positions}
            if not await self._fills.poll():
                stable = True
                break
        self._check_orders(orders, baseline=baseline)
        await self._check_missing(orders)
        if stable:
            self._fills.refresh_tally()
            self._check_positions(positions)
            self._check_fill_counts(orders)
        self._runs += 1
        self._last_run = self._clock()
        self._publish()
        return self.state

    # --- the checks -------------------------------------------------------------------

    def _check_orders(self, orders: list[Order], *, baseline: bool) -> None:
        historical = 0
        for order in orders:
            if self._journal.order(order.order_id) is not None:
                self._service.record_exchange_order(order)
                continue
            intent = self._journal.intent(order.client_order_id) if order.client_order_id else None
            if intent is not None:
                if intent.is_unresolved:
                    continue  # the resolver settles it by client_order_id
                self._journal.record_order(order_as(order, intent.side, intent.action))
                if intent.state in _NEVER_PLACED:
                    self._flag(
                        "late_order",
                        order.order_id,
                        f"order {order.order_id} exists on the exchange although intent "
                        f"{intent.client_order_id} was settled as {intent.state}",
                        ticker=order.ticker,
                        order_id=order.order_id,
                    )
                continue
            self._journal.adopt_order(order)
            if baseline and order.status != "resting":
                historical += 1
                continue
            self._flag(
                "adopted_order",
                order.order_id,
                f"order {order.order_id} ({_describe(order)}, {order.status}) was not placed "
                "by this terminal; adopted into the journal",
                ticker=order.ticker,
                order_id=order.order_id,
            )
        if historical:
            self._store.log(f"journal started: adopted {historical} earlier finished order(s)")

    async def _check_missing(self, orders: list[Order]) -> None:
        listed = {order.order_id for order in orders}
        open_ids = set()
        for record in self._journal.open_orders():
            order_id = record.order.order_id
            open_ids.add(order_id)
            if order_id in listed:
                self._misses.pop(order_id, None)
                continue
            misses = self._misses.get(order_id, 0) + 1
            self._misses[order_id] = misses
            if misses < self.miss_limit:
                continue
            try:
                found = await self._client.get_order(order_id)
            except api.NotFound:
                self._flag(
                    "missing_order",
                    order_id,
                    f"order {order_id} ({_describe(record.order)}) is open in the journal but "
                    f"the exchange has not shown it in {misses} checks",
                    ticker=record.order.ticker,
                    order_id=order_id,
                )
                continue
            except api.KalshiError:
                continue  # ask again next time
            self._service.record_exchange_order(convert.order(found))
            self._misses.pop(order_id, None)
        for order_id in set(self._misses) - open_ids:
            del self._misses[order_id]

    def _check_positions(self, positions: dict[str, api.MarketPosition]) -> None:
        tally = self._fills.tally
        tickers = set(positions) | {t for t, n in tally.positions.items() if n != 0}
        for ticker in sorted(tickers):
            if ticker in tally.settled:
                continue
            ours = tally.position(ticker)
            theirs = positions[ticker].position if ticker in positions else ZERO
            if ours != theirs:
                self._flag(
                    "position_mismatch",
                    f"{ticker}:{ours}:{theirs}",
                    f"position in {ticker}: journal fills give {fmt.count(ours)}, "
                    f"the exchange says {fmt.count(theirs)}",
                    ticker=ticker,
                )

    def _check_fill_counts(self, orders: list[Order]) -> None:
        filled = self._fills.tally.filled
        for order in orders:
            ours = filled.get(order.order_id, ZERO)
            if ours != order.fill_count:
                self._flag(
                    "fill_count_mismatch",
                    f"{order.order_id}:{ours}:{order.fill_count}",
                    f"order {order.order_id} ({order.ticker}): the exchange counts "
                    f"{fmt.count(order.fill_count)} filled, the journal's fills "
                    f"{fmt.count(ours)}",
                    ticker=order.ticker,
                    order_id=order.order_id,
                )

    # --- findings ---------------------------------------------------------------------

    def _flag(
        self,
        kind: str,
        key: str,
        message: str,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        blocking: bool = True,
    ) -> None:
        finding_id = f"{kind}:{key}"
        if finding_id in self._findings:
            return
        acknowledged = finding_id in self._acknowledged
        finding = Finding(
            finding_id=finding_id,
            kind=kind,
            message=message,
            ticker=ticker,
            order_id=order_id,
            blocking=blocking,
            acknowledged=acknowledged,
            at=self._clock(),
        )
        self._findings[finding_id] = finding
        self._trim()
        payload = {"finding": finding_id, "kind": kind, "message": message, "blocking": blocking}
        self._journal.record_event(EventKind.RECONCILIATION, payload, order_id=order_id)
        hint = " (acknowledge it to resume new orders)" if blocking and not acknowledged else ""
        self._store.log(f"RECONCILIATION {kind}: {message}{hint}", level="warning")

    def _trim(self) -> None:
        while len(self._findings) > MAX_FINDINGS:
            done = [k for k, f in self._findings.items() if f.acknowledged or not f.blocking]
            del self._findings[done[0] if done else next(iter(self._findings))]

    def acknowledge(self, finding_id: str) -> Finding:
        """The user has seen a finding; it no longer blocks orders. Raises KeyError for an
        unknown id. A missing order acknowledged is closed in the journal as canceled."""
        finding = self._findings.get(finding_id)
        if finding is None:
            known = ", ".join(self._findings) or "none"
            raise KeyError(f"no reconciliation finding {finding_id!r} (known: {known})")
        if finding.acknowledged:
            return finding
        if finding.kind == "missing_order" and finding.order_id is not None:
            self._journal.record_cancel(
                finding.order_id, reason="gone from the exchange; acknowledged by the user"
            )
            self._misses.pop(finding.order_id, None)
        self._journal.record_event(
            EventKind.RECONCILIATION, {"acknowledged": finding_id}, order_id=finding.order_id
        )
        self._acknowledged.add(finding_id)
        finding = finding.acknowledge()
        self._findings[finding_id] = finding
        self._store.log(f"reconciliation finding acknowledged: {finding.message}")
        self._publish()
        return finding

    def _publish(self) -> None:
        self._store.update(reconciliation=self.state)


def _describe(order: Order) -> str:
    return (
        f"{order.action} {fmt.count(order.initial_count)} {order.side.upper()} @ "
        f"{fmt.cents(order.price)} {order.ticker}"
    )
