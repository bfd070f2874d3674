"""A real app process for the multi-process tests: the app's own factory (`make_app`, as
`kalshi-tui` with no subcommand builds it) and its session running, only without the
screen (Textual needs a terminal the test does not have).

    python tests/journal/app_holder.py CONFIG            # build the app, run its session
    python tests/journal/app_holder.py CONFIG --build    # build it only (takes the app lock)
    python tests/journal/app_holder.py - --build         # the same for the keyless demo

It talks in lines. Out (stdout, flushed): `ready PID` once trading is enabled (with
`--build`: once built); `mode HALTED|ACTIVE|REDUCING <time.time()>` on every change of the
trading mode; `wrote intent|order|fill ID` after each journal write of that row returns
(the write is committed then); `placed ID STATE ORDER_ID` or `denied CODE MESSAGE` for a
`place`; `armed` after an `on-active`; `book TICKER` when the selected market's book is
in; `finding ID blocking=…` for each reconciliation finding; `acknowledged` after an
`ack`. In (stdin):

    select TICKER                  select a market (its book is polled)
    on-active COMMAND              run COMMAND the moment trading re-arms (ACTIVE)
    ack                            acknowledge every blocking finding (as the screen's `a`)
    place TICKER SIDE PRICE COUNT  submit a buy through the app's order service
    cross TICKER COUNT             the same, buying YES at the best ask of the app's book
    quit                           close the session and exit 0

The journal is wrapped here, in this process only, to report its writes; nothing in
production code knows about this.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from kalshi_tui.config import load_settings
from kalshi_tui.domain.models import Fill, Order
from kalshi_tui.domain.orders import Denial, OrderDraft
from kalshi_tui.domain.store import Snapshot
from kalshi_tui.journal import IntentRecord, Journal
from kalshi_tui.ui.app import make_app


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def report_writes(journal: Journal) -> None:
    """Wrap `journal`'s intent, order and fill writes to print one line per row written."""

    def wrap(name: str, lines: Callable[[Any, tuple[Any, ...]], Iterable[str]]) -> None:
        real = getattr(journal, name)

        def reporting(*args: Any, **kwargs: Any) -> Any:
            result = real(*args, **kwargs)
            for line in lines(result, args):
                say(line)
            return result

        setattr(journal, name, reporting)

    def intent(result: IntentRecord, _args: tuple[Any, ...]) -> list[str]:
        return [f"wrote intent {result.client_order_id}"]

    def ack(result: IntentRecord, _args: tuple[Any, ...]) -> list[str]:
        return [f"wrote order {result.order_id}"] if result.order_id else []

    def order(_result: bool, args: tuple[Any, ...]) -> list[str]:
        placed: Order = args[0]
        return [f"wrote order {placed.order_id}"]

    def fill(result: bool, args: tuple[Any, ...]) -> list[str]:
        new: Fill = args[0]
        return [f"wrote fill {new.fill_id}"] if result else []

    def fills(result: list[Fill], _args: tuple[Any, ...]) -> list[str]:
        return [f"wrote fill {new.fill_id}" for new in result]

    wrap("record_intent", intent)
    wrap("record_ack", ack)
    wrap("resolve_unknown", ack)
    wrap("record_order", order)
    wrap("adopt_order", order)
    wrap("record_fill", fill)
    wrap("record_fills", fills)


async def commands(queue: asyncio.Queue[str]) -> None:
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        await queue.put(line.strip() if line else "quit")
        if not line:
            return


async def main(config: str) -> None:
    app = make_app(load_settings(config), demo=False)
    session = app.session
    assert session.journal is not None
    assert session.trading is not None
    report_writes(session.journal)
    last_mode: list[str] = []
    books: set[str] = set()
    findings: set[str] = set()

    on_active: list[str] = []
    queue: asyncio.Queue[str] = asyncio.Queue()

    def watch(snapshot: Snapshot, _changed: frozenset[str]) -> None:
        mode = snapshot.trading.mode.name
        if not last_mode or last_mode[-1] != mode:
            last_mode.append(mode)
            say(f"mode {mode} {time.time():.6f}")
            if mode == "ACTIVE" and on_active:
                # A trader's key press in the very turn the app re-arms.
                queue.put_nowait(on_active.pop())
        for finding in snapshot.reconciliation.findings:
            if finding.finding_id not in findings:
                findings.add(finding.finding_id)
                say(f"finding {finding.finding_id} blocking={finding.blocking}")
        book = snapshot.book
        if book is not None and book.ticker not in books and book.ticker == snapshot.selected:
            books.add(book.ticker)
            say(f"book {book.ticker}")

    session.store.subscribe(watch)
    ready = asyncio.Event()
    session.store.subscribe(
        lambda snapshot, _changed: ready.set() if snapshot.trading_ready else None
    )
    watch(session.store.snapshot, frozenset())
    running = asyncio.create_task(session.run())
    await ready.wait()
    say(f"ready {os.getpid()}")
    reader = asyncio.create_task(commands(queue))
    try:
        while True:
            words = (await queue.get()).split()
            if not words:
                continue
            if words[0] == "quit":
                break
            if words[0] == "on-active":  # the rest of the line, once trading re-arms
                on_active.append(" ".join(words[1:]))
                say("armed")
            elif words[0] == "ack":  # as `a` on the reconciliation screen, for each one
                for finding in session.snapshot.reconciliation.blocking:
                    session.trading.reconciler.acknowledge(finding.finding_id)
                say("acknowledged")
            elif words[0] == "select":
                session.select(words[1])
            elif words[0] in ("place", "cross"):
                if words[0] == "cross":  # buy YES at the best ask of the app's book
                    book = session.snapshot.book
                    assert book is not None
                    assert book.ticker == words[1]
                    assert book.best_yes_ask is not None
                    words = ["place", words[1], "yes", str(book.best_yes_ask), words[2]]
                ticker, side, price, count = words[1:5]
                draft = OrderDraft(
                    str(uuid.uuid4()), ticker, side, "buy", Decimal(price), Decimal(count)
                )  # type: ignore[arg-type]
                result = await session.trading.orders.submit(draft)
                if isinstance(result, Denial):
                    say(f"denied {result.code} {result.message}")
                else:
                    say(f"placed {result.client_order_id} {result.state} {result.order_id}")
    finally:
        reader.cancel()
        running.cancel()
        await session.close()


def build_only(config: str) -> None:
    """Build the app (taking the app lock) and wait: the one-app-per-journal test. CONFIG
    `-` builds the keyless demo app, as `kalshi-tui` does without a config file."""
    app = make_app(None if config == "-" else load_settings(config), demo=False)
    say(f"ready {os.getpid()}")
    sys.stdin.readline()
    asyncio.run(app.session.close())


if __name__ == "__main__":
    if "--build" in sys.argv[2:]:
        build_only(sys.argv[1])
    else:
        asyncio.run(main(sys.argv[1]))
