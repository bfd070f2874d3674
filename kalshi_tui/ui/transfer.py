"""Opening the transfer dialog and sending what it confirms (the `T` key and the palette).

The request goes through `services.transfers.send_transfer`, the procedure
`kalshi-tui transfer` uses: journaled before it is sent, its outcome after. The outcome is
logged and notified; the portfolio poller is poked so the header's balances follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kalshi_tui.services.transfers import TransferRefused, TransferRequest, send_transfer
from kalshi_tui.ui.screens.transfer import TransferScreen

if TYPE_CHECKING:
    from kalshi_tui.ui.app import TerminalApp


def default_route(app: TerminalApp) -> tuple[int, int | None]:
    """(from, to) to prefill: to the selected market's shard when it is not 0 (from 0),
    else from the other shard with the most money back to 0."""
    snapshot = app.session.store.snapshot
    market = snapshot.market(snapshot.selected)
    if market is not None and market.exchange_index != 0:
        return 0, market.exchange_index
    balance = snapshot.balance
    others = [] if balance is None else [p for p in balance.by_shard() if p[0] != 0 and p[1] > 0]
    if others:
        return max(others, key=lambda pair: pair[1])[0], 0
    return 0, None


def open_transfer_dialog(app: TerminalApp) -> None:
    snapshot = app.session.store.snapshot
    source, destination = default_route(app)
    screen = TransferScreen(
        snapshot.balance,
        source=source,
        destination=destination,
        production=snapshot.environment == "prod",
    )

    def confirmed(request: TransferRequest | None) -> None:
        if request is not None:
            app.run_worker(send(app, request), group="transfer", exit_on_error=False)

    app.push_screen(screen, confirmed)


async def send(app: TerminalApp, request: TransferRequest) -> None:
    session = app.session
    try:
        result = await send_transfer(session.client, session.journal, request)
    except TransferRefused as refused:
        session.store.log(str(refused), "error")
        app.notify(str(refused), severity="error", markup=False)
        return
    level = {"done": "info", "refused": "warning", "unknown": "error"}[result.outcome]
    session.store.log(result.message, level)
    if result.outcome == "done":
        app.notify(result.message, severity="information", markup=False)
    else:
        app.notify(result.message, severity="error", markup=False)
    poller = session.pollers.get("portfolio")
    if poller is not None:
        poller.poke()
