"""Intra-account transfers: collateral moved between two shards of one account.

Kalshi runs each transfer asynchronously; the simulator completes it at once (status
``complete``), so the money is usable on the destination shard by the next request.
"""

from __future__ import annotations

from kalshi_tui.exchange.engine.shards import check_shard
from kalshi_tui.exchange.engine.state import State
from kalshi_tui.exchange.engine.views import ExchangeError, TransferView


def transfer(
    state: State, user_id: str, source: int, destination: int, amount: int, now: int
) -> TransferView:
    """Move ``amount`` money units of free balance from ``source`` to ``destination``."""
    check_shard(source, "source_exchange_shard")
    check_shard(destination, "destination_exchange_shard")
    if source == destination:
        raise ExchangeError(
            400, "invalid_parameters", "source and destination exchange shards are the same"
        )
    if amount <= 0:
        raise ExchangeError(400, "invalid_parameters", "amount must be positive")
    account = state.account(user_id)
    free = account.wallets[source].available if source in account.wallets else 0
    if amount > free:
        raise ExchangeError(
            400,
            "insufficient_balance",
            f"insufficient balance on exchange index {source}",
            f"free balance on exchange index {source} is below the amount",
        )
    account.wallet(source).cash -= amount
    account.wallet(destination).cash += amount
    account.updated_ms = now
    view = TransferView(state.next_id(), source, destination, amount, "complete", now)
    account.transfers.append(view)
    return view


def user_transfer(state: State, user_id: str, transfer_id: str) -> TransferView:
    account = state.accounts.get(user_id)
    for view in account.transfers if account is not None else []:
        if view.transfer_id == transfer_id:
            return view
    raise ExchangeError(404, "not_found", "transfer not found", transfer_id)
