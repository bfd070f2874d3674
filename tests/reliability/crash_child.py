"""The process `test_crash.py` kills: opens the journal and the trading services against an
exchange running in the test's process, does one scenario, and SIGKILLs itself at the
kill point named by the environment variable `SOAK_KILL_AT` — no hook in production code:
the client method the point sits on is wrapped here, in the child only.

    PYTHONPATH=<repo> python tests/reliability/crash_child.py URL KEY_FILE KEY_ID JOURNAL SCENARIO

Scenarios: `place` (one resting order), `cancel_all` (three orders, then cancel-all),
`halt` (three orders, then the kill switch), `amend` (one resting order of 2, amended to
40), `churn` (place and cancel until killed from outside). Kill points:

    before_create      the intent is journaled (durably) and marked sent; the POST never leaves
    after_create       the exchange applied the order and answered; the ack is not journaled
    after_cancel_all   the exchange cancelled everything; the journal has not heard
    mid_halt           the halt is journaled; the clean-up's first cancel is about to go out
    before_amend       the amend is journaled (durably); its request never leaves
    after_amend        the exchange applied the amend and answered; the answer is not journaled

In the `halt` scenario the clean-up's first cancel is the order group's trigger (the kill
switch uses no cancel-all route), so both points sit on `trigger_order_group` there.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.soak_account import Account
from kalshi_tui import api
from kalshi_tui.domain.orders import Denial, OrderDraft

KILL_ENV = "SOAK_KILL_AT"


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def wrap(obj: Any, name: str, *, before: bool) -> None:
    """Replace `obj.name` (an async method) with one that dies before or after it runs."""
    real: Callable[..., Awaitable[Any]] = getattr(obj, name)

    async def dying(*args: Any, **kwargs: Any) -> Any:
        if before:
            die()
        result = await real(*args, **kwargs)
        die()
        return result

    setattr(obj, name, dying)


def draft(ticker: str, price: str) -> OrderDraft:
    return OrderDraft(str(uuid.uuid4()), ticker, "yes", "buy", Decimal(price), Decimal(1))


async def main(url: str, key_file: str, key_id: str, journal: str, scenario: str) -> None:
    key = api.load_private_key(Path(key_file))
    account = Account(url, key_id, key, Path(journal), time.time, lag_window=2.0, timeout=5.0)
    account.open()
    await account.start()
    client = account.client
    assert client is not None
    markets = await client.get_markets(status="open", limit=3)
    tickers = [m.ticker for m in markets.markets]
    orders = account.trading.orders
    kill_at = os.environ.get(KILL_ENV, "")
    if scenario in ("cancel_all", "halt"):
        for i, ticker in enumerate(tickers):
            await orders.submit(draft(ticker, f"0.0{i + 2}"))
    cancel_all = "trigger_order_group" if scenario == "halt" else "cancel_all_orders"
    if kill_at == "before_create":
        wrap(client, "create_order", before=True)
    elif kill_at == "after_create":
        wrap(client, "create_order", before=False)
    elif kill_at == "after_cancel_all":
        wrap(client, cancel_all, before=False)
    elif kill_at == "mid_halt":
        wrap(client, cancel_all, before=True)
    if scenario == "amend":
        placed = await orders.submit(
            OrderDraft(str(uuid.uuid4()), tickers[0], "yes", "buy", Decimal("0.05"), Decimal(2))
        )
        assert not isinstance(placed, Denial), placed
        assert placed.order_id is not None, placed
        if kill_at == "before_amend":
            wrap(client, "amend_order", before=True)
        elif kill_at == "after_amend":
            wrap(client, "amend_order", before=False)
        await orders.amend(placed.order_id, Decimal("0.05"), Decimal(40))
    if scenario == "place":
        await orders.submit(draft(tickers[0], "0.05"))
    elif scenario == "cancel_all":
        await orders.cancel_all()
    elif scenario == "halt":
        await account.killswitch.halt("crash-test", "halted by the crash test")
    elif scenario == "churn":
        while True:
            for ticker in tickers:
                await orders.submit(draft(ticker, "0.03"))
            open_orders = account.journal.open_orders()
            if len(open_orders) > 6:
                await orders.cancel(open_orders[0].order.order_id)
    print(f"scenario {scenario} finished without reaching kill point {kill_at!r}")
    sys.exit(3)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
