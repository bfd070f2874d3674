"""The soak's invariants: the journal against the exchange's own books, exactly.

The exchange's truth is read from the simulator's engine directly (under its lock), not over
HTTP, so a check never meets an injected fault and never shifts the seeded fault draws.

`cheap()` runs after every soak step; `full()` runs at the end of a seed, after faults are
switched off and everything is resolved. Each returns the violated invariants as strings
(empty: all held) and adds the number of invariants it evaluated to `Tally.checks`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from kalshi_tui.domain.models import Position
from kalshi_tui.domain.pnl import MarketBook, PnlBook
from kalshi_tui.domain.pnl_report import cross_check
from kalshi_tui.exchange.engine.views import (
    COUNT_SCALE,
    MONEY_SCALE,
    FillView,
    OrderView,
    PositionView,
)
from kalshi_tui.exchange.server import RunningExchange
from kalshi_tui.journal import IntentState, Journal
from kalshi_tui.journal.pnl_source import load_pnl_book
from kalshi_tui.services.fills import FillTally

PLACED = frozenset({IntentState.ACKED, IntentState.FILLED, IntentState.CANCELED})
NEVER_PLACED = frozenset({IntentState.NOT_PLACED, IntentState.REJECTED, IntentState.WITHDRAWN})


@dataclass
class Truth:
    """The exchange's books for the soak's account at one instant."""

    orders: list[OrderView]
    fills: list[FillView]
    positions: list[PositionView]
    cash: int
    """Money units: available balance plus what resting orders lock."""


@dataclass
class Tally:
    checks: int = 0
    halted_creates: int = 0
    """Orders the exchange created while the journal said HALTED (must stay 0)."""
    by_name: Counter[str] = field(default_factory=Counter)


def read_truth(exchange: RunningExchange) -> Truth:
    user = exchange.user_id
    with exchange.engine() as engine:
        balance = engine.balance(user)
        return Truth(
            orders=engine.orders(user),
            fills=engine.fills(user),
            positions=engine.positions(user),
            cash=balance.balance + balance.locked,
        )


def _origin(journal: Journal, order: OrderView) -> str | None:
    """The client_order_id of the intent that placed `order` (None: nothing journaled)."""
    record = journal.order(order.order_id)
    if record is not None:
        return record.intent_id
    if journal.intent(order.client_order_id) is not None:
        return order.client_order_id
    return None


def cheap(journal: Journal, truth: Truth, tally: Tally) -> list[str]:
    """Every exchange order traces to one intent; no intent placed two orders; every
    settled intent's outcome is the exchange's (placed: its order exists; not placed or
    rejected: no order carries its id); every journaled fill is one the exchange made."""
    problems: list[str] = []
    origins: Counter[str] = Counter()
    for order in truth.orders:
        origin = _origin(journal, order)
        if origin is None:
            problems.append(
                f"exchange order {order.order_id} (client_order_id {order.client_order_id}) "
                "has no journal intent"
            )
        else:
            origins[origin] += 1
    problems += [f"intent {cid} created {n} exchange orders" for cid, n in origins.items() if n > 1]
    ids = {order.order_id for order in truth.orders}
    cids = {order.client_order_id for order in truth.orders}
    for intent in journal.intents(PLACED):
        if intent.order_id not in ids:
            problems.append(
                f"intent {intent.client_order_id} is {intent.state} with order "
                f"{intent.order_id}, which the exchange does not have"
            )
    for intent in journal.intents(NEVER_PLACED):
        if intent.client_order_id in cids:
            problems.append(
                f"intent {intent.client_order_id} was settled {intent.state} but the "
                "exchange has an order under its client_order_id"
            )
    exchange_fills = {f.fill_id for f in truth.fills}
    extra = journal.fill_ids() - exchange_fills
    if extra:
        problems.append(f"journal has fills the exchange never made: {sorted(extra)[:5]}")
    _count(
        tally,
        "order_has_intent",
        "one_order_per_intent",
        "resolved_truly",
        "journal_fills_real",
    )
    return problems


def full(
    journal: Journal, truth: Truth, positions: list[Position], start_cash: int, tally: Tally
) -> list[str]:
    """Everything, once the run is quiet (no faults, nothing unresolved)."""
    problems = cheap(journal, truth, tally)
    unresolved = journal.unresolved_intents()
    if unresolved:
        problems.append(
            f"{len(unresolved)} intent(s) still unresolved: "
            + ", ".join(f"{i.client_order_id} ({i.state})" for i in unresolved[:5])
        )
    changes = journal.unresolved_amends()
    if changes:
        problems.append(
            f"{len(changes)} amend/decrease intent(s) still unresolved: "
            + ", ".join(f"{c.kind} of {c.order_id} (seq {c.seq})" for c in changes[:5])
        )
    problems += _intents_match(journal, truth)
    problems += _orders_match(journal, truth)
    problems += _fills_match(journal, truth)
    problems += _positions_match(journal, truth)
    book = load_pnl_book(journal)
    problems += [f"P&L cross-check: {d}" for d in cross_check(book, positions)]
    ours = sum(
        (m.exchange_realized - m.exchange_exposure - m.fees for m in book.markets.values()),
        Decimal(0),
    )
    expected = Decimal(start_cash) / MONEY_SCALE + ours
    actual = Decimal(truth.cash) / MONEY_SCALE
    if expected != actual:
        problems.append(
            f"balance: start + journal P&L - exposure - fees = {expected}, exchange cash "
            f"{actual} (difference {actual - expected})"
        )
    integrity = journal.integrity_check()
    if integrity:
        problems.append(f"journal integrity_check: {integrity}")
    _count(
        tally,
        "all_resolved",
        "intents_match",
        "orders_match",
        "fills_match",
        "positions_match",
        "pnl_cross_check",
        "balance",
        "integrity",
    )
    return problems


def _intents_match(journal: Journal, truth: Truth) -> list[str]:
    problems = []
    by_origin = {_origin(journal, o): o for o in truth.orders}
    for intent in journal.intents():
        cid = intent.client_order_id
        order = by_origin.get(cid)
        if intent.state in PLACED:
            if order is None or order.order_id != intent.order_id:
                problems.append(
                    f"intent {cid} is {intent.state} (order {intent.order_id}) but the exchange "
                    f"has {'nothing' if order is None else order.order_id} for it"
                )
        elif intent.state in NEVER_PLACED and order is not None:
            problems.append(
                f"intent {cid} is {intent.state} but the exchange has order {order.order_id}"
            )
    return problems


def _orders_match(journal: Journal, truth: Truth) -> list[str]:
    problems = []
    for order in truth.orders:
        record = journal.order(order.order_id)
        if record is None:
            problems.append(f"exchange order {order.order_id} is not in the journal")
            continue
        ours = record.order
        theirs = (
            order.status,
            Decimal(order.fill_count) / COUNT_SCALE,
            Decimal(order.remaining_count) / COUNT_SCALE,
        )
        if (ours.status, ours.fill_count, ours.remaining_count) != theirs:
            problems.append(
                f"order {order.order_id}: journal {ours.status} filled {ours.fill_count} "
                f"resting {ours.remaining_count}, exchange {theirs[0]} filled {theirs[1]} "
                f"resting {theirs[2]}"
            )
    return problems


def _fills_match(journal: Journal, truth: Truth) -> list[str]:
    ours = {f.fill_id: f for f in journal.fills()}
    theirs = {f.fill_id: f for f in truth.fills}
    problems = []
    if set(ours) != set(theirs):
        missing = sorted(set(theirs) - set(ours))
        extra = sorted(set(ours) - set(theirs))
        problems.append(f"fills differ: journal lacks {missing[:5]}, has extra {extra[:5]}")
    for fill_id in set(ours) & set(theirs):
        fill = ours[fill_id]
        if fill.count != Decimal(theirs[fill_id].count) / COUNT_SCALE:
            problems.append(f"fill {fill_id}: count differs")
        record = journal.order(fill.order_id)
        if record is not None and (fill.side, fill.action) != (
            record.order.side,
            record.order.action,
        ):
            problems.append(
                f"fill {fill_id} is journaled as {fill.action} {fill.side}, its order "
                f"{fill.order_id} is {record.order.action} {record.order.side}"
            )
    return problems


def _positions_match(journal: Journal, truth: Truth) -> list[str]:
    tally = FillTally.from_journal(journal)
    theirs = {p.ticker: Decimal(p.position) / COUNT_SCALE for p in truth.positions}
    problems = []
    for ticker in sorted(set(theirs) | set(tally.positions)):
        ours = tally.position(ticker)
        if ours != theirs.get(ticker, Decimal(0)):
            problems.append(f"position {ticker}: journal {ours}, exchange {theirs.get(ticker)}")
    return problems


def pnl_recomputed(book: PnlBook | None, journal: Journal, tally: Tally) -> list[str]:
    """The app's live P&L book equals a recompute from the journal, market by market
    (position, cost basis, realized, fees, fill count): every fill in the journal, whoever
    journaled it, is in the book exactly once."""
    _count(tally, "pnl_recomputed")
    if book is None:
        return ["the app has no P&L book"]
    fresh = load_pnl_book(journal)
    problems = []
    for ticker in sorted(set(book.markets) | set(fresh.markets)):
        live, again = _pnl_row(book.market(ticker)), _pnl_row(fresh.market(ticker))
        if live != again:
            problems.append(
                f"P&L of {ticker}: the app's book (position, cost, realized, fees, fills) "
                f"{live}, recomputed from the journal {again}"
            )
    return problems


def _pnl_row(market: MarketBook | None) -> tuple[Decimal, Decimal, Decimal, Decimal, int]:
    if market is None:
        return (Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0)
    return (
        market.signed_contracts,
        market.cost,
        market.realized,
        market.fees,
        market.fill_count,
    )


def _count(tally: Tally, *names: str) -> None:
    tally.checks += len(names)
    tally.by_name.update(names)
